//! Land parcels: blocks set back from the road centre lines, given a use, and cut into compounds
//! and rows of street-front shops.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::plane::{EdgeTag, Line, Piece, Pt};
use crate::settings::DemoSettings;
use crate::streets::Plan;

/// The smallest parcel worth building on, in m²; smaller leftovers become pocket gardens.
const MIN_PARCEL_M2: f64 = 1_500.0;
/// The smallest compound, in m²: room for one small building with setbacks.
const MIN_COMPOUND_M2: f64 = 1_600.0;

/// What a parcel is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LandUse {
    /// Housing: one or more compounds, maybe with shops along the street.
    Housing,
    /// A primary or middle school.
    School,
    /// A covered food market (农贸市场).
    Market,
    /// A park.
    Park,
    /// A hospital.
    Hospital,
    /// Offices.
    Office,
    /// The sub-district office (街道办事处).
    Government,
    /// A pocket garden (小游园) with no buildings.
    Garden,
    /// A car park with no buildings.
    Parking,
}

/// A parcel of land inside one block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parcel {
    /// Index of the community the parcel lies in.
    pub community: usize,
    /// The land, set back from every road by half its width; edges keep the street they front.
    pub piece: Piece,
    /// Its use.
    pub usage: LandUse,
    /// For housing: how many compounds share the parcel, separated by walls.
    pub compounds: usize,
    /// For housing: the edge along which a row of shops stands outside the compound.
    pub shop_edge: Option<usize>,
}

impl Parcel {
    /// The index of the edge on the widest street (then the longest such edge): the parcel's
    /// front, where its address and its shops are.
    pub fn front_edge(&self) -> usize {
        let p = &self.piece;
        let n = p.pts.len();
        let len = |i: usize| p.pts[(i + 1) % n].sub(p.pts[i]).len();
        (0..n)
            .max_by(|&a, &b| {
                p.tags[a]
                    .width
                    .total_cmp(&p.tags[b].width)
                    .then(len(a).total_cmp(&len(b)))
            })
            .unwrap_or(0)
    }
}

/// Sets every block back from its roads and decides what each parcel is for, so that exactly
/// `compounds.count` compounds fit (when the land allows it).
pub(crate) fn parcels(plan: &Plan, settings: &DemoSettings, rng: &mut impl Rng) -> Vec<Parcel> {
    let mut parcels: Vec<Parcel> = plan
        .blocks
        .iter()
        .filter_map(|b| {
            let piece = b.piece.inset(|t| t.width / 2.0)?;
            let usage = if piece.area() < MIN_PARCEL_M2 {
                LandUse::Garden
            } else {
                LandUse::Housing
            };
            Some(Parcel {
                community: b.community,
                piece,
                usage,
                compounds: 1,
                shop_edge: None,
            })
        })
        .collect();
    let total: f64 = parcels.iter().map(|p| p.piece.area()).sum();
    let land = &settings.land;

    // The largest parcel is the big park every old town has; then the other public uses, each on
    // a parcel large enough for it.
    let mut order: Vec<usize> = (0..parcels.len()).collect();
    order.sort_by(|&a, &b| parcels[b].piece.area().total_cmp(&parcels[a].piece.area()));
    if land.parks > 0
        && let Some(&i) = order
            .iter()
            .find(|&&i| parcels[i].usage == LandUse::Housing)
    {
        parcels[i].usage = LandUse::Park;
    }
    let wants = [
        (LandUse::School, land.schools, 8_000.0),
        (LandUse::Hospital, land.hospitals, 7_000.0),
        (LandUse::Government, 1, 3_000.0),
        (LandUse::Park, land.parks.saturating_sub(1), 5_000.0),
        (LandUse::Market, land.markets, 3_000.0),
    ];
    for (usage, count, min_area) in wants {
        for _ in 0..count {
            let mut fits: Vec<usize> = (0..parcels.len())
                .filter(|&i| parcels[i].usage == LandUse::Housing)
                .filter(|&i| parcels[i].piece.area() >= min_area)
                .collect();
            if fits.is_empty() {
                fits = order
                    .iter()
                    .copied()
                    .filter(|&i| parcels[i].usage == LandUse::Housing)
                    .take(1)
                    .collect();
            }
            if let Some(&i) = fits.choose(rng) {
                parcels[i].usage = usage;
            }
        }
    }

    // Offices, gardens and car parks fill the rest of the non-housing share.
    let public_area = |parcels: &[Parcel]| -> f64 {
        parcels
            .iter()
            .filter(|p| p.usage != LandUse::Housing)
            .map(|p| p.piece.area())
            .sum()
    };
    let mut housing: Vec<usize> = (0..parcels.len())
        .filter(|&i| parcels[i].usage == LandUse::Housing)
        .collect();
    housing.shuffle(rng);
    let target = land.non_residential_share * total;
    for i in housing {
        let have = public_area(&parcels);
        if have >= target {
            break;
        }
        if parcels[i].piece.area() > 2.0 * (target - have) + 5_000.0 {
            continue;
        }
        parcels[i].usage = match rng.random_range(0..20) {
            0..12 => LandUse::Office,
            12..17 => LandUse::Garden,
            _ => LandUse::Parking,
        };
    }

    balance_compounds(&mut parcels, settings.compounds.count, rng);
    choose_shops(&mut parcels, settings, rng);
    parcels
}

