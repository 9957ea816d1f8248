//! Chinese place names for streets, communities, compounds and public buildings, drawn without
//! repeats from word lists.
//!
//! The names are made of common characters in the way old Kunming streets and estates are named
//! (a two-character stem and a generic ending such as 路, 巷 or 花园); any resemblance to a real
//! place is a coincidence of those common characters.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::SliceRandom;

/// First characters of two-character stems.
const FIRST: &[&str] = &[
    "青", "翠", "金", "玉", "华", "文", "明", "德", "福", "龙", "凤", "云", "松", "竹", "梅", "兰",
    "桂", "荷", "柳", "银", "红", "永", "长", "安", "康", "宁", "兴", "盛", "和", "新", "仁", "光",
    "东", "西", "南", "北", "大", "小", "学", "书", "正", "吉", "庆", "瑞", "祥", "丰", "泉", "湖",
    "石", "春", "秋", "锦", "彩", "紫", "碧", "绿", "白", "黄", "三", "五", "双", "太", "万", "广",
];

/// Second characters of two-character stems.
const SECOND: &[&str] = &[
    "华", "兴", "平", "安", "康", "云", "园", "林", "泉", "溪", "山", "湖", "坡", "营", "门", "桥",
    "井", "坊", "台", "阁", "塘", "池", "局", "市", "城", "屏", "峰", "苑", "家", "鸣", "岗", "庄",
    "田", "河", "湾", "源", "津", "亭", "楼", "寺",
];

/// Stems that read well as the name of a community or a neighbourhood.
const COMMUNITY_STEMS: &[&str] = &[
    "翠湖",
    "青云",
    "文林",
    "华岭",
    "圆通",
    "景星",
    "钱局",
    "龙翔",
    "篆塘",
    "光华",
    "武成",
    "丰宁",
    "北门",
    "红莲",
    "永丰",
    "府甬",
    "先生坡",
    "大兴",
    "玉带",
    "莲花",
    "金碧",
    "春苑",
    "学府",
    "洪化",
];

/// Organisations whose staff housing becomes a 家属院; generic on purpose.
const WORK_UNITS: &[&str] = &[
    "省建工集团",
    "市第一中学",
    "省农科院",
    "市自来水公司",
    "省机电厂",
    "市邮政局",
    "省医药公司",
    "市煤炭公司",
    "省交通厅",
    "市卫生局",
    "省地质队",
    "市纺织厂",
    "省电力公司",
    "市粮食局",
    "省林业厅",
    "市公交公司",
    "省气象局",
    "市二轻局",
    "省新华书店",
    "市百货公司",
    "省歌舞团",
    "市人民医院",
    "省水利厅",
    "市园林局",
    "铁路分局",
    "省军区",
    "市税务局",
    "省图书馆",
    "市第三中学",
    "省冶金公司",
    "市食品公司",
    "省教育厅",
    "市供电局",
    "市建筑公司",
    "省电影公司",
    "市蔬菜公司",
    "省出版社",
    "市交警支队",
    "省广播电台",
    "市棉纺厂",
];

/// Chinese numerals for numbered lanes (一巷, 二巷 …) and hospitals.
pub(crate) fn numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// A source of names that never gives the same full name twice.
#[derive(Debug)]
pub(crate) struct Namer {
    stems: Vec<String>,
    next_stem: usize,
    community_stems: Vec<&'static str>,
    work_units: Vec<&'static str>,
    used: BTreeSet<String>,
}

impl Namer {
    /// A namer with its word lists shuffled by `rng`.
    pub fn new(rng: &mut impl Rng) -> Self {
        let mut stems: Vec<String> = FIRST
            .iter()
            .flat_map(|a| {
                SECOND
                    .iter()
                    .filter(move |b| *b != a)
                    .map(move |b| format!("{a}{b}"))
            })
            .collect();
        stems.shuffle(rng);
        let mut community_stems = COMMUNITY_STEMS.to_vec();
        community_stems.shuffle(rng);
        let mut work_units = WORK_UNITS.to_vec();
        work_units.shuffle(rng);
        Self {
            stems,
            next_stem: 0,
            community_stems,
            work_units,
            used: BTreeSet::new(),
        }
    }

    /// Claims `name` if nobody has it yet.
    pub fn claim(&mut self, name: String) -> Option<String> {
        self.used.insert(name.clone()).then_some(name)
    }

    /// A fresh name made of a stem and `ending`, e.g. `翠泉` + `巷`.
    pub fn with_ending(&mut self, ending: &str) -> String {
        loop {
            let stem = self.stem();
            if let Some(name) = self.claim(format!("{stem}{ending}")) {
                return name;
            }
        }
    }

    /// A community's name, e.g. `青云社区`; falls back to generated stems when the list runs out.
    pub fn community(&mut self) -> String {
        while let Some(stem) = self.community_stems.pop() {
            if let Some(name) = self.claim(format!("{stem}社区")) {
                return name;
            }
        }
        self.with_ending("社区")
    }

    /// A work unit for a 家属院; `None` once the list is used up.
    pub fn work_unit(&mut self) -> Option<&'static str> {
        self.work_units.pop()
    }

    fn stem(&mut self) -> String {
        let i = self.next_stem % self.stems.len();
        let round = self.next_stem / self.stems.len();
        self.next_stem += 1;
        // After every stem has been used once (more than 2,000 names), add 新 / 后 … and then a
        // number, so that names stay unique however many are asked for.
        const MORE: [&str; 5] = ["新", "后", "前", "上", "下"];
        match round {
            0 => self.stems[i].clone(),
            1..=5 => format!("{}{}", self.stems[i], MORE[round - 1]),
            r => format!("{}{}{}", self.stems[i], MORE[r % 5], numeral(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn names_do_not_repeat() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut namer = Namer::new(&mut rng);
        let mut seen = BTreeSet::new();
        for _ in 0..3_000 {
            assert!(seen.insert(namer.with_ending("巷")));
        }
        for _ in 0..40 {
            assert!(seen.insert(namer.community()));
        }
    }

    #[test]
    fn numerals_read_as_chinese() {
        assert_eq!(numeral(1), "一");
        assert_eq!(numeral(10), "十");
        assert_eq!(numeral(14), "十四");
        assert_eq!(numeral(20), "二十");
        assert_eq!(numeral(23), "二十三");
    }
}
