//! A generated, deterministic demo sub-district, shaped like Huashan sub-district in Kunming.
//!
//! [`generate`] turns [`DemoSettings`] into a complete [`Dataset`]: a fictional district and
//! sub-district of about 4 km² near Kunming, ten communities that tile it exactly along road centre
//! lines, a street network of main roads, streets and lanes with Chinese names, about 270
//! compounds with exact management counts (66 full, 123 partial, 78 none by default), colour tiers
//! and star ratings, a few thousand buildings with registered households and residents (about
//! 60,000 people), 143 street chiefs, and partner departments (联动部门) with their contacts on
//! the 11 key streets. The same settings always give the same dataset.
//!
//! The crate is pure: no I/O, no clock, no global random state. The default settings are compiled
//! in from `data/demo.toml`, which explains every number.
//!
//! How the city is drawn, step by step (one private module each; `plane` holds the convex-polygon
//! geometry they share, `names` the word lists):
//! 1. `streets`: an irregular convex outline is split recursively by streets — main roads across
//!    the whole, collector streets down to the communities, local streets and lanes down to blocks.
//! 2. `parcels`: blocks are set back from the road centre lines by half the road width, given a use
//!    (housing, school, park …) and cut into compounds and shop rows.
//! 3. `compounds`: management, type, tier, stars and names.
//! 4. `buildings`: rows of buildings inside each plot.
//! 5. `people`: street chiefs, and the partner departments (联动部门) of the key streets.
//!
//! # Examples
//!
//! ```
//! use wangge_demo::{DemoSettings, generate};
//! let data = generate(&DemoSettings::builtin());
//! let communities = data.zones.iter().filter(|z| z.level == "community").count();
//! assert_eq!(communities, 10);
//! assert_eq!(data.compounds.len(), 267);
//! ```

mod buildings;
mod compounds;
mod error;
pub mod hotline;
mod names;
mod parcels;
mod people;
mod plane;
mod settings;
mod streets;
mod visits;

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wangge_core::{
    Building, Compound, Dataset, Id, LevelConfig, StreetSegment, Totals, Zone,
    assign_compound_codes, assign_zone_codes, link_buildings_to_compounds, recompute_totals,
};

pub use error::{DemoError, Result};
pub use settings::{
    BUILTIN_TOML, ChiefSettings, CompoundSettings, DemoSettings, LandSettings, PeopleSettings,
    PlaceSettings, StreetSettings,
};

use buildings::{Footprint, Style};
use names::{Namer, numeral};
use parcels::{LandUse, Parcel};
use plane::{EdgeTag, Line, Piece, Projection, Pt};
use streets::Plan;

/// The independent random streams, one per concern, so that changing how one part is drawn does
/// not reshuffle all the others.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Names = 1,
    Streets = 2,
    Land = 3,
    Traits = 4,
    Buildings = 5,
    Households = 6,
    Chiefs = 7,
    District = 8,
    Partners = 9,
    Visits = 10,
}

fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// Generates the demo sub-district described by `settings`.
///
/// The result has zones on the default levels (one district, one sub-district, the communities;
/// no grids), compounds with codes, buildings linked to their compounds, street segments, street
/// chiefs, and every zone's totals. The same settings give an identical dataset.
///
/// The compound count and the management counts are exact whenever the land has room for that
/// many compounds: the tests check the shipped settings for random seeds and a density of 150
/// compounds per km², the most [`DemoSettings::validate`] accepts. Should the land ever be too
/// small, the dataset has fewer compounds, the unmanaged ones being the ones left out.
pub fn generate(settings: &DemoSettings) -> Dataset {
    let seed = settings.seed;
    let projection = Projection::new(settings.place.centre_lon, settings.place.centre_lat);
    let mut namer = Namer::new(&mut rng(seed, Stream::Names));
    let plan = streets::plan(settings, &mut rng(seed, Stream::Streets), &mut namer);
    let parcels = parcels::parcels(&plan, settings, &mut rng(seed, Stream::Land));

    let mut data = Dataset::new(LevelConfig::default());
    let community_ids = zones(&mut data, &plan, settings, &projection, &mut namer);

    let mut addresses = Addresses::new(&plan);
    let mut builder = Builder {
        projection: &projection,
        buildings: Vec::new(),
    };
    let mut layout_rng = rng(seed, Stream::Buildings);

    // Cut housing parcels into compounds and shop rows; the compounds' traits are decided all at
    // once, because management counts are exact over the whole sub-district.
    let mut plots: Vec<(usize, Piece, Pt)> = Vec::new();
    for (p, parcel) in parcels.iter().enumerate() {
        if parcel.usage != LandUse::Housing {
            continue;
        }
        let cut = parcels::plots(parcel, settings, &mut layout_rng);
        for piece in cut.compounds {
            plots.push((p, piece, cut.axis));
        }
        if let (Some(strip), Some(e)) = (cut.shops, parcel.shop_edge) {
            let n = parcel.piece.pts.len();
            let d = parcel.piece.pts[(e + 1) % n].sub(parcel.piece.pts[e]);
            let axis = d.scale(1.0 / d.len().max(1e-9));
            let street = parcel.piece.tags[e].street;
            for f in buildings::layout(
                &strip,
                axis,
                1.0,
                &[buildings::SHOP],
                buildings::Extras::default(),
                &mut layout_rng,
            ) {
                let address = addresses.next(street);
                builder.push(f, None, None, address);
            }
        }
    }
    let areas: Vec<f64> = plots.iter().map(|(_, piece, _)| piece.area()).collect();
    let traits = compounds::traits(
        &areas,
        &settings.compounds,
        &mut rng(seed, Stream::Traits),
        &mut namer,
    );
    for (k, ((p, piece, axis), t)) in plots.iter().zip(&traits).enumerate() {
        let id = k as Id + 1;
        data.compounds.push(Compound {
            id,
            code: String::new(),
            name: t.name.clone(),
            kind: t.kind,
            management: t.management,
            tier: t.tier,
            stars: Some(t.stars),
            source_id: Some(format!("demo-c-{id:06}")),
            geometry: projection.polygon(piece),
        });
        let parcel = &parcels[*p];
        let address = addresses.next(parcel.piece.tags[parcel.front_edge()].street);
        let found = buildings::compound_layout(piece, *axis, t.kind, &mut layout_rng);
        // Homes are numbered 1栋, 2栋 …; sheds and annexes are the compound's ancillary buildings.
        let mut homes = 0;
        for f in found {
            let name = if f.residential {
                homes += 1;
                format!("{homes}栋")
            } else {
                "配套用房".to_string()
            };
            builder.push(f, Some(id), Some(name), address.clone());
        }
    }

    // Public buildings on the other parcels.
    let mut tally = Tally::default();
    for parcel in &parcels {
        public_buildings(
            parcel,
            settings,
            &mut builder,
            &mut addresses,
            &mut namer,
            &mut tally,
            &mut layout_rng,
        );
    }

    data.buildings = builder.buildings;
    households(
        &mut data.buildings,
        settings,
        &mut rng(seed, Stream::Households),
    );
    data.streets = street_segments(&plan, &projection);

    // Chiefs are spread over communities by how many compounds each holds.
    let mut per_community = vec![0.0; community_ids.len()];
    for (p, _, _) in &plots {
        per_community[parcels[*p].community] += 1.0;
    }
    data.chiefs = people::chiefs(
        settings.chiefs.count,
        settings.chiefs.subdistrict_level,
        &community_ids,
        &per_community,
        &mut rng(seed, Stream::Chiefs),
    );

    // Partner departments on the key streets, from their own stream so nothing else moves.
    data.partners = people::partners(&data.streets, &mut rng(seed, Stream::Partners));

    number_zones(&mut data, settings);
    assign_compound_codes(&mut data);
    // Buildings are linked as they are made; this links nothing more, and is here so the demo
    // goes through the same step as imported data.
    link_buildings_to_compounds(&mut data);
    recompute_totals(&mut data);
    data
}

/// The demo's visit targets for a dataset it generated (after grids and duties, which leave
/// compounds and buildings as they are): every red compound and a few buildings as key sites,
/// and about one vulnerable household per 400 households, from their own random stream. The
/// same settings and dataset give the same targets.
pub fn visit_targets(data: &Dataset, settings: &DemoSettings) -> wangge_core::Targets {
    visits::targets(data, &mut rng(settings.seed, Stream::Visits))
}

