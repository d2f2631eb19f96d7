//! Answering commands from a ClickHouse index: the second
//! [`Backend`].
//!
//! Every statement reads passages of current generations only
//! ([`schema::current`]). SQL narrows: the filters are `WHERE`s on the
//! passage columns, and the words every match must contain are substring
//! tests ([`contains`]: `norm LIKE '%…%'`, escaped, an exact substring test
//! on the normalized text, as `桥经` inside `枫桥经验` requires). The rows that
//! come back are candidates; [`Matcher`] decides which match, counts
//! mentions and finds highlights on their text, and [`crate::rank`] scores
//! them with statistics computed in SQL over the same passages the local
//! index counts (live passages, quantized lengths, document frequencies).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;

use super::http::{Client, HttpError};
use super::sql::quote;
use super::{schema, Location};
use crate::analysis::count::{assemble, Group, GroupBy, Hits, Sizes, UNKNOWN};
use crate::backend::Backend;
use crate::corpus::SectionKind;
use crate::index::schema::{level_code, level_of_code, FLAG_HEADING};
use crate::index::ReportRecord;
use crate::query::plan::{known_word, ranking_bigrams, segment_by_vocabulary};
use crate::query::{Filters, Matcher};
use crate::rank::{self, Collection, RankField, Ranker, ScoredTerm};
use crate::search::{Hit, Page, PassageDoc, SearchError, SearchResults};
use crate::text::{segment, Normalized};

/// A ranked candidate: score, report number, passage ordinal, report id.
type RankedRow = (f32, u64, u64, String);

/// The longest piece of a query word looked up in the vocabulary (as
/// [`segment_by_vocabulary`] does).
const MAX_PIECE: usize = 12;

impl From<HttpError> for SearchError {
    fn from(e: HttpError) -> SearchError {
        SearchError::Backend(e.to_string())
    }
}

/// An open ClickHouse index.
pub struct ClickHouseIndex {
    loc: Location,
    client: Client,
    cache: Mutex<HashMap<String, Arc<ReportRecord>>>,
    collection: OnceLock<Collection>,
    vocabulary: OnceLock<u64>,
}

/// A candidate passage for `search`.
#[derive(Deserialize)]
struct SearchRow {
    report: String,
    rnum: u64,
    ordinal: u64,
    flags: u64,
    chars: u64,
    norm: String,
    hq: u32,
    bq: u32,
    wtf: Vec<u32>,
    htf: Vec<u32>,
}

/// A passage's stored fields.
#[derive(Deserialize)]
struct PassageRowJson {
    report: String,
    ordinal: u64,
    sec: u64,
    hpath: String,
    text: String,
}

/// A candidate passage for `count`.
#[derive(Deserialize)]
struct TallyRow {
    report: String,
    rnum: u64,
    kinds: u64,
    chars: u64,
    year: Option<i32>,
    level: u8,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    norm: String,
}

#[derive(Deserialize)]
struct RecordRow {
    record: String,
    evidence: String,
}

impl ClickHouseIndex {
    /// Opens the index at `loc`; an error names the location when it has
    /// no index.
    pub fn open(loc: &Location) -> Result<ClickHouseIndex, SearchError> {
        let admin = super::sink::connect(&Location { database: "default".into(), ..loc.clone() });
        if !schema::exists(&admin, loc)? {
            return Err(SearchError::Backend(format!(
                "there is no baogao index in {loc}: build it with `baogao --index {loc} index`"
            )));
        }
        let client = super::sink::connect(loc);
        Ok(ClickHouseIndex {
            loc: loc.clone(),
            client,
            cache: Mutex::new(HashMap::new()),
            collection: OnceLock::new(),
            vocabulary: OnceLock::new(),
        })
    }

