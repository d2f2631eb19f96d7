//! `trend`: several queries side by side, one row per group (a year, a
//! place, …), as rates per 10,000 characters.
//!
//! Each column is [`count`] of one query, so every cell is by construction
//! the `count` figure for that query and group. What `trend` adds is the
//! table shape and the *gaps*: a row whose group has no text at all is a
//! gap (`None`), not a zero, and with `--by year` every year between the
//! first and the last one in scope is a row, so that the years without any
//! report (the national 政府工作报告 skip 1961–1963 and 1965–1974) show as
//! breaks rather than as silently joined neighbours. Charts and printing
//! live in [`crate::output::chart`] and [`crate::cli::trend`].

use std::collections::HashMap;

use super::count::{count, Group, GroupBy, UNKNOWN};
use crate::query::{Filters, Matcher};
use crate::search::SearchError;

/// One row of a trend table.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// The group's key.
    pub key: String,
    /// Reports in the group (0 for a gap year).
    pub reports: usize,
    /// Normalized characters of the group's text (0 for a gap).
    pub chars: u64,
    /// One cell per query, in query order: the `count` group of that query,
    /// or `None` when the row is a gap.
    pub cells: Vec<Option<Group>>,
}

impl TrendRow {
    /// Whether the group has no text (so no rate can be given).
    pub fn is_gap(&self) -> bool {
        self.chars == 0
    }
}

/// What a trend cell shows of its `count` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Measure {
    /// Mentions per 10,000 characters of the group's text (the default).
    #[default]
    Rate,
    /// The share of the group's reports that match, in percent.
    Share,
    /// Mentions.
    Mentions,
    /// Reports that match.
    Reports,
}

impl Measure {
    /// Parses a `--measure` value.
    pub fn parse(s: &str) -> Option<Measure> {
        Some(match s {
            "rate" => Measure::Rate,
            "share" => Measure::Share,
            "mentions" => Measure::Mentions,
            "reports" => Measure::Reports,
            _ => return None,
        })
    }

    /// The cell's value.
    pub fn value(self, g: &Group) -> f64 {
        match self {
            Measure::Rate => g.per_10k_chars(),
            Measure::Share => g.reports_share() * 100.0,
            Measure::Mentions => g.mentions as f64,
            Measure::Reports => g.reports_matching as f64,
        }
    }

    /// The value as a table shows it (`decimals` for rates).
    pub fn format(self, g: &Group, decimals: usize) -> String {
        match self {
            Measure::Rate => format!("{:.*}", decimals, g.per_10k_chars()),
            Measure::Share => format!("{:.1}%", g.reports_share() * 100.0),
            Measure::Mentions => g.mentions.to_string(),
            Measure::Reports => g.reports_matching.to_string(),
        }
    }

    /// What the numbers are, for axis labels and legends.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Rate => "mentions per 10,000 characters",
            Measure::Share => "% of reports mentioning",
            Measure::Mentions => "mentions",
            Measure::Reports => "reports mentioning",
        }
    }
}

/// A trend table.
#[derive(Debug, Clone)]
pub struct Trend {
    /// The grouping.
    pub by: GroupBy,
    /// The rows, in group order (years ascending, gaps included).
    pub rows: Vec<TrendRow>,
    /// Per query, the totals over everything (the `count` summary).
    pub totals: Vec<Group>,
}

/// Counts each matcher over the reports that pass `filters`, grouped by
/// `by`, and lays the results side by side.
pub fn trend(
    reader: &dyn crate::backend::Backend,
    matchers: &[Matcher],
    filters: &Filters,
    by: GroupBy,
) -> Result<Trend, SearchError> {
    let tables =
        matchers.iter().map(|m| count(reader, m, filters, by)).collect::<Result<Vec<_>, _>>()?;
    // The groups depend only on the filters, so every table has the same
    // keys in the same order; we index the others by key anyway rather
    // than rely on it.
    let lookup: Vec<HashMap<&str, &Group>> =
        tables.iter().map(|t| t.groups.iter().map(|g| (g.key.as_str(), g)).collect()).collect();
    let mut rows: Vec<TrendRow> = Vec::new();
    if let Some(first) = tables.first() {
        for g in &first.groups {
            let cells = if g.chars == 0 {
                vec![None; tables.len()]
            } else {
                lookup.iter().map(|l| l.get(g.key.as_str()).map(|g| (*g).clone())).collect()
            };
            rows.push(TrendRow { key: g.key.clone(), reports: g.reports, chars: g.chars, cells });
        }
    }
    if by == GroupBy::Year {
        rows = fill_years(rows, matchers.len());
    }
    Ok(Trend { by, rows, totals: tables.into_iter().map(|t| t.summary).collect() })
}

/// Inserts a gap row for every year missing between the first and the last
/// year present (rows are sorted; [`UNKNOWN`] stays last).
fn fill_years(rows: Vec<TrendRow>, queries: usize) -> Vec<TrendRow> {
    let mut out: Vec<TrendRow> = Vec::with_capacity(rows.len());
    let mut last: Option<i64> = None;
    for row in rows {
        if let (Some(prev), Ok(year)) = (last, row.key.parse::<i64>()) {
            for missing in prev + 1..year {
                out.push(TrendRow {
                    key: missing.to_string(),
                    reports: 0,
                    chars: 0,
                    cells: vec![None; queries],
                });
            }
        }
        if row.key != UNKNOWN {
            last = row.key.parse().ok();
        }
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, chars: u64) -> TrendRow {
        TrendRow {
            key: key.into(),
            reports: usize::from(chars > 0),
            chars,
            cells: vec![(chars > 0).then(Group::default)],
        }
    }

    #[test]
    fn missing_years_become_gaps() {
        let rows = vec![row("1959", 10), row("1960", 10), row("1964", 10), row(UNKNOWN, 5)];
        let filled = fill_years(rows, 1);
        let keys: Vec<&str> = filled.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["1959", "1960", "1961", "1962", "1963", "1964", UNKNOWN]);
        assert!(filled[2].is_gap() && filled[2].cells == vec![None]);
        assert!(!filled[6].is_gap());
    }

    #[test]
    fn a_group_without_text_is_a_gap() {
        assert!(row("2020", 0).is_gap());
        assert!(!row("2020", 1).is_gap());
    }
}
