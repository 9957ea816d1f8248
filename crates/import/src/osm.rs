//! OpenStreetMap PBF input: buildings, highways, residential land use and administrative
//! boundaries from one raw extract.
//!
//! A PBF file lists nodes, then ways, then relations, and a way knows only its node ids. The file
//! is therefore read three times, each pass keeping only what the next needs: the relations of
//! interest (and so their member ways), then the ways (and so their nodes), then the nodes'
//! coordinates. Multipolygon relations are assembled by joining member ways end to end into rings.
//!
//! Source ids follow osm2pgsql and Tilezen: a way keeps its id, a relation gets its id negated.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use geo::{Contains, Coord, LineString, Point, Polygon};
use osmpbf::{Element, ElementReader, RelMemberType};
use serde_json::Value;

use crate::crs::Crs;
use crate::error::{ImportError, Result};
use crate::features::{Builder, Shape, SourceFeature};
use crate::fields::Props;
use crate::validate;
use crate::{ImportOptions, InputLayer, Progress};

const MISSING_NODES: &str = "ways with nodes outside the extract (cut at its edge)";
const MISSING_MEMBERS: &str =
    "relations with member ways or nodes outside the extract (cut at its edge)";
const OPEN_RINGS: &str = "multipolygon relations whose member ways do not join into closed rings";
const HIGHWAY_AREAS: &str = "highway areas (area=yes; squares and plazas are not street lines)";

/// A way kept for the second half of the import.
#[derive(Debug, Clone)]
struct WayRecord {
    id: i64,
    refs: Vec<i64>,
    tags: Props,
}

/// A relation of interest with its way members and their roles.
#[derive(Debug, Clone)]
struct RelationRecord {
    id: i64,
    members: Vec<(i64, String)>,
    tags: Props,
}

/// Reads an OSM PBF file into the builder.
pub(crate) fn read(
    path: &Path,
    builder: &mut Builder,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<()> {
    let file = builder.file().to_string();
    if options.crs != Crs::Wgs84 {
        return Err(ImportError::WrongLayer {
            file,
            message: format!(
                "OpenStreetMap data is always WGS-84, but --crs {} was given; drop --crs",
                options.crs
            ),
        });
    }
    // A PBF holds every layer: a chosen layer picks features instead of forcing them.
    builder.filter_by_layer();
    let wanted = options.layer;
    let open = || {
        std::fs::metadata(path).map_err(|source| ImportError::Io {
            file: file.clone(),
            source,
        })?;
        ElementReader::from_path(path).map_err(|e| osm_error(&file, &e))
    };

    progress.begin(&format!("{file}: relations (pass 1 of 3)"), None);
    let mut relations = Vec::new();
    open()?
        .for_each(|element| {
            if let Element::Relation(relation) = element {
                progress.advance(1);
                let tags = props(relation.tags());
                if !relation_of_interest(&tags) || !layer_wanted(&tags, wanted) {
                    return;
                }
                let members = relation
                    .members()
                    .filter(|m| m.member_type == RelMemberType::Way)
                    .map(|m| (m.member_id, m.role().unwrap_or_default().to_string()))
                    .collect();
                relations.push(RelationRecord {
                    id: relation.id(),
                    members,
                    tags,
                });
            }
        })
        .map_err(|e| osm_error(&file, &e))?;
    progress.finish();
    let member_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|r| r.members.iter().map(|(id, _)| *id))
        .collect();

    progress.begin(&format!("{file}: ways (pass 2 of 3)"), None);
    let mut ways = Vec::new();
    let mut member_refs: HashMap<i64, Vec<i64>> = HashMap::new();
    open()?
        .for_each(|element| {
            if let Element::Way(way) = element {
                progress.advance(1);
                let member = member_ways.contains(&way.id());
                let interesting = way.tags().any(|(k, v)| key_of_interest(k, v));
                if member {
                    member_refs.insert(way.id(), way.refs().collect());
                }
                if !interesting {
                    return;
                }
                let tags = props(way.tags());
                let refs: Vec<i64> = way.refs().collect();
                let closed = refs.len() >= 4 && refs.first() == refs.last();
                // Open boundary ways are pieces of boundary relations, read through those.
                let boundary_piece = way_layer(&tags) == Some(InputLayer::Communities) && !closed;
                if boundary_piece || !layer_wanted(&tags, wanted) {
                    return;
                }
                ways.push(WayRecord {
                    id: way.id(),
                    refs,
                    tags,
                });
            }
        })
        .map_err(|e| osm_error(&file, &e))?;
    progress.finish();
    let needed: HashSet<i64> = ways
        .iter()
        .flat_map(|w| w.refs.iter().copied())
        .chain(member_refs.values().flatten().copied())
        .collect();

    progress.begin(&format!("{file}: nodes (pass 3 of 3)"), None);
    let mut nodes: HashMap<i64, [f64; 2]> = HashMap::with_capacity(needed.len());
    open()?
        .for_each(|element| {
            let (id, lon, lat) = match element {
                Element::Node(n) => (n.id(), n.lon(), n.lat()),
                Element::DenseNode(n) => (n.id(), n.lon(), n.lat()),
                _ => return,
            };
            progress.advance(1);
            if needed.contains(&id) {
                nodes.insert(id, [lon, lat]);
            }
        })
        .map_err(|e| osm_error(&file, &e))?;
    progress.finish();

    progress.begin(
        &format!("{file}: features"),
        Some((ways.len() + relations.len()) as u64),
    );
    for way in ways {
        progress.advance(1);
        let Some(coords) = locate(&way.refs, &nodes) else {
            builder.skip(MISSING_NODES);
            continue;
        };
        let closed = coords.len() >= 4 && way.refs.first() == way.refs.last();
        let shape = if way_layer(&way.tags) == Some(InputLayer::Streets) {
            if closed && tag_is(&way.tags, "area", "yes") {
                builder.skip(HIGHWAY_AREAS);
                continue;
            }
            Shape::Lines(vec![coords])
        } else if closed {
            Shape::Polygons(vec![vec![coords]])
        } else {
            Shape::Lines(vec![coords])
        };
        builder.add(SourceFeature {
            label: format!("way {}", way.id),
            id: Some(way.id.to_string()),
            props: way.tags,
            shape,
        })?;
    }
    for relation in relations {
        progress.advance(1);
        let label = format!("relation {}", relation.id);
        let mut outers = Vec::new();
        let mut inners = Vec::new();
        let mut complete = true;
        for (way, role) in &relation.members {
            match member_refs.get(way) {
                Some(refs) if locate(refs, &nodes).is_some() => match role.as_str() {
                    "inner" => inners.push(refs.clone()),
                    "outer" | "" => outers.push(refs.clone()),
                    // Labels, admin centres and sub-areas are not part of the outline.
                    _ => {}
                },
                _ => complete = false,
            }
        }
        if !complete {
            builder.skip(MISSING_MEMBERS);
            continue;
        }
        let Some((polygons, stray)) = assemble(outers, inners, &nodes) else {
            builder.skip(OPEN_RINGS);
            continue;
        };
        if stray > 0 {
            builder.warn(
                &label,
                format!("{stray} inner ring(s) lie in no outer ring; left them out"),
            );
        }
        builder.add(SourceFeature {
            label,
            id: Some((-relation.id).to_string()),
            props: relation.tags,
            shape: Shape::Polygons(polygons),
        })?;
    }
    progress.finish();
    Ok(())
}

