//! Searching: ranked, verified, highlighted passages.
//!
//! [`Searcher::search`] runs the planned query (see [`crate::query::plan`])
//! through one collector that sees every candidate passage: it verifies
//! the candidates the index cannot decide alone (`NEAR`) on the positions
//! of the `bi` field ([`crate::index::postings`]), counts hits and distinct
//! reports, and ranks *every* hit by its final score — BM25 plus the
//! proximity of the query words (from the same positions) and the passage's
//! fast fields — with ties broken by a stable key (report number, then
//! passage ordinal). The order of the first N hits therefore never depends
//! on `--limit`, and `--offset` pages through one fixed order. Only the
//! returned page is loaded from the store, to be highlighted.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, Term};

use crate::corpus::SectionKind;
use crate::index::postings::SegmentSpans;
use crate::index::records::ReportHead;
use crate::index::schema::{Fields, FLAG_HEADING, KIND_PASSAGE};
use crate::index::{passage_id, IndexReader, ReportRecord};
use crate::query::plan;
use crate::query::{Filters, Matcher};
use crate::rank::{self, Collection, RankField, ScoredTerm};
use crate::text::Normalized;

pub use crate::rank::Ranker;

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
    /// With `--collapse`: how many lower-ranked hits are near-duplicates of
    /// this one and were folded under it ([`dup_key`]); `None` otherwise.
    pub copies: Option<usize>,
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

    /// The passage's stable id (`REPORT-ORDINAL`).
    pub fn id(&self) -> String {
        passage_id(&self.report.id, self.ordinal)
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

/// Which hits to return, in ranking order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return after them (`None`: all).
    pub limit: Option<usize>,
    /// Fold near-duplicate passages (the same boilerplate in many reports)
    /// under the best-ranked of them: `offset` and `limit` then count
    /// groups, and each returned hit says how many copies it stands for.
    pub collapse: bool,
}

impl Page {
    /// The first `n` hits.
    pub fn first(n: usize) -> Page {
        Page { offset: 0, limit: Some(n), collapse: false }
    }

    /// Every hit.
    pub fn all() -> Page {
        Page { offset: 0, limit: None, collapse: false }
    }
}

/// A passage as loaded from the index.
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

impl PassageDoc {
    /// The passage's stable id (`REPORT-ORDINAL`).
    pub fn id(&self) -> String {
        passage_id(&self.report.id, self.ordinal)
    }

    /// The section's kinds.
    pub fn kinds(&self) -> &[SectionKind] {
        self.report.sections.get(self.section).map(|s| s.kinds.as_slice()).unwrap_or(&[])
    }
}

/// Errors while searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error("search failed ({0}); if the index is damaged, rebuild it with `baogao index --full`")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Another backend failed (ClickHouse: the server's message).
    #[error("{0}")]
    Backend(String),
}

/// Search over an open index.
pub struct Searcher<'a> {
    reader: &'a IndexReader,
    /// Each segment's passage columns, opened at first use.
    columns: std::sync::OnceLock<Vec<PassageColumns>>,
}

impl<'a> Searcher<'a> {
    /// Wraps an open index.
    pub fn new(reader: &'a IndexReader) -> Self {
        Searcher { reader, columns: std::sync::OnceLock::new() }
    }

    /// Each segment's passage columns (opened once per searcher).
    fn columns(&self) -> tantivy::Result<&[PassageColumns]> {
        if let Some(c) = self.columns.get() {
            return Ok(c);
        }
        let cols = self
            .reader
            .searcher
            .segment_readers()
            .iter()
            .map(PassageColumns::open)
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(self.columns.get_or_init(|| cols))
    }

    /// A passage's fields (fast fields, and its text from the store).
    /// `last` remembers the last report id read (segment, term ordinal,
    /// id): a report's passages come together, and reading an id from the
    /// dictionary costs a block decompression.
    fn raw_at(
        &self,
        addr: DocAddress,
        doc: &TantivyDocument,
        last: &mut Option<(SegmentOrdinal, u64, String)>,
    ) -> tantivy::Result<RawPassage> {
        let cols = self.columns()?.get(addr.segment_ord as usize).ok_or_else(|| {
            tantivy::TantivyError::InternalError("a hit in an unknown segment".into())
        })?;
        let d = addr.doc_id;
        let mut report = String::new();
        if let Some(o) = cols.report.ords().first(d) {
            match last {
                Some((seg, ord, id)) if *seg == addr.segment_ord && *ord == o => {
                    report.clone_from(id)
                }
                _ => {
                    cols.report.ord_to_str(o, &mut report)?;
                    *last = Some((addr.segment_ord, o, report.clone()));
                }
            }
        }
        Ok(cols.raw(d, report, stored_text(doc, self.reader.fields.text)))
    }

