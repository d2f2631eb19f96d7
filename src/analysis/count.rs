//! `count`: exact mentions per group, normalized by the group's text size,
//! by one key (`--by year`) or two (`--by year,province`, a pivot).
//!
//! Every figure is exact: passages are verified against the query, and
//! mentions are non-overlapping occurrences of each positive query word,
//! leftmost first, in the normalized passage text (SPEC §4). The rate per
//! 10,000 characters divides by the normalized text size of the whole
//! group — matched or not — so that years or places with more text compare
//! fairly.
//!
//! With two keys a group is one *combination* (`2020` × `四川省`): its
//! [`Group::key`] is the first key's value and [`Group::key2`] the second's.
//! The wire shapes built on this (`count --json`, `--csv`) keep the
//! single-key shape and add `key2` only for two keys, so readers of the
//! one-key format are not broken. A pivot ([`pivot`]) also carries both
//! margins (the one-key tables of each key), computed in the same pass over
//! the matches, so that its "all" row and column are exactly what `count
//! --by` with that one key prints. The cells of a row add up to its
//! margin, except across `section`: a passage under a two-kind heading
//! (`三、工作不足及2021年工作计划`) counts in both kinds, as it does in
//! `count --by section`.
//!
//! [`trend`](mod@crate::analysis::trend) reuses [`count`] per query, so a
//! trend cell is by construction the same number as the `count` group.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::corpus::{Level, SectionKind};
use crate::index::{IndexReader, ReportRecord};
use crate::query::{filter, Filters, Matcher};
use crate::search::{PassageDoc, SearchError, Searcher};

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Report year.
    Year,
    /// Decade of the report year (`1990s`).
    Decade,
    /// Township.
    Township,
    /// County.
    County,
    /// City.
    City,
    /// Province.
    Province,
    /// Level.
    Level,
    /// Section kind (a passage in a two-kind section counts in both).
    Section,
    /// Report.
    Report,
}

impl GroupBy {
    /// Parses a `--by` value.
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "year" => GroupBy::Year,
            "decade" => GroupBy::Decade,
            "township" => GroupBy::Township,
            "county" => GroupBy::County,
            "city" => GroupBy::City,
            "province" => GroupBy::Province,
            "level" => GroupBy::Level,
            "section" => GroupBy::Section,
            "report" => GroupBy::Report,
            _ => return None,
        })
    }

    /// Parses a `--by` value of one key or two separated by a comma
    /// (`year,province`). The error is a message for the user.
    pub fn parse_keys(s: &str) -> Result<Vec<GroupBy>, String> {
        let names: Vec<&str> = s.split(',').map(str::trim).collect();
        if names.len() > 2 {
            return Err(format!("--by takes one key or two (year,province), not {}", names.len()));
        }
        let keys = names
            .iter()
            .map(|n| {
                GroupBy::parse(n).ok_or_else(|| {
                    format!("unknown --by key {n:?}; use one of: {}", GroupBy::NAMES)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.len() == 2 && keys[0] == keys[1] {
            return Err(format!("--by {s:?} names the same key twice"));
        }
        Ok(keys)
    }

    /// The name as `--by` spells it.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Year => "year",
            GroupBy::Decade => "decade",
            GroupBy::Township => "township",
            GroupBy::County => "county",
            GroupBy::City => "city",
            GroupBy::Province => "province",
            GroupBy::Level => "level",
            GroupBy::Section => "section",
            GroupBy::Report => "report",
        }
    }

    /// The level of a place grouping (its keys are chain keys, shown by
    /// [`display_names`](crate::corpus::report::display_names)), `None`
    /// for the other groupings.
    pub fn place_level(self) -> Option<Level> {
        match self {
            GroupBy::Township => Some(Level::Township),
            GroupBy::County => Some(Level::County),
            GroupBy::City => Some(Level::City),
            GroupBy::Province => Some(Level::Province),
            _ => None,
        }
    }

    /// The accepted names, for messages.
    pub const NAMES: &'static str =
        "year, decade, township, county, city, province, level, section, report";

    /// Orders two keys of this grouping: years numerically, reports by
    /// path, sections and levels in their canonical order, other keys by
    /// name; [`UNKNOWN`] last.
    pub fn compare(self, a: &str, b: &str, reader: &IndexReader) -> Ordering {
        let unknown = (a == UNKNOWN).cmp(&(b == UNKNOWN));
        unknown.then_with(|| match self {
            GroupBy::Year | GroupBy::Decade => {
                let n = |k: &str| k.trim_end_matches('s').parse::<i64>().unwrap_or(0);
                n(a).cmp(&n(b))
            }
            GroupBy::Report => {
                let path =
                    |k: &str| reader.reports().ok().and_then(|m| m.get(k)).map(|r| r.path.clone());
                path(a).cmp(&path(b))
            }
            GroupBy::Section => {
                let pos = |k: &str| SectionKind::ALL.iter().position(|s| s.as_str() == k);
                pos(a).cmp(&pos(b))
            }
            GroupBy::Level => {
                let pos = |k: &str| Level::ALL.iter().position(|l| l.as_str() == k);
                pos(a).cmp(&pos(b))
            }
            _ => a.cmp(b),
        })
    }
}

/// The key used for reports where the grouping field is unknown.
pub const UNKNOWN: &str = "(unknown)";

/// One row of the count table (SPEC §4 `group`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    /// The group's key (a year, a place, a kind, a report id); with two
    /// keys, the first key's value.
    pub key: String,
    /// With two keys, the second key's value; `None` with one key.
    pub key2: Option<String>,
    /// When a key is `report`, the report's path.
    pub path: Option<String>,
    /// Reports in the group.
    pub reports: usize,
    /// Reports with at least one matching passage.
    pub reports_matching: usize,
    /// Matching passages.
    pub passages_matching: usize,
    /// Mentions in the matching passages.
    pub mentions: usize,
    /// Normalized characters of the group's text.
    pub chars: u64,
}

