//! The query backend: what commands ask of an index, whatever stores it.
//!
//! [`Backend`] is the seam between the commands and an index. The local
//! index ([`IndexReader`]) answers with tantivy collectors that verify
//! candidates on the `bi` field's positions; the ClickHouse index
//! ([`crate::clickhouse::backend::ClickHouseIndex`]) gets candidate
//! passages with their text from SQL and verifies them on the text. Both
//! hand verified matches to the same code: [`crate::query::verify`] for
//! matches, mentions and highlights, [`crate::rank`] for scores,
//! [`crate::analysis::count::assemble`] for count tables. So commands are
//! written once, and their output is the same from either index.

use std::sync::Arc;

use crate::analysis::count::{Group, GroupBy};
use crate::index::records::ReportHead;
use crate::index::{IndexReader, ReportRecord};
use crate::query::{Filters, Matcher};
use crate::search::{HitText, Page, PassageDoc, Ranker, SearchError, SearchResults, Searcher};

/// What commands ask of an index.
pub trait Backend: Sync {
    /// Ranked, verified, highlighted hits of `page`, and the totals.
    fn search(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        page: Page,
        ranker: Ranker,
    ) -> Result<SearchResults, SearchError>;

    /// The count tables of each grouping (one or two keys each, see
    /// [`crate::analysis::count`]) and the summary over all groups.
    fn tally(
        &self,
        matcher: &Matcher,
        filters: &Filters,
        groupings: &[&[GroupBy]],
    ) -> Result<(Vec<Vec<Group>>, Group), SearchError>;

    /// Every matching passage in report-path and passage order, with its
    /// normalized text.
    fn all_matches(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<(PassageDoc, String)>, SearchError>;

    /// Every matching passage in report-path and passage order, with its
    /// original text and its report's head (what a concordance shows). The
    /// default takes them from [`Backend::all_matches`]; the local index
    /// reads no report record.
    fn matching_texts(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<HitText>, SearchError> {
        let mut heads: std::collections::HashMap<String, Arc<ReportHead>> = Default::default();
        Ok(self
            .all_matches(matcher, filters)?
            .into_iter()
            .map(|(doc, _)| HitText {
                report: heads
                    .entry(doc.report.id.clone())
                    .or_insert_with(|| Arc::new(ReportHead::of(&doc.report)))
                    .clone(),
                ordinal: doc.ordinal,
                text: doc.text,
            })
            .collect())
    }

    /// Every matching passage in report-path and passage order, handed to
    /// `f` with its mentions (0 without a matcher); returns their number,
    /// or the first error of `f`. The default collects
    /// [`Backend::all_matches`] first; the local index streams.
    fn for_each_match(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        f: &mut dyn FnMut(&PassageDoc, usize) -> std::io::Result<()>,
    ) -> Result<Result<usize, std::io::Error>, SearchError> {
        let all = self.all_matches(matcher, filters)?;
        for (doc, norm) in &all {
            if let Err(e) = f(doc, matcher.map_or(0, |m| m.mentions(norm))) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(all.len()))
    }

    /// Every passage of a report, in order.
    fn report_passages(&self, id: &str) -> Result<Vec<PassageDoc>, SearchError>;

    /// The records of the reports passing `filters`, sorted by path.
    fn reports_where(&self, filters: &Filters) -> Result<Vec<Arc<ReportRecord>>, SearchError>;

    /// How many reports pass `filters`.
    fn count_reports(&self, filters: &Filters) -> Result<usize, SearchError>;

    /// A report by id.
    fn report(&self, id: &str) -> Result<Option<Arc<ReportRecord>>, SearchError>;

    /// A report by its path relative to the corpus.
    fn report_by_path(&self, path: &str) -> Result<Option<Arc<ReportRecord>>, SearchError>;

    /// The ids of the reports whose id starts with `prefix`.
    fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<String>, SearchError>;
}

impl Backend for IndexReader {
    fn search(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        page: Page,
        ranker: Ranker,
    ) -> Result<SearchResults, SearchError> {
        Searcher::new(self).search_with(matcher, filters, page, ranker)
    }

    fn tally(
        &self,
        matcher: &Matcher,
        filters: &Filters,
        groupings: &[&[GroupBy]],
    ) -> Result<(Vec<Vec<Group>>, Group), SearchError> {
        crate::analysis::count::tally(self, matcher, filters, groupings)
    }

    fn all_matches(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<(PassageDoc, String)>, SearchError> {
        Searcher::new(self).all_matches(matcher, filters)
    }

    fn matching_texts(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<HitText>, SearchError> {
        Searcher::new(self).matching_texts(matcher, filters)
    }

    fn for_each_match(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        f: &mut dyn FnMut(&PassageDoc, usize) -> std::io::Result<()>,
    ) -> Result<Result<usize, std::io::Error>, SearchError> {
        Searcher::new(self).for_each_match(matcher, filters, f)
    }

    fn report_passages(&self, id: &str) -> Result<Vec<PassageDoc>, SearchError> {
        Searcher::new(self).report_passages(id)
    }

    fn reports_where(&self, filters: &Filters) -> Result<Vec<Arc<ReportRecord>>, SearchError> {
        Ok(IndexReader::reports_where(self, filters)?)
    }

    fn count_reports(&self, filters: &Filters) -> Result<usize, SearchError> {
        Ok(IndexReader::count_reports(self, filters)?)
    }

    fn report(&self, id: &str) -> Result<Option<Arc<ReportRecord>>, SearchError> {
        Ok(IndexReader::report(self, id)?)
    }

    fn report_by_path(&self, path: &str) -> Result<Option<Arc<ReportRecord>>, SearchError> {
        Ok(IndexReader::report_by_path(self, path)?)
    }

    fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<String>, SearchError> {
        Ok(IndexReader::ids_with_prefix(self, prefix)?)
    }
}
