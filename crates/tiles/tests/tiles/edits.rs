//! Edits reach the tiles: change a compound's tier (or its buildings' households), rebuild the
//! atlas, and the compound's features in the tile say so, while every other feature stays as it
//! was.

use geo::Rect;
use wangge_core::{Atlas, Tier};
use wangge_tiles::label::Labeller;
use wangge_tiles::{TileId, TileLayer, encode};

use crate::{decode, demo_data, layer, properties, string};

/// The tier of every feature of a layer, by feature id.
fn tiers(bytes: &[u8], name: &str) -> Vec<(u64, Option<String>)> {
    let layers = decode(bytes);
    let mut out: Vec<(u64, Option<String>)> = layer(&layers, name)
        .features
        .iter()
        .map(|f| (f.id.expect("compounds have ids"), string(f, "tier")))
        .collect();
    out.sort();
    out
}

#[test]
fn changing_a_tier_changes_the_tile() {
    let mut data = demo_data();
    let target = data
        .compounds
        .iter()
        .position(|c| c.tier == Tier::Green)
        .expect("the demo has green compounds");
    let id = data.compounds[target].id;
    let at = Labeller::default()
        .point(&data.compounds[target].geometry)
        .expect("a compound has an inside");
    let tile = TileId::covering(Rect::new(at, at), 15)
        .next()
        .expect("the compound is on the map");

    let before = encode(&Atlas::new(data.clone()), TileLayer::Compounds, tile);
    data.compounds[target].tier = Tier::Red;
    let after = encode(&Atlas::new(data), TileLayer::Compounds, tile);

    for name in ["compounds", "compound_points"] {
        let (old, new) = (tiers(&before, name), tiers(&after, name));
        assert_eq!(old.len(), new.len(), "{name}: the same features");
        let key = u64::try_from(id).expect("positive id");
        for ((old_id, old_tier), (new_id, new_tier)) in old.iter().zip(&new) {
            assert_eq!(old_id, new_id);
            if *old_id == key {
                assert_eq!(old_tier.as_deref(), Some("green"), "{name} before");
                assert_eq!(new_tier.as_deref(), Some("red"), "{name} after");
            } else {
                assert_eq!(
                    old_tier, new_tier,
                    "{name}: compound {old_id} must not change"
                );
            }
        }
        assert!(
            new.iter().any(|(i, _)| *i == key),
            "{name}: compound {id} is in {tile}"
        );
    }
}

#[test]
fn households_are_summed_over_buildings() {
    let mut data = demo_data();
    let compound = data
        .buildings
        .iter()
        .find_map(|b| b.compound)
        .expect("some building stands in a compound");
    let expected: u64 = data
        .buildings
        .iter()
        .filter(|b| b.compound == Some(compound))
        .map(|b| u64::from(b.households))
        .sum();
    let c = data
        .compounds
        .iter()
        .find(|c| c.id == compound)
        .expect("the compound exists");
    let at = Labeller::default().point(&c.geometry).expect("inside");
    let tile = TileId::covering(Rect::new(at, at), 16)
        .next()
        .expect("a tile");

    let households = |data: &wangge_core::Dataset| -> u64 {
        let bytes = encode(&Atlas::new(data.clone()), TileLayer::Compounds, tile);
        let layers = decode(&bytes);
        let f = layer(&layers, "compounds")
            .features
            .iter()
            .find(|f| f.id == u64::try_from(compound).ok())
            .expect("the compound is in its tile");
        match properties(f).get("households") {
            Some(mvt_reader::feature::Value::UInt(n)) => *n,
            other => panic!("households is {other:?}"),
        }
    };
    assert_eq!(households(&data), expected);
    let first = data
        .buildings
        .iter_mut()
        .find(|b| b.compound == Some(compound))
        .expect("a building");
    first.households += 7;
    assert_eq!(households(&data), expected + 7);
}