fn osm_error(file: &str, error: &osmpbf::Error) -> ImportError {
    ImportError::Osm {
        file: file.to_string(),
        message: error.to_string(),
    }
}

fn props<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Props {
    tags.map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

fn tag_is(tags: &Props, key: &str, value: &str) -> bool {
    tags.get(key).and_then(Value::as_str) == Some(value)
}

/// A tag that makes a way worth keeping, checked before any allocation.
fn key_of_interest(key: &str, value: &str) -> bool {
    match key {
        "building" | "building:part" => value != "no",
        "highway" => true,
        "landuse" => value == "residential",
        "boundary" => value == "administrative",
        _ => false,
    }
}

/// The layer an OSM way or relation belongs to by its tags.
fn way_layer(tags: &Props) -> Option<InputLayer> {
    let has = |key: &str| {
        tags.get(key)
            .and_then(Value::as_str)
            .is_some_and(|v| v != "no")
    };
    if has("building") || has("building:part") {
        Some(InputLayer::Buildings)
    } else if has("highway") {
        Some(InputLayer::Streets)
    } else if tag_is(tags, "landuse", "residential") {
        Some(InputLayer::Compounds)
    } else if tag_is(tags, "boundary", "administrative") {
        Some(InputLayer::Communities)
    } else {
        None
    }
}

fn layer_wanted(tags: &Props, wanted: Option<InputLayer>) -> bool {
    match wanted {
        None => way_layer(tags).is_some(),
        Some(layer) => way_layer(tags) == Some(layer),
    }
}

/// Multipolygon relations of buildings, residential land use and administrative boundaries.
fn relation_of_interest(tags: &Props) -> bool {
    let kind = tags.get("type").and_then(Value::as_str);
    let areal = matches!(kind, Some("multipolygon") | Some("boundary"));
    areal && way_layer(tags).is_some_and(|l| l != InputLayer::Streets)
}

/// The coordinates of a list of nodes, or `None` if any is missing.
fn locate(refs: &[i64], nodes: &HashMap<i64, [f64; 2]>) -> Option<validate::Path> {
    refs.iter().map(|id| nodes.get(id).copied()).collect()
}

/// Joins ways end to end into closed rings; `None` if some way cannot be joined into a ring.
fn join_rings(ways: Vec<Vec<i64>>) -> Option<Vec<Vec<i64>>> {
    let mut pool: Vec<Vec<i64>> = ways.into_iter().filter(|w| w.len() >= 2).collect();
    let mut rings = Vec::new();
    while let Some(mut ring) = pool.pop() {
        while ring.first() != ring.last() {
            let end = *ring.last()?;
            let next = pool
                .iter()
                .position(|w| w.first() == Some(&end) || w.last() == Some(&end))?;
            let mut next = pool.swap_remove(next);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend_from_slice(&next[1..]);
        }
        if ring.len() < 4 {
            return None;
        }
        rings.push(ring);
    }
    Some(rings)
}

/// Builds polygons from outer and inner member ways: each inner ring goes to the outer ring that
/// contains it. Returns the polygons (exterior first, then holes) and how many inner rings lay in
/// no outer ring.
fn assemble(
    outers: Vec<Vec<i64>>,
    inners: Vec<Vec<i64>>,
    nodes: &HashMap<i64, [f64; 2]>,
) -> Option<(Vec<Vec<validate::Path>>, usize)> {
    let outers = join_rings(outers)?;
    let inners = join_rings(inners)?;
    if outers.is_empty() {
        return None;
    }
    let mut polygons: Vec<Vec<validate::Path>> = outers
        .iter()
        .map(|ring| locate(ring, nodes).map(|r| vec![r]))
        .collect::<Option<_>>()?;
    let shells: Vec<Polygon<f64>> = polygons
        .iter()
        .map(|rings| {
            let ring: LineString<f64> = rings[0].iter().map(|&[x, y]| Coord { x, y }).collect();
            Polygon::new(ring, Vec::new())
        })
        .collect();
    let mut stray = 0;
    for inner in inners {
        let ring = locate(&inner, nodes)?;
        // Any point of a valid hole lies inside its shell; the midpoint of the first edge avoids
        // vertices shared with the shell.
        let probe = Point::new(
            (ring[0][0] + ring[1][0]) / 2.0,
            (ring[0][1] + ring[1][1]) / 2.0,
        );
        match shells.iter().position(|shell| shell.contains(&probe)) {
            Some(i) => polygons[i].push(ring),
            None => stray += 1,
        }
    }
    Some((polygons, stray))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(points: &[(i64, f64, f64)]) -> HashMap<i64, [f64; 2]> {
        points.iter().map(|&(id, x, y)| (id, [x, y])).collect()
    }

    #[test]
    fn ways_join_end_to_end_in_either_direction() {
        // A square 1-2-3-4 split into three ways, one of them reversed.
        let rings = join_rings(vec![vec![1, 2], vec![4, 3, 2], vec![4, 1]]).expect("closed");
        assert_eq!(rings.len(), 1);
        let ring = &rings[0];
        assert_eq!(ring.first(), ring.last());
        assert_eq!(ring.len(), 5);
        let mut corners = ring[..4].to_vec();
        corners.sort_unstable();
        assert_eq!(corners, vec![1, 2, 3, 4]);
        assert!(join_rings(vec![vec![1, 2], vec![2, 3]]).is_none());
    }

    #[test]
    fn holes_go_to_the_shell_that_contains_them() {
        let n = nodes(&[
            (1, 0.0, 0.0),
            (2, 10.0, 0.0),
            (3, 10.0, 10.0),
            (4, 0.0, 10.0),
            (5, 20.0, 0.0),
            (6, 30.0, 0.0),
            (7, 30.0, 10.0),
            (8, 20.0, 10.0),
            (11, 22.0, 2.0),
            (12, 24.0, 2.0),
            (13, 24.0, 4.0),
            (21, 50.0, 50.0),
            (22, 51.0, 50.0),
            (23, 51.0, 51.0),
        ]);
        let outers = vec![vec![1, 2, 3], vec![3, 4, 1], vec![5, 6, 7, 8, 5]];
        let inners = vec![vec![11, 12, 13, 11], vec![21, 22, 23, 21]];
        let (polygons, stray) = assemble(outers, inners, &n).expect("assembled");
        assert_eq!(polygons.len(), 2);
        assert_eq!(stray, 1);
        let with_hole: Vec<usize> = polygons.iter().map(Vec::len).collect();
        assert_eq!(with_hole.iter().sum::<usize>(), 3);
        let shell_of_hole = polygons
            .iter()
            .find(|p| p.len() == 2)
            .expect("one has a hole");
        assert!(shell_of_hole[0].iter().any(|&[x, _]| x == 30.0));
    }

    #[test]
    fn layers_come_from_tags() {
        let tags = |pairs: &[(&str, &str)]| props(pairs.iter().copied());
        assert_eq!(
            way_layer(&tags(&[("building", "yes")])),
            Some(InputLayer::Buildings)
        );
        assert_eq!(
            way_layer(&tags(&[("highway", "residential")])),
            Some(InputLayer::Streets)
        );
        assert_eq!(
            way_layer(&tags(&[("landuse", "residential")])),
            Some(InputLayer::Compounds)
        );
        assert_eq!(way_layer(&tags(&[("landuse", "forest")])), None);
        assert!(relation_of_interest(&tags(&[
            ("type", "multipolygon"),
            ("building", "yes")
        ])));
        assert!(relation_of_interest(&tags(&[
            ("type", "boundary"),
            ("boundary", "administrative")
        ])));
        assert!(!relation_of_interest(&tags(&[
            ("type", "route"),
            ("highway", "bus")
        ])));
    }
}
