//! The gazetteer: place names to province › city › county › township.
//!
//! We bundle the national administrative-division tables from
//! `data/gazetteer/` (provinces, prefecture cities, counties = "areas",
//! townships = "streets"; WTFPL; copied from `../shared/gazetteer/` without
//! junk rows by `tools/make-gazetteer`) into the binary and parse them
//! once. [`Gazetteer`] finds names in text and knows every place's chain;
//! deciding which place a report speaks for is [`resolve`](super::resolve)'s
//! job.
//!
//! Matching is one Aho-Corasick pass over a text with every full name and,
//! for provinces, cities and counties, the short name (`桐乡` for 桐乡市,
//! `万州` for 万州区, `内蒙古` for 内蒙古自治区), so the cost per report is
//! linear in its length, not in the size of the gazetteer. A short name
//! shared by a place and one of its own units means the larger one (`岳阳`
//! is 岳阳市, `承德` is 承德市, not their counties). Short and
//! two-character names are flagged as such: in running text
//! they count only as words of their own.

use std::collections::HashMap;
use std::sync::OnceLock;

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};

use super::report::Level;

const PROVINCES_CSV: &str = include_str!("../../data/gazetteer/provinces.csv");
const CITIES_CSV: &str = include_str!("../../data/gazetteer/cities.csv");
const AREAS_CSV: &str = include_str!("../../data/gazetteer/areas.csv");
const STREETS_CSV: &str = include_str!("../../data/gazetteer/streets.csv");

/// The names in `cities.csv` that are placeholders, not cities: the
/// districts and counties of 北京/天津/上海/重庆 and the county-level units
/// that report directly to their province. Such a county has no city.
const NOT_A_CITY: [&str; 4] = ["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"];

/// The resolved locality of a report: full official names from the
/// gazetteer, each `None` when the report is above that level or when the
/// clues do not tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locality {
    /// Province, autonomous region or municipality (`四川省`, `重庆市`).
    pub province: Option<String>,
    /// Prefecture-level city (`达州市`); always `None` for the four
    /// municipalities and for county-level units directly under a province.
    pub city: Option<String>,
    /// County, county-level city, district or banner (`渠县`, `桐乡市`).
    pub county: Option<String>,
    /// Township, town or subdistrict (`有庆镇`).
    pub township: Option<String>,
    /// The level the report speaks for.
    pub level: Option<Level>,
}

/// One administrative unit, as an index into the gazetteer's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Place {
    /// A province, autonomous region or municipality.
    Province(u32),
    /// A prefecture-level unit.
    City(u32),
    /// A county-level unit.
    County(u32),
    /// A township-level unit.
    Township(u32),
}

#[derive(Debug)]
struct City {
    /// `None` for the placeholders in [`NOT_A_CITY`].
    name: Option<String>,
    province: u32,
}

#[derive(Debug)]
struct County {
    name: String,
    city: u32,
    province: u32,
}

#[derive(Debug)]
struct Township {
    name: String,
    county: u32,
}

/// How much we trust a match of one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// A distinctive name: counts everywhere.
    Full,
    /// A short name (`万州`) or a two-character full name (`渠县`, `和县`):
    /// too easily part of ordinary words (`提高县级`, `市和县`), so in the
    /// body it counts only as a word of its own or before a government
    /// word (`渠县人民政府`).
    Weak,
    /// Names like `城区`, `郊区`, `矿区`: ordinary words, trusted only as
    /// a whole folder or file-name part.
    PathOnly,
}

/// One name and every place it may denote.
#[derive(Debug)]
pub(crate) struct NameEntry {
    name: String,
    places: Vec<Place>,
    trust: Trust,
}

/// The bundled administrative-division tables with a name index.
pub struct Gazetteer {
    provinces: Vec<String>,
    cities: Vec<City>,
    counties: Vec<County>,
    townships: Vec<Township>,
    names: Vec<NameEntry>,
    by_name: HashMap<String, usize>,
    /// Every name, leftmost-longest, on characters: a double-array
    /// automaton scans Chinese text several times faster than a byte NFA
    /// of 45,000 names.
    matcher: CharwiseDoubleArrayAhoCorasick<u32>,
}