impl Group {
    /// Mentions per 10,000 characters of the group's text.
    pub fn per_10k_chars(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.mentions as f64 * 10_000.0 / self.chars as f64
        }
    }
}

/// The table: groups in key order, and the summary over everything.
#[derive(Debug, Clone, Default)]
pub struct CountTable {
    /// One row per group.
    pub groups: Vec<Group>,
    /// Totals.
    pub summary: Group,
}

/// A two-key table: one [`Group`] per combination that has reports, and
/// the one-key tables of each key as margins.
#[derive(Debug, Clone)]
pub struct Pivot {
    /// The first key (rows of the human table).
    pub rows: GroupBy,
    /// The second key (columns).
    pub cols: GroupBy,
    /// One group per combination with at least one report, ordered by the
    /// first key, then the second.
    pub cells: Vec<Group>,
    /// `count --by ROWS`: one group per value of the first key.
    pub row_totals: Vec<Group>,
    /// `count --by COLS`: one group per value of the second key.
    pub col_totals: Vec<Group>,
    /// Totals over everything.
    pub summary: Group,
}

impl Pivot {
    /// The cell of a combination, if it has reports (a linear search: to
    /// look up many cells, index [`Pivot::cells`] by key instead).
    pub fn cell(&self, row: &str, col: &str) -> Option<&Group> {
        self.cells.iter().find(|g| g.key == row && g.key2.as_deref() == Some(col))
    }
}