    /// Where it lives.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// What the last build recorded for the next one to compare against:
    /// its manifest (every file's stamp and overrides) and the corpus
    /// folder it read — what `baogao status` compares the corpus with.
    pub fn manifest_and_corpus(
        &self,
    ) -> Result<(crate::index::records::Manifest, std::path::PathBuf), SearchError> {
        let load = |key: &str| -> Result<String, SearchError> {
            super::sink::load_meta(&self.client, key)?.ok_or_else(|| {
                SearchError::Backend(format!(
                    "the index in {} has no {key} (an interrupted first build?): build it with \
                     `baogao --index {} index`",
                    self.loc, self.loc
                ))
            })
        };
        let invalid = |key: &str, e: serde_json::Error| {
            SearchError::Backend(format!("the stored {key} is not valid: {e}"))
        };
        let manifest =
            serde_json::from_str(&load("manifest")?).map_err(|e| invalid("manifest", e))?;
        let payload: crate::index::store::Payload =
            serde_json::from_str(&load("payload")?).map_err(|e| invalid("payload", e))?;
        Ok((manifest, payload.corpus))
    }

    fn collection(&self) -> Result<Collection, SearchError> {
        if let Some(c) = self.collection.get() {
            return Ok(*c);
        }
        #[derive(Deserialize)]
        struct Row {
            n: u64,
            w: u64,
            h: u64,
            b: u64,
        }
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT count() AS n, sum(wq) AS w, sum(hq) AS h, sum(bq) AS b FROM passages \
             WHERE (report, gen) GLOBAL IN {}",
            schema::current()
        ))?;
        let r = rows.into_iter().next().unwrap_or(Row { n: 0, w: 0, h: 0, b: 0 });
        let c = Collection { passages: r.n, lengths: [r.w, r.h, r.b] };
        Ok(*self.collection.get_or_init(|| c))
    }

    /// Document frequencies of `terms` in an array column (`words` or
    /// `hwords`), among current passages, from the vocabulary the last
    /// build computed ([`schema::refresh_vocabulary`]); absent terms are
    /// left out.
    fn array_dfs(
        &self,
        column: &str,
        terms: &[String],
    ) -> Result<HashMap<String, u64>, SearchError> {
        if terms.is_empty() {
            return Ok(HashMap::new());
        }
        #[derive(Deserialize)]
        struct Row {
            w: String,
            df: u64,
        }
        let version = self.vocabulary_version()?;
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT word AS w, df FROM vocab WHERE field = {} AND version = {version} AND \
             word IN ({})",
            quote(column),
            list(&refs)
        ))?;
        Ok(rows.into_iter().map(|r| (r.w, r.df)).collect())
    }

    /// The build whose vocabulary is complete (`meta` key `vocab`).
    fn vocabulary_version(&self) -> Result<u64, SearchError> {
        if let Some(v) = self.vocabulary.get() {
            return Ok(*v);
        }
        let v = super::sink::load_meta(&self.client, "vocab")?
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        Ok(*self.vocabulary.get_or_init(|| v))
    }

    /// Document frequencies of bigrams (passages whose normalized text
    /// contains each), in the order given.
    fn bigram_dfs(&self, bigrams: &[String]) -> Result<Vec<u64>, SearchError> {
        if bigrams.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(Deserialize)]
        struct Row {
            dfs: Vec<u64>,
        }
        let counts: Vec<String> =
            bigrams.iter().map(|b| format!("countIf({})", contains(b))).collect();
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT [{}] AS dfs FROM passages WHERE (report, gen) GLOBAL IN {}",
            counts.join(", "),
            schema::current()
        ))?;
        Ok(rows.into_iter().next().map(|r| r.dfs).unwrap_or_else(|| vec![0; bigrams.len()]))
    }

    /// The scored terms of `m` under `ranker`, exactly as
    /// [`crate::search::Searcher::scored_terms`] makes them: the query
    /// words cut by the index's vocabulary, in the text and the heading
    /// path, then the query's bigrams; each with its idf.
    fn scored_terms(&self, m: &Matcher, ranker: Ranker) -> Result<Vec<ScoredTerm>, SearchError> {
        // Every piece segment_by_vocabulary may ask about, looked up at once.
        let mut pieces: Vec<String> = Vec::new();
        for w in m.positive_words() {
            let chars: Vec<(usize, char)> = w.char_indices().collect();
            let bounds: Vec<usize> =
                chars.iter().map(|(i, _)| *i).chain(std::iter::once(w.len())).collect();
            pieces.push(w.to_string());
            for i in 0..chars.len() {
                for j in i + 1..=chars.len().min(i + MAX_PIECE) {
                    pieces.push(w[bounds[i]..bounds[j]].to_string());
                }
            }
        }
        pieces.retain(|p| segment::is_word(p) && segment::in_words_field(p));
        pieces.sort();
        pieces.dedup();
        let vocabulary = self.array_dfs("words", &pieces)?;
        let known = |w: &str| known_word(w, || vocabulary.get(w).is_some_and(|n| *n > 0));
        let mut words: Vec<String> = Vec::new();
        for w in m.positive_words() {
            for word in segment_by_vocabulary(w, &known) {
                if !words.iter().any(|o| o == word) {
                    words.push(word.to_string());
                }
            }
        }
        let bigrams = ranking_bigrams(m);
        let collection = self.collection()?;
        let heading_dfs = if ranker.weight(RankField::Headings) > 0.0 {
            self.array_dfs("hwords", &words)?
        } else {
            HashMap::new()
        };
        // Two-character words are scored on bigrams too.
        let bigram_dfs = if ranker.weight(RankField::Bigrams) > 0.0
            || (ranker.weight(RankField::Words) > 0.0
                && words.iter().any(|w| !segment::in_words_field(w)))
        {
            self.bigram_dfs(&bigrams)?
        } else {
            Vec::new()
        };
        let df = |field: RankField, i: usize, term: &str| -> Result<u64, SearchError> {
            Ok(match field {
                RankField::Words => vocabulary.get(term).copied().unwrap_or(0),
                RankField::Headings => heading_dfs.get(term).copied().unwrap_or(0),
                RankField::Bigrams => bigram_dfs.get(i).copied().unwrap_or(0),
            })
        };
        rank::scored_terms(ranker, &words, &bigrams, collection.passages, df)
    }

    /// Reads records into the cache (one statement for all ids).
    fn preload(&self, ids: &[&str]) -> Result<(), SearchError> {
        let missing: Vec<&str> = {
            let cache = self.cache.lock().expect("cache lock");
            ids.iter().copied().filter(|id| !cache.contains_key(*id)).collect()
        };
        for chunk in missing.chunks(5000) {
            let records = self.records(&format!("id IN ({})", list(chunk)))?;
            let mut cache = self.cache.lock().expect("cache lock");
            for r in records {
                cache.insert(r.id.clone(), Arc::new(r));
            }
        }
        Ok(())
    }

    /// The current records satisfying a condition on `reports`.
    fn records(&self, cond: &str) -> Result<Vec<ReportRecord>, SearchError> {
        let rows: Vec<RecordRow> = self.client.select(&format!(
            "SELECT record, evidence FROM reports WHERE {} AND {cond}",
            schema::current_report_rows()
        ))?;
        rows.into_iter()
            .map(|r| {
                let mut record: ReportRecord = serde_json::from_str(&r.record).map_err(|e| {
                    SearchError::Backend(format!("a stored record is not valid: {e}"))
                })?;
                record.evidence = crate::corpus::evidence::StoredEvidence::from_stored(&r.evidence);
                Ok(record)
            })
            .collect()
    }

    fn cached(&self, id: &str) -> Result<Arc<ReportRecord>, SearchError> {
        self.report(id)?
            .ok_or_else(|| SearchError::Backend(format!("passage of unknown report {id}")))
    }

    fn passage_doc(&self, row: PassageRowJson) -> Result<PassageDoc, SearchError> {
        Ok(PassageDoc {
            report: self.cached(&row.report)?,
            section: row.sec as usize,
            path: serde_json::from_str(&row.hpath).unwrap_or_default(),
            ordinal: row.ordinal,
            text: row.text,
        })
    }

    /// `size` groups of one grouping, from SQL (reports and characters per
    /// key), named as the local index names them.
    fn sizes(
        &self,
        by: &[GroupBy],
        filters: &Filters,
        by_passages: bool,
    ) -> Result<HashMap<Vec<String>, Sizes>, SearchError> {
        #[derive(Deserialize)]
        struct Row {
            k: Vec<serde_json::Value>,
            r: usize,
            c: u64,
        }
        let (table, cond) = scope(filters, by_passages);
        let keys: Vec<String> = by
            .iter()
            .enumerate()
            .map(|(i, b)| format!("{} AS k{i}", key_expr(*b, by_passages)))
            .collect();
        let names: Vec<String> = (0..by.len()).map(|i| format!("k{i}")).collect();
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT [{}] AS k, uniqExact(rnum) AS r, sum(chars) AS c FROM (SELECT {}, rnum, \
             chars FROM {table} WHERE {cond}) GROUP BY {}",
            names.iter().map(|n| format!("toString({n})")).collect::<Vec<_>>().join(", "),
            keys.join(", "),
            names.join(", ")
        ))?;
        let mut out: HashMap<Vec<String>, Sizes> = HashMap::new();
        for row in rows {
            let key: Vec<String> = by
                .iter()
                .zip(&row.k)
                .map(|(b, v)| raw_name(*b, v.as_str().unwrap_or("")))
                .collect();
            // Several raw keys name one group only for decades, and a
            // report has one year: summing reports is exact.
            let e = out.entry(key).or_default();
            e.reports += row.r;
            e.chars += row.c;
        }
        Ok(out)
    }

    fn size_total(&self, filters: &Filters, by_passages: bool) -> Result<Sizes, SearchError> {
        #[derive(Deserialize)]
        struct Row {
            r: usize,
            c: u64,
        }
        let (table, cond) = scope(filters, by_passages);
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT uniqExact(rnum) AS r, sum(chars) AS c FROM {table} WHERE {cond}"
        ))?;
        Ok(rows.into_iter().next().map_or(Sizes::default(), |r| Sizes { reports: r.r, chars: r.c }))
    }
}

