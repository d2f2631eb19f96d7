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
use std::collections::{HashMap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::backend::Backend;
use crate::corpus::{Level, SectionKind};
use crate::index::postings::SegmentSpans;
use crate::index::schema::{level_of_code, place_field_name, Fields};
use crate::index::IndexReader;
use crate::query::plan::{self, DocKind};
use crate::query::{Filters, Matcher};
use crate::search::SearchError;

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

    /// Whether the keys lie on a scale with an order and a distance (years,
    /// decades), so that a line from one key to the next means something.
    /// Charts draw lines only over these, and bars over the others.
    pub fn is_ordered(self) -> bool {
        matches!(self, GroupBy::Year | GroupBy::Decade)
    }

    /// The accepted names, for messages.
    pub const NAMES: &'static str =
        "year, decade, township, county, city, province, level, section, report";

    /// Orders two keys of this grouping: years numerically, sections and
    /// levels in their canonical order, other keys (report paths, place
    /// chains) by name; [`UNKNOWN`] last.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        let unknown = (a == UNKNOWN).cmp(&(b == UNKNOWN));
        unknown.then_with(|| match self {
            GroupBy::Year | GroupBy::Decade => {
                let n = |k: &str| k.trim_end_matches('s').parse::<i64>().unwrap_or(0);
                n(a).cmp(&n(b))
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
    /// The share of the group's reports that match (0 without reports):
    /// "x% of township reports mention 枫桥经验".
    pub fn reports_share(&self) -> f64 {
        if self.reports == 0 {
            0.0
        } else {
            self.reports_matching as f64 / self.reports as f64
        }
    }

    /// Mentions per 10,000 characters of the group's text.
    pub fn per_10k_chars(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.mentions as f64 * 10_000.0 / self.chars as f64
        }
    }
}

/// How `count --sort` orders the groups of a one-key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// The key's own order (years ascending, places by name…).
    #[default]
    Key,
    /// Most mentions first.
    Mentions,
    /// Highest rate (mentions per 10,000 characters) first.
    Rate,
    /// Highest share of reports matching first.
    Share,
}

impl SortBy {
    /// Parses a `--sort` value.
    pub fn parse(s: &str) -> Option<SortBy> {
        Some(match s {
            "key" => SortBy::Key,
            "mentions" => SortBy::Mentions,
            "rate" => SortBy::Rate,
            "share" => SortBy::Share,
            _ => return None,
        })
    }

    /// Orders groups already in key order (a stable sort: ties keep it).
    pub fn sort(self, groups: &mut [Group]) {
        match self {
            SortBy::Key => {}
            SortBy::Mentions => groups.sort_by_key(|g| std::cmp::Reverse(g.mentions)),
            SortBy::Rate => groups.sort_by(|a, b| b.per_10k_chars().total_cmp(&a.per_10k_chars())),
            SortBy::Share => groups.sort_by(|a, b| b.reports_share().total_cmp(&a.reports_share())),
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

/// Counts `matcher` over the reports that pass `filters`, grouped by one
/// key.
pub fn count(
    backend: &dyn Backend,
    matcher: &Matcher,
    filters: &Filters,
    by: GroupBy,
) -> Result<CountTable, SearchError> {
    let (mut tables, summary) = backend.tally(matcher, filters, &[&[by]])?;
    Ok(CountTable { groups: tables.remove(0), summary })
}

/// Counts `matcher` over the reports that pass `filters` by two keys, with
/// both margins.
pub fn pivot(
    backend: &dyn Backend,
    matcher: &Matcher,
    filters: &Filters,
    rows: GroupBy,
    cols: GroupBy,
) -> Result<Pivot, SearchError> {
    let (mut tables, summary) =
        backend.tally(matcher, filters, &[&[rows, cols], &[rows], &[cols]])?;
    let col_totals = tables.pop().unwrap_or_default();
    let row_totals = tables.pop().unwrap_or_default();
    let cells = tables.pop().unwrap_or_default();
    Ok(Pivot { rows, cols, cells, row_totals, col_totals, summary })
}

/// Raw value of an unknown key in a segment.
const NONE: u64 = u64::MAX;

/// Reads one grouping key's raw values from a segment's fast fields.
enum KeyColumn {
    /// Year (or decade).
    Year(Option<Column<i64>>),
    /// Level code.
    Level(Option<Column<u64>>),
    /// A dictionary-encoded string: place chain or report id.
    Str(Option<StrColumn>),
    /// Section kind bits (one key per kind).
    Kinds(Option<Column<u64>>),
}

impl KeyColumn {
    fn open(reader: &SegmentReader, by: GroupBy) -> tantivy::Result<KeyColumn> {
        let ff = reader.fast_fields();
        Ok(match by {
            GroupBy::Year | GroupBy::Decade => KeyColumn::Year(ff.column_opt("year")?),
            GroupBy::Level => KeyColumn::Level(ff.column_opt("level")?),
            GroupBy::Section => KeyColumn::Kinds(ff.column_opt("kinds")?),
            GroupBy::Report => KeyColumn::Str(ff.str("report")?),
            GroupBy::Township | GroupBy::County | GroupBy::City | GroupBy::Province => {
                let level = by.place_level().expect("a place key");
                KeyColumn::Str(ff.str(place_field_name(level).expect("a place field"))?)
            }
        })
    }

    /// The raw values of `doc` (one, or one per section kind).
    fn values(&self, doc: DocId, out: &mut Vec<u64>) {
        out.clear();
        match self {
            KeyColumn::Year(c) => {
                out.push(c.as_ref().and_then(|c| c.first(doc)).map_or(NONE, |y| y as u64))
            }
            KeyColumn::Level(c) => out.push(c.as_ref().and_then(|c| c.first(doc)).unwrap_or(NONE)),
            KeyColumn::Str(c) => {
                out.push(c.as_ref().and_then(|c| c.ords().first(doc)).unwrap_or(NONE))
            }
            KeyColumn::Kinds(c) => {
                let bits = c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                out.extend((0..SectionKind::ALL.len() as u64).filter(|i| bits & (1 << i) != 0));
            }
        }
    }

    /// The key of a raw value.
    fn name(&self, by: GroupBy, raw: u64) -> String {
        if raw == NONE {
            return UNKNOWN.to_string();
        }
        match self {
            KeyColumn::Year(_) => {
                let y = raw as i64;
                if by == GroupBy::Decade {
                    format!("{}s", y.div_euclid(10) * 10)
                } else {
                    y.to_string()
                }
            }
            KeyColumn::Level(_) => {
                level_of_code(raw).map_or(UNKNOWN.to_string(), |l| l.as_str().to_string())
            }
            KeyColumn::Str(c) => {
                let mut s = String::new();
                match c {
                    Some(c) if c.ord_to_str(raw, &mut s).unwrap_or(false) => s,
                    _ => UNKNOWN.to_string(),
                }
            }
            KeyColumn::Kinds(_) => SectionKind::ALL
                .get(raw as usize)
                .map_or(UNKNOWN.to_string(), |k| k.as_str().to_string()),
        }
    }
}

/// What one group accumulates.
#[derive(Default)]
struct Acc {
    passages: usize,
    mentions: usize,
    chars: u64,
    /// Report numbers seen, once per run of passages of one report (a
    /// report's passages come together); sorted and deduplicated by
    /// [`Acc::settle`], after which its length is the number of reports.
    reports: Vec<u64>,
    /// The last report number recorded.
    last: Option<u64>,
}

/// Per grouping: raw key combination → accumulator.
type RawGroups = rustc_hash::FxHashMap<Vec<u64>, Acc>;

/// Collects, for each grouping, per key combination: passages, mentions
/// (with a matcher) or characters (without), and the reports seen.
struct TallyCollector<'a> {
    fields: &'a Fields,
    matcher: Option<&'a Matcher>,
    groupings: &'a [&'a [GroupBy]],
}

struct TallySegment {
    check: Option<(Matcher, SegmentSpans)>,
    columns: Vec<Vec<(GroupBy, KeyColumn)>>,
    rnum: Column<u64>,
    chars: Column<u64>,
    groups: Vec<RawGroups>,
    total: Acc,
    buf: Vec<Vec<u64>>,
    combo: Vec<u64>,
}

/// One segment's groups with their keys named.
struct TallyFruit {
    groups: Vec<HashMap<Vec<String>, Acc>>,
    total: Acc,
}

impl Collector for TallyCollector<'_> {
    type Fruit = TallyFruit;
    type Child = TallySegment;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<TallySegment> {
        let check = match self.matcher {
            Some(m) => Some((m.clone(), SegmentSpans::open(reader, self.fields.bi, m, false)?)),
            None => None,
        };
        let columns = self
            .groupings
            .iter()
            .map(|by| by.iter().map(|&b| Ok((b, KeyColumn::open(reader, b)?))).collect())
            .collect::<tantivy::Result<_>>()?;
        let ff = reader.fast_fields();
        Ok(TallySegment {
            check,
            columns,
            rnum: ff.u64("rnum")?,
            chars: ff.u64("chars")?,
            groups: self.groupings.iter().map(|_| RawGroups::default()).collect(),
            total: Acc::default(),
            buf: Vec::new(),
            combo: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<TallyFruit>) -> tantivy::Result<TallyFruit> {
        let mut out = TallyFruit {
            groups: self.groupings.iter().map(|_| HashMap::new()).collect(),
            total: Acc::default(),
        };
        for f in fruits {
            for (into, from) in out.groups.iter_mut().zip(f.groups) {
                for (k, a) in from {
                    into.entry(k).or_default().add(a);
                }
            }
            out.total.add(f.total);
        }
        for g in out.groups.iter_mut() {
            g.values_mut().for_each(Acc::settle);
        }
        out.total.settle();
        Ok(out)
    }
}

impl Acc {
    fn add(&mut self, other: Acc) {
        self.passages += other.passages;
        self.mentions += other.mentions;
        self.chars += other.chars;
        self.reports.extend(other.reports);
        self.last = None;
    }

    fn record(&mut self, rnum: u64, mentions: usize, chars: u64) {
        self.passages += 1;
        self.mentions += mentions;
        self.chars += chars;
        if self.last != Some(rnum) {
            self.reports.push(rnum);
            self.last = Some(rnum);
        }
    }

    /// Sorts and deduplicates the report numbers (each report once).
    fn settle(&mut self) {
        self.reports.sort_unstable();
        self.reports.dedup();
    }
}

impl SegmentCollector for TallySegment {
    type Fruit = TallyFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let mentions = match &mut self.check {
            Some((m, spans)) => {
                let src = spans.at(doc);
                if !m.index_is_exact() && !m.matches_in(src) {
                    return;
                }
                m.mentions_in(src)
            }
            None => 0,
        };
        let rnum = self.rnum.first(doc).unwrap_or(0);
        let chars = self.chars.first(doc).unwrap_or(0);
        self.total.record(rnum, mentions, chars);
        for (cols, groups) in self.columns.iter().zip(&mut self.groups) {
            // The key combinations of this document: the product of the
            // values of each key (several only for section kinds).
            self.buf.resize_with(cols.len(), Vec::new);
            for ((_, col), vals) in cols.iter().zip(&mut self.buf) {
                col.values(doc, vals);
            }
            self.combo.resize(cols.len(), 0);
            if self.buf[..cols.len()].iter().all(|v| v.len() == 1) {
                // One value per key (all but section kinds): one group.
                for (c, v) in self.combo.iter_mut().zip(&self.buf) {
                    *c = v[0];
                }
                match groups.get_mut(self.combo.as_slice()) {
                    Some(acc) => acc.record(rnum, mentions, chars),
                    None => {
                        groups.entry(self.combo.clone()).or_default().record(rnum, mentions, chars)
                    }
                }
                continue;
            }
            for_each_combination(&self.buf[..cols.len()], 0, &mut self.combo, &mut |k| {
                // The key is copied only when its group is new.
                match groups.get_mut(k) {
                    Some(acc) => acc.record(rnum, mentions, chars),
                    None => groups.entry(k.to_vec()).or_default().record(rnum, mentions, chars),
                }
            });
        }
    }

    fn harvest(self) -> TallyFruit {
        let groups = self
            .groups
            .into_iter()
            .zip(&self.columns)
            .map(|(raw, cols)| {
                // Several raw values can name one group (the years of a
                // decade): their tallies add up, not replace each other.
                let mut named: HashMap<Vec<String>, Acc> = HashMap::new();
                for (k, a) in raw {
                    let key = k
                        .iter()
                        .zip(cols)
                        .map(|(&v, (by, col))| col.name(*by, v))
                        .collect::<Vec<String>>();
                    named.entry(key).or_default().add(a);
                }
                // Each segment sorts its own (on its own thread), so that
                // the merge has less to do.
                named.values_mut().for_each(Acc::settle);
                named
            })
            .collect();
        let mut total = self.total;
        total.settle();
        TallyFruit { groups, total }
    }
}

/// Calls `f` with every combination of one value per key.
fn for_each_combination(
    values: &[Vec<u64>],
    depth: usize,
    combo: &mut Vec<u64>,
    f: &mut dyn FnMut(&[u64]),
) {
    if depth == values.len() {
        f(combo);
        return;
    }
    for &v in &values[depth] {
        combo[depth] = v;
        for_each_combination(values, depth + 1, combo, f);
    }
}

/// Report id → path of the reports passing `filters` (for `--by report`:
/// every report is a group, and groups are ordered by path).
fn report_paths(
    reader: &IndexReader,
    filters: &Filters,
) -> Result<HashMap<String, String>, SearchError> {
    struct Paths;
    struct PathsSegment {
        ids: Option<StrColumn>,
        paths: Option<StrColumn>,
        out: Vec<(u64, u64)>,
    }
    struct PathsFruit(HashMap<String, String>);
    impl Collector for Paths {
        type Fruit = PathsFruit;
        type Child = PathsSegment;
        fn for_segment(
            &self,
            _: SegmentOrdinal,
            r: &SegmentReader,
        ) -> tantivy::Result<PathsSegment> {
            let ff = r.fast_fields();
            Ok(PathsSegment { ids: ff.str("report")?, paths: ff.str("path")?, out: Vec::new() })
        }
        fn requires_scoring(&self) -> bool {
            false
        }
        fn merge_fruits(&self, fruits: Vec<PathsFruit>) -> tantivy::Result<PathsFruit> {
            Ok(PathsFruit(fruits.into_iter().flat_map(|f| f.0).collect()))
        }
    }
    impl SegmentCollector for PathsSegment {
        type Fruit = PathsFruit;
        fn collect(&mut self, doc: DocId, _: Score) {
            let id = self.ids.as_ref().and_then(|c| c.ords().first(doc));
            let path = self.paths.as_ref().and_then(|c| c.ords().first(doc));
            if let (Some(i), Some(p)) = (id, path) {
                self.out.push((i, p));
            }
        }
        fn harvest(self) -> PathsFruit {
            let (Some(ids), Some(paths)) = (&self.ids, &self.paths) else {
                return PathsFruit(HashMap::new());
            };
            let mut map = HashMap::new();
            for (i, p) in self.out {
                let (mut a, mut b) = (String::new(), String::new());
                if ids.ord_to_str(i, &mut a).unwrap_or(false)
                    && paths.ord_to_str(p, &mut b).unwrap_or(false)
                {
                    map.insert(a, b);
                }
            }
            PathsFruit(map)
        }
    }
    let query = plan::filter_query(&reader.fields, filters, DocKind::Report);
    Ok(reader.searcher.search(&query, &Paths)?.0)
}

/// Counts for several groupings in one pass over the matches. Returns one
/// sorted table per grouping, and the summary.
///
/// Two passes over the index, both on fast fields only: the matching
/// passages (verified and counted from the `bi` positions), and the
/// group sizes — the report documents that pass the filters (reports and
/// characters per group), or, when section kinds are involved (a
/// `section` filter or key), the passages in scope, since a report's text
/// splits by section only there.
pub(crate) fn tally(
    reader: &IndexReader,
    matcher: &Matcher,
    filters: &Filters,
    groupings: &[&[GroupBy]],
) -> Result<(Vec<Vec<Group>>, Group), SearchError> {
    let fields = &reader.fields;
    let searcher = &reader.searcher;
    let matched = searcher.search(
        &plan::search_query(fields, Some(matcher), filters),
        &TallyCollector { fields, matcher: Some(matcher), groupings },
    )?;
    let by_passages =
        !filters.section.is_empty() || groupings.iter().any(|by| by.contains(&GroupBy::Section));
    let kind = if by_passages { DocKind::Passage } else { DocKind::Report };
    let sizes = searcher.search(
        &plan::filter_query(fields, filters, kind),
        &TallyCollector { fields, matcher: None, groupings },
    )?;
    let paths = if groupings.iter().any(|by| by.contains(&GroupBy::Report)) {
        report_paths(reader, filters)?
    } else {
        HashMap::new()
    };
    let sized = |m: &HashMap<Vec<String>, Acc>| -> HashMap<Vec<String>, Sizes> {
        m.iter().map(|(k, a)| (k.clone(), a.sizes())).collect()
    };
    let hits = |m: &HashMap<Vec<String>, Acc>| -> HashMap<Vec<String>, Hits> {
        m.iter().map(|(k, a)| (k.clone(), a.hits())).collect()
    };
    Ok(assemble(
        groupings,
        sizes.groups.iter().map(sized).collect(),
        sizes.total.sizes(),
        matched.groups.iter().map(hits).collect(),
        matched.total.hits(),
        &paths,
    ))
}

/// A group's size: its reports and its normalized characters (matched or
/// not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Reports in the group.
    pub reports: usize,
    /// Normalized characters of the group's text.
    pub chars: u64,
}

/// What matched in a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hits {
    /// Reports with a matching passage.
    pub reports: usize,
    /// Matching passages.
    pub passages: usize,
    /// Mentions.
    pub mentions: usize,
}