/// The keys of a report for one grouping key (several for `section`),
/// each with the normalized characters it contributes.
fn keys(r: &ReportRecord, by: GroupBy, sections: &[SectionKind]) -> Vec<(String, u64)> {
    let one =
        |v: Option<String>| vec![(v.unwrap_or_else(|| UNKNOWN.to_string()), r.chars_in(sections))];
    match by {
        GroupBy::Year => one(r.meta.year.map(|y| y.to_string())),
        GroupBy::Decade => one(r.meta.year.map(|y| format!("{}s", y.div_euclid(10) * 10))),
        // Places are identities: the key is the whole chain, so two
        // 城关镇 are two groups (SPEC §1).
        GroupBy::Township => one(r.meta.chain_key(Level::Township)),
        GroupBy::County => one(r.meta.chain_key(Level::County)),
        GroupBy::City => one(r.meta.chain_key(Level::City)),
        GroupBy::Province => one(r.meta.chain_key(Level::Province)),
        GroupBy::Level => one(r.meta.level.map(|l| l.as_str().to_string())),
        GroupBy::Report => vec![(r.id.clone(), r.chars_in(sections))],
        GroupBy::Section => {
            let mut per_kind: BTreeMap<SectionKind, u64> = BTreeMap::new();
            for (s, &c) in r.sections.iter().zip(&r.section_chars) {
                if !sections.is_empty() && !s.kinds.iter().any(|k| sections.contains(k)) {
                    continue;
                }
                for k in &s.kinds {
                    *per_kind.entry(*k).or_default() += c;
                }
            }
            per_kind.into_iter().map(|(k, c)| (k.as_str().to_string(), c)).collect()
        }
    }
}

/// The key combinations of a report for a grouping of one or more keys,
/// with the characters of each. Every key but `section` gives the report
/// one value with all its (in-scope) text; `section` splits the text by
/// kind. The text of a combination is therefore the smaller of the two
/// sizes: a kind's share is never more than the report's in-scope text.
fn report_keys(
    r: &ReportRecord,
    by: &[GroupBy],
    sections: &[SectionKind],
) -> Vec<(Vec<String>, u64)> {
    let mut out: Vec<(Vec<String>, u64)> = vec![(Vec::new(), u64::MAX)];
    for &b in by {
        let ks = keys(r, b, sections);
        out = out
            .iter()
            .flat_map(|(prefix, c)| {
                ks.iter().map(move |(k, c2)| {
                    let mut p = prefix.clone();
                    p.push(k.clone());
                    (p, (*c).min(*c2))
                })
            })
            .collect();
    }
    out
}

/// The key combinations a matching passage counts in: its report's keys,
/// except that `section` is the passage's own section kinds.
fn passage_keys(doc: &PassageDoc, by: &[GroupBy]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for &b in by {
        let ks: Vec<String> = match b {
            GroupBy::Section => doc
                .report
                .sections
                .get(doc.section)
                .map(|s| s.kinds.iter().map(|k| k.as_str().to_string()).collect())
                .unwrap_or_default(),
            _ => keys(&doc.report, b, &[]).into_iter().map(|(k, _)| k).collect(),
        };
        out = out
            .iter()
            .flat_map(|prefix| {
                ks.iter().map(move |k| {
                    let mut p = prefix.clone();
                    p.push(k.clone());
                    p
                })
            })
            .collect();
    }
    out
}

impl ReportRecord {
    /// Normalized characters in the sections of the given kinds (all when
    /// empty).
    pub fn chars_in(&self, kinds: &[SectionKind]) -> u64 {
        if kinds.is_empty() {
            return self.chars;
        }
        self.sections
            .iter()
            .zip(&self.section_chars)
            .filter(|(s, _)| s.kinds.iter().any(|k| kinds.contains(k)))
            .map(|(_, c)| c)
            .sum()
    }
}

/// Counts `matcher` over the reports that pass `filters`, grouped by one
/// key.
pub fn count(
    reader: &IndexReader,
    matcher: &Matcher,
    filters: &Filters,
    by: GroupBy,
) -> Result<CountTable, SearchError> {
    let (mut tables, summary) = tally(reader, matcher, filters, &[&[by]])?;
    Ok(CountTable { groups: tables.remove(0), summary })
}

/// Counts `matcher` over the reports that pass `filters` by two keys, with
/// both margins.
pub fn pivot(
    reader: &IndexReader,
    matcher: &Matcher,
    filters: &Filters,
    rows: GroupBy,
    cols: GroupBy,
) -> Result<Pivot, SearchError> {
    let (mut tables, summary) =
        tally(reader, matcher, filters, &[&[rows, cols], &[rows], &[cols]])?;
    let col_totals = tables.pop().unwrap_or_default();
    let row_totals = tables.pop().unwrap_or_default();
    let cells = tables.pop().unwrap_or_default();
    Ok(Pivot { rows, cols, cells, row_totals, col_totals, summary })
}