    /// Ranked search: the hits of `page` in ranking order, and the totals
    /// over every hit.
    pub fn search(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        page: Page,
    ) -> Result<SearchResults, SearchError> {
        self.search_with(matcher, filters, page, Ranker::default())
    }

    /// [`Searcher::search`] with another ranking function.
    pub fn search_with(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        page: Page,
        ranker: Ranker,
    ) -> Result<SearchResults, SearchError> {
        let fields = &self.reader.fields;
        let searcher = &self.reader.searcher;
        let terms = match matcher {
            Some(m) => self.scored_terms(m, ranker)?,
            None => Vec::new(),
        };
        let collection =
            if terms.is_empty() { Collection::default() } else { self.reader.collection()? };
        let query = plan::search_query(fields, matcher, filters);
        let collector = RankCollector {
            fields,
            matcher,
            ranker,
            terms: &terms,
            collection,
            keep: if page.collapse {
                None
            } else {
                page.limit.map(|l| page.offset.saturating_add(l))
            },
        };
        let ranked = searcher.search(&query, &collector)?;
        let chosen: Vec<(Ranked, Option<usize>)> = if page.collapse {
            self.collapse(ranked.top)?
        } else {
            ranked.top.into_iter().map(|r| (r, None)).collect()
        };
        let chosen: Vec<(Ranked, Option<usize>)> =
            chosen.into_iter().skip(page.offset).take(page.limit.unwrap_or(usize::MAX)).collect();
        let hits: Vec<Hit> = chosen
            .into_par_iter()
            .map(|(r, copies)| -> Result<Hit, SearchError> {
                let doc = self.load(DocAddress::new(r.segment, r.doc))?;
                let matches = match matcher {
                    Some(m) => m.highlights(&Normalized::new(&doc.text)),
                    None => Vec::new(),
                };
                Ok(Hit {
                    score: r.score,
                    report: doc.report,
                    section: doc.section,
                    path: doc.path,
                    ordinal: doc.ordinal,
                    text: doc.text,
                    matches,
                    copies,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SearchResults { hits, total: ranked.total, reports: ranked.reports.len() })
    }

    /// Ranked hits folded by [`dup_key`]: the first (best-ranked) of each
    /// group, in ranking order, with the number of later hits folded
    /// under it. Reads the text of every hit (in parallel), so it costs
    /// about what `kwic` costs; only hashes are kept.
    fn collapse(&self, ranked: Vec<Ranked>) -> Result<Vec<(Ranked, Option<usize>)>, SearchError> {
        let keys: Vec<u64> = ranked
            .par_iter()
            .map(|r| Ok(dup_key(&self.load(DocAddress::new(r.segment, r.doc))?.text)))
            .collect::<Result<_, SearchError>>()?;
        Ok(fold_by_key(ranked.into_iter().zip(keys)))
    }

    /// The terms that score the hits of `m` under `ranker`, with their
    /// idf: the query's words (cut by the index's vocabulary) in the
    /// text and the heading path, and its bigrams.
    pub fn scored_terms(
        &self,
        m: &Matcher,
        ranker: Ranker,
    ) -> Result<Vec<ScoredTerm>, SearchError> {
        let fields = &self.reader.fields;
        let words = plan::ranking_words(fields, &self.reader.searcher, m);
        let bigrams = plan::ranking_bigrams(m);
        let collection = self.reader.collection()?;
        Ok(rank::scored_terms(ranker, &words, &bigrams, collection.passages, |field, _, term| {
            self.reader.doc_freq(field, term)
        })?)
    }

    /// The addresses of every passage that passes `filters` and matches
    /// `matcher` exactly, in index order.
    pub fn matching(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<DocAddress>, SearchError> {
        let fields = &self.reader.fields;
        let query = plan::search_query(fields, matcher, filters);
        Ok(self.reader.searcher.search(&query, &MatchCollector { fields, matcher })?)
    }

    /// Every passage matching exactly, unranked, in report-path and
    /// passage order, with its normalized text (for concordances and
    /// keyness).
    pub fn all_matches(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<(PassageDoc, String)>, SearchError> {
        let addrs = self.matching(matcher, filters)?;
        let raw = self.raw_passages(&addrs)?;
        // Each report's record once, in one query, not one lookup per hit.
        let mut ids: Vec<&str> = raw.iter().map(|r| r.report.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        self.reader.preload(&ids)?;
        let mut docs: Vec<(PassageDoc, String)> = raw
            .into_par_iter()
            .map(|r| -> Result<(PassageDoc, String), SearchError> {
                let doc = self.attach(r)?;
                let norm = crate::text::normalize(&doc.text);
                Ok((doc, norm))
            })
            .collect::<Result<_, _>>()?;
        docs.sort_by(|a, b| {
            a.0.report.path.cmp(&b.0.report.path).then(a.0.ordinal.cmp(&b.0.ordinal))
        });
        Ok(docs)
    }

    /// The fields of the passages at `addrs` (sorted by segment and
    /// document), in that order: segments in parallel, each segment's
    /// report ids read from its dictionary once, in order, and its texts
    /// from its store in index order.
    fn raw_passages(&self, addrs: &[DocAddress]) -> Result<Vec<RawPassage>, SearchError> {
        let cols = self.columns()?;
        let by_segment: Vec<&[DocAddress]> =
            addrs.chunk_by(|a, b| a.segment_ord == b.segment_ord).collect();
        let parts: Vec<Vec<RawPassage>> = by_segment
            .into_par_iter()
            .map(|part| -> Result<Vec<RawPassage>, SearchError> {
                let seg = part[0].segment_ord;
                let c = cols.get(seg as usize).ok_or_else(|| {
                    tantivy::TantivyError::InternalError("a hit in an unknown segment".into())
                })?;
                let ids =
                    terms_of(&c.report, part.iter().map(|a| c.report.ords().first(a.doc_id)))?;
                let store = self
                    .reader
                    .searcher
                    .segment_reader(seg)
                    .get_store_reader(4)
                    .map_err(tantivy::TantivyError::from)?;
                part.iter()
                    .zip(ids)
                    .map(|(a, id)| {
                        let doc: TantivyDocument = store.get(a.doc_id)?;
                        let text = stored_text(&doc, self.reader.fields.text);
                        Ok(c.raw(a.doc_id, id.unwrap_or_default(), text))
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Every passage matching exactly, in report-path and passage order,
    /// with its original text and its report's [`ReportHead`] — what a
    /// concordance needs. The heads come from the passages' fast fields and
    /// the texts from one stored-document read per passage, in index order
    /// per segment (neighbouring hits share a decompressed block); no
    /// report record is read.
    pub fn matching_texts(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
    ) -> Result<Vec<HitText>, SearchError> {
        let addrs = self.matching(matcher, filters)?;
        let mut by_segment: Vec<(SegmentOrdinal, Vec<DocId>)> = Vec::new();
        for a in addrs {
            match by_segment.last_mut() {
                Some((s, docs)) if *s == a.segment_ord => docs.push(a.doc_id),
                _ => by_segment.push((a.segment_ord, vec![a.doc_id])),
            }
        }
        let fields = &self.reader.fields;
        let parts: Vec<Vec<HitText>> = by_segment
            .into_par_iter()
            .map(|(seg, docs)| -> Result<Vec<HitText>, SearchError> {
                let segment = self.reader.searcher.segment_reader(seg);
                let heads = HeadColumns::open(segment)?;
                let known = heads.heads(&docs)?;
                let store = segment.get_store_reader(4).map_err(tantivy::TantivyError::from)?;
                let mut out = Vec::with_capacity(docs.len());
                for doc in docs {
                    let report = heads
                        .report
                        .ords()
                        .first(doc)
                        .and_then(|o| known.get(&o))
                        .cloned()
                        .ok_or_else(|| {
                            tantivy::TantivyError::InternalError(
                                "a passage without its report id".into(),
                            )
                        })?;
                    let stored: TantivyDocument = store.get(doc)?;
                    let text = stored_text(&stored, fields.text);
                    let ordinal = heads.ordinal.first(doc).unwrap_or(0);
                    out.push(HitText { report, ordinal, text });
                }
                Ok(out)
            })
            .collect::<Result<_, _>>()?;
        let mut all: Vec<HitText> = parts.into_iter().flatten().collect();
        all.sort_by(|a, b| a.report.path.cmp(&b.report.path).then(a.ordinal.cmp(&b.ordinal)));
        Ok(all)
    }

    /// Every passage that passes `filters` and matches `matcher`, in
    /// report-path and passage order, handed to `f` one at a time with its
    /// mentions (0 without a matcher), for exports of any size: memory
    /// holds the addresses of the matches (16 bytes each) and one report
    /// record at a time. Returns the number of passages.
    pub fn for_each_match(
        &self,
        matcher: Option<&Matcher>,
        filters: &Filters,
        f: &mut dyn FnMut(&PassageDoc, usize) -> std::io::Result<()>,
    ) -> Result<Result<usize, std::io::Error>, SearchError> {
        let fields = &self.reader.fields;
        let query = plan::search_query(fields, matcher, filters);
        let keyed = self.reader.searcher.search(&query, &KeyCollector { fields, matcher })?;
        // Report number → rank of its path.
        let mut paths = self.reader.report_paths()?;
        paths.sort_by(|a, b| a.1.cmp(&b.1));
        let rank: std::collections::HashMap<u64, u32> =
            paths.iter().enumerate().map(|(i, (rnum, _))| (*rnum, i as u32)).collect();
        let mut keyed: Vec<(u32, u32, DocAddress)> = keyed
            .into_iter()
            .map(|(rnum, ordinal, addr)| {
                (rank.get(&rnum).copied().unwrap_or(u32::MAX), ordinal as u32, addr)
            })
            .collect();
        keyed.sort_unstable();
        drop(rank);
        let mut current: Option<Arc<ReportRecord>> = None;
        let mut last = None;
        for (_, _, addr) in &keyed {
            let doc: TantivyDocument = self.reader.searcher.doc(*addr)?;
            let raw = self.raw_at(*addr, &doc, &mut last)?;
            if current.as_ref().is_none_or(|r| r.id != raw.report) {
                let id = &raw.report;
                current = Some(Arc::new(self.reader.report_uncached(id)?.ok_or_else(|| {
                    tantivy::TantivyError::InternalError(format!("passage of unknown report {id}"))
                })?));
            }
            let passage = with_report(raw, current.clone().expect("set above"));
            let mentions =
                matcher.map_or(0, |m| m.mentions(&crate::text::normalize(&passage.text)));
            if let Err(e) = f(&passage, mentions) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(keyed.len()))
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
        let addrs = self.reader.searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut docs = addrs.into_iter().map(|a| self.load(a)).collect::<Result<Vec<_>, _>>()?;
        docs.sort_by_key(|d| d.ordinal);
        Ok(docs)
    }

    /// Loads a passage document.
    pub fn load(&self, addr: DocAddress) -> Result<PassageDoc, SearchError> {
        let raw = self.load_raw(addr)?;
        self.attach(raw)
    }

    /// A passage's fields, without its report's record.
    fn load_raw(&self, addr: DocAddress) -> Result<RawPassage, SearchError> {
        let doc: TantivyDocument = self.reader.searcher.doc(addr)?;
        Ok(self.raw_at(addr, &doc, &mut None)?)
    }

    /// A passage with its report's record.
    fn attach(&self, raw: RawPassage) -> Result<PassageDoc, SearchError> {
        let report = self.reader.report(&raw.report)?.ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!(
                "passage of unknown report {}",
                raw.report
            ))
        })?;
        Ok(with_report(raw, report))
    }
}

/// A passage's fields with its report's record: the heading path is read
/// from the record's table.
fn with_report(raw: RawPassage, report: Arc<ReportRecord>) -> PassageDoc {
    let path = report.headings.get(raw.heading as usize).cloned().unwrap_or_default();
    PassageDoc { report, section: raw.section, path, ordinal: raw.ordinal, text: raw.text }
}

/// A segment's fast fields that a passage's [`RawPassage`] needs.
struct PassageColumns {
    report: StrColumn,
    ordinal: Column<u64>,
    sec: Column<u64>,
    heading: Column<u64>,
}

/// The text a stored passage document holds (empty if none).
fn stored_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

impl PassageColumns {
    /// The fields of passage `doc` of this segment, with its report id and
    /// text.
    fn raw(&self, doc: DocId, report: String, text: String) -> RawPassage {
        RawPassage {
            report,
            section: self.sec.first(doc).unwrap_or(0) as usize,
            heading: self.heading.first(doc).unwrap_or(0),
            ordinal: self.ordinal.first(doc).unwrap_or(0),
            text,
        }
    }

    fn open(segment: &SegmentReader) -> tantivy::Result<PassageColumns> {
        let ff = segment.fast_fields();
        Ok(PassageColumns {
            report: ff.str("report")?.ok_or_else(|| {
                tantivy::TantivyError::InternalError("no fast field report in a segment".into())
            })?,
            ordinal: ff.u64("ordinal")?,
            sec: ff.u64("sec")?,
            heading: ff.u64("heading")?,
        })
    }
}

/// A matching passage's text with what a concordance shows of its report
/// ([`Searcher::matching_texts`]).
#[derive(Debug, Clone)]
pub struct HitText {
    /// Its report's head.
    pub report: Arc<ReportHead>,
    /// Ordinal in the report.
    pub ordinal: u64,
    /// Original text.
    pub text: String,
}

/// A segment's fast fields that make a passage's [`ReportHead`].
struct HeadColumns {
    report: StrColumn,
    path: StrColumn,
    year: Option<Column<i64>>,
    level: Option<Column<u64>>,
    places: Vec<Option<StrColumn>>,
    ordinal: Column<u64>,
}

impl HeadColumns {
    fn open(segment: &SegmentReader) -> tantivy::Result<HeadColumns> {
        let ff = segment.fast_fields();
        let str_col = |name: &str| -> tantivy::Result<StrColumn> {
            ff.str(name)?.ok_or_else(|| {
                tantivy::TantivyError::InternalError(format!("no fast field {name} in a segment"))
            })
        };
        let places = crate::corpus::Level::ALL
            .iter()
            .filter_map(|&l| crate::index::schema::place_field_name(l))
            .map(|name| ff.str(name))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(HeadColumns {
            report: str_col("report")?,
            path: str_col("ppath")?,
            year: ff.column_opt("year")?,
            level: ff.column_opt("level")?,
            places,
            ordinal: ff.u64("ordinal")?,
        })
    }

    /// The heads of the reports of `docs`, by the report id's term
    /// ordinal in this segment. Each dictionary is read once, in order, for
    /// all the terms wanted (a term lookup by ordinal decompresses a
    /// dictionary block; one per report would cost more than the texts).
    fn heads(&self, docs: &[DocId]) -> tantivy::Result<HashMap<u64, Arc<ReportHead>>> {
        // One passage stands for its report.
        let mut first: std::collections::BTreeMap<u64, DocId> = Default::default();
        for &d in docs {
            if let Some(o) = self.report.ords().first(d) {
                first.entry(o).or_insert(d);
            }
        }
        let reps: Vec<(u64, DocId)> = first.into_iter().collect();
        let ids = terms_of(&self.report, reps.iter().map(|&(o, _)| Some(o)))?;
        let paths = terms_of(&self.path, reps.iter().map(|&(_, d)| self.path.ords().first(d)))?;
        let mut places: Vec<Vec<Option<String>>> = Vec::new();
        for col in &self.places {
            places.push(match col {
                Some(c) => terms_of(c, reps.iter().map(|&(_, d)| c.ords().first(d)))?
                    .into_iter()
                    // A chain key (`四川省›达州市›渠县`): the level's own
                    // name is its last link.
                    .map(|k| k.map(|k| crate::index::schema::last_link(&k).to_string()))
                    .collect(),
                None => vec![None; reps.len()],
            });
        }
        let mut out = HashMap::with_capacity(reps.len());
        for (i, ((ord, doc), (id, path))) in reps.iter().zip(ids.into_iter().zip(paths)).enumerate()
        {
            let mut p: [Option<String>; 4] = Default::default();
            for (slot, level) in p.iter_mut().zip(&mut places) {
                *slot = level[i].take();
            }
            let head = ReportHead {
                id: id.unwrap_or_default(),
                path: path.unwrap_or_default(),
                year: self.year.as_ref().and_then(|c| c.first(*doc)).map(|y| y as i32),
                level: self
                    .level
                    .as_ref()
                    .and_then(|c| c.first(*doc))
                    .and_then(crate::index::schema::level_of_code),
                places: p,
            };
            out.insert(*ord, Arc::new(head));
        }
        Ok(out)
    }
}

/// The terms of `ords` (in their order; `None` stays `None`) in a
/// dictionary-encoded column, reading the dictionary once in order.
fn terms_of(
    col: &StrColumn,
    ords: impl Iterator<Item = Option<u64>>,
) -> tantivy::Result<Vec<Option<String>>> {
    let ords: Vec<Option<u64>> = ords.collect();
    let mut sorted: Vec<u64> = ords.iter().flatten().copied().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut terms: Vec<String> = Vec::with_capacity(sorted.len());
    col.dictionary()
        .sorted_ords_to_term_cb(&sorted, |b| terms.push(String::from_utf8_lossy(b).into_owned()))?;
    Ok(ords
        .into_iter()
        .map(|o| {
            let o = o?;
            sorted.binary_search(&o).ok().and_then(|i| terms.get(i).cloned())
        })
        .collect())
}

/// A passage's stored fields before its report's record is attached.
struct RawPassage {
    report: String,
    section: usize,
    /// Number of its heading path in the record's table.
    heading: u64,
    ordinal: u64,
    text: String,
}

/// A ranked hit before loading: its final score and stable key.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: Score,
    rnum: u64,
    ordinal: u64,
    segment: SegmentOrdinal,
    doc: DocId,
}

impl Ranked {
    /// Better first: higher score, then lower report number, then lower
    /// ordinal (the stable tie-break).
    fn rank_cmp(&self, other: &Ranked) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.rnum.cmp(&other.rnum))
            .then(self.ordinal.cmp(&other.ordinal))
    }
}

/// Heap entry ordered so that the *worst* kept hit is on top.
struct Worst(Ranked);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank_cmp(&other.0)
    }
}

/// The best `keep` hits (all when `None`), in ranking order.
#[derive(Default)]
struct Best {
    keep: Option<usize>,
    heap: BinaryHeap<Worst>,
    all: Vec<Ranked>,
}

impl Best {
    fn new(keep: Option<usize>) -> Best {
        Best { keep, ..Best::default() }
    }

    fn push(&mut self, r: Ranked) {
        match self.keep {
            None => self.all.push(r),
            Some(0) => {}
            Some(k) => {
                if self.heap.len() < k {
                    self.heap.push(Worst(r));
                } else if self.heap.peek().is_some_and(|w| r.rank_cmp(&w.0) == Ordering::Less) {
                    self.heap.pop();
                    self.heap.push(Worst(r));
                }
            }
        }
    }

    fn into_sorted(self) -> Vec<Ranked> {
        let mut v = self.all;
        v.extend(self.heap.into_iter().map(|w| w.0));
        v.sort_by(Ranked::rank_cmp);
        v
    }
}

/// What [`RankCollector`] returns.
struct RankedHits {
    top: Vec<Ranked>,
    total: usize,
    reports: rustc_hash::FxHashSet<u64>,
}

/// Verifies, counts and ranks every candidate.
struct RankCollector<'a> {
    fields: &'a Fields,
    matcher: Option<&'a Matcher>,
    ranker: Ranker,
    terms: &'a [ScoredTerm],
    collection: Collection,
    keep: Option<usize>,
}

struct RankSegment {
    segment: SegmentOrdinal,
    matcher: Option<Matcher>,
    spans: Option<SegmentSpans>,
    proximity: bool,
    ranker: Ranker,
    /// Per scored term: its postings in this segment (`None`: absent).
    postings: Vec<(ScoredTerm, Option<SegmentPostings>)>,
    /// Per ranking field: the field norms and the average length.
    norms: Vec<(FieldNormReader, f32)>,
    rnum: Column<u64>,
    ordinal: Column<u64>,
    flags: Column<u64>,
    chars: Column<u64>,
    best: Best,
    total: usize,
    reports: rustc_hash::FxHashSet<u64>,
    last_report: Option<u64>,
}

impl Collector for RankCollector<'_> {
    type Fruit = RankedHits;
    type Child = RankSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<RankSegment> {
        let verify = self.matcher.is_some_and(|m| !m.index_is_exact());
        let proximity = self.ranker.uses_proximity()
            && self.matcher.is_some_and(|m| m.positive_words().len() >= 2);
        let spans = match self.matcher {
            Some(m) if verify || proximity => {
                Some(SegmentSpans::open(reader, self.fields.bi, m, proximity)?)
            }
            _ => None,
        };
        let ff = reader.fast_fields();
        Ok(RankSegment {
            segment: ord,
            matcher: self.matcher.cloned(),
            spans,
            proximity,
            ranker: self.ranker,
            postings: self
                .terms
                .iter()
                .map(|t| -> tantivy::Result<_> {
                    let field = self.fields.rank_field(t.field);
                    let term = Term::from_field_text(field, &t.term);
                    let p = reader
                        .inverted_index(field)?
                        .read_postings(&term, IndexRecordOption::WithFreqs)?;
                    Ok((t.clone(), p))
                })
                .collect::<tantivy::Result<_>>()?,
            norms: RankField::ALL
                .iter()
                .map(|f| -> tantivy::Result<_> {
                    Ok((
                        reader.get_fieldnorms_reader(self.fields.rank_field(*f))?,
                        self.collection.average(*f),
                    ))
                })
                .collect::<tantivy::Result<_>>()?,
            rnum: ff.u64("rnum")?,
            ordinal: ff.u64("ordinal")?,
            flags: ff.u64("flags")?,
            chars: ff.u64("chars")?,
            best: Best::new(self.keep),
            total: 0,
            reports: Default::default(),
            last_report: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<RankedHits>) -> tantivy::Result<RankedHits> {
        let mut best = Best::new(self.keep);
        let (mut total, mut reports) = (0, rustc_hash::FxHashSet::default());
        for f in fruits {
            total += f.total;
            reports.extend(f.reports);
            f.top.into_iter().for_each(|r| best.push(r));
        }
        Ok(RankedHits { top: best.into_sorted(), total, reports })
    }
}

impl SegmentCollector for RankSegment {
    type Fruit = RankedHits;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let mut gap = None;
        if let (Some(m), Some(spans)) = (&self.matcher, &mut self.spans) {
            let src = spans.at(doc);
            if !m.index_is_exact() && !m.matches_in(src) {
                return;
            }
            if self.proximity {
                gap = m.min_gap_in(src);
            }
        }
        let heading = self.flags.first(doc).unwrap_or(0) & FLAG_HEADING != 0;
        let chars = self.chars.first(doc).unwrap_or(0);
        let mut bm25 = 0.0;
        for (term, postings) in &mut self.postings {
            let Some(p) = postings else { continue };
            if p.doc() < doc {
                p.seek(doc);
            }
            if p.doc() == doc {
                let (norms, average) = &self.norms[term.field.length().index()];
                bm25 += rank::bm25(term, p.term_freq(), norms.fieldnorm(doc), *average);
            }
        }
        let score = self.ranker.finish(bm25, chars, heading, gap);
        let rnum = self.rnum.first(doc).unwrap_or(0);
        self.total += 1;
        // A report's passages come in a run: most need no set lookup.
        if self.last_report != Some(rnum) {
            self.reports.insert(rnum);
            self.last_report = Some(rnum);
        }
        self.best.push(Ranked {
            score,
            rnum,
            ordinal: self.ordinal.first(doc).unwrap_or(0),
            segment: self.segment,
            doc,
        });
    }

    fn harvest(self) -> RankedHits {
        RankedHits { top: self.best.into_sorted(), total: self.total, reports: self.reports }
    }
}

/// The matches with their report number and ordinal (for ordering).
struct KeyCollector<'a> {
    fields: &'a Fields,
    matcher: Option<&'a Matcher>,
}

struct KeySegment {
    inner: MatchSegment,
    rnum: Column<u64>,
    ordinal: Column<u64>,
    keyed: Vec<(u64, u64, DocAddress)>,
}

impl Collector for KeyCollector<'_> {
    type Fruit = Vec<(u64, u64, DocAddress)>;
    type Child = KeySegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<KeySegment> {
        let inner = MatchCollector { fields: self.fields, matcher: self.matcher }
            .for_segment(ord, reader)?;
        let ff = reader.fast_fields();
        Ok(KeySegment {
            inner,
            rnum: ff.u64("rnum")?,
            ordinal: ff.u64("ordinal")?,
            keyed: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(u64, u64, DocAddress)>>,
    ) -> tantivy::Result<Vec<(u64, u64, DocAddress)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for KeySegment {
    type Fruit = Vec<(u64, u64, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // The inner collector keeps `doc` if it matches; take it back.
        self.inner.collect(doc, score);
        if let Some(addr) = self.inner.docs.pop() {
            let rnum = self.rnum.first(doc).unwrap_or(0);
            let ordinal = self.ordinal.first(doc).unwrap_or(0);
            self.keyed.push((rnum, ordinal, addr));
        }
    }

    fn harvest(self) -> Vec<(u64, u64, DocAddress)> {
        self.keyed
    }
}

/// The addresses of the candidates that match exactly.
struct MatchCollector<'a> {
    fields: &'a Fields,
    matcher: Option<&'a Matcher>,
}

struct MatchSegment {
    segment: SegmentOrdinal,
    check: Option<(Matcher, SegmentSpans)>,
    docs: Vec<DocAddress>,
}

impl Collector for MatchCollector<'_> {
    type Fruit = Vec<DocAddress>;
    type Child = MatchSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<MatchSegment> {
        let check = match self.matcher {
            Some(m) if !m.index_is_exact() => {
                Some((m.clone(), SegmentSpans::open(reader, self.fields.bi, m, false)?))
            }
            _ => None,
        };
        Ok(MatchSegment { segment: ord, check, docs: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<DocAddress>>) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<DocAddress> = fruits.into_iter().flatten().collect();
        all.sort();
        Ok(all)
    }
}

impl SegmentCollector for MatchSegment {
    type Fruit = Vec<DocAddress>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some((m, spans)) = &mut self.check {
            if !m.matches_in(spans.at(doc)) {
                return;
            }
        }
        self.docs.push(DocAddress::new(self.segment, doc));
    }

    fn harvest(self) -> Vec<DocAddress> {
        self.docs
    }
}

/// The key under which `search --collapse` folds near-duplicate passages:
/// a hash of the passage's normalized text (full-width and half-width
/// forms alike) keeping only letters — Chinese characters, Latin letters
/// — so that the same boilerplate sentence folds whatever its digits
/// (`2022年` / `2023年`), punctuation, spacing or line breaks.
pub fn dup_key(text: &str) -> u64 {
    dup_key_of_normalized(&Normalized::new(text).text)
}

/// [`dup_key`] of a text that is already normalized.
pub fn dup_key_of_normalized(norm: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for c in norm.chars().filter(|c| c.is_alphabetic()) {
        c.hash(&mut h);
    }
    h.finish()
}

/// Folds ranked items by key (see [`Page::collapse`]): the first of each
/// key, in order, with the number of later items of the same key.
pub fn fold_by_key<T>(items: impl IntoIterator<Item = (T, u64)>) -> Vec<(T, Option<usize>)> {
    let mut group_of: HashMap<u64, usize> = HashMap::new();
    let mut groups: Vec<(T, Option<usize>)> = Vec::new();
    for (item, key) in items {
        match group_of.get(&key) {
            Some(&g) => *groups[g].1.get_or_insert(0) += 1,
            None => {
                group_of.insert(key, groups.len());
                groups.push((item, Some(0)));
            }
        }
    }
    groups
}

#[cfg(test)]
mod dup_tests {
    use super::dup_key;

    #[test]
    fn boilerplate_folds_whatever_its_digits_and_punctuation() {
        let a = dup_key("2022年，全镇共调解矛盾纠纷12起。");
        assert_eq!(a, dup_key("２０２３年,全镇共调解矛盾纠纷 15 起."));
        assert_eq!(a, dup_key("2022年，全镇共调解\n矛盾纠纷12起。"));
        assert_ne!(a, dup_key("2022年，全县共调解矛盾纠纷12起。"));
    }
}