impl Gazetteer {
    /// The gazetteer bundled with baogao, parsed on first use.
    pub fn bundled() -> &'static Gazetteer {
        static GAZ: OnceLock<Gazetteer> = OnceLock::new();
        GAZ.get_or_init(|| {
            Gazetteer::from_csv(PROVINCES_CSV, CITIES_CSV, AREAS_CSV, STREETS_CSV)
                .expect("the bundled gazetteer is valid")
        })
    }

    /// Builds a gazetteer from the four CSV tables (same columns as
    /// `data/gazetteer/`). Rows that refer to an unknown parent are dropped.
    pub fn from_csv(
        provinces_csv: &str,
        cities_csv: &str,
        areas_csv: &str,
        streets_csv: &str,
    ) -> Result<Gazetteer, csv::Error> {
        fn rows(text: &str) -> Result<Vec<csv::StringRecord>, csv::Error> {
            csv::Reader::from_reader(text.as_bytes()).records().collect()
        }
        let mut provinces = Vec::new();
        let mut province_idx = HashMap::new();
        for r in rows(provinces_csv)? {
            province_idx.insert(r[0].to_string(), provinces.len() as u32);
            provinces.push(r[1].to_string());
        }
        let mut cities = Vec::new();
        let mut city_idx = HashMap::new();
        for r in rows(cities_csv)? {
            let Some(&province) = province_idx.get(&r[2]) else {
                continue;
            };
            let name = (!NOT_A_CITY.contains(&&r[1])).then(|| r[1].to_string());
            city_idx.insert(r[0].to_string(), cities.len() as u32);
            cities.push(City { name, province });
        }
        let mut counties = Vec::new();
        let mut county_idx = HashMap::new();
        for r in rows(areas_csv)? {
            let Some(&city) = city_idx.get(&r[2]) else {
                continue;
            };
            let province = cities[city as usize].province;
            county_idx.insert(r[0].to_string(), counties.len() as u32);
            counties.push(County { name: r[1].to_string(), city, province });
        }
        let mut townships = Vec::new();
        for r in rows(streets_csv)? {
            let name = &r[1];
            // We keep real townships only: the table also lists farms,
            // development zones and prisons (`XX经济开发区`, `XX农场`),
            // whose generic names would match all over the text.
            if !["镇", "乡", "街道", "苏木", "办事处"].iter().any(|s| name.ends_with(s)) {
                continue;
            }
            let Some(&county) = county_idx.get(&r[2]) else {
                continue;
            };
            townships.push(Township { name: name.to_string(), county });
        }

        let mut names: Vec<NameEntry> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut add = |name: &str, place: Place, short: bool| {
            let chars = name.chars().count();
            if chars < 2 {
                return;
            }
            // A township whose name is one character and a suffix
            // (`新镇`, `东街道`) is as easily part of other words.
            let tiny_township = matches!(place, Place::Township(_))
                && ["街道", "苏木"]
                    .iter()
                    .any(|s| name.ends_with(s) && chars - s.chars().count() == 1);
            let trust = if chars == 2 && name.ends_with('区') {
                Trust::PathOnly
            } else if short && !matches!(place, Place::Province(_)) || chars == 2 || tiny_township {
                Trust::Weak
            } else {
                Trust::Full
            };
            let i = *by_name.entry(name.to_string()).or_insert_with(|| {
                names.push(NameEntry { name: name.to_string(), places: vec![], trust });
                names.len() - 1
            });
            let e = &mut names[i];
            e.places.push(place);
            // A name that is someone's full name keeps the stronger trust.
            if trust == Trust::Full || (trust == Trust::Weak && e.trust == Trust::PathOnly) {
                e.trust = trust;
            }
        };
        for (i, p) in provinces.iter().enumerate() {
            add(p, Place::Province(i as u32), false);
            if let Some(s) = short_name(p) {
                add(s, Place::Province(i as u32), true);
            }
        }
        for (i, c) in cities.iter().enumerate() {
            if let Some(n) = &c.name {
                add(n, Place::City(i as u32), false);
                if let Some(s) = short_name(n) {
                    add(s, Place::City(i as u32), true);
                }
            }
        }
        for (i, c) in counties.iter().enumerate() {
            add(&c.name, Place::County(i as u32), false);
            if let Some(s) = short_name(&c.name) {
                add(s, Place::County(i as u32), true);
            }
        }
        for (i, t) in townships.iter().enumerate() {
            // Township short names (`有庆`, `城关`) are not indexed: they
            // are far too often ordinary words.
            add(&t.name, Place::Township(i as u32), false);
        }
        let mut gaz = Gazetteer {
            provinces,
            cities,
            counties,
            townships,
            names: Vec::new(),
            by_name,
            matcher: CharwiseDoubleArrayAhoCorasickBuilder::new()
                .build_with_values([("-", 0u32)])
                .expect("a one-word automaton builds"),
        };
        // A short name shared by a place and one of its own units means
        // the larger one: `岳阳` is 岳阳市, not 岳阳县; `黄山` is 黄山市,
        // whose 黄山区 is always written in full.
        for e in &mut names {
            if e.places.len() > 1 {
                let all = e.places.clone();
                e.places.retain(|p| !gaz.ancestors(*p).iter().any(|a| all.contains(a)));
            }
        }
        gaz.names = names;
        gaz.matcher = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(
                gaz.names.iter().enumerate().map(|(i, e)| (e.name.as_str(), i as u32)),
            )
            .expect("gazetteer names build an automaton");
        Ok(gaz)
    }

    /// Every official name at one level, sorted and without duplicates
    /// (`Level::National` has none). Filters use this to expand a prefix
    /// (`province:四川` → `四川省`).
    pub fn official_names(&self, level: Level) -> Vec<&str> {
        let mut v: Vec<&str> = match level {
            Level::National => vec![],
            Level::Province => self.provinces.iter().map(String::as_str).collect(),
            Level::City => self.cities.iter().filter_map(|c| c.name.as_deref()).collect(),
            Level::County => self.counties.iter().map(|c| c.name.as_str()).collect(),
            Level::Township => self.townships.iter().map(|t| t.name.as_str()).collect(),
        };
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Every place a full or short name may denote, each with its chain of
    /// ancestors (`燕山乡` gives two localities, `万州` one).
    pub fn lookup(&self, name: &str) -> Vec<Locality> {
        match self.by_name.get(name.trim()) {
            Some(&i) => self.names[i].places.iter().map(|&p| self.locality_of(p)).collect(),
            None => vec![],
        }
    }

    /// The locality of a single place: the place and its ancestors.
    pub(crate) fn locality_of(&self, place: Place) -> Locality {
        let mut loc = Locality::default();
        let (province, city, county) = match place {
            Place::Province(p) => (p, None, None),
            Place::City(c) => (self.cities[c as usize].province, Some(c), None),
            Place::County(c) => {
                let county = &self.counties[c as usize];
                (county.province, Some(county.city), Some(c))
            }
            Place::Township(t) => {
                let town = &self.townships[t as usize];
                loc.township = Some(town.name.clone());
                let county = &self.counties[town.county as usize];
                (county.province, Some(county.city), Some(town.county))
            }
        };
        loc.province = Some(self.provinces[province as usize].clone());
        loc.city = city.and_then(|c| self.cities[c as usize].name.clone());
        loc.county = county.map(|c| self.counties[c as usize].name.clone());
        loc.level = Some(match place {
            Place::Province(_) => Level::Province,
            Place::City(_) => Level::City,
            Place::County(_) => Level::County,
            Place::Township(_) => Level::Township,
        });
        loc
    }

    /// The places above `place`, nearest first (a placeholder city is
    /// skipped: it names nothing).
    pub(crate) fn ancestors(&self, place: Place) -> Vec<Place> {
        match place {
            Place::Province(_) => vec![],
            Place::City(c) => vec![Place::Province(self.cities[c as usize].province)],
            Place::County(c) => {
                let county = &self.counties[c as usize];
                let mut v = vec![];
                if self.cities[county.city as usize].name.is_some() {
                    v.push(Place::City(county.city));
                }
                v.push(Place::Province(county.province));
                v
            }
            Place::Township(t) => {
                let county = self.townships[t as usize].county;
                let mut v = vec![Place::County(county)];
                v.extend(self.ancestors(Place::County(county)));
                v
            }
        }
    }

    /// Every trusted name matched in `text`, leftmost-longest, as
    /// `(start, end, name)` byte ranges. Names whose trust is
    /// [`Trust::PathOnly`] are left out unless `path` is set.
    pub(crate) fn matches<'g, 't>(
        &'g self,
        text: &'t str,
        path: bool,
    ) -> impl Iterator<Item = (usize, usize, NameRef<'g>)> + 't
    where
        'g: 't,
    {
        self.matcher.leftmost_find_iter(text).filter_map(move |m| {
            let e = &self.names[m.value() as usize];
            (path || e.trust != Trust::PathOnly).then_some((
                m.start(),
                m.end(),
                NameRef { id: m.value(), entry: e },
            ))
        })
    }

    /// How many distinct names the gazetteer matches (name ids are below).
    pub(crate) fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The entry of a name that is exactly `name`, if any.
    pub(crate) fn entry(&self, name: &str) -> Option<NameRef<'_>> {
        let &i = self.by_name.get(name)?;
        Some(NameRef { id: i as u32, entry: &self.names[i] })
    }

    /// The official name of a place.
    pub(crate) fn name_of(&self, place: Place) -> &str {
        match place {
            Place::Province(p) => &self.provinces[p as usize],
            Place::City(c) => self.cities[c as usize].name.as_deref().unwrap_or(""),
            Place::County(c) => &self.counties[c as usize].name,
            Place::Township(t) => &self.townships[t as usize].name,
        }
    }

    /// The level of a place. A directly administered municipality is a
    /// province (its government is provincial).
    pub(crate) fn level_of(place: Place) -> Level {
        match place {
            Place::Province(_) => Level::Province,
            Place::City(_) => Level::City,
            Place::County(_) => Level::County,
            Place::Township(_) => Level::Township,
        }
    }

    /// The township called `name` in a county, if the gazetteer has it.
    pub(crate) fn township_in(&self, county: u32, name: &str) -> Option<Place> {
        let e = self.entry(name)?;
        e.entry.places.iter().copied().find(|p| match p {
            Place::Township(t) => self.townships[*t as usize].county == county,
            _ => false,
        })
    }
}