/// The groups of one grouping while counting.
#[derive(Default)]
struct Tally {
    groups: HashMap<Vec<String>, Group>,
    matched: HashMap<Vec<String>, HashSet<String>>,
}

impl Tally {
    fn group(&mut self, key: &[String]) -> &mut Group {
        self.groups.entry(key.to_vec()).or_insert_with(|| Group {
            key: key[0].clone(),
            key2: key.get(1).cloned(),
            ..Group::default()
        })
    }
}

/// Counts for several groupings in one pass over the matches (loading the
/// matching passages is the expensive part). Returns one sorted table per
/// grouping, and the summary.
fn tally(
    reader: &IndexReader,
    matcher: &Matcher,
    filters: &Filters,
    groupings: &[&[GroupBy]],
) -> Result<(Vec<Vec<Group>>, Group), SearchError> {
    let mut tallies: Vec<Tally> = groupings.iter().map(|_| Tally::default()).collect();
    let mut summary = Group { key: "all".into(), ..Group::default() };
    for r in reader.reports()?.values().filter(|r| filter::report_matches(filters, r)) {
        summary.reports += 1;
        summary.chars += r.chars_in(&filters.section);
        for (by, t) in groupings.iter().zip(&mut tallies) {
            for (key, chars) in report_keys(r, by, &filters.section) {
                let g = t.group(&key);
                g.reports += 1;
                g.chars += chars;
                if by.contains(&GroupBy::Report) {
                    g.path = Some(r.path.clone());
                }
            }
        }
    }

    let matches = Searcher::new(reader).all_matches(Some(matcher), filters)?;
    let mut all_matched: HashSet<&str> = HashSet::new();
    for (doc, norm) in &matches {
        let mentions = matcher.mentions(norm);
        summary.passages_matching += 1;
        summary.mentions += mentions;
        all_matched.insert(doc.report.id.as_str());
        for (by, t) in groupings.iter().zip(&mut tallies) {
            for key in passage_keys(doc, by) {
                let g = t.group(&key);
                g.passages_matching += 1;
                g.mentions += mentions;
                t.matched.entry(key).or_default().insert(doc.report.id.clone());
            }
        }
    }
    summary.reports_matching = all_matched.len();

    let tables = groupings
        .iter()
        .zip(tallies)
        .map(|(by, mut t)| {
            for (key, set) in t.matched {
                if let Some(g) = t.groups.get_mut(&key) {
                    g.reports_matching = set.len();
                }
            }
            let mut groups: Vec<Group> = t.groups.into_values().collect();
            groups.sort_by(|a, b| {
                by[0].compare(&a.key, &b.key, reader).then_with(|| {
                    match (&a.key2, &b.key2, by.get(1)) {
                        (Some(x), Some(y), Some(k)) => k.compare(x, y, reader),
                        _ => Ordering::Equal,
                    }
                })
            });
            groups
        })
        .collect();
    Ok((tables, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_keys_parse() {
        assert_eq!(GroupBy::parse_keys("year"), Ok(vec![GroupBy::Year]));
        assert_eq!(
            GroupBy::parse_keys("year, province"),
            Ok(vec![GroupBy::Year, GroupBy::Province])
        );
        assert!(GroupBy::parse_keys("year,year").is_err());
        assert!(GroupBy::parse_keys("year,province,level").is_err());
        assert!(GroupBy::parse_keys("weekday").unwrap_err().contains("weekday"));
        for name in GroupBy::NAMES.split(", ") {
            assert_eq!(GroupBy::parse(name).map(GroupBy::name), Some(name));
        }
    }

    #[test]
    fn rates_divide_by_the_whole_group() {
        let g = Group { mentions: 3, chars: 20_000, ..Group::default() };
        assert_eq!(g.per_10k_chars(), 1.5);
        assert_eq!(Group::default().per_10k_chars(), 0.0);
    }
}
