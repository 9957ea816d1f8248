//! Made-up 12345 hotline work orders (工单) over a dataset, as the CSV a hotline centre exports:
//! for demonstrations, tests and the import benchmark. Deterministic for a seed.
//!
//! Six in ten orders carry WGS-84 coordinates (a point inside a building); the rest only an
//! address, which names the building's street address and, in a compound, the compound and a
//! building number, so that the importer must locate them by name. Orders crowd into a few
//! compounds, as real complaints do, so a ranking of compounds has a clear worst end. Times run
//! from Monday 5 January to 31 March 2026, Asia/Shanghai civil time.

use std::collections::HashMap;
use std::fmt::Write;

use geo::InteriorPoint;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use wangge_core::{Dataset, Id};

/// The header of the CSV, in the hotline centre's Chinese.
pub const HEADER: &str = "工单编号,受理时间,地址,经度,纬度,诉求内容,类别";

/// (category as the hotline writes it, what callers say).
const COMPLAINTS: &[(&str, &str)] = &[
    ("环境卫生", "楼道内垃圾堆放多日无人清理"),
    ("市容环境", "小区门口流动摊贩占道经营"),
    ("噪声扰民", "夜间装修噪音影响休息"),
    ("设施维修", "路灯损坏夜间无照明"),
    ("设施维修", "单元门禁损坏无法关闭"),
    ("交通停车", "车辆乱停堵塞消防通道"),
    ("消防安全", "电动车在楼道内充电"),
    ("物业管理", "物业服务不到位，绿化无人养护"),
    ("违章搭建", "顶楼住户私自搭建彩钢房"),
    ("邻里纠纷", "楼上漏水与邻居协商未果"),
    ("其他类", "咨询老旧小区改造进度"),
];

/// Days in January, February and March 2026.
const MONTH_DAYS: [u32; 3] = [31, 28, 31];

/// `count` work orders over `data`'s buildings, as CSV text with [`HEADER`]; the same data, count
/// and seed give the same text. Empty (header only) when the data has no buildings.
pub fn work_orders(data: &Dataset, count: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = String::with_capacity(count * 120 + HEADER.len() + 1);
    out.push_str(HEADER);
    out.push('\n');
    if data.buildings.is_empty() {
        return out;
    }
    let mut by_compound: HashMap<Id, Vec<usize>> = HashMap::new();
    let mut loose: Vec<usize> = Vec::new();
    for (i, b) in data.buildings.iter().enumerate() {
        match b.compound {
            Some(c) => by_compound.entry(c).or_default().push(i),
            None => loose.push(i),
        }
    }
    let mut compounds: Vec<(Id, &str)> = data
        .compounds
        .iter()
        .filter(|c| by_compound.contains_key(&c.id))
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    compounds.sort_unstable();
    let names: HashMap<Id, &str> = compounds.iter().copied().collect();
    for i in 0..count {
        // Squaring a uniform number crowds the orders into the first compounds.
        let building = if compounds.is_empty() || (!loose.is_empty() && rng.random_bool(0.1)) {
            let pool = if loose.is_empty() {
                (0..data.buildings.len()).collect::<Vec<_>>()
            } else {
                loose.clone()
            };
            pool[rng.random_range(0..pool.len())]
        } else {
            let r: f64 = rng.random();
            let (id, _) = compounds[((r * r) * compounds.len() as f64) as usize];
            let members = &by_compound[&id];
            members[rng.random_range(0..members.len())]
        };
        let b = &data.buildings[building];
        let (category, content) = COMPLAINTS[rng.random_range(0..COMPLAINTS.len())];
        let day = rng.random_range(0..86u32);
        let (month, day_of_month) = {
            let mut d = day + 4; // 5 January is day 4 of the year, counting from 0.
            let mut m = 0;
            while d >= MONTH_DAYS[m] {
                d -= MONTH_DAYS[m];
                m += 1;
            }
            (m + 1, d + 1)
        };
        let (hour, minute) = (rng.random_range(7..22u32), rng.random_range(0..60u32));
        let street_address = b.address.clone().unwrap_or_default();
        let in_compound = b.compound.and_then(|c| names.get(&c).copied());
        let with_coordinates =
            rng.random_bool(0.6) || (street_address.is_empty() && in_compound.is_none());
        let (lon, lat, address) = if with_coordinates {
            let p = b.geometry.interior_point();
            (
                p.map_or_else(String::new, |p| format!("{:.6}", p.x())),
                p.map_or_else(String::new, |p| format!("{:.6}", p.y())),
                street_address,
            )
        } else {
            let unit = rng.random_range(1..9u32);
            let address = match in_compound {
                Some(name) => format!("五华区{street_address}{name}{unit}栋"),
                None => format!("五华区{street_address}"),
            };
            (String::new(), String::new(), address)
        };
        let _ = writeln!(
            out,
            "GD2026{seed:02}{i:06},2026-{month:02}-{day_of_month:02} {hour:02}:{minute:02}:00,\
             {address},{lon},{lat},{content},{category}"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_orders_are_deterministic_and_well_formed() {
        let data = crate::generate(&crate::DemoSettings::builtin());
        let a = work_orders(&data, 500, 7);
        assert_eq!(a, work_orders(&data, 500, 7));
        assert_ne!(a, work_orders(&data, 500, 8));
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 501);
        assert_eq!(lines[0], HEADER);
        assert!(
            lines[1..].iter().all(|l| l.split(',').count() == 7),
            "{lines:?}"
        );
        let with_coordinates = lines[1..]
            .iter()
            .filter(|l| !l.split(',').nth(3).unwrap_or_default().is_empty())
            .count();
        assert!((200..400).contains(&with_coordinates), "{with_coordinates}");
        assert!(
            lines[1..].iter().all(|l| l.contains(",2026-0")),
            "times in Q1 2026"
        );
    }
}