/// The table and condition that scope group sizes: passages (when
/// section kinds are involved) or report rows.
fn scope(filters: &Filters, by_passages: bool) -> (&'static str, String) {
    if by_passages {
        (
            "passages",
            format!(
                "(report, gen) GLOBAL IN {} AND {}",
                schema::current(),
                filter_sql(filters, true)
            ),
        )
    } else {
        ("reports", format!("{} AND {}", schema::current_report_rows(), filter_sql(filters, false)))
    }
}

/// The SQL expression of a group key's raw value.
fn key_expr(by: GroupBy, passages: bool) -> &'static str {
    match by {
        GroupBy::Year | GroupBy::Decade => "year",
        GroupBy::Level => "level",
        GroupBy::Province => "p1",
        GroupBy::City => "p2",
        GroupBy::County => "p3",
        GroupBy::Township => "p4",
        GroupBy::Section => "arrayJoin(bitmaskToArray(kinds))",
        GroupBy::Report if passages => "report",
        GroupBy::Report => "id",
    }
}

/// The group name of a raw key value (as text; `\N` or empty when
/// unknown), as the local index names it.
fn raw_name(by: GroupBy, raw: &str) -> String {
    let unknown = || UNKNOWN.to_string();
    match by {
        GroupBy::Year | GroupBy::Decade => match raw.parse::<i64>() {
            Ok(y) if by == GroupBy::Decade => format!("{}s", y.div_euclid(10) * 10),
            Ok(y) => y.to_string(),
            Err(_) => unknown(),
        },
        GroupBy::Level => raw
            .parse::<u64>()
            .ok()
            .and_then(level_of_code)
            .map_or_else(unknown, |l| l.as_str().to_string()),
        GroupBy::Section => raw
            .parse::<u64>()
            .ok()
            .filter(|b| b.is_power_of_two())
            .and_then(|b| SectionKind::ALL.get(b.trailing_zeros() as usize))
            .map_or_else(unknown, |k| k.as_str().to_string()),
        _ if raw.is_empty() || raw == "\\N" => unknown(),
        _ => raw.to_string(),
    }
}

