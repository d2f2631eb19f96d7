//! From a [`Matcher`] and filters to a tantivy query.
//!
//! Matching uses the bigram field (`bi`, see
//! [`crate::index::tokenizer`]), which answer substring questions exactly;
//! ranking adds BM25 over the jieba `words` field as optional clauses, plus
//! a small share of the character-field score as a tie-breaker for words
//! jieba never produces on its own (`镇` inside `有庆镇`).

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::verify::Matcher;
use super::Filters;
use crate::corpus::Level;
use crate::index::schema::{
    level_code, Fields, CHAIN_SEP, KIND_PASSAGE, KIND_REPORT, PLACE_LEVELS,
};
use crate::index::tokenizer::bigrams;
use crate::text::segment;

/// The candidate query for a matcher: exact for words, AND, OR and NOT;
/// for NEAR, both sides (the verifier checks the distance); always a
/// superset of the matching passages.
pub fn match_query(fields: &Fields, m: &Matcher) -> Box<dyn Query> {
    match m {
        Matcher::Word(w) => word_query(fields, w),
        Matcher::And(xs) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for x in xs {
                match x {
                    // Excluding a superset would lose passages: an inexact
                    // `NOT` (of a `NEAR`) is left to the verifier.
                    Matcher::Not(inner) if !inner.index_is_exact() => {}
                    Matcher::Not(inner) => {
                        clauses.push((Occur::MustNot, match_query(fields, inner)))
                    }
                    _ => clauses.push((Occur::Must, match_query(fields, x))),
                }
            }
            if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Matcher::Or(xs) => Box::new(BooleanQuery::new(
            xs.iter().map(|x| (Occur::Should, match_query(fields, x))).collect(),
        )),
        Matcher::Not(x) if !x.index_is_exact() => Box::new(AllQuery),
        Matcher::Not(x) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, match_query(fields, x)),
        ])),
        Matcher::Near { left, right, .. } => Box::new(BooleanQuery::new(vec![
            (Occur::Must, match_query(fields, left)),
            (Occur::Must, match_query(fields, right)),
        ])),
    }
}

/// A normalized word as a query on the character fields.
fn word_query(fields: &Fields, w: &str) -> Box<dyn Query> {
    let n = w.chars().count();
    if n == 1 {
        // Every character starts one bigram (the last one pairs with END).
        let pattern = format!("{}.", regex::escape(w));
        Box::new(
            RegexQuery::from_pattern(&pattern, fields.bi)
                .expect("an escaped character is a valid pattern"),
        )
    } else if n == 2 {
        Box::new(TermQuery::new(Term::from_field_text(fields.bi, w), IndexRecordOption::WithFreqs))
    } else {
        let terms = bigrams(w)
            .into_iter()
            .map(|(offset, g)| (offset, Term::from_field_text(fields.bi, &g)))
            .collect();
        Box::new(PhraseQuery::new_with_offset(terms))
    }
}

/// Which documents a query is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// Passages (search, count, kwic).
    Passage,
    /// Report records (the `reports` listing, group sizes).
    Report,
}

