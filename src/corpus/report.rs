//! The data model of one report: its metadata, its top-level sections and its
//! passages (SPEC §1).
//!
//! These are plain domain types shared by the whole pipeline: `decode` and
//! `html` produce text, `structure` splits it into [`Section`]s and
//! [`Passage`]s, `metadata` and `locality` fill in [`Metadata`], and the
//! index stores and returns them. Wire formats (JSON Lines) live in `output`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::locality::short_name;

/// The administrative level a report speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The State Council / the whole country.
    National,
    /// A province, autonomous region or directly administered municipality.
    Province,
    /// A prefecture-level city.
    City,
    /// A county, county-level city or district.
    County,
    /// A township (镇, 乡) or subdistrict (街道).
    Township,
}

impl Level {
    /// All levels, from the top down.
    pub const ALL: [Level; 5] =
        [Level::National, Level::Province, Level::City, Level::County, Level::Township];

    /// The English name used in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }

    /// Parses the English name (`township`) or a Chinese one (`乡镇`, `县`).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "national" | "国家" | "全国" | "中央" => Level::National,
            "province" | "省" | "省级" => Level::Province,
            "city" | "市" | "地市" | "市级" => Level::City,
            "county" | "县" | "县级" | "区县" => Level::County,
            "township" | "乡镇" | "镇" | "乡" | "街道" => Level::Township,
            _ => return None,
        })
    }
}

/// What a top-level section of a report is about (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionKind {
    /// 主要举措和成效, 工作开展情况, 工作回顾, 主要做法.
    Measures,
    /// 存在的不足/问题/差距 and their causes.
    Shortcomings,
    /// 党政主要负责人履行推进法治建设第一责任人职责.
    Responsibility,
    /// 下一步打算, 工作安排, 工作计划, 工作任务.
    Plans,
    /// Preamble, closing, anything else.
    Other,
}

impl SectionKind {
    /// All kinds, in their usual order in a report.
    pub const ALL: [SectionKind; 5] = [
        SectionKind::Measures,
        SectionKind::Shortcomings,
        SectionKind::Responsibility,
        SectionKind::Plans,
        SectionKind::Other,
    ];

    /// The English name used in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Measures => "measures",
            SectionKind::Shortcomings => "shortcomings",
            SectionKind::Responsibility => "responsibility",
            SectionKind::Plans => "plans",
            SectionKind::Other => "other",
        }
    }

    /// Parses the English kind or one of its Chinese aliases
    /// (举措/成效, 不足/问题, 责任, 计划/打算/安排, 其他).
    pub fn parse(s: &str) -> Option<SectionKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "measures" | "举措" | "成效" | "措施" | "做法" => SectionKind::Measures,
            "shortcomings" | "不足" | "问题" | "差距" => SectionKind::Shortcomings,
            "responsibility" | "责任" | "第一责任人" | "职责" => {
                SectionKind::Responsibility
            }
            "plans" | "计划" | "打算" | "安排" | "任务" => SectionKind::Plans,
            "other" | "其他" | "其它" => SectionKind::Other,
            _ => return None,
        })
    }
}

/// Metadata of a report (SPEC §1). Every field may be unknown (`None`):
/// extraction leaves a field empty rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The report's title, cleaned (`政 府 工 作 报 告` → `政府工作报告`).
    pub title: Option<String>,
    /// Full official province name (`四川省`), null for national reports.
    pub province: Option<String>,
    /// Prefecture-level city (`达州市`); null for 北京/天津/上海/重庆.
    pub city: Option<String>,
    /// County, county-level city or district (`渠县`, `桐乡市`, `万州区`).
    pub county: Option<String>,
    /// Township (`有庆镇`).
    pub township: Option<String>,
    /// The level the report speaks for.
    pub level: Option<Level>,
    /// The issuing body as written.
    pub issuer: Option<String>,
    /// The year the report names itself by.
    pub year: Option<i32>,
    /// Publication date, `YYYY-MM-DD`.
    pub published: Option<String>,
}