/// A name of the gazetteer as found in a text: its index and entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameRef<'g> {
    /// Index of the name (stable for one gazetteer).
    pub id: u32,
    /// The name and the places it may denote.
    pub entry: &'g NameEntry,
}

impl NameRef<'_> {
    /// The name as matched.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The places the name may denote.
    pub fn places(&self) -> &[Place] {
        &self.entry.places
    }

    /// A name that is an ordinary word (`城区`, `郊区`, `矿区`): a place
    /// only as a whole path part or written in a chain (`郊区大通镇`).
    pub fn is_path_only(&self) -> bool {
        self.entry.trust == Trust::PathOnly
    }

    /// A short name (`乐山`) or a two-character one (`渠县`): too easily
    /// part of other words to count in running text unless it is a word
    /// of its own.
    pub fn is_short(&self) -> bool {
        self.entry.trust != Trust::Full
    }
}

/// The short name people write for a place: `四川省` → `四川`,
/// `内蒙古自治区` → `内蒙古`, `黔东南苗族侗族自治州` → `黔东南`, `桐乡市` →
/// `桐乡`, `万州区` → `万州`. `None` when nothing would be left but one
/// character (`渠县`).
pub fn short_name(name: &str) -> Option<&str> {
    // The ethnic groups named in autonomous units, longest first so that
    // `土家` is stripped before `土` could be.
    const ETHNIC: [&str; 55] = [
        "乌孜别克",
        "柯尔克孜",
        "维吾尔",
        "哈萨克",
        "达斡尔",
        "俄罗斯",
        "鄂温克",
        "鄂伦春",
        "塔吉克",
        "塔塔尔",
        "蒙古",
        "布依",
        "朝鲜",
        "土家",
        "哈尼",
        "傈僳",
        "高山",
        "拉祜",
        "东乡",
        "纳西",
        "景颇",
        "仫佬",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "德昂",
        "保安",
        "裕固",
        "独龙",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
        "回",
        "藏",
        "苗",
        "彝",
        "壮",
        "满",
        "侗",
        "瑶",
        "白",
        "傣",
        "黎",
        "佤",
        "畲",
        "水",
        "土",
        "羌",
        "怒",
        "京",
    ];
    const AUTONOMOUS: [&str; 4] = ["自治区", "自治州", "自治县", "自治旗"];
    let mut s = name;
    if let Some(rest) = AUTONOMOUS.iter().find_map(|a| s.strip_suffix(a)) {
        s = rest;
        // `黔东南苗族侗族` → `黔东南`; `新疆维吾尔` → `新疆` (no 族 there).
        loop {
            let before = s;
            if let Some(r) = s.strip_suffix("各族").or_else(|| s.strip_suffix('族')) {
                s = ETHNIC.iter().find_map(|e| r.strip_suffix(e)).unwrap_or(r);
            } else if let Some(r) = s.strip_suffix("维吾尔") {
                s = r;
            }
            if s == before || s.chars().count() < 2 {
                break;
            }
        }
    } else {
        for suffix in ["特别行政区", "林区", "地区", "省", "市", "县", "区", "盟", "旗"]
        {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest;
                break;
            }
        }
    }
    (s != name && s.chars().count() >= 2).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        Gazetteer::bundled().matches(text, false).map(|(_, _, n)| n.name().to_string()).collect()
    }

    #[test]
    fn names_found_leftmost_longest_on_characters() {
        assert_eq!(names("四川省达州市渠县有庆镇人民政府"), ["四川省", "达州市", "渠县", "有庆镇"]);
        let g = Gazetteer::bundled();
        let short: Vec<bool> =
            g.matches("四川省达州市渠县", false).map(|(_, _, n)| n.is_short()).collect();
        assert_eq!(short, [false, false, true], "渠县 has two characters");
        // `城区` is a word: only a path part that is exactly it counts.
        assert!(names("老城区改造").iter().all(|n| n != "城区"));
        assert_eq!(g.matches("城区", true).count(), 1);
    }

    #[test]
    fn short_names_mean_the_larger_place() {
        let g = Gazetteer::bundled();
        for (short, full) in [("岳阳", "岳阳市"), ("承德", "承德市"), ("黄山", "黄山市")]
        {
            let l = g.lookup(short);
            assert_eq!(l.len(), 1, "{short}");
            assert_eq!(l[0].city.as_deref(), Some(full));
            assert_eq!(l[0].county, None, "{short} is not its county");
        }
        // Namesakes with no such relation stay ambiguous.
        assert!(g.lookup("海南").len() > 1);
    }

    #[test]
    fn junk_townships_are_not_in_the_gazetteer() {
        // The copy made by tools/make-gazetteer has no township named `街道`.
        let g = Gazetteer::bundled();
        assert!(g.lookup("街道").is_empty());
        assert!(names("各街道办事处").iter().all(|n| n != "街道"));
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("四川省"), Some("四川"));
        assert_eq!(short_name("内蒙古自治区"), Some("内蒙古"));
        assert_eq!(short_name("广西壮族自治区"), Some("广西"));
        assert_eq!(short_name("凉山彝族自治州"), Some("凉山"));
        assert_eq!(short_name("石柱土家族自治县"), Some("石柱"));
        assert_eq!(short_name("桐乡市"), Some("桐乡"));
        assert_eq!(short_name("海拉尔区"), Some("海拉尔"));
        assert_eq!(short_name("渠县"), None);
        assert_eq!(short_name("新疆维吾尔自治区"), Some("新疆"));
        assert_eq!(short_name("黔东南苗族侗族自治州"), Some("黔东南"));
        assert_eq!(short_name("鄂伦春自治旗"), Some("鄂伦春"));
    }

    #[test]
    fn lookup_full_and_short() {
        let g = Gazetteer::bundled();
        assert_eq!(g.lookup("燕山乡").len(), 2);
        let wz = g.lookup("万州");
        assert_eq!(wz.len(), 1);
        assert_eq!(wz[0].province.as_deref(), Some("重庆市"));
        assert_eq!(wz[0].city, None);
        let tx = g.lookup("桐乡");
        assert_eq!(tx[0].city.as_deref(), Some("嘉兴市"));
        assert!(g.official_names(Level::Province).contains(&"四川省"));
        assert!(g.official_names(Level::City).iter().all(|c| !NOT_A_CITY.contains(c)));
    }
}
