//! Character tokenizers for exact matching.
//!
//! The `uni` field holds every character of a passage's normalized text,
//! the `bi` field every pair of adjacent characters, with the position of
//! its first character. A query word of one character is a term of `uni`,
//! of two characters a term of `bi`, and of n ≥ 3 characters a phrase of
//! its n−1 overlapping bigrams at consecutive positions — which holds
//! exactly when the word is a substring of the passage. So the index
//! answers "does the passage contain this word" exactly, whatever jieba
//! does with the context (`桥经` inside `枫桥经验`).
//!
//! Both tokenizers expect text that is already normalized
//! ([`crate::text::normalize`]): they neither fold nor skip anything except
//! that `uni` leaves out the collapsed spaces (no query is a lone space).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`UnigramTokenizer`] is registered.
pub const UNIGRAM: &str = "baogao_uni";
/// Name under which [`BigramTokenizer`] is registered.
pub const BIGRAM: &str = "baogao_bi";

/// One token per character (spaces excepted); position = character index.
#[derive(Clone, Default)]
pub struct UnigramTokenizer {
    token: Token,
}

/// One token per pair of adjacent characters; position = character index
/// of the first.
#[derive(Clone, Default)]
pub struct BigramTokenizer {
    token: Token,
}

/// The token stream of both tokenizers: walks the characters once.
pub struct CharGramStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to start a token at.
    byte: usize,
    /// Character index of that character.
    pos: usize,
    /// 1 for unigrams, 2 for bigrams.
    width: usize,
    token: &'a mut Token,
}

impl Tokenizer for UnigramTokenizer {
    type TokenStream<'a> = CharGramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharGramStream<'a> {
        self.token.reset();
        CharGramStream { text, byte: 0, pos: 0, width: 1, token: &mut self.token }
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = CharGramStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharGramStream<'a> {
        self.token.reset();
        CharGramStream { text, byte: 0, pos: 0, width: 2, token: &mut self.token }
    }
}

impl TokenStream for CharGramStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let rest = &self.text[self.byte..];
            let mut chars = rest.chars();
            let Some(first) = chars.next() else { return false };
            let start = self.byte;
            let pos = self.pos;
            self.byte += first.len_utf8();
            self.pos += 1;
            let end = if self.width == 1 {
                if first == ' ' {
                    continue;
                }
                self.byte
            } else {
                let Some(second) = chars.next() else { return false };
                self.byte + second.len_utf8()
            };
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.position = pos;
            self.token.position_length = 1;
            self.token.text.clear();
            self.token.text.push_str(&self.text[start..end]);
            return true;
        }
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
    fn unigrams_skip_spaces_and_keep_positions() {
        let t = tokens(UnigramTokenizer::default(), "镇a b");
        assert_eq!(t, vec![("镇".into(), 0, 0, 3), ("a".into(), 1, 3, 4), ("b".into(), 3, 5, 6)]);
    }

    #[test]
    fn bigrams_overlap() {
        let t = tokens(BigramTokenizer::default(), "枫桥经验");
        let texts: Vec<_> = t.iter().map(|t| (t.0.as_str(), t.1)).collect();
        assert_eq!(texts, vec![("枫桥", 0), ("桥经", 1), ("经验", 2)]);
        assert!(tokens(BigramTokenizer::default(), "镇").is_empty());
        assert_eq!(bigrams("枫桥经"), vec![(0, "枫桥".into()), (1, "桥经".into())]);
    }
}
