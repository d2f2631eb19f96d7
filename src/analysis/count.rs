//! `count`: exact mentions per group, normalized by the group's text size.
//!
//! Every figure is exact: passages are verified against the query, and
//! mentions are non-overlapping occurrences of each positive query word,
//! leftmost first, in the normalized passage text (SPEC §4). The rate per
//! 10,000 characters divides by the normalized text size of the whole
//! group — matched or not — so that years or places with more text compare
//! fairly.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::corpus::SectionKind;
use crate::index::{IndexReader, ReportRecord};
use crate::query::{filter, Filters, Matcher};
use crate::search::{SearchError, Searcher};

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Report year.
    Year,
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

    /// The accepted names, for messages.
    pub const NAMES: &'static str =
        "year, township, county, city, province, level, section, report";
}

/// The key used for reports where the grouping field is unknown.
pub const UNKNOWN: &str = "(unknown)";

/// One row of the count table (SPEC §4 `group`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    /// The group's key (a year, a place, a kind, a report id).
    pub key: String,
    /// With `--by report`, the report's path.
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

/// The keys of a report for a grouping (several for `section`).
fn keys(r: &ReportRecord, by: GroupBy, sections: &[SectionKind]) -> Vec<(String, u64)> {
    let one =
        |v: Option<String>| vec![(v.unwrap_or_else(|| UNKNOWN.to_string()), r.chars_in(sections))];
    match by {
        GroupBy::Year => one(r.meta.year.map(|y| y.to_string())),
        GroupBy::Township => one(r.meta.township.clone()),
        GroupBy::County => one(r.meta.county.clone()),
        GroupBy::City => one(r.meta.city.clone()),
        GroupBy::Province => one(r.meta.province.clone()),
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

/// Counts `matcher` over the reports that pass `filters`, grouped.
pub fn count(
    reader: &IndexReader,
    matcher: &Matcher,
    filters: &Filters,
    by: GroupBy,
) -> Result<CountTable, SearchError> {
    let in_scope: Vec<&Arc<ReportRecord>> =
        reader.reports.values().filter(|r| filter::report_matches(filters, r)).collect();
    let mut groups: HashMap<String, Group> = HashMap::new();
    let mut summary = Group { key: "all".into(), ..Group::default() };
    for r in &in_scope {
        summary.reports += 1;
        summary.chars += r.chars_in(&filters.section);
        for (key, chars) in keys(r, by, &filters.section) {
            let g = groups.entry(key.clone()).or_insert_with(|| Group { key, ..Group::default() });
            g.reports += 1;
            g.chars += chars;
            if by == GroupBy::Report {
                g.path = Some(r.path.clone());
            }
        }
    }

    let matches = Searcher::new(reader).all_matches(Some(matcher), filters)?;
    let mut matched_reports: HashMap<String, HashSet<String>> = HashMap::new();
    let mut all_matched: HashSet<&str> = HashSet::new();
    for (doc, norm) in &matches {
        let mentions = matcher.mentions(norm);
        summary.passages_matching += 1;
        summary.mentions += mentions;
        all_matched.insert(doc.report.id.as_str());
        let passage_keys: Vec<String> = match by {
            GroupBy::Section => doc
                .report
                .sections
                .get(doc.section)
                .map(|s| s.kinds.iter().map(|k| k.as_str().to_string()).collect())
                .unwrap_or_default(),
            _ => keys(&doc.report, by, &[]).into_iter().map(|(k, _)| k).collect(),
        };
        for key in passage_keys {
            let g = groups
                .entry(key.clone())
                .or_insert_with(|| Group { key: key.clone(), ..Group::default() });
            g.passages_matching += 1;
            g.mentions += mentions;
            matched_reports.entry(key).or_default().insert(doc.report.id.clone());
        }
    }
    summary.reports_matching = all_matched.len();
    for (key, set) in matched_reports {
        if let Some(g) = groups.get_mut(&key) {
            g.reports_matching = set.len();
        }
    }

    let mut groups: Vec<Group> = groups.into_values().collect();
    sort_groups(&mut groups, by, reader);
    Ok(CountTable { groups, summary })
}

/// Years numerically, reports by path, sections in report order, other
/// keys by name; unknown last.
fn sort_groups(groups: &mut [Group], by: GroupBy, reader: &IndexReader) {
    groups.sort_by(|a, b| {
        let unknown = (a.key == UNKNOWN).cmp(&(b.key == UNKNOWN));
        unknown.then_with(|| match by {
            GroupBy::Year => {
                a.key.parse::<i64>().unwrap_or(0).cmp(&b.key.parse::<i64>().unwrap_or(0))
            }
            GroupBy::Report => {
                let path = |g: &Group| reader.reports.get(&g.key).map(|r| r.path.clone());
                path(a).cmp(&path(b))
            }
            GroupBy::Section => {
                let pos = |g: &Group| SectionKind::ALL.iter().position(|k| k.as_str() == g.key);
                pos(a).cmp(&pos(b))
            }
            GroupBy::Level => {
                let pos =
                    |g: &Group| crate::corpus::Level::ALL.iter().position(|k| k.as_str() == g.key);
                pos(a).cmp(&pos(b))
            }
            _ => a.key.cmp(&b.key),
        })
    });
}
