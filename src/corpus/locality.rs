//! The gazetteer: place names to province › city › county › township.
//!
//! We bundle the national administrative-division tables from
//! `data/gazetteer/` (provinces, prefecture cities, counties = "areas",
//! townships = "streets"; WTFPL) into the binary and parse them once.
//! [`Gazetteer::resolve`] turns the clues that `metadata` gathers from a
//! report (its path, its header and signature lines, its body) into a
//! [`Locality`]: the full official names of the place the report speaks for,
//! and its [`Level`].
//!
//! A township name alone is often ambiguous (88 towns are called 城关镇,
//! 燕山乡 exists in 安徽 and 重庆), so we never resolve a name in
//! isolation: every candidate is scored by how strongly the report also
//! names its county, city and province, and when the best candidates tie we
//! keep only the fields they agree on. A field is left `None` rather than
//! guessed.
//!
//! Matching is one Aho-Corasick pass over each piece of text with every
//! full name (and, for provinces, cities and counties, the short name:
//! `桐乡` for 桐乡市, `万州` for 万州区, `内蒙古` for 内蒙古自治区), so the
//! cost per report is linear in its length, not in the size of the gazetteer.

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

/// Where a name was seen, from the strongest clue to the weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// A folder or file name in the report's path.
    Path,
    /// The title, issuer, header, delivery, speaker or signature lines.
    Strong,
    /// Anywhere in the text.
    Body,
}

/// The clues a report gives about its place, gathered by `metadata`.
#[derive(Debug, Clone, Default)]
pub struct Clues<'a> {
    /// Path relative to the corpus root, `/`-separated.
    pub path: &'a str,
    /// Title, issuer, header and signature lines (already de-spaced).
    pub strong: Vec<String>,
    /// The whole text.
    pub body: &'a str,
}

/// One administrative unit, as an index into the gazetteer's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Place {
    Province(u32),
    City(u32),
    County(u32),
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
    /// body it counts only when a government word follows (`渠县人民政府`).
    Weak,
    /// Names like `城区`, `郊区`, `矿区`: ordinary words, trusted only as
    /// a whole folder or file-name part.
    PathOnly,
}

