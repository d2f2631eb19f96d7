//! From a [`Matcher`] and filters to a tantivy query.
//!
//! Matching uses the bigram field (`bi`, see
//! [`crate::index::tokenizer`]), which answer substring questions exactly;
//! ranking adds BM25 over the jieba `words` field as optional clauses, plus
//! a small share of the character-field score as a tie-breaker for words
//! jieba never produces on its own (`镇` inside `有庆镇`).

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::verify::Matcher;
use crate::corpus::SectionKind;
use crate::index::schema::{Fields, KIND_PASSAGE};
use crate::index::tokenizer::bigrams;
use crate::text::segment;

/// Weight of the character-field score relative to BM25 over words.
const GRAM_WEIGHT: f32 = 0.2;

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

/// Restrictions that do not come from the query words.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only passages of these reports (`None`: all reports).
    pub reports: Option<Vec<String>>,
    /// Only passages in sections of one of these kinds (empty: all).
    pub sections: Vec<SectionKind>,
}

/// The full search query: passages only, matching `m` (all passages when
/// `None`), within the scope, scored by BM25 over `ranking` (the words of
/// the positive query words, see [`ranking_words`]; empty for unranked
/// uses) plus a share of the character score.
pub fn search_query(
    fields: &Fields,
    m: Option<&Matcher>,
    scope: &Scope,
    ranking: &[String],
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(fields.kind, KIND_PASSAGE),
                IndexRecordOption::Basic,
            )),
            0.0,
        )),
    )];
    if let Some(reports) = &scope.reports {
        let terms = reports.iter().map(|id| Term::from_field_text(fields.report, id));
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(TermSetQuery::new(terms)), 0.0)),
        ));
    }
    if !scope.sections.is_empty() {
        let terms =
            scope.sections.iter().map(|k| Term::from_field_text(fields.section, k.as_str()));
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(TermSetQuery::new(terms)), 0.0)),
        ));
    }
    if let Some(m) = m {
        clauses.push((Occur::Must, Box::new(BoostQuery::new(match_query(fields, m), GRAM_WEIGHT))));
        for word in ranking {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.words, word),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The jieba words that rank the passages matching `m`: the distinct words
/// of its positive query words. A query word that jieba produced somewhere
/// in the corpus (a term of the `words` field: `枫桥经验`, `法律顾问`, `镇`)
/// is its own word, as jieba segments a dictionary word on its own; only
/// other query words (`法律顾问全覆盖`, `桥经`) are segmented, which is
/// when jieba's dictionary is loaded (~0.1 s, most of a one-shot search).
pub fn ranking_words(fields: &Fields, searcher: &tantivy::Searcher, m: &Matcher) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in m.positive_words() {
        let known = segment::is_word(w)
            && searcher.doc_freq(&Term::from_field_text(fields.words, w)).is_ok_and(|n| n > 0);
        let words = if known { vec![w] } else { segment::words(w) };
        for word in words {
            if !out.iter().any(|o| o == word) {
                out.push(word.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexReader;

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
        // Anything else is segmented.
        assert_eq!(words("法律顾问全覆盖"), segment::words("法律顾问全覆盖"));
        assert!(words("法律顾问全覆盖").len() >= 2);
        assert_eq!(words("桥经"), segment::words("桥经"));
    }
}