/// The place of a gazetteer locality at `level`.
fn loc_place(loc: &super::locality::Locality, level: Level) -> Option<&str> {
    match level {
        Level::National => None,
        Level::Province => loc.province.as_deref(),
        Level::City => loc.city.as_deref(),
        Level::County => loc.county.as_deref(),
        Level::Township => loc.township.as_deref(),
    }
}

/// What joins the names of a place's chain in its key (`四川省›达州市›渠县`).
pub const CHAIN_SEPARATOR: char = '›';

impl Metadata {
    /// The place field of a level (`None` for `national`).
    pub fn place(&self, level: Level) -> Option<&str> {
        match level {
            Level::National => None,
            Level::Province => self.province.as_deref(),
            Level::City => self.city.as_deref(),
            Level::County => self.county.as_deref(),
            Level::Township => self.township.as_deref(),
        }
    }

    /// Whether a report like this one could name a place at `level`, so
    /// that lacking it is a gap in its metadata (`reports --missing`).
    ///
    /// Not when the report speaks for a higher level: a national report
    /// has no province, a province report no city, a county report no
    /// township (levels: national > province > city > county > township;
    /// an unknown level could have any). Nor when the gazetteer says the
    /// place below has none: a district of 北京/天津/上海/重庆 or a county
    /// directly under its province has no city.
    /// The gazetteer is asked only for a place below `level` that is known,
    /// among the places consistent with the report's other fields.
    pub fn could_have_place(&self, level: Level) -> bool {
        if level == Level::National || self.level.is_some_and(|l| l < level) {
            return false;
        }
        // The nearest known place below (fewest namesakes).
        let below = Level::ALL.iter().copied().filter(|&l| l > level);
        let Some((found, name)) = below.filter_map(|l| Some((l, self.place(l)?))).next() else {
            return true;
        };
        // The places of that name whose chain (down to it) agrees with
        // every field the report has.
        let consistent: Vec<_> = super::locality::Gazetteer::bundled()
            .lookup(name)
            .into_iter()
            .filter(|loc| loc.level == Some(found))
            .filter(|loc| {
                Level::ALL[1..].iter().filter(|&&l| l <= found).all(|&l| {
                    match (self.place(l), loc_place(loc, l)) {
                        (Some(ours), Some(theirs)) => ours == theirs,
                        (Some(_), None) => false,
                        (None, _) => true,
                    }
                })
            })
            .collect();
        consistent.is_empty() || consistent.iter().any(|loc| loc_place(loc, level).is_some())
    }

    /// The identity of the report's place at `level`: the chain of official
    /// names from the province down to that level, joined with `›`
    /// (`四川省›达州市›渠县›有庆镇`; `北京市›朝阳区` for a district of a
    /// municipality, which has no city). Unknown names above the level are
    /// left out (`城关镇` when the county is unknown). `None` when the
    /// field of that level is unknown, or for `national`.
    ///
    /// Two townships called 城关镇 have different keys: grouping by this
    /// key never merges different places that share a name.
    pub fn chain_key(&self, level: Level) -> Option<String> {
        let fields = [&self.province, &self.city, &self.county, &self.township];
        let depth = match level {
            Level::National => return None,
            Level::Province => 1,
            Level::City => 2,
            Level::County => 3,
            Level::Township => 4,
        };
        fields[depth - 1].as_ref()?;
        let parts: Vec<&str> = fields[..depth].iter().filter_map(|f| f.as_deref()).collect();
        Some(parts.join(&CHAIN_SEPARATOR.to_string()))
    }
}