/// The group names of a matching passage under one grouping (several
/// for a passage under a two-kind section).
fn row_keys(by: &[GroupBy], row: &TallyRow) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for b in by {
        let values: Vec<String> = match b {
            GroupBy::Year | GroupBy::Decade => {
                vec![raw_name(*b, &row.year.map(|y| y.to_string()).unwrap_or_default())]
            }
            GroupBy::Level => vec![raw_name(*b, &row.level.to_string())],
            GroupBy::Province => vec![raw_name(*b, &row.p1)],
            GroupBy::City => vec![raw_name(*b, &row.p2)],
            GroupBy::County => vec![raw_name(*b, &row.p3)],
            GroupBy::Township => vec![raw_name(*b, &row.p4)],
            GroupBy::Section => (0..SectionKind::ALL.len())
                .filter(|i| row.kinds & (1 << i) != 0)
                .map(|i| SectionKind::ALL[i].as_str().to_string())
                .collect(),
            GroupBy::Report => vec![row.report.clone()],
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut k = prefix.clone();
                    k.push(v.clone());
                    k
                })
            })
            .collect();
    }
    out
}

/// A list of string literals for `IN (…)`.
fn list(items: &[&str]) -> String {
    items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
}

/// The filters as a SQL condition on `passages` (with `section`) or on
/// `reports` rows (the same report-level columns): years, levels, places
/// (a prefix of the place's own name at a level, or at any level for
/// `place:`) and section kinds.
pub fn filter_sql(f: &Filters, passages: bool) -> String {
    let mut parts: Vec<String> = vec!["1".into()];
    let any = |v: Vec<String>| format!("({})", v.join(" OR "));
    if !f.years.is_empty() {
        parts.push(any(f
            .years
            .iter()
            .map(|r| {
                let mut c = vec!["isNotNull(year)".to_string()];
                if let Some(a) = r.from {
                    c.push(format!("year >= {a}"));
                }
                if let Some(b) = r.to {
                    c.push(format!("year <= {b}"));
                }
                format!("({})", c.join(" AND "))
            })
            .collect()));
    }
    if !f.level.is_empty() {
        let codes: Vec<String> = f.level.iter().map(|l| level_code(*l).to_string()).collect();
        parts.push(format!("level IN ({})", codes.join(", ")));
    }
    let prefix = |col: &str, v: &str| format!("position({col}, {}) = 1", quote(v));
    for (col, values) in
        [("n1", &f.province), ("n2", &f.city), ("n3", &f.county), ("n4", &f.township)]
    {
        if !values.is_empty() {
            parts.push(any(values.iter().map(|v| prefix(col, v)).collect()));
        }
    }
    if !f.place.is_empty() {
        parts.push(any(f
            .place
            .iter()
            .flat_map(|v| ["n1", "n2", "n3", "n4"].map(|c| prefix(c, v)))
            .collect()));
    }
    if passages && !f.section.is_empty() {
        let mask = f.section.iter().fold(0u64, |acc, k| {
            acc | SectionKind::ALL.iter().position(|x| x == k).map_or(0, |i| 1 << i)
        });
        parts.push(format!("bitAnd(kinds, {mask}) != 0"));
    }
    parts.join(" AND ")
}