/// The filters as index clauses, all scored 0: the document kind, years,
/// levels, places (a prefix of the last link of the place chain at a
/// level, or at any level for `place:`) and, for passages, section kinds.
/// Nothing is decided on report records in memory.
pub fn filter_clauses(fields: &Fields, filters: &Filters, kind: DocKind) -> Vec<Box<dyn Query>> {
    let mut out: Vec<Box<dyn Query>> = vec![Box::new(TermQuery::new(
        Term::from_field_text(
            fields.kind,
            match kind {
                DocKind::Passage => KIND_PASSAGE,
                DocKind::Report => KIND_REPORT,
            },
        ),
        IndexRecordOption::Basic,
    ))];
    if !filters.years.is_empty() {
        let bound = |y: Option<i32>, f: fn(Term) -> Bound<Term>| {
            y.map_or(Bound::Unbounded, |y| f(Term::from_field_i64(fields.year, i64::from(y))))
        };
        out.push(any_of(
            filters
                .years
                .iter()
                .map(|r| {
                    Box::new(RangeQuery::new(
                        bound(r.from, Bound::Included),
                        bound(r.to, Bound::Included),
                    )) as Box<dyn Query>
                })
                .collect(),
        ));
    }
    if !filters.level.is_empty() {
        let terms =
            filters.level.iter().map(|l| Term::from_field_u64(fields.level, level_code(*l)));
        out.push(Box::new(TermSetQuery::new(terms)));
    }
    for (level, values) in [
        (Level::Province, &filters.province),
        (Level::City, &filters.city),
        (Level::County, &filters.county),
        (Level::Township, &filters.township),
    ] {
        if values.is_empty() {
            continue;
        }
        let field = fields.place(level).expect("a place level");
        out.push(any_of(values.iter().map(|v| place_query(field, v)).collect()));
    }
    if !filters.place.is_empty() {
        out.push(any_of(
            filters
                .place
                .iter()
                .flat_map(|v| {
                    PLACE_LEVELS.iter().filter_map(|l| fields.place(*l)).map(|f| place_query(f, v))
                })
                .collect(),
        ));
    }
    if kind == DocKind::Passage && !filters.section.is_empty() {
        let terms =
            filters.section.iter().map(|k| Term::from_field_text(fields.section, k.as_str()));
        out.push(Box::new(TermSetQuery::new(terms)));
    }
    out.into_iter().map(|q| Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>).collect()
}

/// Documents of `kind` that pass `filters` (no query words).
pub fn filter_query(fields: &Fields, filters: &Filters, kind: DocKind) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        filter_clauses(fields, filters, kind).into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// Places whose own name (the last link of the chain in `field`) starts
/// with `prefix`.
fn place_query(field: tantivy::schema::Field, prefix: &str) -> Box<dyn Query> {
    let sep = regex::escape(&CHAIN_SEP.to_string());
    let pattern = format!("(.*{sep})?{}[^{sep}]*", regex::escape(prefix));
    match RegexQuery::from_pattern(&pattern, field) {
        Ok(q) => Box::new(q),
        // An escaped literal is always a valid pattern; should the regex
        // engine still refuse it, nothing matches rather than everything.
        Err(_) => Box::new(BooleanQuery::new(Vec::new())),
    }
}

