//! Where query words occur, read from the positions of the `bi` field.
//!
//! Every character of a passage's normalized text starts exactly one
//! bigram token, at its character index (see [`super::tokenizer`]), so the
//! postings of the `bi` field are a complete, exact record of the text:
//!
//! * a word of n ≥ 2 characters occurs at character `p` exactly when its
//!   i-th bigram is at position `p + i` for every i;
//! * a single character occurs wherever a bigram that starts with it is,
//!   i.e. at the positions of every term of the dictionary range it
//!   prefixes.
//!
//! [`SegmentSpans`] reads those positions for one segment and answers, for
//! one document at a time, the [`SpanSource`] questions the [`Matcher`]
//! asks: occurrences (non-overlapping, leftmost first — what `str::
//! match_indices` gives on the text), counts and presence. The matcher's
//! evaluation is shared with the text verifier, so matching, `NEAR`
//! windows, mentions and proximity are decided from the index with exactly
//! the semantics of the text, without loading or normalizing a passage.
//!
//! Documents must be visited in increasing order within a segment (the
//! order in which tantivy hands them to a collector): postings only move
//! forward.

use std::ops::Range;

use tantivy::postings::{Postings, SegmentPostings};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, SegmentReader, Term, TERMINATED};

use crate::index::tokenizer::bigrams;
use crate::query::verify::{Matcher, SpanSource};

/// The positions of one query word in one segment.
enum WordPostings {
    /// A word of two or more characters: its bigrams with their offsets.
    Grams { grams: Vec<(u32, SegmentPostings)>, len: u32 },
    /// A single character: the positions of every bigram it starts,
    /// gathered once for the segment (documents sorted, positions sorted
    /// within a document).
    Char { docs: Vec<DocId>, starts: Vec<u32>, positions: Vec<u32> },
    /// A single character when only counts are needed: its count in each
    /// document of the segment (indexed by document id).
    CharCounts(Vec<u32>),
    /// A word that cannot occur in this segment (a bigram is missing).
    Absent,
}

/// Occurrences of the words of a matcher in one segment.
pub struct SegmentSpans {
    words: Vec<(String, WordPostings)>,
    /// The document the cache is for.
    doc: DocId,
    /// Per word: its spans in `doc`, once computed.
    cache: Vec<Option<Vec<Range<usize>>>>,
    /// Scratch buffers.
    buf: Vec<u32>,
    buf2: Vec<u32>,
}