/// A SQL condition that every passage matching `m` satisfies (`None`:
/// no narrowing): the substring tests of the words a match must contain.
pub fn prefilter(m: &Matcher) -> Option<String> {
    match m {
        Matcher::Word(w) => Some(contains(w)),
        Matcher::And(v) => {
            let parts: Vec<String> = v.iter().filter_map(prefilter).collect();
            (!parts.is_empty()).then(|| format!("({})", parts.join(" AND ")))
        }
        Matcher::Or(v) => {
            let parts: Option<Vec<String>> = v.iter().map(prefilter).collect();
            parts.map(|p| format!("({})", p.join(" OR ")))
        }
        Matcher::Not(inner) => exact(inner).map(|e| format!("NOT {e}")),
        Matcher::Near { left, right, .. } => {
            let parts: Vec<String> = [left, right].iter().filter_map(|s| prefilter(s)).collect();
            (!parts.is_empty()).then(|| format!("({})", parts.join(" AND ")))
        }
    }
}

/// The substring test of a normalized word: `norm LIKE '%word%'` with
/// `\`, `%` and `_` escaped, so the pattern is the word and nothing else.
/// An exact substring test on any version; on a current ClickHouse (26.2+)
/// a `text` index on `ngrams(2)` skips the blocks without the word's
/// bigrams (it serves `LIKE`, not `position`).
pub fn contains(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    format!("norm LIKE {}", quote(&pattern))
}

/// A SQL condition equivalent to `m` (words, AND, OR, NOT only).
fn exact(m: &Matcher) -> Option<String> {
    match m {
        Matcher::Word(w) => Some(contains(w)),
        Matcher::And(v) | Matcher::Or(v) => {
            let parts: Option<Vec<String>> = v.iter().map(exact).collect();
            let op = if matches!(m, Matcher::And(_)) { " AND " } else { " OR " };
            parts.map(|p| format!("({})", p.join(op)))
        }
        Matcher::Not(inner) => exact(inner).map(|e| format!("NOT {e}")),
        Matcher::Near { .. } => None,
    }
}

