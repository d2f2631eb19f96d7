//! Tokenizers: character bigrams for exact matching, jieba words for
//! ranking.
//!
//! The `bi` field holds every pair of adjacent characters of a passage's
//! normalized text, with the position of its first character; the last
//! character is paired with [`END`], so that *every* character starts
//! exactly one bigram. Then:
//!
//! * a query word of n ≥ 3 characters is a phrase of its n−1 overlapping
//!   bigrams at consecutive positions — which holds exactly when the word
//!   is a substring of the passage, whatever jieba does with the context
//!   (`桥经` inside `枫桥经验`);
//! * a word of two characters is one term;
//! * a single character is any term that starts with it (a prefix query
//!   on the term dictionary).
//!
//! We used to index every character in a `uni` field as well; the sentinel
//! makes it unnecessary and saves about a third of the indexing work.
//!
//! The tokenizers expect text that is already normalized
//! ([`crate::text::normalize()`]).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::segment;

/// Name under which [`BigramTokenizer`] is registered.
pub const BIGRAM: &str = "baogao_bi";
/// Pairs with the last character of a text (U+0003, END OF TEXT: a
/// control character that normalized report text never contains).
pub const END: char = '\u{3}';
/// Name under which [`JiebaTokenizer`] is registered.
pub const JIEBA: &str = "baogao_jieba";
/// Name under which the [`JiebaTokenizer`] for heading paths is
/// registered: it remembers the segmentation of the last text, since
/// every passage under a heading repeats the same path.
pub const JIEBA_HEADINGS: &str = "baogao_jieba_headings";

/// jieba words of already-normalized text in search mode, for BM25
/// ranking: for a passage's text the words of
/// [`crate::text::segment::text_words_with_byte_offsets`] (no words of two
/// characters: ranking reads those from the `bi` field), for a heading
/// path all of [`crate::text::segment::search_words_with_byte_offsets`].
/// Runs on tantivy's indexing threads; one reused token buffer, no
/// allocation per word.
#[derive(Clone, Default)]
pub struct JiebaTokenizer {
    offsets: Vec<(usize, usize)>,
    token: Token,
    /// With `Some`, the last text segmented: the same text again reuses
    /// `offsets` (heading paths repeat from passage to passage).
    last: Option<String>,
    /// Whether words of two characters are tokens (heading paths) or not
    /// (passage text).
    pairs: bool,
}

impl JiebaTokenizer {
    /// The tokenizer of a passage's text (the `words` field).
    pub fn text() -> JiebaTokenizer {
        JiebaTokenizer::default()
    }

    /// The tokenizer of heading paths (the `hwords` field): every word,
    /// and the segmentation reused when it is given the same text twice in
    /// a row.
    pub fn remembering() -> JiebaTokenizer {
        JiebaTokenizer { last: Some(String::new()), pairs: true, ..JiebaTokenizer::default() }
    }

    fn segment(&self, text: &str) -> Vec<(usize, usize)> {
        if self.pairs {
            segment::search_words_with_byte_offsets(text)
        } else {
            segment::text_words_with_byte_offsets(text)
        }
    }
}

/// The token stream of [`JiebaTokenizer`]: the words, segmented up front.
pub struct JiebaStream<'a> {
    text: &'a str,
    offsets: &'a [(usize, usize)],
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream<'a> {
        match &self.last {
            Some(last) if last == text => {}
            Some(_) => {
                self.offsets = self.segment(text);
                let last = self.last.as_mut().expect("matched Some");
                last.clear();
                last.push_str(text);
            }
            None => self.offsets = self.segment(text),
        }
        self.token.reset();
        JiebaStream { text, offsets: &self.offsets, next: 0, token: &mut self.token }
    }
}

impl TokenStream for JiebaStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(&(from, to)) = self.offsets.get(self.next) else { return false };
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.next;
        self.token.position_length = 1;
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// One token per pair of adjacent characters, the last character paired
/// with [`END`]; position = character index of the first.
#[derive(Clone, Default)]
pub struct BigramTokenizer {
    token: Token,
}

/// The token stream of [`BigramTokenizer`]: walks the characters once.
pub struct CharGramStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to start a token at.
    byte: usize,
    /// Character index of that character.
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = CharGramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharGramStream<'a> {
        self.token.reset();
        CharGramStream { text, byte: 0, pos: 0, token: &mut self.token }
    }
}

impl TokenStream for CharGramStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.byte..];
        let mut chars = rest.chars();
        let Some(first) = chars.next() else { return false };
        let start = self.byte;
        self.byte += first.len_utf8();
        self.token.offset_from = start;
        self.token.position = self.pos;
        self.token.position_length = 1;
        self.token.text.clear();
        self.token.text.push(first);
        match chars.next() {
            Some(second) => {
                self.token.text.push(second);
                self.token.offset_to = self.byte + second.len_utf8();
            }
            None => {
                self.token.text.push(END);
                self.token.offset_to = self.byte;
            }
        }
        self.pos += 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The terms a query word becomes in the `bi` field: its overlapping
/// bigrams with their offsets (empty for words shorter than two chars).
pub fn bigrams(word: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = word.chars().collect();
    chars.windows(2).enumerate().map(|(i, w)| (i, w.iter().collect())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens<T: Tokenizer>(mut t: T, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut s = t.token_stream(text);
        while s.advance() {
            let tok = s.token();
            out.push((tok.text.clone(), tok.position, tok.offset_from, tok.offset_to));
        }
        out
    }

    #[test]
    fn jieba_tokens_are_words_with_byte_offsets() {
        let t = tokens(JiebaTokenizer::text(), "实现法律顾问全覆盖。");
        let words: Vec<_> = t.iter().map(|t| t.0.as_str()).collect();
        assert!(words.contains(&"法律顾问"), "{words:?}");
        assert!(!words.contains(&"。"));
        // Two-character words are the bi field's business in passage
        // text, but heading paths keep them.
        assert!(!words.iter().any(|w| w.chars().count() == 2), "{words:?}");
        let h = tokens(JiebaTokenizer::remembering(), "实现法律顾问全覆盖。");
        let hwords: Vec<_> = h.iter().map(|t| t.0.as_str()).collect();
        assert!(hwords.contains(&"实现") && hwords.contains(&"顾问"), "{hwords:?}");
        for (i, (text, pos, from, to)) in t.iter().enumerate() {
            assert_eq!(*pos, i);
            assert_eq!(&"实现法律顾问全覆盖。"[*from..*to], text);
        }
    }

    #[test]
    fn bigrams_overlap() {
        let t = tokens(BigramTokenizer::default(), "枫桥经验");
        let texts: Vec<_> = t.iter().map(|t| (t.0.as_str(), t.1)).collect();
        assert_eq!(texts, vec![("枫桥", 0), ("桥经", 1), ("经验", 2), ("验\u{3}", 3)]);
        let one = tokens(BigramTokenizer::default(), "镇");
        assert_eq!(one, vec![("镇\u{3}".into(), 0, 0, 3)]);
        assert_eq!(bigrams("枫桥经"), vec![(0, "枫桥".into()), (1, "桥经".into())]);
    }
}
