//! Searching: ranked, verified, highlighted passages.
//!
//! [`Searcher::search`] runs the planned query (see [`crate::query::plan`])
//! for a pool of top candidates by BM25, verifies them exactly (a no-op for
//! queries the index decides exactly, the distance check for `NEAR`),
//! computes the highlight spans on the original text, adds the proximity
//! boost, and re-ranks. The totals (`hits`, `reports`) always count every
//! matching passage, not only those returned.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use tantivy::collector::{Collector, Count, DocSetCollector, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::Term;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::corpus::SectionKind;
use crate::index::schema::KIND_PASSAGE;
use crate::index::{IndexReader, ReportRecord};
use crate::query::filter;
use crate::query::plan::{self, Scope};
use crate::query::{Filters, Matcher};
use crate::text::Normalized;

/// How much a perfect proximity (the query words touching) adds to the
/// score, relative to the BM25 score.
const PROXIMITY_WEIGHT: f32 = 0.5;
/// Standalone heading passages rank a little below body text with the
/// same words.
const HEADING_FACTOR: f32 = 0.8;

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Final score (BM25 + proximity).
    pub score: f32,
    /// The report it comes from.
    pub report: Arc<ReportRecord>,
    /// Index of its section in `report.sections`.
    pub section: usize,
    /// Heading path.
    pub path: Vec<String>,
    /// Ordinal of the passage in the report (1-based).
    pub ordinal: u64,
    /// Original passage text.
    pub text: String,
    /// Highlight spans, character offsets into `text`, sorted.
    pub matches: Vec<Range<usize>>,
}

impl Hit {
    /// The section's kinds.
    pub fn kinds(&self) -> &[SectionKind] {
        self.report.sections.get(self.section).map(|s| s.kinds.as_slice()).unwrap_or(&[])
    }

    /// The section's heading.
    pub fn heading(&self) -> Option<&str> {
        self.report.sections.get(self.section).and_then(|s| s.heading.as_deref())
    }
}

/// The outcome of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// The returned hits, best first.
    pub hits: Vec<Hit>,
    /// All matching passages.
    pub total: usize,
    /// Reports with at least one matching passage.
    pub reports: usize,
}

/// A matching passage as loaded from the index, before ranking.
#[derive(Debug, Clone)]
pub struct PassageDoc {
    /// Its report.
    pub report: Arc<ReportRecord>,
    /// Section index.
    pub section: usize,
    /// Heading path.
    pub path: Vec<String>,
    /// Ordinal in the report.
    pub ordinal: u64,
    /// Original text.
    pub text: String,
}

/// Errors while searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error("search failed ({0}); if the index is damaged, rebuild it with `baogao index --full`")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Search over an open index.
pub struct Searcher<'a> {
    reader: &'a IndexReader,
}

impl<'a> Searcher<'a> {
    /// Wraps an open index.
    pub fn new(reader: &'a IndexReader) -> Self {
        Searcher { reader }
    }

    /// The scope (report ids, sections) of a set of filters.
    pub fn scope(&self, filters: &Filters) -> Result<Scope, SearchError> {
        let reports = if filter::has_report_filters(filters) {
            Some(
                self.reader
                    .reports()?
                    .values()
                    .filter(|r| filter::report_matches(filters, r))
                    .map(|r| r.id.clone())
                    .collect(),
            )
        } else {
            None
        };
        Ok(Scope { reports, sections: filters.section.clone() })
    }