/// One of several queries (the query itself when there is one).
fn any_of(mut qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if qs.len() == 1 {
        return qs.pop().expect("one query");
    }
    Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// The full search query: passages passing `filters` and matching `m` (all
/// passages when `None`), every clause scored 0 — ranking is computed by
/// the collector ([`crate::rank`]), not by tantivy's scorer.
pub fn search_query(fields: &Fields, m: Option<&Matcher>, filters: &Filters) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        filter_clauses(fields, filters, DocKind::Passage)
            .into_iter()
            .map(|q| (Occur::Must, q))
            .collect();
    if let Some(m) = m {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(match_query(fields, m), 0.0))));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The distinct bigrams of the positive words of `m` (a two-character
/// word is its own bigram; single characters have none), for BM25 over
/// bigrams.
pub fn ranking_bigrams(m: &Matcher) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in m.positive_words() {
        for (_, g) in bigrams(w) {
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// The jieba words that rank the passages matching `m`: the distinct words
/// of its positive query words. A query word that is a term of the
/// `words` field (`枫桥经验`, `法律顾问`, `镇`) is its own word; any other
/// (`矛盾纠纷化解`, `法律顾问全覆盖`) is cut into the fewest terms of the
/// index's own vocabulary that cover it ([`segment_by_vocabulary`]). The
/// vocabulary *is* jieba's segmentation of the corpus (in search mode, so
/// it holds the parts of long words too), so this cuts the query as jieba
/// cut the text, without loading jieba's dictionary (~0.1 s, most of a
/// one-shot search) at query time.
pub fn ranking_words(fields: &Fields, searcher: &tantivy::Searcher, m: &Matcher) -> Vec<String> {
    let known = |w: &str| {
        known_word(w, || {
            searcher.doc_freq(&Term::from_field_text(fields.words, w)).is_ok_and(|n| n > 0)
        })
    };
    let mut out: Vec<String> = Vec::new();
    for w in m.positive_words() {
        for word in segment_by_vocabulary(w, &known) {
            if !out.iter().any(|o| *o == word) {
                out.push(word.to_string());
            }
        }
    }
    out
}

/// Whether a piece of a query word is a ranking word, for
/// [`segment_by_vocabulary`]: a piece of two characters when it is a jieba
/// word ([`segment::is_dictionary_pair`]; the `words` field does not hold
/// them), any other when `in_words` — it is a term of the index's `words`
/// field. Shared by every backend.
pub fn known_word(w: &str, in_words: impl FnOnce() -> bool) -> bool {
    segment::is_word(w)
        && if segment::in_words_field(w) { in_words() } else { segment::is_dictionary_pair(w) }
}

/// Cuts `word` into the fewest pieces that `known` accepts, leaving out
/// characters no known piece covers (punctuation, or characters the corpus
/// never has as a word). Pieces are at most [`MAX_PIECE`] characters long.
pub fn segment_by_vocabulary<'w>(word: &'w str, known: &dyn Fn(&str) -> bool) -> Vec<&'w str> {
    if known(word) {
        return vec![word];
    }
    let mut bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
    let n = bounds.len();
    bounds.push(word.len());
    // best[i] = (cost, previous boundary, piece known) of the best cut of
    // the first i characters; an unknown character costs more than any
    // known piece, so known pieces cover as much as they can.
    const SKIP: u32 = 1000;
    let mut best: Vec<(u32, usize, bool)> = vec![(u32::MAX, 0, false); n + 1];
    best[0] = (0, 0, false);
    for i in 1..=n {
        let skip = best[i - 1].0.saturating_add(SKIP);
        if skip < best[i].0 {
            best[i] = (skip, i - 1, false);
        }
        for j in i.saturating_sub(MAX_PIECE)..i {
            if best[j].0 == u32::MAX {
                continue;
            }
            let cost = best[j].0 + 1;
            if cost < best[i].0 && known(&word[bounds[j]..bounds[i]]) {
                best[i] = (cost, j, true);
            }
        }
    }
    let mut pieces = Vec::new();
    let mut i = n;
    while i > 0 {
        let (_, j, is_known) = best[i];
        if is_known {
            pieces.push(&word[bounds[j]..bounds[i]]);
        }
        i = j;
    }
    pieces.reverse();
    pieces
}

/// The longest piece [`segment_by_vocabulary`] tries.
const MAX_PIECE: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexReader;

    #[test]
    fn vocabulary_cuts_use_the_fewest_known_pieces() {
        let vocab = ["法律", "顾问", "法律顾问", "全覆盖", "覆盖", "全"];
        let known = |w: &str| vocab.contains(&w);
        assert_eq!(segment_by_vocabulary("法律顾问全覆盖", &known), ["法律顾问", "全覆盖"]);
        assert_eq!(segment_by_vocabulary("法律顾问", &known), ["法律顾问"]);
        assert_eq!(segment_by_vocabulary("x法律y", &known), ["法律"]);
        assert!(segment_by_vocabulary("xyz", &known).is_empty());
        assert!(segment_by_vocabulary("", &known).is_empty());
    }

    #[test]
    fn ranking_words_are_known_terms_or_jieba_words() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        std::fs::write(
            corpus.join("a.txt"),
            "有庆镇关于2023年法治政府建设情况的报告\n\n坚持新时代枫桥经验，实现法律顾问全覆盖。\n",
        )
        .unwrap();
        let index = dir.path().join("index");
        crate::index::build::build_at(&corpus, &index).unwrap();
        let reader = IndexReader::open(&index).unwrap();
        let words = |q: &str| {
            ranking_words(&reader.fields, &reader.searcher, &Matcher::Word(q.to_string()))
        };
        // Words jieba produced in the corpus rank as themselves, which is
        // what segmenting them alone gives too.
        for q in ["枫桥经验", "法律顾问", "镇"] {
            assert_eq!(words(q), [q]);
            assert_eq!(words(q), segment::words(q));
        }
        // Anything else is cut into terms of the index, as jieba cut it.
        assert_eq!(words("法律顾问全覆盖"), segment::words("法律顾问全覆盖"));
        assert_eq!(words("法律顾问全覆盖").len(), 3);
        assert_eq!(words("新时代枫桥经验法律顾问"), segment::words("新时代枫桥经验法律顾问"));
        // Characters the corpus never has as words are left out.
        assert!(words("桥经").iter().all(|w| w.chars().count() == 1));
    }
}