/// Adds the district, the sub-district and the communities; returns the communities' zone ids in
/// plan order.
fn zones(
    data: &mut Dataset,
    plan: &Plan,
    settings: &DemoSettings,
    projection: &Projection,
    namer: &mut Namer,
) -> Vec<Id> {
    let place = &settings.place;
    let key = |i: usize| data.levels.levels[i].key.clone();
    let (district_key, subdistrict_key, community_key) = (key(0), key(1), key(2));
    let zone = |id: Id, code: String, name: String, level: &str, parent, piece: &Piece| Zone {
        id,
        code,
        name,
        level: level.to_string(),
        parent,
        geometry: projection.polygon(piece),
        totals: Totals::default(),
    };
    let district = district_outline(&plan.outline, &mut rng(settings.seed, Stream::District));
    data.zones.push(zone(
        1,
        place.district_code.clone(),
        place.district_name.clone(),
        &district_key,
        None,
        &district,
    ));
    data.zones.push(zone(
        2,
        format!("{}{}", place.district_code, place.subdistrict_code),
        place.subdistrict_name.clone(),
        &subdistrict_key,
        Some(1),
        &plan.outline,
    ));
    let mut ids = Vec::with_capacity(plan.communities.len());
    for (i, piece) in plan.communities.iter().enumerate() {
        let id = 3 + i as Id;
        data.zones.push(zone(
            id,
            String::new(),
            namer.community(),
            &community_key,
            Some(2),
            piece,
        ));
        ids.push(id);
    }
    ids
}

/// A district several times the sub-district's size around it: the outline blown up about a
/// point inside it, with corners pushed further out at random. Every corner moves outwards along
/// its ray from that point, so the district still contains the sub-district.
fn district_outline(outline: &Piece, rng: &mut impl Rng) -> Piece {
    let inside = outline.centroid();
    let toward = outline.pts[rng.random_range(0..outline.pts.len())];
    let centre = inside.add(toward.sub(inside).scale(rng.random_range(0.0..0.5)));
    let pts = outline
        .pts
        .iter()
        .map(|p| centre.add(p.sub(centre).scale(2.6 * rng.random_range(1.0..1.3))))
        .collect();
    Piece::new(pts, EdgeTag::NONE)
}

/// Numbers the zones with [`assign_zone_codes`], then gives the sub-district its configured three
/// digits instead of the sequence number 001 it gets as its district's only child, and carries
/// that prefix down to the communities.
fn number_zones(data: &mut Dataset, settings: &DemoSettings) {
    assign_zone_codes(data).expect("the demo uses only the default levels, which are valid");
    let sub = format!(
        "{}{}",
        settings.place.district_code, settings.place.subdistrict_code
    );
    let Some(numbered) = data
        .zones
        .iter()
        .find(|z| z.id == 2)
        .map(|z| z.code.clone())
    else {
        return;
    };
    for zone in &mut data.zones {
        if zone.id != 1 && zone.code.starts_with(&numbered) {
            zone.code = format!("{sub}{}", &zone.code[numbered.len()..]);
        }
    }
}

/// House numbers along each street: odd numbers, in the order parcels are visited.
#[derive(Debug)]
struct Addresses {
    names: Vec<String>,
    next: BTreeMap<usize, u32>,
}

impl Addresses {
    fn new(plan: &Plan) -> Self {
        Self {
            names: plan.streets.iter().map(|s| s.name.clone()).collect(),
            next: BTreeMap::new(),
        }
    }

    fn next(&mut self, street: Option<usize>) -> Option<String> {
        let s = street?;
        let n = self.next.entry(s).or_insert(1);
        let address = format!("{}{}号", self.names.get(s)?, n);
        *n += 2;
        Some(address)
    }
}

/// Collects buildings as they are laid out, numbering them.
#[derive(Debug)]
struct Builder<'a> {
    projection: &'a Projection,
    buildings: Vec<Building>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        f: Footprint,
        compound: Option<Id>,
        name: Option<String>,
        address: Option<String>,
    ) {
        let id = self.buildings.len() as Id + 1;
        // One stairwell per 15 m of length or so, as in Chinese slab housing.
        let units = ((f.length / 15.0).round() as u16).max(1);
        let households = if f.residential {
            u32::from(units) * u32::from(f.floors) * 2
        } else {
            0
        };
        let storey = if f.residential { 2.9 } else { 3.8 };
        let piece = Piece::new(f.corners.to_vec(), EdgeTag::NONE);
        self.buildings.push(Building {
            id,
            source_id: Some(format!("demo-b-{id:06}")),
            name,
            address,
            compound,
            floors: f.floors,
            units,
            // Provisional: `households` rescales these to the residents target.
            households,
            population: 0,
            height_m: Some((f64::from(f.floors) * storey * 10.0).round() / 10.0),
            estimated: false,
            geometry: self.projection.polygon(&piece),
        });
    }
}

