//! The domain's records: zones, compounds, buildings, street segments, street chiefs and colour tiers.

use geo::{LineString, MultiPolygon};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A record identifier, unique within its layer and stable across edits.
pub type Id = i64;

/// Declares a closed set of spellings for an enumerated attribute: the canonical key (used in
/// storage, tiles and the API), the Chinese and English labels, and extra accepted aliases.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal {
        $($(#[$vmeta:meta])* $variant:ident => $key:literal, $zh:literal, $en:literal, [$($alias:literal),*];)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical key used in storage, tiles and the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            /// The label shown in the Chinese interface.
            pub fn name_zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// The label shown in the English interface.
            pub fn name_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            /// Parses a key, a Chinese or English label or a known alias, ignoring case and
            /// surrounding white space.
            pub fn parse(text: &str) -> Result<Self> {
                let t = text.trim().to_lowercase();
                $(
                    if t == $key || t == $zh || t == $en.to_lowercase() $(|| t == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                Err(Error::UnknownValue {
                    what: $what,
                    value: text.to_string(),
                    expected: concat!($($key, " ",)+),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
// Other modules of the crate declare their vocabularies the same way (problems.rs).
pub(crate) use vocabulary;

vocabulary! {
    /// A compound's colour tier (分色管理), which sets its inspection cadence.
    Tier, "tier" {
        /// 绿色 · 宽管级: in good order, inspected once a quarter.
        Green => "green", "绿色", "green", ["绿", "宽管级", "g"];
        /// 黄色 · 关注级: needs attention, inspected once a month.
        Yellow => "yellow", "黄色", "yellow", ["黄", "关注级", "y"];
        /// 红色 · 禁止级: houses here may not be rented out.
        Red => "red", "红色", "red", ["红", "禁止级", "r"];
    }
}

impl Tier {
    /// The tier's display colour on the map and on printed boards.
    pub fn colour(self) -> &'static str {
        match self {
            Tier::Green => "#2E9D48",
            Tier::Yellow => "#F2C200",
            Tier::Red => "#D7263D",
        }
    }
}

vocabulary! {
    /// What kind of compound this is, as the reports classify them.
    CompoundKind, "compound type" {
        /// 商开: built by a commercial developer.
        Commercial => "commercial", "商开", "commercial", ["商品房"];
        /// 还建: resettlement housing.
        Resettlement => "resettlement", "还建", "resettlement", ["安置"];
        /// 家属院: work-unit housing.
        WorkUnit => "work_unit", "家属院", "work-unit", ["work-unit", "单位"];
        /// 混合: mixed.
        Mixed => "mixed", "混合", "mixed", [];
    }
}

vocabulary! {
    /// How a compound is managed.
    Management, "property management" {
        /// 有物业: full property management.
        Full => "full", "有物业", "full", ["物业"];
        /// 半物业: partial management.
        Partial => "partial", "半物业", "partial", [];
        /// 无人管理: nobody manages it.
        None => "none", "无人管理", "none", ["无物业", "无"];
    }
}

vocabulary! {
    /// The class of a street segment, from main road to footpath.
    StreetClass, "street class" {
        /// 主干路: arterial main road.
        Arterial => "arterial", "主干路", "arterial", ["motorway", "trunk", "primary", "major_road", "main"];
        /// 次干路: collector street.
        Collector => "collector", "次干路", "collector", ["secondary", "tertiary"];
        /// 支路: local street.
        Local => "local", "支路", "local", ["residential", "unclassified", "living_street", "minor_road", "street"];
        /// 街巷: lane or alley, the smallest street a chief walks.
        Lane => "lane", "街巷", "lane", ["service", "alley"];
        /// 步行道: footway or path.
        Footway => "footway", "步行道", "footway", ["path", "pedestrian", "steps", "cycleway", "track"];
    }
}

vocabulary! {
    /// What a street chief is in daily life; the reports list these.
    ChiefRole, "chief role" {
        /// 党支部书记
        PartySecretary => "party_secretary", "党支部书记", "party-branch secretary", [];
        /// 物业经理
        PropertyManager => "property_manager", "物业经理", "property manager", [];
        /// 网格员
        GridWorker => "grid_worker", "网格员", "grid worker", [];
        /// 楼长
        BuildingHead => "building_head", "楼长", "building head", [];
        /// 城管队员
        UrbanManagement => "urban_management", "城管队员", "urban-management officer", [];
        /// 保安队长
        SecurityChief => "security_chief", "保安队长", "security chief", [];
        /// 志愿者
        Volunteer => "volunteer", "志愿者", "volunteer", [];
        /// 社区民警
        Police => "police", "社区民警", "community police", [];
    }
}

vocabulary! {
    /// Why a household is visited every week (重点户 / 困难户).
    VulnerableCategory, "household category" {
        /// 独居老人: an elderly person living alone.
        ElderlyAlone => "elderly_alone", "独居老人", "elderly living alone", ["空巢老人", "elderly", "elderly alone", "elderly_living_alone"];
        /// 残疾人: a disabled resident.
        Disabled => "disabled", "残疾人", "disabled", ["残疾", "残障"];
        /// 低保: a household on minimum living support.
        LowIncome => "low_income", "低保", "low income", ["低保户", "困难户", "low-income", "lowincome"];
        /// 留守儿童: children left behind by parents working elsewhere.
        LeftBehindChildren => "left_behind_children", "留守儿童", "left-behind children", ["left behind children", "left-behind", "留守"];
        /// 其他: any other reason the community keeps the household in view.
        Other => "other", "其他", "other", [];
    }
}

vocabulary! {
    /// The level of a street chief under the three-level 街长制.
    ChiefLevel, "chief level" {
        /// 居民街长
        Resident => "resident", "居民街长", "resident", [];
        /// 社区街长
        Community => "community", "社区街长", "community", [];
        /// 街道街长
        SubDistrict => "subdistrict", "街道街长", "sub-district", ["sub-district"];
    }
}

vocabulary! {
    /// A partner department (联动部门 / 共建单位) that reports for duty on a street under 街长制:
    /// "the community blows the whistle, departments report for duty" (社区吹哨、部门报到). The
    /// eight are the departments the sub-district reports name; anything else is `other`, with
    /// its name given as free text.
    Department, "department" {
        /// 市场监管: market supervision (shops, food stalls, street trading).
        MarketSupervision => "market_supervision", "市场监管", "market supervision", ["market-supervision", "市场监督管理", "市场监管局", "市场监管所"];
        /// 综合执法: comprehensive administrative law enforcement (urban management, 城管).
        LawEnforcement => "law_enforcement", "综合执法", "law enforcement", ["law-enforcement", "综合行政执法", "综合行政", "城管", "城市管理", "urban_management"];
        /// 公安: the police (the local police station, 派出所).
        Police => "police", "公安", "police", ["派出所", "公安局", "交警"];
        /// 消防: fire and rescue.
        FireRescue => "fire_rescue", "消防", "fire and rescue", ["fire-rescue", "fire", "消防救援"];
        /// 住建: housing and construction (old-compound renovation, building safety).
        Housing => "housing", "住建", "housing and construction", ["住房和城乡建设", "住建局", "住房管理"];
        /// 环卫: sanitation and the environment.
        Sanitation => "sanitation", "环卫", "sanitation", ["环境卫生", "环境治理", "environment"];
        /// 卫生健康: public health and epidemic control.
        Health => "health", "卫生健康", "public health", ["卫健", "卫生防疫", "卫生"];
        /// 应急管理: emergency management.
        Emergency => "emergency", "应急管理", "emergency management", ["emergency-management", "应急"];
        /// 其他: any other department or partner unit, named in free text.
        Other => "other", "其他", "other", ["其它", "共建单位"];
    }
}

vocabulary! {
    /// Who made an inspection: the people the reports name as inspecting compounds.
    InspectorRole, "inspector role" {
        /// 网格员: a grid worker.
        GridWorker => "grid_worker", "网格员", "grid worker", ["grid-worker", "grid"];
        /// 流动人口专管员: the officer for the floating (non-registered) population.
        FloatingPopulationOfficer => "floating_population_officer", "流动人口专管员", "floating-population officer", ["floating-population-officer", "floating_population", "流管员"];
        /// 社区民警: community police.
        CommunityPolice => "community_police", "社区民警", "community police", ["community-police", "police", "民警"];
        /// 小巷管家: a street chief.
        Chief => "chief", "小巷管家", "street chief", ["street_chief", "street-chief", "街长"];
    }
}

vocabulary! {
    /// What an inspection looks at.
    Topic, "inspection topic" {
        /// 出租: rented homes (forbidden in red compounds).
        Rentals => "rentals", "出租", "rentals", ["rental", "出租房"];
        /// 卫生: sanitation.
        Sanitation => "sanitation", "卫生", "sanitation", [];
        /// 治安: public order.
        PublicOrder => "public_order", "治安", "public order", ["public-order", "order"];
        /// 消防: fire safety.
        FireSafety => "fire_safety", "消防", "fire safety", ["fire-safety", "fire"];
        /// 防疫: epidemic control.
        Epidemic => "epidemic", "防疫", "epidemic control", ["epidemic-control", "epidemic_control"];
    }
}

/// Derived counts of what a zone holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Households (户).
    pub households: u64,
    /// Residents (人).
    pub population: u64,
    /// Buildings (楼栋).
    pub buildings: u64,
    /// Compounds (小区).
    pub compounds: u64,
}

/// A zone on one level of the hierarchy: a district, sub-district, community, grid or micro-grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Identifier, stable across renumbering.
    pub id: Id,
    /// The hierarchical code: parent code + this zone's sequence (west→east, north→south).
    pub code: String,
    /// Display name, e.g. `青云社区`.
    pub name: String,
    /// The key of the zone's level in the [`LevelConfig`](crate::LevelConfig).
    pub level: String,
    /// The zone one level up, if any.
    pub parent: Option<Id>,
    /// Boundary, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Derived totals (see [`recompute_totals`](crate::recompute_totals)).
    pub totals: Totals,
}

/// A residential compound (小区 / 楼院).
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    /// Identifier.
    pub id: Id,
    /// Code: the community's code + a sequence, or `X` + sequence outside any community.
    pub code: String,
    /// Display name, e.g. `崂山二村`.
    pub name: String,
    /// 商开 / 还建 / 家属院 / 混合.
    pub kind: CompoundKind,
    /// Property management.
    pub management: Management,
    /// Colour tier.
    pub tier: Tier,
    /// Party-branch star rating, 1–5, where rated.
    pub stars: Option<u8>,
    /// The identifier in the source data (e.g. an OSM id), for re-imports and joins.
    pub source_id: Option<String>,
    /// Outline, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
}

/// A building (楼栋).
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// Identifier.
    pub id: Id,
    /// The identifier in the source data (e.g. an OSM id), which household registers join on.
    pub source_id: Option<String>,
    /// Name, where it has one.
    pub name: Option<String>,
    /// Street address, where known.
    pub address: Option<String>,
    /// The compound it stands in, if any.
    pub compound: Option<Id>,
    /// Floors above ground.
    pub floors: u16,
    /// Units (单元, stairwells).
    pub units: u16,
    /// Households (户).
    pub households: u32,
    /// Residents.
    pub population: u32,
    /// Height in metres, where known.
    pub height_m: Option<f64>,
    /// True when households and population are estimated from footprint × floors, not registered.
    pub estimated: bool,
    /// Footprint, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
}

/// A piece of street between junctions or as imported (街巷).
#[derive(Debug, Clone, PartialEq)]
pub struct StreetSegment {
    /// Identifier.
    pub id: Id,
    /// The identifier in the source data.
    pub source_id: Option<String>,
    /// Street name, where it has one.
    pub name: Option<String>,
    /// Road class.
    pub class: StreetClass,
    /// Centre line, longitude/latitude.
    pub geometry: LineString<f64>,
}

/// A street chief (小巷管家 / 街长): the person who answers for buildings and streets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chief {
    /// Identifier.
    pub id: Id,
    /// Full name.
    pub name: String,
    /// What they are in daily life.
    pub role: ChiefRole,
    /// Contact phone.
    pub phone: String,
    /// Home community zone.
    pub community: Option<Id>,
    /// Level under 街长制, where levels exist.
    pub level: Option<ChiefLevel>,
}

/// One change of a compound's tier: from what, to what, why, by whom and when. Tier changes are
/// kept forever; the history of a compound is the list of its changes in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChange {
    /// The compound.
    pub compound: Id,
    /// The tier before.
    pub from: Tier,
    /// The tier after.
    pub to: Tier,
    /// Why (required: a tier never changes without a reason).
    pub reason: String,
    /// Who made the change.
    pub by: String,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_parses_every_spelling() {
        assert_eq!(Tier::parse("红色").expect("zh"), Tier::Red);
        assert_eq!(Tier::parse(" Yellow ").expect("en"), Tier::Yellow);
        assert_eq!(
            CompoundKind::parse("家属院").expect("zh"),
            CompoundKind::WorkUnit
        );
        assert_eq!(
            StreetClass::parse("primary").expect("osm"),
            StreetClass::Arterial
        );
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()).expect("key"), *tier);
        }
        let message = Tier::parse("purple").expect_err("unknown").to_string();
        assert!(
            message.contains("purple") && message.contains("green"),
            "{message}"
        );
    }
}