impl SegmentSpans {
    /// Opens the postings of every word of `matcher` in `segment`'s `bi`
    /// field. `positions` says whether spans will be asked for (NEAR,
    /// proximity); without it, only counts and presence are (which needs
    /// no positions for single characters and for two-character words of
    /// two different characters).
    pub fn open(
        segment: &SegmentReader,
        bi: Field,
        matcher: &Matcher,
        positions: bool,
    ) -> tantivy::Result<SegmentSpans> {
        // A NEAR needs the spans of its words whatever the caller wants.
        let positions = positions || !matcher.index_is_exact();
        let inverted = segment.inverted_index(bi)?;
        let mut words = Vec::new();
        for w in matcher.all_words() {
            let chars: Vec<char> = w.chars().collect();
            let postings = if chars.len() == 1 {
                let mut prefix = [0u8; 4];
                let prefix = chars[0].encode_utf8(&mut prefix).as_bytes().to_vec();
                let mut upper = prefix.clone();
                // The next byte string after every string with this prefix:
                // the last byte of a UTF-8 character is never 0xFF.
                *upper.last_mut().expect("a character has bytes") += 1;
                let mut stream = inverted.terms().range().ge(&prefix).lt(&upper).into_stream()?;
                let mut pairs: Vec<(DocId, u32)> = Vec::new();
                let option = if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                };
                let mut buf = Vec::new();
                // Without positions, counts are summed per document in a
                // dense table (one slot per document of the segment): the
                // postings of the many bigrams a character starts are
                // merged without sorting.
                let mut dense: Vec<u32> =
                    if positions { Vec::new() } else { vec![0; segment.max_doc() as usize] };
                while stream.advance() {
                    let mut p = inverted.read_postings_from_terminfo(stream.value(), option)?;
                    while p.doc() != TERMINATED {
                        if positions {
                            p.positions(&mut buf);
                            pairs.extend(buf.iter().map(|&pos| (p.doc(), pos)));
                        } else if let Some(slot) = dense.get_mut(p.doc() as usize) {
                            *slot += p.term_freq();
                        }
                        p.advance();
                    }
                }
                if positions {
                    pairs.sort_unstable();
                    let (docs, starts, positions) = csr(pairs.into_iter());
                    WordPostings::Char { docs, starts, positions }
                } else {
                    WordPostings::CharCounts(dense)
                }
            } else {
                let mut grams = Vec::new();
                let mut absent = false;
                for (offset, g) in bigrams(w) {
                    let term = Term::from_field_text(bi, &g);
                    match inverted.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)? {
                        Some(p) => grams.push((offset as u32, p)),
                        None => {
                            absent = true;
                            break;
                        }
                    }
                }
                if absent {
                    WordPostings::Absent
                } else {
                    WordPostings::Grams { grams, len: chars.len() as u32 }
                }
            };
            words.push((w.to_string(), postings));
        }
        let n = words.len();
        Ok(SegmentSpans {
            words,
            doc: TERMINATED,
            cache: vec![None; n],
            buf: Vec::new(),
            buf2: Vec::new(),
        })
    }

    /// Answers for `doc` from now on (documents in increasing order).
    pub fn at(&mut self, doc: DocId) -> &mut Self {
        if doc != self.doc {
            self.doc = doc;
            self.cache.iter_mut().for_each(|c| *c = None);
        }
        self
    }

    fn word_index(&self, word: &str) -> Option<usize> {
        if let [(w, _)] = self.words.as_slice() {
            // One word (the common case): no search.
            return (w == word).then_some(0);
        }
        self.words.iter().position(|(w, _)| w == word)
    }

    /// All starts of word `i` in the current document (overlapping ones
    /// included), sorted, into `self.buf`.
    fn starts(&mut self, i: usize) {
        let doc = self.doc;
        self.buf.clear();
        match &mut self.words[i].1 {
            WordPostings::Absent => {}
            WordPostings::CharCounts(_) => {}
            WordPostings::Char { docs, starts, positions } => {
                if let Ok(k) = docs.binary_search(&doc) {
                    let (a, b) = (starts[k] as usize, starts[k + 1] as usize);
                    self.buf.extend_from_slice(&positions[a..b]);
                }
            }
            WordPostings::Grams { grams, .. } => {
                for (_, p) in grams.iter_mut() {
                    if p.doc() < doc {
                        p.seek(doc);
                    }
                    if p.doc() != doc {
                        return;
                    }
                }
                let (first_offset, first) = &mut grams[0];
                first.positions(&mut self.buf);
                let first_offset = *first_offset;
                self.buf.retain(|&p| p >= first_offset);
                self.buf.iter_mut().for_each(|p| *p -= first_offset);
                for (offset, p) in grams[1..].iter_mut() {
                    if self.buf.is_empty() {
                        break;
                    }
                    p.positions(&mut self.buf2);
                    // Keep the starts s with s + offset among the positions.
                    let mut j = 0;
                    let other = &self.buf2;
                    self.buf.retain(|&s| {
                        let want = s + *offset;
                        while j < other.len() && other[j] < want {
                            j += 1;
                        }
                        j < other.len() && other[j] == want
                    });
                }
            }
        }
    }

    fn word_len(&self, i: usize) -> u32 {
        match &self.words[i].1 {
            WordPostings::Grams { len, .. } => *len,
            _ => 1,
        }
    }
}

/// (doc, position) pairs sorted by doc, then position → compressed rows.
fn csr(pairs: impl Iterator<Item = (DocId, u32)>) -> (Vec<DocId>, Vec<u32>, Vec<u32>) {
    let (mut docs, mut starts, mut positions) = (Vec::new(), Vec::new(), Vec::new());
    for (d, p) in pairs {
        if docs.last() != Some(&d) {
            docs.push(d);
            starts.push(positions.len() as u32);
        }
        positions.push(p);
    }
    starts.push(positions.len() as u32);
    (docs, starts, positions)
}

/// Non-overlapping spans, leftmost first, from all starts of a word.
fn greedy(starts: &[u32], len: u32) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for &s in starts {
        if out.last().is_none_or(|l| s as usize >= l.end) {
            out.push(s as usize..(s + len) as usize);
        }
    }
    out
}

impl SpanSource for SegmentSpans {
    fn spans(&mut self, word: &str) -> Vec<Range<usize>> {
        let Some(i) = self.word_index(word) else { return Vec::new() };
        if let Some(c) = &self.cache[i] {
            return c.clone();
        }
        self.starts(i);
        let spans = greedy(&self.buf, self.word_len(i));
        self.cache[i] = Some(spans.clone());
        spans
    }

    fn count(&mut self, word: &str) -> usize {
        let Some(i) = self.word_index(word) else { return 0 };
        if let Some(c) = &self.cache[i] {
            return c.len();
        }
        let doc = self.doc;
        let (w, postings) = &mut self.words[i];
        match postings {
            WordPostings::Absent => 0,
            WordPostings::CharCounts(per_doc) => {
                per_doc.get(doc as usize).map_or(0, |&n| n as usize)
            }
            WordPostings::Grams { grams, .. } if grams.len() == 1 && !self_overlapping(w) => {
                // Two different characters cannot overlap themselves: the
                // term frequency is the count.
                let p = &mut grams[0].1;
                if p.doc() < doc {
                    p.seek(doc);
                }
                if p.doc() == doc {
                    p.term_freq() as usize
                } else {
                    0
                }
            }
            _ => self.spans(word).len(),
        }
    }
}