/// The passages condition: current generation, filters, and the
/// narrowing of `m`.
fn passage_where(m: Option<&Matcher>, filters: &Filters) -> String {
    let mut w =
        format!("(report, gen) GLOBAL IN {} AND {}", schema::current(), filter_sql(filters, true));
    if let Some(p) = m.and_then(prefilter) {
        w.push_str(" AND ");
        w.push_str(&p);
    }
    w
}

/// Occurrences of a bigram in text (overlapping, as the local index's
/// bigram tokens count them).
fn bigram_tf(norm: &str, bigram: &str) -> u32 {
    let b: Vec<char> = bigram.chars().collect();
    let chars: Vec<char> = norm.chars().collect();
    if b.len() != 2 {
        return 0;
    }
    chars.windows(2).filter(|w| w[0] == b[0] && w[1] == b[1]).count() as u32
}

impl Backend for ClickHouseIndex {
    fn search(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        page: Page,
        ranker: Ranker,
    ) -> Result<SearchResults, SearchError> {
        let terms = match matcher {
            Some(m) => self.scored_terms(m, ranker)?,
            None => Vec::new(),
        };
        let collection = if terms.is_empty() { Collection::default() } else { self.collection()? };
        let tf_list = |field: RankField, column: &str| -> String {
            let parts: Vec<String> = terms
                .iter()
                .filter(|t| t.field == field)
                .map(|t| format!("countEqual({column}, {})", quote(&t.term)))
                .collect();
            if parts.is_empty() {
                "emptyArrayUInt32()".to_string()
            } else {
                format!("[{}]", parts.join(", "))
            }
        };
        let rows: Vec<SearchRow> = self.client.select(&format!(
            "SELECT report, rnum, ordinal, flags, chars, norm, hq, bq, \
             {} AS wtf, {} AS htf \
             FROM passages WHERE {}",
            tf_list(RankField::Words, "words"),
            tf_list(RankField::Headings, "hwords"),
            passage_where(matcher, filters)
        ))?;
        let proximity =
            ranker.uses_proximity() && matcher.is_some_and(|m| m.positive_words().len() >= 2);
        let mut ranked: Vec<(f32, u64, u64, String, u64)> = Vec::new();
        let mut reports = HashSet::new();
        for row in rows {
            if matcher.is_some_and(|m| !m.matches(&row.norm)) {
                continue;
            }
            let (mut w, mut h) = (0, 0);
            let mut bm25 = 0.0;
            for term in &terms {
                let (tf, len) = match term.field {
                    RankField::Words => {
                        w += 1;
                        (row.wtf.get(w - 1).copied().unwrap_or(0), row.bq)
                    }
                    RankField::Headings => {
                        h += 1;
                        (row.htf.get(h - 1).copied().unwrap_or(0), row.hq)
                    }
                    RankField::Bigrams => (bigram_tf(&row.norm, &term.term), row.bq),
                };
                if tf > 0 {
                    bm25 += rank::bm25(term, tf, len, collection.average(term.field.length()));
                }
            }
            let gap = if proximity { matcher.and_then(|m| m.min_gap(&row.norm)) } else { None };
            let score = ranker.finish(bm25, row.chars, row.flags & FLAG_HEADING != 0, gap);
            reports.insert(row.rnum);
            let key =
                if page.collapse { crate::search::dup_key_of_normalized(&row.norm) } else { 0 };
            ranked.push((score, row.rnum, row.ordinal, row.report, key));
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let total = ranked.len();
        // `--collapse`: near-duplicates folded under the best-ranked one.
        let folded: Vec<(RankedRow, Option<usize>)> = if page.collapse {
            crate::search::fold_by_key(
                ranked.into_iter().map(|(s, r, o, id, k)| ((s, r, o, id), k)),
            )
        } else {
            ranked.into_iter().map(|(s, r, o, id, _)| ((s, r, o, id), None)).collect()
        };
        let chosen: Vec<(RankedRow, Option<usize>)> =
            folded.into_iter().skip(page.offset).take(page.limit.unwrap_or(usize::MAX)).collect();
        if chosen.is_empty() {
            return Ok(SearchResults { hits: Vec::new(), total, reports: reports.len() });
        }
        let ids: Vec<&str> = chosen.iter().map(|c| c.0 .3.as_str()).collect();
        self.preload(&ids)?;
        let keys: Vec<String> =
            chosen.iter().map(|(c, _)| format!("({}, {})", quote(&c.3), c.2)).collect();
        let docs: Vec<PassageRowJson> = self.client.select(&format!(
            "SELECT report, ordinal, sec, hpath, text FROM passages WHERE (report, gen) GLOBAL \
             IN {} AND (report, ordinal) IN ({})",
            schema::current(),
            keys.join(", ")
        ))?;
        let mut by_key: HashMap<(String, u64), PassageRowJson> =
            docs.into_iter().map(|d| ((d.report.clone(), d.ordinal), d)).collect();
        let mut hits = Vec::with_capacity(chosen.len());
        for ((score, _, ordinal, report), copies) in chosen {
            let row = by_key.remove(&(report.clone(), ordinal)).ok_or_else(|| {
                SearchError::Backend(format!("passage {report}-{ordinal} vanished"))
            })?;
            let doc = self.passage_doc(row)?;
            let matches = match matcher {
                Some(m) => m.highlights(&Normalized::new(&doc.text)),
                None => Vec::new(),
            };
            hits.push(Hit {
                score,
                report: doc.report,
                section: doc.section,
                path: doc.path,
                ordinal: doc.ordinal,
                text: doc.text,
                matches,
                copies,
            });
        }
        Ok(SearchResults { hits, total, reports: reports.len() })
    }

    fn tally(
        &self,
        matcher: &Matcher,
        filters: &Filters,
        groupings: &[&[GroupBy]],
    ) -> Result<(Vec<Vec<Group>>, Group), SearchError> {
        let rows: Vec<TallyRow> = self.client.select(&format!(
            "SELECT report, rnum, kinds, chars, year, level, p1, p2, p3, p4, norm FROM passages \
             WHERE {}",
            passage_where(Some(matcher), filters)
        ))?;
        #[derive(Default)]
        struct Acc {
            passages: usize,
            mentions: usize,
            reports: HashSet<u64>,
        }
        impl Acc {
            fn record(&mut self, rnum: u64, mentions: usize) {
                self.passages += 1;
                self.mentions += mentions;
                self.reports.insert(rnum);
            }
            fn hits(&self) -> Hits {
                Hits {
                    reports: self.reports.len(),
                    passages: self.passages,
                    mentions: self.mentions,
                }
            }
        }
        let mut total = Acc::default();
        let mut groups: Vec<HashMap<Vec<String>, Acc>> =
            groupings.iter().map(|_| HashMap::new()).collect();
        for row in &rows {
            if !matcher.matches(&row.norm) {
                continue;
            }
            let mentions = matcher.mentions(&row.norm);
            total.record(row.rnum, mentions);
            for (by, g) in groupings.iter().zip(&mut groups) {
                for key in row_keys(by, row) {
                    g.entry(key).or_default().record(row.rnum, mentions);
                }
            }
            let _ = row.chars;
        }
        let by_passages = !filters.section.is_empty()
            || groupings.iter().any(|by| by.contains(&GroupBy::Section));
        let sizes = groupings
            .iter()
            .map(|by| self.sizes(by, filters, by_passages))
            .collect::<Result<Vec<_>, _>>()?;
        let size_total = self.size_total(filters, by_passages)?;
        let paths: HashMap<String, String> =
            if groupings.iter().any(|by| by.contains(&GroupBy::Report)) {
                #[derive(Deserialize)]
                struct Row {
                    id: String,
                    path: String,
                }
                let rows: Vec<Row> = self.client.select(&format!(
                    "SELECT id, path FROM reports WHERE {} AND {}",
                    schema::current_report_rows(),
                    filter_sql(filters, false)
                ))?;
                rows.into_iter().map(|r| (r.id, r.path)).collect()
            } else {
                HashMap::new()
            };
        let hits =
            groups.iter().map(|g| g.iter().map(|(k, a)| (k.clone(), a.hits())).collect()).collect();
        Ok(assemble(groupings, sizes, size_total, hits, total.hits(), &paths))
    }

    fn all_matches(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<(PassageDoc, String)>, SearchError> {
        let rows: Vec<PassageRowJson> = self.client.select(&format!(
            "SELECT report, ordinal, sec, hpath, text FROM passages WHERE {}",
            passage_where(matcher, filters)
        ))?;
        let rows: Vec<(PassageRowJson, String)> = rows
            .into_iter()
            .map(|r| {
                let norm = crate::text::normalize(&r.text);
                (r, norm)
            })
            .filter(|(_, norm)| matcher.is_none_or(|m| m.matches(norm)))
            .collect();
        let mut ids: Vec<&str> = rows.iter().map(|(r, _)| r.report.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        self.preload(&ids)?;
        let mut docs = rows
            .into_iter()
            .map(|(r, norm)| Ok((self.passage_doc(r)?, norm)))
            .collect::<Result<Vec<_>, SearchError>>()?;
        docs.sort_by(|a, b| {
            a.0.report.path.cmp(&b.0.report.path).then(a.0.ordinal.cmp(&b.0.ordinal))
        });
        Ok(docs)
    }

    fn report_passages(&self, id: &str) -> Result<Vec<PassageDoc>, SearchError> {
        let rows: Vec<PassageRowJson> = self.client.select(&format!(
            "SELECT report, ordinal, sec, hpath, text FROM passages WHERE (report, gen) GLOBAL \
             IN {} AND report = {} ORDER BY ordinal",
            schema::current(),
            quote(id)
        ))?;
        rows.into_iter().map(|r| self.passage_doc(r)).collect()
    }

    fn reports_where(&self, filters: &Filters) -> Result<Vec<Arc<ReportRecord>>, SearchError> {
        let mut out: Vec<Arc<ReportRecord>> =
            self.records(&filter_sql(filters, false))?.into_iter().map(Arc::new).collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn count_reports(&self, filters: &Filters) -> Result<usize, SearchError> {
        let n = self.client.query(&format!(
            "SELECT count() FROM reports WHERE {} AND {}",
            schema::current_report_rows(),
            filter_sql(filters, false)
        ))?;
        Ok(n.trim().parse().unwrap_or(0))
    }

    fn report(&self, id: &str) -> Result<Option<Arc<ReportRecord>>, SearchError> {
        if let Some(r) = self.cache.lock().expect("cache lock").get(id) {
            return Ok(Some(r.clone()));
        }
        self.preload(&[id])?;
        Ok(self.cache.lock().expect("cache lock").get(id).cloned())
    }

    fn report_by_path(&self, path: &str) -> Result<Option<Arc<ReportRecord>>, SearchError> {
        Ok(self.records(&format!("path = {}", quote(path)))?.into_iter().next().map(Arc::new))
    }

    fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<String>, SearchError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> = self.client.select(&format!(
            "SELECT id FROM reports WHERE {} AND position(id, {}) = 1 ORDER BY id",
            schema::current_report_rows(),
            quote(prefix)
        ))?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_implied_by_matching() {
        let w = |s: &str| Matcher::Word(s.into());
        assert_eq!(prefilter(&w("a'b")).unwrap(), r"norm LIKE '%a\'b%'");
        assert_eq!(contains(r"5%_\"), r"norm LIKE '%5\\%\\_\\\\%'");
        let m = Matcher::And(vec![w("a"), Matcher::Not(Box::new(w("b")))]);
        assert_eq!(prefilter(&m).unwrap(), "(norm LIKE '%a%' AND NOT norm LIKE '%b%')");
        let near = Matcher::Near { left: Box::new(w("a")), right: Box::new(w("b")), distance: 3 };
        assert!(prefilter(&Matcher::Not(Box::new(near.clone()))).is_none());
        assert!(prefilter(&Matcher::Or(vec![w("a"), Matcher::Not(Box::new(near))])).is_none());
        assert_eq!(bigram_tf("aaab", "aa"), 2);
        assert_eq!(raw_name(GroupBy::Decade, "1987"), "1980s");
        assert_eq!(raw_name(GroupBy::Year, "\\N"), UNKNOWN);
        assert_eq!(raw_name(GroupBy::Level, "5"), crate::corpus::Level::Township.as_str());
        let mut f = Filters::default();
        f.province.push("四川".into());
        assert!(filter_sql(&f, false).contains("position(n1, '四川') = 1"));
    }
}