    /// Ranked search. `limit: None` returns every hit.
    pub fn search(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        limit: Option<usize>,
    ) -> Result<SearchResults, SearchError> {
        let fields = &self.reader.fields;
        let searcher = &self.reader.searcher;
        let scope = self.scope(filters)?;
        let ranking = matcher.map_or(Vec::new(), |m| plan::ranking_words(fields, searcher, m));
        let query = plan::search_query(fields, matcher, &scope, &ranking);
        let exact = matcher.is_none_or(Matcher::index_is_exact);

        // Candidates: for exact queries a pool of the best by BM25 (the
        // totals come from collectors); otherwise every candidate, since
        // each must be verified to be counted.
        let (candidates, mut total, mut reports) = if exact {
            let pool = limit.map(|l| l * 4 + 50);
            let (count, distinct) =
                searcher.search(&query, &(Count, DistinctReports { field: "rnum" }))?;
            let top = searcher.search(
                &query,
                &TopDocs::with_limit(pool.unwrap_or(count).max(1)).order_by_score(),
            )?;
            (top, count, distinct)
        } else {
            let count = searcher.search(&query, &Count)?;
            let top =
                searcher.search(&query, &TopDocs::with_limit(count.max(1)).order_by_score())?;
            (top, 0, 0)
        };

        let loaded: Vec<(Score, PassageDoc)> = candidates
            .into_par_iter()
            .map(|(score, addr)| self.load(addr).map(|d| (score, d)))
            .collect::<Result<_, _>>()?;
        let mut hits: Vec<Hit> = loaded
            .into_par_iter()
            .filter_map(|(score, doc)| {
                let normalized = Normalized::new(&doc.text);
                if let Some(m) = matcher {
                    if !exact && !m.matches(&normalized.text) {
                        return None;
                    }
                }
                let mut score = score;
                let matches = match matcher {
                    Some(m) => {
                        if let Some(gap) = m.min_gap(&normalized.text) {
                            score += PROXIMITY_WEIGHT * score.max(1.0) / (1.0 + gap as f32 / 10.0);
                        }
                        m.highlights(&normalized)
                    }
                    None => Vec::new(),
                };
                if doc.path.last().is_some_and(|h| h.trim() == doc.text.trim()) {
                    score *= HEADING_FACTOR;
                }
                Some(Hit {
                    score,
                    report: doc.report,
                    section: doc.section,
                    path: doc.path,
                    ordinal: doc.ordinal,
                    text: doc.text,
                    matches,
                })
            })
            .collect();
        if !exact {
            total = hits.len();
            reports = hits.iter().map(|h| h.report.id.as_str()).collect::<HashSet<_>>().len();
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.report.path.cmp(&b.report.path))
                .then(a.ordinal.cmp(&b.ordinal))
        });
        if let Some(l) = limit {
            hits.truncate(l);
        }
        Ok(SearchResults { hits, total, reports })
    }

    /// Every passage matching exactly, unranked, in report-path and
    /// passage order (for counting and concordances).
    pub fn all_matches(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<(PassageDoc, String)>, SearchError> {
        let fields = &self.reader.fields;
        let scope = self.scope(filters)?;
        let query = plan::search_query(fields, matcher, &scope, &[]);
        let mut addrs: Vec<DocAddress> =
            self.reader.searcher.search(&query, &DocSetCollector)?.into_iter().collect();
        addrs.sort();
        let mut docs: Vec<(PassageDoc, String)> = addrs
            .into_par_iter()
            .map(|addr| -> Result<Option<(PassageDoc, String)>, SearchError> {
                let doc = self.load(addr)?;
                let norm = crate::text::normalize(&doc.text);
                Ok(match matcher {
                    Some(m) if !m.index_is_exact() && !m.matches(&norm) => None,
                    _ => Some((doc, norm)),
                })
            })
            .filter_map(|r| r.transpose())
            .collect::<Result<_, _>>()?;
        docs.sort_by(|a, b| {
            a.0.report.path.cmp(&b.0.report.path).then(a.0.ordinal.cmp(&b.0.ordinal))
        });
        Ok(docs)
    }

    /// Every passage of one report, in order (for `show`).
    pub fn report_passages(&self, id: &str) -> Result<Vec<PassageDoc>, SearchError> {
        let f = &self.reader.fields;
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.kind, KIND_PASSAGE),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.report, id),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let addrs = self.reader.searcher.search(&query, &DocSetCollector)?;
        let mut docs = addrs.into_iter().map(|a| self.load(a)).collect::<Result<Vec<_>, _>>()?;
        docs.sort_by_key(|d| d.ordinal);
        Ok(docs)
    }

    /// Loads a passage document.
    fn load(&self, addr: DocAddress) -> Result<PassageDoc, SearchError> {
        let f = &self.reader.fields;
        let doc: TantivyDocument = self.reader.searcher.doc(addr)?;
        let text_of = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
        let u64_of = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        let id = text_of(f.report);
        let report = self.reader.report(id)?.ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("passage of unknown report {id}"))
        })?;
        Ok(PassageDoc {
            report,
            section: u64_of(f.sec) as usize,
            path: serde_json::from_str(text_of(f.hpath)).unwrap_or_default(),
            ordinal: u64_of(f.ordinal),
            text: text_of(f.text).to_string(),
        })
    }
}

/// Counts distinct reports among matching passages, from the `rnum` fast
/// field (no stored document is read).
struct DistinctReports {
    field: &'static str,
}

struct DistinctSegment {
    column: Column<u64>,
    seen: HashSet<u64>,
}

impl Collector for DistinctReports {
    type Fruit = usize;
    type Child = DistinctSegment;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<DistinctSegment> {
        Ok(DistinctSegment { column: reader.fast_fields().u64(self.field)?, seen: HashSet::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashSet<u64>>) -> tantivy::Result<usize> {
        let mut all = HashSet::new();
        for f in fruits {
            all.extend(f);
        }
        Ok(all.len())
    }
}

impl SegmentCollector for DistinctSegment {
    type Fruit = HashSet<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(v) = self.column.first(doc) {
            self.seen.insert(v);
        }
    }

    fn harvest(self) -> HashSet<u64> {
        self.seen
    }
}