#[derive(Debug)]
struct NameEntry {
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

/// Words that, right after a short or two-character place name in running
/// text, make it a real mention (`渠县人民政府`, `万州区委`).
const GOV_FOLLOWERS: [&str; 12] = [
    "人民政府",
    "政府",
    "委员会",
    "党委",
    "县委",
    "区委",
    "市委",
    "人大",
    "人民代表大会",
    "委发",
    "府发",
    "府办",
];

/// Self-references that tell which level a report speaks for when its
/// header names no place (`我乡`, `全区`).
const TOWNSHIP_SELF: [&str; 13] = [
    "我镇",
    "全镇",
    "本镇",
    "我乡",
    "全乡",
    "本乡",
    "我街道",
    "全街道",
    "本街道",
    "镇党委",
    "乡党委",
    "镇政府",
    "乡政府",
];
const COUNTY_SELF: [&str; 9] =
    ["我区", "全区", "本区", "我县", "全县", "本县", "我旗", "全旗", "本旗"];
const CITY_SELF: [&str; 3] = ["我市", "全市", "本市"];

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
            let trust = if chars == 2 && name.ends_with('区') {
                Trust::PathOnly
            } else if short && !matches!(place, Place::Province(_)) || chars == 2 {
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
        let matcher = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(names.iter().enumerate().map(|(i, e)| (e.name.as_str(), i as u32)))
            .expect("gazetteer names build an automaton");
        Ok(Gazetteer { provinces, cities, counties, townships, names, by_name, matcher })
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
    fn locality_of(&self, place: Place) -> Locality {
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
    fn ancestors(&self, place: Place) -> Vec<Place> {
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

    /// Calls `f` with every name matched in `text` that we trust in `zone`.
    fn scan(&self, text: &str, zone: Zone, mut f: impl FnMut(&NameEntry)) {
        for m in self.matcher.leftmost_find_iter(text) {
            let e = &self.names[m.value() as usize];
            let ok = match (e.trust, zone) {
                (Trust::Full, _) => true,
                (Trust::PathOnly, Zone::Path) => true,
                (Trust::PathOnly, _) => false,
                (Trust::Weak, Zone::Path | Zone::Strong) => true,
                (Trust::Weak, Zone::Body) => {
                    let rest = &text[m.end()..];
                    GOV_FOLLOWERS.iter().any(|w| rest.starts_with(w))
                }
            };
            if ok {
                f(e);
            }
        }
    }

    /// Resolves a report's place from its clues.
    ///
    /// The level is the lowest one named in the path or the strong lines
    /// (a township named in the title makes a township report, even though
    /// the addressee line names the county). When the strong clues name no
    /// township but the body speaks as one (`我乡`, `全镇` outnumber `全区`,
    /// `我县`), the most supported township named in the body is taken;
    /// likewise for counties and cities. National reports are recognised by
    /// `metadata`, not here.
    pub fn resolve(&self, clues: &Clues) -> Locality {
        let mut hits: HashMap<Place, Hits> = HashMap::new();
        let mut record = |e: &NameEntry, zone: Zone| {
            for &p in &e.places {
                let h = hits.entry(p).or_default();
                match zone {
                    Zone::Path => h.path += 1,
                    Zone::Strong => h.strong += 1,
                    Zone::Body => h.body += 1,
                }
            }
        };
        for seg in path_parts(clues.path) {
            // One hit per name per part, and a part that *is* a name (a
            // folder `城区`) counts even for path-only names.
            if let Some(&i) = self.by_name.get(seg) {
                record(&self.names[i], Zone::Path);
                continue;
            }
            self.scan(seg, Zone::Path, |e| record(e, Zone::Path));
        }
        for line in &clues.strong {
            self.scan(line, Zone::Strong, |e| record(e, Zone::Strong));
        }
        self.scan(clues.body, Zone::Body, |e| record(e, Zone::Body));

        let [town_refs, county_refs, city_refs] = self_references(clues.body);

        let of_kind = |strong: bool, kind: fn(&Place) -> bool| -> Vec<Place> {
            let mut v: Vec<Place> = hits
                .iter()
                .filter(|(p, h)| kind(p) && if strong { h.path + h.strong > 0 } else { h.body > 0 })
                .map(|(p, _)| *p)
                .collect();
            v.sort_unstable();
            v
        };
        let is_town = |p: &Place| matches!(p, Place::Township(_));
        let is_county = |p: &Place| matches!(p, Place::County(_));
        let is_city = |p: &Place| matches!(p, Place::City(_));
        let is_province = |p: &Place| matches!(p, Place::Province(_));

        let pick = |cands: Vec<Place>| self.pick(&cands, &hits);
        let strong_towns = of_kind(true, is_town);
        if !strong_towns.is_empty() {
            return pick(strong_towns);
        }
        let body_towns = of_kind(false, is_town);
        if !body_towns.is_empty() && town_refs > 0 && town_refs > county_refs {
            return pick(body_towns);
        }
        let strong_counties = of_kind(true, is_county);
        if !strong_counties.is_empty() {
            return pick(strong_counties);
        }
        let body_counties = of_kind(false, is_county);
        if !body_counties.is_empty() && county_refs > 0 && county_refs >= city_refs {
            return pick(body_counties);
        }
        let strong_cities = of_kind(true, is_city);
        if !strong_cities.is_empty() {
            return pick(strong_cities);
        }
        let body_cities = of_kind(false, is_city);
        if !body_cities.is_empty() && city_refs > 0 {
            return pick(body_cities);
        }
        let strong_provinces = of_kind(true, is_province);
        if !strong_provinces.is_empty() {
            return pick(strong_provinces);
        }
        Locality::default()
    }

    /// Picks the best supported candidate (all of one level): its own
    /// mentions plus those of its county, city and province. When several
    /// tie, we keep only the fields they agree on, so `城关镇` with no other
    /// clue gives the township name and nothing above it.
    fn pick(&self, cands: &[Place], hits: &HashMap<Place, Hits>) -> Locality {
        let own = |p: &Place| hits.get(p).map_or(0, Hits::weight);
        let scored: Vec<(u32, Place)> = cands
            .iter()
            .map(|p| (own(p) + self.ancestors(*p).iter().map(own).sum::<u32>(), *p))
            .collect();
        let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
        let mut out: Option<Locality> = None;
        for (_, p) in scored.iter().filter(|s| s.0 == best) {
            let loc = self.locality_of(*p);
            out = Some(match out {
                None => loc,
                Some(prev) => Locality {
                    province: agree(prev.province, loc.province),
                    city: agree(prev.city, loc.city),
                    county: agree(prev.county, loc.county),
                    township: agree(prev.township, loc.township),
                    level: agree(prev.level, loc.level),
                },
            });
        }
        let mut loc = out.unwrap_or_default();
        // When the tied candidates disagree on a lower field but agree
        // above, a city is only meaningful with its province, etc.; and
        // the four municipalities never have a city, which `locality_of`
        // already ensures.
        if loc.province.is_none() {
            loc.city = None;
        }
        loc
    }
}

/// How often `body` refers to itself as a township, a county and a city:
/// the occurrences of each word of [`TOWNSHIP_SELF`], [`COUNTY_SELF`] and
/// [`CITY_SELF`] (what `body.matches(word).count()` summed per list gives,
/// in one pass: every word starts with 我, 全, 本, 镇 or 乡 and none
/// overlaps itself).
fn self_references(body: &str) -> [usize; 3] {
    let mut counts = [0usize; 3];
    for (i, c) in body.char_indices() {
        if !matches!(c, '我' | '全' | '本' | '镇' | '乡') {
            continue;
        }
        let rest = &body[i..];
        let lists: [&[&str]; 3] = [&TOWNSHIP_SELF, &COUNTY_SELF, &CITY_SELF];
        for (n, list) in counts.iter_mut().zip(lists) {
            *n += list.iter().filter(|w| rest.starts_with(**w)).count();
        }
    }
    counts
}

/// Mentions of one place, by zone.
#[derive(Debug, Default, Clone, Copy)]
struct Hits {
    path: u32,
    strong: u32,
    body: u32,
}

impl Hits {
    /// A path clue outweighs a title clue, which outweighs many mentions in
    /// running text; each zone is capped so one repeated name cannot drown
    /// the others.
    fn weight(&self) -> u32 {
        8 * self.path.min(2) + 4 * self.strong.min(3) + self.body.min(4)
    }
}

fn agree<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    }
}

/// The parts of a relative path worth matching: folder names and the file
/// stem, each also split at `-`, `_`, spaces and dots (`2020-闵行区七宝镇-…`).
fn path_parts(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let segs: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    for (i, seg) in segs.iter().enumerate() {
        let seg = if i + 1 == segs.len() {
            seg.rsplit_once('.').map_or(*seg, |(stem, _)| stem)
        } else {
            seg
        };
        parts.push(seg);
        let pieces: Vec<&str> =
            seg.split(['-', '_', ' ', '.', '—']).filter(|s| !s.is_empty()).collect();
        if pieces.len() > 1 {
            parts.extend(pieces);
        }
    }
    parts
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

    fn clues<'a>(path: &'a str, strong: &[&str], body: &'a str) -> Clues<'a> {
        Clues { path, strong: strong.iter().map(|s| s.to_string()).collect(), body }
    }

    proptest::proptest! {
        /// One pass counts what `str::matches` counts word by word.
        #[test]
        fn self_references_count_like_matches(
            body in proptest::string::string_regex("[我全本镇乡街道区县旗市党委政府的a ]{0,60}").unwrap()
        ) {
            let count = |words: &[&str]| -> usize { words.iter().map(|w| body.matches(w).count()).sum() };
            proptest::prop_assert_eq!(
                self_references(&body),
                [count(&TOWNSHIP_SELF), count(&COUNTY_SELF), count(&CITY_SELF)]
            );
        }
    }

    #[test]
    fn names_found_leftmost_longest_on_characters() {
        let g = Gazetteer::bundled();
        let mut found = Vec::new();
        g.scan("四川省达州市渠县有庆镇人民政府", Zone::Body, |e| {
            found.push(e.name.clone())
        });
        assert_eq!(
            found,
            ["四川省", "达州市", "有庆镇"],
            "渠县 is weak: no government word follows"
        );
        let mut found = Vec::new();
        g.scan("渠县人民政府", Zone::Body, |e| found.push(e.name.clone()));
        assert_eq!(found, ["渠县"]);
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

    #[test]
    fn yanshan_with_wanzhou_is_chongqing() {
        // Seed 003: no place in the title, 燕山乡 and 万州区 in the body.
        let body =
            "依据《万州区法治政府建设实施方案（2016—2020年）》，我乡在区委区政府的正确领导下。\
                    今年来，燕山乡的法治政府建设工作取得了一定的成绩。";
        let loc =
            Gazetteer::bundled().resolve(&clues("", &["关于2020年法治政府建设情况的报告"], body));
        assert_eq!(loc.township.as_deref(), Some("燕山乡"));
        assert_eq!(loc.county.as_deref(), Some("万州区"));
        assert_eq!(loc.city, None);
        assert_eq!(loc.province.as_deref(), Some("重庆市"));
        assert_eq!(loc.level, Some(Level::Township));
    }

    #[test]
    fn chengguan_alone_is_ambiguous() {
        let loc = Gazetteer::bundled().resolve(&clues(
            "",
            &["城关镇2023年法治政府建设年度报告"],
            "现将我镇2023年法治政府建设情况报告如下。",
        ));
        assert_eq!(loc.township.as_deref(), Some("城关镇"));
        assert_eq!((loc.county, loc.city, loc.province), (None, None, None));
        assert_eq!(loc.level, Some(Level::Township));
    }

    #[test]
    fn short_county_name_in_title() {
        // `渠县` is two characters: weak, but trusted in a title.
        let loc = Gazetteer::bundled().resolve(&clues("", &["中共渠县有庆镇委员会"], ""));
        assert_eq!(loc.city.as_deref(), Some("达州市"));
        assert_eq!(loc.county.as_deref(), Some("渠县"));
    }

    #[test]
    fn weak_names_in_running_text() {
        // `提高县级` must not count as 高县, `市和县` not as 和县.
        let loc = Gazetteer::bundled().resolve(&clues(
            "",
            &[],
            "全县要提高县级统筹能力，省、市和县三级联动，全县上下一心。",
        ));
        assert_eq!(loc, Locality::default());
    }

    #[test]
    fn district_from_delivery_line() {
        let loc = Gazetteer::bundled().resolve(&clues(
            "encodings-raw/hailar-district-gwr-2012.gb18030.txt",
            &["----2012年2月29日在海拉尔区第十三届人民代表大会第六次会议上"],
            "全区经济持续发展。",
        ));
        assert_eq!(loc.county.as_deref(), Some("海拉尔区"));
        assert_eq!(loc.city.as_deref(), Some("呼伦贝尔市"));
        assert_eq!(loc.province.as_deref(), Some("内蒙古自治区"));
        assert_eq!(loc.level, Some(Level::County));
    }

    #[test]
    fn folders_disambiguate() {
        let loc = Gazetteer::bundled().resolve(&clues(
            "重庆市/万州区/燕山乡-2021.txt",
            &["关于2021年法治政府建设情况的报告"],
            "",
        ));
        assert_eq!(loc.province.as_deref(), Some("重庆市"));
        assert_eq!(loc.county.as_deref(), Some("万州区"));
        assert_eq!(loc.township.as_deref(), Some("燕山乡"));
    }
}