impl Acc {
    fn sizes(&self) -> Sizes {
        Sizes { reports: self.reports.len(), chars: self.chars }
    }

    fn hits(&self) -> Hits {
        Hits { reports: self.reports.len(), passages: self.passages, mentions: self.mentions }
    }
}

/// The count tables from each grouping's sizes and hits by key (one
/// value per key of the grouping), in key order, and the summary: every
/// backend's [`Backend::tally`] ends here, so tables are ordered and
/// shaped the same whatever computed the figures. `paths` maps report ids
/// to paths (for `--by report`).
pub fn assemble(
    groupings: &[&[GroupBy]],
    sizes: Vec<HashMap<Vec<String>, Sizes>>,
    size_total: Sizes,
    hits: Vec<HashMap<Vec<String>, Hits>>,
    hit_total: Hits,
    paths: &HashMap<String, String>,
) -> (Vec<Vec<Group>>, Group) {
    let group_of = |key: &[String], size: Option<&Sizes>, hit: Option<&Hits>| Group {
        key: key[0].clone(),
        key2: key.get(1).cloned(),
        path: key
            .iter()
            .zip(groupings.iter().flat_map(|by| by.iter()))
            .find(|(_, b)| **b == GroupBy::Report)
            .and_then(|(k, _)| paths.get(k).cloned()),
        reports: size.map_or(0, |s| s.reports),
        reports_matching: hit.map_or(0, |h| h.reports),
        passages_matching: hit.map_or(0, |h| h.passages),
        mentions: hit.map_or(0, |h| h.mentions),
        chars: size.map_or(0, |s| s.chars),
    };
    let summary = Group {
        key: "all".into(),
        reports: size_total.reports,
        reports_matching: hit_total.reports,
        passages_matching: hit_total.passages,
        mentions: hit_total.mentions,
        chars: size_total.chars,
        ..Group::default()
    };
    let tables = groupings
        .iter()
        .zip(sizes.iter().zip(&hits))
        .map(|(by, (size, hit))| {
            let keys: HashSet<&Vec<String>> = size.keys().chain(hit.keys()).collect();
            let mut groups: Vec<Group> =
                keys.into_iter().map(|k| group_of(k, size.get(k), hit.get(k))).collect();
            // For `--by report`, the path is the key's order.
            let order_key = |g: &Group, k: &str| -> String {
                if by[0] == GroupBy::Report && g.key == k {
                    paths.get(k).cloned().unwrap_or_default()
                } else {
                    k.to_string()
                }
            };
            groups.sort_by(|a, b| {
                by[0].compare(&order_key(a, &a.key), &order_key(b, &b.key)).then_with(|| {
                    match (&a.key2, &b.key2, by.get(1)) {
                        (Some(x), Some(y), Some(k)) => {
                            let px =
                                if *k == GroupBy::Report { paths.get(x).unwrap_or(x) } else { x };
                            let py =
                                if *k == GroupBy::Report { paths.get(y).unwrap_or(y) } else { y };
                            k.compare(px, py)
                        }
                        _ => Ordering::Equal,
                    }
                })
            });
            groups
        })
        .collect();
    (tables, summary)
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