/// Whether a word can overlap itself (`哈哈` in `哈哈哈`): it has a proper
/// prefix that is also a suffix.
fn self_overlapping(word: &str) -> bool {
    // Two characters overlap themselves only when equal (`哈哈`): the
    // common case needs no allocation.
    let mut it = word.chars();
    if let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) {
        return a == b;
    }
    let chars: Vec<char> = word.chars().collect();
    (1..chars.len()).any(|k| chars[..k] == chars[chars.len() - k..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::verify::TextSpans;
    use proptest::prelude::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::AllQuery;
    use tantivy::schema::{Schema, TextFieldIndexing, TextOptions};
    use tantivy::{Index, TantivyDocument};

    use crate::index::tokenizer::{BigramTokenizer, BIGRAM};

    fn index_of(texts: &[String]) -> (Index, Field) {
        let mut b = Schema::builder();
        let bi = b.add_text_field(
            "bi",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(BIGRAM)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register(BIGRAM, BigramTokenizer::default());
        let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for t in texts {
            let mut d = TantivyDocument::default();
            d.add_text(bi, t);
            w.add_document(d).unwrap();
        }
        w.commit().unwrap();
        (index, bi)
    }

    fn w(s: &str) -> Matcher {
        Matcher::Word(s.to_string())
    }

    /// For every document, the index answers what the text answers.
    fn check(texts: &[String], matcher: &Matcher) {
        let (index, bi) = index_of(texts);
        let searcher = index.reader().unwrap().searcher();
        let mut docs: Vec<_> =
            searcher.search(&AllQuery, &DocSetCollector).unwrap().into_iter().collect();
        docs.sort();
        for positions in [false, true] {
            let seg = searcher.segment_reader(0);
            let mut spans = SegmentSpans::open(seg, bi, matcher, positions).unwrap();
            for addr in &docs {
                let text = &texts[addr.doc_id as usize];
                let src = spans.at(addr.doc_id);
                let mut t = TextSpans::new(text);
                assert_eq!(matcher.matches_in(src), matcher.matches_in(&mut t), "{text:?}");
                assert_eq!(matcher.mentions_in(src), matcher.mentions_in(&mut t), "{text:?}");
                if positions {
                    assert_eq!(matcher.min_gap_in(src), matcher.min_gap_in(&mut t), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn words_nears_and_counts() {
        let texts: Vec<String> = [
            "坚持发展新时代枫桥经验,枫桥经验",
            "哈哈哈哈哈",
            "法律顾问制度健全,普法宣传全覆盖",
            "镇村两级,镇政府",
            "",
            "aaaa",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for m in [
            w("枫桥经验"),
            w("桥经"),
            w("哈哈"),
            w("哈哈哈"),
            w("镇"),
            w("a"),
            w("aa"),
            Matcher::Near {
                left: Box::new(w("法律顾问")),
                right: Box::new(w("全覆盖")),
                distance: 9,
            },
            Matcher::Near { left: Box::new(w("镇")), right: Box::new(w("村")), distance: 1 },
            Matcher::And(vec![w("镇"), Matcher::Not(Box::new(w("政府")))]),
            Matcher::Or(vec![w("经验"), w("哈")]),
        ] {
            check(&texts, &m);
        }
    }

    #[test]
    fn self_overlap() {
        assert!(self_overlapping("哈哈"));
        assert!(self_overlapping("abab"));
        assert!(!self_overlapping("ab"));
        assert!(!self_overlapping("枫桥经验"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random texts over a small alphabet (so that words occur, overlap
        /// and sit near each other) and random queries: the index's answers
        /// equal the text's.
        #[test]
        fn index_equals_text(
            texts in prop::collection::vec("[镇村ab,]{0,40}", 1..12),
            w1 in "[镇村ab]{1,3}",
            w2 in "[镇村ab]{1,3}",
            d in 0u32..6,
        ) {
            let near = Matcher::Near { left: Box::new(w(&w1)), right: Box::new(w(&w2)), distance: d };
            for m in [w(&w1), Matcher::And(vec![w(&w1), w(&w2)]), near.clone(),
                      Matcher::And(vec![near, w(&w1)]),
                      Matcher::Or(vec![w(&w1), Matcher::Not(Box::new(w(&w2)))])] {
                check(&texts, &m);
            }
        }
    }
}