/// The shortest display name of each chain key that is unambiguous among
/// `keys`: the place's own name when no other key ends with the same name,
/// else the name with the fewest qualifiers that tell it apart, province
/// first, then the nearest unit above (`城关镇（河南）`, `城关镇（河南 新县）`,
/// `永定区（福建）` / `永定区（湖南）`). Qualifiers use short names (`河南`
/// for 河南省, `新疆` for 新疆维吾尔自治区). Keys that are not chains
/// (`(unknown)`) are shown as they are.
pub fn display_names<'a>(keys: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    let mut by_leaf: HashMap<&str, Vec<Vec<&str>>> = HashMap::new();
    for key in keys {
        let parts: Vec<&str> = key.split(CHAIN_SEPARATOR).collect();
        let leaf = parts[parts.len() - 1];
        let group = by_leaf.entry(leaf).or_default();
        if !group.contains(&parts) {
            group.push(parts);
        }
    }
    let short = |n: &str| short_name(n).unwrap_or(n).to_string();
    let mut out = HashMap::new();
    for (leaf, group) in by_leaf {
        if group.len() == 1 {
            out.insert(group[0].join(&CHAIN_SEPARATOR.to_string()), leaf.to_string());
            continue;
        }
        // Qualifiers: the province, then as few units below it as tell the
        // places apart, the nearest unit above the place first.
        let depth = group.iter().map(|p| p.len() - 1).max().unwrap_or(0);
        let mut sets: Vec<Vec<usize>> = (0u32..(1 << depth.saturating_sub(1)))
            .map(|mask| {
                let mut set = vec![0];
                set.extend((1..depth).filter(|i| mask & (1 << (i - 1)) != 0));
                set
            })
            .collect();
        let rank = |i: &usize| depth - *i;
        sets.sort_by_key(|s| (s.len(), s.iter().skip(1).map(rank).collect::<Vec<_>>()));
        let label = |parts: &[&str], set: &[usize]| {
            let q: Vec<String> =
                set.iter().filter(|&&i| i + 1 < parts.len()).map(|&i| short(parts[i])).collect();
            if q.is_empty() {
                leaf.to_string()
            } else {
                format!("{leaf}（{}）", q.join(" "))
            }
        };
        let chosen = sets.iter().find(|set| {
            let labels: Vec<String> = group.iter().map(|p| label(p, set)).collect();
            labels.iter().enumerate().all(|(i, l)| !labels[..i].contains(l))
        });
        for parts in &group {
            let name = match chosen {
                Some(set) => label(parts, set),
                None => parts.join(&CHAIN_SEPARATOR.to_string()),
            };
            out.insert(parts.join(&CHAIN_SEPARATOR.to_string()), name);
        }
    }
    out
}

/// One top-level section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// One or more kinds; `[other]` for preamble and closing.
    pub kinds: Vec<SectionKind>,
    /// The top-level heading as written (trimmed), `None` for the preamble.
    pub heading: Option<String>,
}

/// A paragraph of a report: the unit of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// Index into [`Structure::sections`] of the section it belongs to.
    pub section: usize,
    /// The chain of headings from the top-level heading down to this
    /// passage (`一、…` › `（五）…` › `1.…`); empty in a section without
    /// heading.
    pub path: Vec<String>,
    /// The original text of the paragraph, trimmed, with lines that a PDF
    /// copy broke mid-sentence joined back.
    pub text: String,
}