/// Makes the housing parcels hold exactly `wanted` compounds: surplus small parcels become
/// gardens; a shortfall is met by walling large parcels into several compounds, and then by
/// turning offices back into housing.
fn balance_compounds(parcels: &mut [Parcel], wanted: usize, rng: &mut impl Rng) {
    let housing = |parcels: &[Parcel]| -> Vec<usize> {
        (0..parcels.len())
            .filter(|&i| parcels[i].usage == LandUse::Housing)
            .collect()
    };
    let mut homes = housing(parcels);
    if homes.len() > wanted {
        homes.sort_by(|&a, &b| parcels[a].piece.area().total_cmp(&parcels[b].piece.area()));
        for &i in &homes[..homes.len() - wanted] {
            parcels[i].usage = if rng.random_bool(0.7) {
                LandUse::Garden
            } else {
                LandUse::Parking
            };
        }
        return;
    }
    loop {
        let homes = housing(parcels);
        let have: usize = homes.iter().map(|&i| parcels[i].compounds).sum();
        if have >= wanted {
            return;
        }
        // Give one more compound to the parcel whose compounds are largest, with some noise so
        // that not only the very largest parcels are divided.
        let best = homes
            .iter()
            .copied()
            .filter(|&i| {
                parcels[i].piece.area() / (parcels[i].compounds + 1) as f64 >= MIN_COMPOUND_M2
                    && parcels[i].compounds < 4
            })
            .max_by(|&a, &b| {
                let ka = parcels[a].piece.area() / parcels[a].compounds as f64;
                let kb = parcels[b].piece.area() / parcels[b].compounds as f64;
                ka.total_cmp(&kb)
            });
        match best {
            Some(i) => parcels[i].compounds += 1,
            None => {
                // Every parcel is as divided as it can be: give an office or a garden back to
                // housing, or stop if there is none.
                let spare = (0..parcels.len())
                    .filter(|&i| {
                        matches!(
                            parcels[i].usage,
                            LandUse::Office | LandUse::Garden | LandUse::Parking
                        ) && parcels[i].piece.area() >= MIN_PARCEL_M2
                    })
                    .max_by(|&a, &b| parcels[a].piece.area().total_cmp(&parcels[b].piece.area()));
                match spare {
                    Some(i) => {
                        parcels[i].usage = LandUse::Housing;
                        parcels[i].compounds = 1;
                    }
                    None => return,
                }
            }
        }
    }
}

/// Puts a row of shops along the front of some housing parcels that face a street of collector
/// width or more and are long enough for it.
fn choose_shops(parcels: &mut [Parcel], settings: &DemoSettings, rng: &mut impl Rng) {
    let land = &settings.land;
    for parcel in parcels.iter_mut().filter(|p| p.usage == LandUse::Housing) {
        let e = parcel.front_edge();
        let p = &parcel.piece;
        let n = p.pts.len();
        let length = p.pts[(e + 1) % n].sub(p.pts[e]).len();
        let compound_area = p.area() - length * land.shop_depth_m;
        if p.tags[e].width >= settings.streets.width_collector
            && length >= 40.0
            && compound_area >= MIN_COMPOUND_M2 * parcel.compounds as f64 + 400.0
            && rng.random_bool(land.shop_strip_share)
        {
            parcel.shop_edge = Some(e);
        }
    }
}

/// The pieces a housing parcel is cut into.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plots {
    /// The compounds, separated by walls.
    pub compounds: Vec<Piece>,
    /// The strip of street-front shops, if any.
    pub shops: Option<Piece>,
    /// Direction of the parcel's longest edge, along which building rows run.
    pub axis: Pt,
}

/// Cuts a housing parcel into its shop strip and compounds.
pub(crate) fn plots(parcel: &Parcel, settings: &DemoSettings, rng: &mut impl Rng) -> Plots {
    let p = &parcel.piece;
    let n = p.pts.len();
    let axis = {
        let e = p.longest_edge();
        let d = p.pts[(e + 1) % n].sub(p.pts[e]);
        d.scale(1.0 / d.len().max(1e-9))
    };
    let mut rest = p.clone();
    let mut shops = None;
    if let Some(e) = parcel.shop_edge {
        let (a, b) = (p.pts[e], p.pts[(e + 1) % n]);
        let dir = b.sub(a).scale(1.0 / b.sub(a).len().max(1e-9));
        let line = Line {
            origin: a.add(dir.left().scale(settings.land.shop_depth_m)),
            dir,
        };
        if let Some((inner, strip, _)) = p.split(&line, EdgeTag::NONE) {
            rest = inner;
            shops = Some(strip);
        }
    }
    let mut compounds = vec![rest];
    while compounds.len() < parcel.compounds {
        let Some(i) = (0..compounds.len())
            .max_by(|&a, &b| compounds[a].area().total_cmp(&compounds[b].area()))
        else {
            break;
        };
        let piece = &compounds[i];
        let f = piece.frame();
        let line = Line {
            origin: piece
                .centroid()
                .add(f.long.scale(rng.random_range(-0.1..0.1) * f.length)),
            dir: f.long.left(),
        };
        match piece.split(&line, EdgeTag::NONE) {
            Some((l, r, _)) => {
                compounds.swap_remove(i);
                compounds.push(l);
                compounds.push(r);
            }
            None => break,
        }
    }
    Plots {
        compounds,
        shops,
        axis,
    }
}
