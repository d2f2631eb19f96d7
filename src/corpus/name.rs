//! File names as strings, without losing a byte.
//!
//! A report's identity is its path relative to the corpus (SPEC §1: the id
//! is derived from it), and the index stores it as a string. On Unix a
//! file name is any sequence of bytes; archives made on Windows often hold
//! GBK-encoded names, which are not UTF-8. Converting them lossily (every
//! bad byte becomes `�`) made different files the same report: two names
//! that differ only in their non-UTF-8 bytes collapsed into one, and
//! `index` said "updated" forever (issue #9).
//!
//! [`encode`] is lossless and keeps ordinary names as they are:
//!
//! - a name that is valid UTF-8 and has no `�` (U+FFFD) is itself;
//! - otherwise every byte that is not part of valid UTF-8 is written `�`
//!   followed by its value in two upper-case hex digits (`0xB1` → `�B1`),
//!   and a `�` that the name really contains is written twice (`��`).
//!
//! So every `�` in an encoded string starts an escape, [`decode_bytes`] inverts
//! [`encode`], and two different names never give the same string. The
//! encoded form is also how such a name is shown: lossy like `�`, with the
//! byte values as a clue to the original encoding. On platforms whose file
//! names are not bytes (Windows), names are converted lossily.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

const ESCAPE: char = '\u{FFFD}';

/// The lossless string of a file name or path (see the module docs).
pub fn encode(name: &OsStr) -> Cow<'_, str> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        encode_bytes(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy()
    }
}

/// [`encode`] on bytes.
pub fn encode_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.contains(ESCAPE) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            out.push(c);
            if c == ESCAPE {
                out.push(ESCAPE);
            }
        }
        for b in chunk.invalid() {
            out.push(ESCAPE);
            out.push_str(&format!("{b:02X}"));
        }
    }
    Cow::Owned(out)
}

/// The bytes of an encoded name: the inverse of [`encode_bytes`]. A
/// malformed escape (which [`encode_bytes`] never writes) is kept as text.
pub fn decode_bytes(s: &str) -> Vec<u8> {
    if !s.contains(ESCAPE) {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        if c != ESCAPE {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        if chars.peek() == Some(&ESCAPE) {
            chars.next();
            out.extend_from_slice(ESCAPE.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let hex: String = chars.clone().take(2).collect();
        let is_hex = hex.len() == 2 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
        match is_hex.then(|| u8::from_str_radix(&hex, 16).ok()).flatten() {
            Some(b) => {
                out.push(b);
                chars.nth(1);
            }
            None => out.extend_from_slice(ESCAPE.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out
}

/// The path of an encoded string ([`encode_path`]'s inverse).
pub fn decode_path(s: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(OsString::from_vec(decode_bytes(s)))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(s)
    }
}

/// A whole path as a lossless string (for the corpus folder an index
/// remembers).
pub fn encode_path(path: &Path) -> String {
    encode(path.as_os_str()).into_owned()
}

/// A relative path as a `/`-separated lossless string: each component
/// encoded.
pub fn rel_string(rel: &Path) -> String {
    rel.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .map(|c| encode(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_names_are_themselves() {
        assert_eq!(encode_bytes("有庆镇/2024年报告.txt".as_bytes()), "有庆镇/2024年报告.txt");
        assert!(matches!(encode_bytes(b"a.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn gbk_names_stay_distinct() {
        // 报告 in GBK is B1 A8 B8 E6; 宝 is B1 A6.
        let a = encode_bytes(b"\xB1\xA8\xB8\xE6.txt");
        let b = encode_bytes(b"\xB1\xA6\xB8\xE6.txt");
        assert_eq!(a, "\u{FFFD}B1\u{FFFD}A8\u{FFFD}B8\u{FFFD}E6.txt");
        assert_ne!(a, b);
        // Lossy conversion made them equal: the bug of issue #9.
        assert_eq!(
            String::from_utf8_lossy(b"\xB1\xA8\xB8\xE6"),
            String::from_utf8_lossy(b"\xB1\xA6\xB8\xE6")
        );
        assert_eq!(decode_bytes(&a), b"\xB1\xA8\xB8\xE6.txt");
        // A real U+FFFD in a name is doubled, so it cannot pose as a byte.
        let real = encode_bytes("\u{FFFD}B1.txt".as_bytes());
        assert_eq!(real, "\u{FFFD}\u{FFFD}B1.txt");
        assert_ne!(real, encode_bytes(b"\xB1.txt"));
        assert_eq!(decode_bytes(&real), "\u{FFFD}B1.txt".as_bytes());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::fuzz_cases(512)))]

        /// Lossless and injective: decode(encode(x)) == x for any bytes.
        #[test]
        fn round_trip(bytes in prop::collection::vec(prop_oneof![
            any::<u8>(),
            Just(0xEF), Just(0xBF), Just(0xBD), Just(b'B'), Just(b'1'),
        ], 0..24)) {
            let e = encode_bytes(&bytes);
            prop_assert_eq!(decode_bytes(&e), bytes.clone());
            if std::str::from_utf8(&bytes).is_ok_and(|s| !s.contains(ESCAPE)) {
                prop_assert_eq!(e.as_bytes(), &bytes[..]);
            }
        }
    }
}