/// A report split into sections and passages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    /// Top-level sections in document order; the first is the preamble
    /// (`[other]`, no heading) when the report has text before its first
    /// top-level heading.
    pub sections: Vec<Section>,
    /// Passages in document order.
    pub passages: Vec<Passage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(p: &str, c: Option<&str>, county: Option<&str>, t: Option<&str>) -> Metadata {
        Metadata {
            province: Some(p.to_string()),
            city: c.map(String::from),
            county: county.map(String::from),
            township: t.map(String::from),
            ..Metadata::default()
        }
    }

    #[test]
    fn places_a_report_could_have() {
        let at = |level: Option<Level>, m: Metadata| Metadata { level, ..m };
        // Levels: a report has no place below its own.
        let national = Metadata { level: Some(Level::National), ..Metadata::default() };
        assert!(Level::ALL.iter().all(|&l| !national.could_have_place(l)));
        let county = at(Some(Level::County), meta("四川省", Some("达州市"), Some("渠县"), None));
        assert!(county.could_have_place(Level::County));
        assert!(!county.could_have_place(Level::Township));
        // An unknown level could have anything.
        assert!(Metadata::default().could_have_place(Level::Township));
        // The gazetteer: a county of 达州市 has a city, a district or a
        // town of 上海 has none (nearest place below first; its chain must
        // agree with the report's other fields).
        let no_city = at(Some(Level::County), meta("四川省", None, Some("渠县"), None));
        assert!(no_city.could_have_place(Level::City));
        let district = at(Some(Level::County), meta("北京市", None, Some("朝阳区"), None));
        assert!(!district.could_have_place(Level::City));
        let town = at(Some(Level::Township), meta("上海市", None, Some("松江区"), Some("泗泾镇")));
        assert!(!town.could_have_place(Level::City));
        assert!(town.could_have_place(Level::County));
        // A place the gazetteer does not know: we cannot tell, so it could.
        let unknown = at(None, meta("四川省", None, Some("不存在县"), None));
        assert!(unknown.could_have_place(Level::City));
    }

    #[test]
    fn chain_keys() {
        let m = meta("四川省", Some("达州市"), Some("渠县"), Some("有庆镇"));
        assert_eq!(m.chain_key(Level::Township).as_deref(), Some("四川省›达州市›渠县›有庆镇"));
        assert_eq!(m.chain_key(Level::County).as_deref(), Some("四川省›达州市›渠县"));
        assert_eq!(m.chain_key(Level::City).as_deref(), Some("四川省›达州市"));
        assert_eq!(m.chain_key(Level::Province).as_deref(), Some("四川省"));
        assert_eq!(m.chain_key(Level::National), None);
        let m = meta("北京市", None, Some("朝阳区"), None);
        assert_eq!(m.chain_key(Level::County).as_deref(), Some("北京市›朝阳区"));
        assert_eq!(m.chain_key(Level::City), None);
        assert_eq!(m.chain_key(Level::Township), None);
        // An ambiguous township keeps what is known.
        let m = Metadata { township: Some("城关镇".into()), ..Metadata::default() };
        assert_eq!(m.chain_key(Level::Township).as_deref(), Some("城关镇"));
    }

    #[test]
    fn shortest_unambiguous_names() {
        let keys = [
            "河南省›信阳市›新县›城关镇",
            "河南省›信阳市›固始县›城关镇",
            "湖北省›襄阳市›保康县›城关镇",
            "四川省›达州市›渠县›有庆镇",
            "福建省›龙岩市›永定区",
            "湖南省›张家界市›永定区",
            "(unknown)",
        ];
        let names = display_names(keys);
        assert_eq!(names["四川省›达州市›渠县›有庆镇"], "有庆镇");
        assert_eq!(names["河南省›信阳市›新县›城关镇"], "城关镇（河南 新县）");
        assert_eq!(names["河南省›信阳市›固始县›城关镇"], "城关镇（河南 固始）");
        assert_eq!(names["湖北省›襄阳市›保康县›城关镇"], "城关镇（湖北 保康）");
        assert_eq!(names["福建省›龙岩市›永定区"], "永定区（福建）");
        assert_eq!(names["湖南省›张家界市›永定区"], "永定区（湖南）");
        assert_eq!(names["(unknown)"], "(unknown)");
        // Unique by province alone: only the province is added.
        let names = display_names(["河南省›信阳市›新县›城关镇", "湖北省›襄阳市›保康县›城关镇"]);
        assert_eq!(names["河南省›信阳市›新县›城关镇"], "城关镇（河南）");
        // A municipality's district and a namesake elsewhere.
        let names = display_names(["北京市›朝阳区", "吉林省›长春市›朝阳区"]);
        assert_eq!(names["北京市›朝阳区"], "朝阳区（北京）");
        assert_eq!(names["吉林省›长春市›朝阳区"], "朝阳区（吉林）");
    }
}