/// How many schools and hospitals have been named so far, for 小学/中学 and numbered hospitals.
#[derive(Debug, Default)]
struct Tally {
    schools: usize,
    hospitals: usize,
}

/// Lays out the buildings of a non-housing parcel and names them after the institution.
fn public_buildings(
    parcel: &Parcel,
    settings: &DemoSettings,
    builder: &mut Builder<'_>,
    addresses: &mut Addresses,
    namer: &mut Namer,
    tally: &mut Tally,
    rng: &mut impl Rng,
) {
    let piece = &parcel.piece;
    let n = piece.pts.len();
    let e = piece.longest_edge();
    let d = piece.pts[(e + 1) % n].sub(piece.pts[e]);
    let axis = d.scale(1.0 / d.len().max(1e-9));
    let (style, setback, name): (Style, f64, String) = match parcel.usage {
        LandUse::Housing | LandUse::Garden | LandUse::Parking => return,
        LandUse::School => {
            tally.schools += 1;
            // Every third school is a middle school.
            let ending = if tally.schools.is_multiple_of(3) {
                "中学"
            } else {
                "小学"
            };
            (buildings::SCHOOL, 8.0, namer.with_ending(ending))
        }
        LandUse::Market => (buildings::MARKET, 6.0, namer.with_ending("农贸市场")),
        LandUse::Park => (buildings::PAVILION, 15.0, namer.with_ending("公园")),
        LandUse::Hospital => {
            tally.hospitals += 1;
            let name = namer
                .claim(format!(
                    "{}第{}人民医院",
                    settings.place.district_name,
                    numeral(tally.hospitals)
                ))
                .unwrap_or_else(|| namer.with_ending("医院"));
            (buildings::HOSPITAL, 8.0, name)
        }
        LandUse::Office => {
            let ending = ["大厦", "大厦", "商务楼", "中心", "办公楼"][rng.random_range(0..5)];
            (buildings::OFFICE, 6.0, namer.with_ending(ending))
        }
        LandUse::Government => (
            buildings::GOVERNMENT,
            8.0,
            format!("{}办事处", settings.place.subdistrict_name),
        ),
    };
    // A school keeps half its land for the sports ground: its buildings stand on the other half.
    let land = if parcel.usage == LandUse::School {
        let f = piece.frame();
        let line = Line {
            origin: piece.centroid(),
            dir: f.long.left(),
        };
        piece
            .keep_left(&line, EdgeTag::NONE)
            .unwrap_or_else(|| piece.clone())
    } else {
        piece.clone()
    };
    let address = addresses.next(piece.tags[parcel.front_edge()].street);
    let extras = buildings::Extras {
        sheds: false,
        annexes: parcel.usage != LandUse::Park,
    };
    let found = buildings::layout(&land, axis, setback, &[style], extras, rng);
    let many = found.len() > 1;
    for (i, f) in found.into_iter().enumerate() {
        let label = if many {
            format!("{name}{}号楼", i + 1)
        } else {
            name.clone()
        };
        builder.push(f, None, Some(label), address.clone());
    }
}

/// Turns provisional households (units × floors × 2) into registered ones: scaled so that the
/// sub-district's residents come out near the target, with per-building noise, and residents per
/// household around the settings' average.
fn households(buildings: &mut [Building], settings: &DemoSettings, rng: &mut impl Rng) {
    let people = &settings.people;
    let raw: f64 = buildings.iter().map(|b| f64::from(b.households)).sum();
    if raw <= 0.0 {
        return;
    }
    let target = f64::from(people.residents) / people.persons_per_household;
    let factor = target / raw;
    for b in buildings.iter_mut() {
        if b.households == 0 {
            continue;
        }
        let hh = (f64::from(b.households) * factor * rng.random_range(0.9..1.1))
            .round()
            .max(1.0);
        let pop = (hh * people.persons_per_household * rng.random_range(0.85..1.15))
            .round()
            .max(1.0);
        b.households = hh as u32;
        b.population = pop as u32;
    }
}

/// Cuts every street at its junctions into segments.
fn street_segments(plan: &Plan, projection: &Projection) -> Vec<StreetSegment> {
    let mut out = Vec::new();
    for street in &plan.streets {
        for [a, b] in street.segments() {
            let id = out.len() as Id + 1;
            out.push(StreetSegment {
                id,
                source_id: Some(format!("demo-s-{id:06}")),
                name: Some(street.name.clone()),
                class: street.class,
                geometry: projection.line(&[a, b]),
            });
        }
    }
    out
}
