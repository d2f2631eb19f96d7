//! The one place where values become SQL text.
//!
//! Every literal in a statement baogao sends goes through [`quote`] (or is
//! a number formatted by Rust); identifiers are ours and checked by
//! [`ident`]. Data for inserts never enters a statement: it travels as
//! JSON in the request body ([`super::http::Client::insert_json`]).

/// A ClickHouse string literal: `'…'` with `\` and `'` escaped, and every
/// control character (and DEL) written as `\xHH`, so that the literal is
/// one line of printable text whatever the value holds.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A list of string literals: `['a', 'b']`.
pub fn array(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "))
}

/// An identifier of ours (table, database, cluster name), written as it
/// is after checking it holds only `[A-Za-z0-9_]` and does not start
/// with a digit.
///
/// # Panics
/// On anything else: identifiers come from our code or from a
/// [`super::Location`], which checks them when parsed.
pub fn ident(s: &str) -> &str {
    assert!(is_ident(s), "not a plain identifier: {s:?}");
    s
}

/// Whether `s` is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads a literal back as ClickHouse's lexer does (the escapes
    /// [`quote`] writes).
    fn unquote(lit: &str) -> Option<String> {
        let inner = lit.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => return None, // an unescaped quote ends the literal early
                '\\' => match chars.next()? {
                    'x' => {
                        let h: String = chars.by_ref().take(2).collect();
                        out.push(char::from(u8::from_str_radix(&h, 16).ok()?));
                    }
                    c @ ('\\' | '\'') => out.push(c),
                    _ => return None,
                },
                c => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn quoting_escapes_what_it_must() {
        assert_eq!(quote("枫桥经验"), "'枫桥经验'");
        assert_eq!(quote("a'b"), r"'a\'b'");
        assert_eq!(quote(r"a\'"), r"'a\\\''");
        assert_eq!(quote("a\nb\u{0}"), r"'a\x0Ab\x00'");
        assert_eq!(array(&["a", "'"]), r"['a', '\'']");
        assert!(is_ident("passages_local") && !is_ident("a b") && !is_ident("1a"));
    }

    proptest! {
        #[test]
        fn quoting_round_trips(s in any::<String>()) {
            let lit = quote(&s);
            prop_assert_eq!(unquote(&lit), Some(s));
            prop_assert!(!lit.chars().any(|c| c.is_control()));
        }

        #[test]
        fn quoting_round_trips_on_hostile_text(s in "[\\\\'\"`;\\x00-\\x1f枫a-z ]{0,40}") {
            prop_assert_eq!(unquote(&quote(&s)), Some(s));
        }
    }
}
