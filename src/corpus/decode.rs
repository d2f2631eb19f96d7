//! Bytes to text: BOM, UTF-16, UTF-8, GB18030 detection, CRLF.
//!
//! This is the first step of the pipeline (SPEC §5): every `.txt` and
//! `.html` file of the corpus passes through [`decode`] before `html`,
//! `metadata` and `structure` see it. Its job is to turn whatever bytes a
//! government web site, a Windows editor or a scraper left behind into one
//! `String` with `\n` line ends, or to say why the file is not a report
//! ([`SkipReason::Empty`], [`SkipReason::Binary`],
//! [`SkipReason::Undecodable`]).
//!
//! The order of the checks is the order of the evidence, strongest first:
//!
//! 1. A byte order mark names the encoding (UTF-8, UTF-16LE, UTF-16BE).
//! 2. Without a BOM, NUL bytes or many C0 control bytes mean binary, as in
//!    git and ripgrep.
//! 3. Bytes that are valid UTF-8 are UTF-8. This is the fast path: one
//!    validation pass and one copy. Bytes that are UTF-8 but for a few
//!    corrupt sequences (a truncated download) are still UTF-8, read with
//!    replacement characters.
//! 4. Otherwise `chardetng` guesses a legacy encoding from the first
//!    256 KiB, and we decode GBK as GB18030, its superset (the WHATWG GBK
//!    decoder already is the GB18030 decoder). GB18030 is therefore
//!    *detected*, never assumed: a Big5 or Shift_JIS file is read as such.
//! 5. chardetng gives up on an encoding at its first invalid sequence, so
//!    a GB18030 report with one corrupt byte would come back as mojibake in
//!    windows-1252. When the guess is not a CJK encoding, or decodes with
//!    errors, we also try GB18030 and keep it if it reads the text with
//!    very few replacement characters.
//!
//! Text that is mostly replacement characters (more than 10% of its visible
//! characters) is [`SkipReason::Undecodable`]. In practice that happens to
//! files with a BOM whose content breaks it and to CJK guesses full of
//! errors; a single-byte legacy encoding decodes any byte, so garbage made
//! only of high bytes is not caught here (later stages find no Chinese
//! text in it).
//!
//! Line ends are normalized last: CRLF and lone CR become LF. Nothing else
//! of the text is touched (no NFKC, no trimming): `normalize` does that
//! later, and keeps offsets into this text.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    Encoding, BIG5, EUC_JP, EUC_KR, GB18030, GBK, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8,
};

use super::skip::SkipReason;

/// Text decoded from a corpus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without BOM, with `\n` line ends only.
    pub text: String,
    /// The encoding the bytes were read as, lower case: `utf-8`,
    /// `utf-16le`, `utf-16be`, `gb18030`, `big5`, or the WHATWG name of
    /// another legacy encoding that `chardetng` detected (e.g.
    /// `shift_jis`, `windows-1252`).
    pub encoding: &'static str,
}

/// How much of the file `chardetng` looks at. Its guess settles within a
/// few kilobytes of Chinese text; feeding it a whole 50 MB file would cost
/// more than decoding it, since it runs some 27 candidate decoders.
const DETECT_PREFIX: usize = 256 * 1024;

/// Decodes the bytes of a text file (see the module docs for the rules).
///
/// Returns [`SkipReason::Empty`] for an empty or whitespace-only file,
/// [`SkipReason::Binary`] for bytes that are not text, and
/// [`SkipReason::Undecodable`] when no encoding reads more than 90% of the
/// characters cleanly. Never panics, whatever the input.
pub fn decode(bytes: &[u8]) -> Result<Decoded, SkipReason> {
    if bytes.is_empty() {
        return Err(SkipReason::Empty);
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // A UTF-8 BOM is a promise; if the rest breaks it in places we
        // still read it as UTF-8 and let the replacement count decide.
        (String::from_utf8_lossy(rest), "utf-8")
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (UTF_16LE.decode_without_bom_handling(rest).0, "utf-16le")
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (UTF_16BE.decode_without_bom_handling(rest).0, "utf-16be")
    } else {
        if looks_binary(bytes) {
            return Err(SkipReason::Binary);
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => (Cow::Borrowed(s), "utf-8"),
            Err(_) => decode_legacy(bytes),
        }
    };
    finish(text, encoding)
}

/// Checks the decoded text and turns it into the final [`Decoded`]: one
/// copy at most for borrowed text, none for owned text without CRs.
fn finish(text: Cow<'_, str>, encoding: &'static str) -> Result<Decoded, SkipReason> {
    // A second BOM after the first, or a BOM that survived a legacy
    // decoding, is never content.
    let text = match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix('\u{FEFF}').unwrap_or(s)),
        Cow::Owned(s) if s.starts_with('\u{FEFF}') => Cow::Owned(s['\u{FEFF}'.len_utf8()..].into()),
        owned => owned,
    };
    if text.chars().all(char::is_whitespace) {
        return Err(SkipReason::Empty);
    }
    let stats = CharStats::of(&text);
    // UTF-16 skipped the byte-level binary check (its ASCII has a NUL in
    // every other byte), so we look for NULs and control characters here.
    if stats.controls > 0 && (stats.nuls > 0 || stats.controls * 100 > stats.total) {
        return Err(SkipReason::Binary);
    }
    if stats.replaced * 10 > stats.visible {
        return Err(SkipReason::Undecodable(format!(
            "{}% of the characters are not valid {encoding}",
            stats.replaced * 100 / stats.visible.max(1)
        )));
    }
    let text = match text {
        Cow::Borrowed(s) => normalize_newlines(s),
        Cow::Owned(s) => normalize_newlines_owned(s),
    };
    Ok(Decoded { text, encoding })
}

/// Decodes bytes that are not valid UTF-8 and carry no BOM.
fn decode_legacy(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    let prefix = &bytes[..bytes.len().min(DETECT_PREFIX)];
    if mostly_utf8(prefix) {
        return (String::from_utf8_lossy(bytes), "utf-8");
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(prefix, prefix.len() == bytes.len());
    // We give no TLD hint: `cn` would make chardetng prefer GBK whenever
    // GBK is merely possible, and Big5 text is nearly always valid GBK.
    // Without it, GBK still wins on simplified Chinese. UTF-8 is denied
    // because we already know the bytes are not UTF-8.
    let guess = detector.guess(None, Utf8Detection::Deny);
    let guess = if guess == GBK { GB18030 } else { guess };
    let (text, had_errors) = guess.decode_without_bom_handling(bytes);
    let cjk = [GB18030, BIG5, SHIFT_JIS, EUC_JP, EUC_KR].contains(&guess);
    if guess == GB18030 || (cjk && !had_errors) {
        return (text, encoding_name(guess));
    }
    // chardetng drops a CJK candidate at its first invalid sequence, so a
    // GB18030 report with one corrupt byte comes back as windows-1252 (which
    // decodes any byte) or as Big5 with errors. We give GB18030 a second
    // chance when it reads the file with at most one replacement per 50
    // non-ASCII characters. Real Latin or Cyrillic text fails that test:
    // its high bytes, read in pairs, run into spaces and punctuation.
    let (gb, _) = GB18030.decode_without_bom_handling(bytes);
    let gb_replaced = count_replaced(&gb);
    let gb_plausible = gb_replaced * 50 < gb.chars().filter(|c| !c.is_ascii()).count();
    if gb_plausible && (!cjk || gb_replaced < count_replaced(&text)) {
        return (gb, "gb18030");
    }
    (text, encoding_name(guess))
}

/// True when `bytes` hold multi-byte UTF-8 characters and fewer than one
/// invalid sequence per 20 of them: UTF-8 with a few corrupt bytes. Legacy
/// CJK text almost never forms valid UTF-8 sequences by chance, whereas
/// UTF-8 read as GB18030 decodes *without* errors into mojibake (GB18030
/// accepts nearly any pair of high bytes). So we must decide for UTF-8
/// here, before any legacy decoder gets to count its replacements.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    valid > 0 && invalid * 20 < valid
}

/// The lower-case name we report for an encoding.
fn encoding_name(encoding: &'static Encoding) -> &'static str {
    if encoding == UTF_8 {
        "utf-8"
    } else if encoding == GB18030 || encoding == GBK {
        "gb18030"
    } else if encoding == BIG5 {
        "big5"
    } else {
        // WHATWG names are ASCII; the few with upper case (Shift_JIS,
        // EUC-JP, …) are listed here so that we can return a `&'static`.
        match encoding.name() {
            "Shift_JIS" => "shift_jis",
            "EUC-JP" => "euc-jp",
            "EUC-KR" => "euc-kr",
            "ISO-2022-JP" => "iso-2022-jp",
            "KOI8-U" => "koi8-u",
            "IBM866" => "ibm866",
            "ISO-8859-2" => "iso-8859-2",
            "ISO-8859-4" => "iso-8859-4",
            "ISO-8859-5" => "iso-8859-5",
            "ISO-8859-6" => "iso-8859-6",
            "ISO-8859-7" => "iso-8859-7",
            "ISO-8859-8" => "iso-8859-8",
            "ISO-8859-13" => "iso-8859-13",
            name => name,
        }
    }
}

/// True when bytes without a BOM are not text: a NUL anywhere (what git
/// and ripgrep go by), or more than 1% C0 control bytes other than tab,
/// line feed, vertical tab, form feed and carriage return. Form feeds are
/// allowed because text extracted from PDFs separates pages with them.
fn looks_binary(bytes: &[u8]) -> bool {
    let mut controls = 0usize;
    for &b in bytes {
        match b {
            0 => return true,
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => {}
            0x01..=0x1F | 0x7F => controls += 1,
            _ => {}
        }
    }
    controls * 100 > bytes.len()
}

/// Character counts of decoded text, for the binary and undecodable checks.
struct CharStats {
    /// All characters.
    total: usize,
    /// Characters that are not whitespace.
    visible: usize,
    /// U+FFFD REPLACEMENT CHARACTER.
    replaced: usize,
    /// U+0000.
    nuls: usize,
    /// C0 controls and DEL other than tab, LF, VT, FF and CR, and NUL.
    controls: usize,
}

impl CharStats {
    fn of(text: &str) -> CharStats {
        let mut stats = CharStats { total: 0, visible: 0, replaced: 0, nuls: 0, controls: 0 };
        for c in text.chars() {
            stats.total += 1;
            if !c.is_whitespace() {
                stats.visible += 1;
            }
            match c {
                '\u{FFFD}' => stats.replaced += 1,
                '\0' => {
                    stats.nuls += 1;
                    stats.controls += 1;
                }
                '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' => {}
                '\u{01}'..='\u{1F}' | '\u{7F}' => stats.controls += 1,
                _ => {}
            }
        }
        stats
    }
}

fn count_replaced(text: &str) -> usize {
    text.chars().filter(|&c| c == '\u{FFFD}').count()
}

/// Copies `s` with CRLF and lone CR turned into LF. Without CRs this is a
/// plain copy, the one allocation of the UTF-8 fast path.
fn normalize_newlines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\r') {
        // `i` is the offset of an ASCII `\r`: both slices are on boundaries.
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// [`normalize_newlines`] in place, for text a decoder already allocated.
fn normalize_newlines_owned(s: String) -> String {
    if !s.contains('\r') {
        return s;
    }
    // We only drop or rewrite ASCII bytes, so what remains is still UTF-8.
    let mut bytes = s.into_bytes();
    let mut w = 0;
    let mut r = 0;
    while r < bytes.len() {
        let b = bytes[r];
        r += 1;
        if b == b'\r' {
            bytes[w] = b'\n';
            if bytes.get(r) == Some(&b'\n') {
                r += 1;
            }
        } else {
            bytes[w] = b;
        }
        w += 1;
    }
    bytes.truncate(w);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    /// A 40-character sentence in the register of the reports.
    const SENTENCE: &str =
        "坚持和发展新时代枫桥经验，推动矛盾纠纷多元化解，全镇实现一村一法律顾问全面覆盖。";

    fn corpus(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(rel)
    }

    /// The bundled `county-hailar-gwr-2012-2019/*.txt` files were made from
    /// the GB18030 originals by decoding, CRLF → LF and trimming leading
    /// and trailing blank lines (corpus/README.md). The originals have no
    /// leading or trailing blank lines and no final line break; the UTF-8
    /// copies end with one `\n`. So `decode(original) + "\n"` must equal
    /// the copy byte for byte.
    #[test]
    fn hailar_gb18030_originals_decode_to_the_utf8_copies() {
        for year in 2012..=2019 {
            let raw = std::fs::read(corpus(&format!(
                "encodings-raw/hailar-district-gwr-{year}.gb18030.txt"
            )))
            .unwrap();
            assert!(std::str::from_utf8(&raw).is_err(), "{year}: original is not UTF-8");
            assert!(raw.windows(2).any(|w| w == b"\r\n"), "{year}: original has CRLF");
            let expected = std::fs::read_to_string(corpus(&format!(
                "county-hailar-gwr-2012-2019/{year}-呼伦贝尔市海拉尔区-政府工作报告.txt"
            )))
            .unwrap();
            let decoded = decode(&raw).unwrap();
            assert_eq!(decoded.encoding, "gb18030", "{year}");
            assert!(!decoded.text.contains('\r'), "{year}");
            assert_eq!(format!("{}\n", decoded.text), expected, "{year}");
        }
    }

    #[test]
    fn utf8_plain_and_with_bom() {
        let plain = decode(SENTENCE.as_bytes()).unwrap();
        assert_eq!(plain, Decoded { text: SENTENCE.into(), encoding: "utf-8" });
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(SENTENCE.as_bytes());
        assert_eq!(decode(&bom).unwrap(), plain);
    }

    #[test]
    fn utf16_with_bom() {
        let text = "政府工作报告\r\n2023年\u{3000}(社区)\r\n";
        let le: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = b"\xFE\xFF"
            .iter()
            .copied()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let want = "政府工作报告\n2023年\u{3000}(社区)\n";
        assert_eq!(decode(&le).unwrap(), Decoded { text: want.into(), encoding: "utf-16le" });
        assert_eq!(decode(&be).unwrap(), Decoded { text: want.into(), encoding: "utf-16be" });
        // Characters outside the BMP travel as surrogate pairs.
        let rare = "𠀀镇";
        let le: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain(rare.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap().text, rare);
    }

    #[test]
    fn crlf_and_lone_cr_become_lf() {
        let d =
            decode("一、工作开展情况\r\n\r\n（一）正文\r二、不足\n三、\r\n".as_bytes()).unwrap();
        assert_eq!(d.text, "一、工作开展情况\n\n（一）正文\n二、不足\n三、\n");
        // The same through the owned (legacy decoder) path.
        let (gb, _, _) = GB18030.encode("一、工作\r\n（一）正文\r二、不足\r");
        let d = decode(&gb).unwrap();
        assert_eq!(d.text, "一、工作\n（一）正文\n二、不足\n");
        assert_eq!(d.encoding, "gb18030");
    }

    #[test]
    fn empty_and_whitespace_only() {
        assert_eq!(decode(b""), Err(SkipReason::Empty));
        assert_eq!(decode(b" \r\n\t\n"), Err(SkipReason::Empty));
        assert_eq!(decode("\u{3000}\u{3000}\n".as_bytes()), Err(SkipReason::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF"), Err(SkipReason::Empty));
        assert_eq!(decode(b"\xFF\xFE"), Err(SkipReason::Empty));
        assert_eq!(decode(b"\xFE\xFF\x00 \x00\n"), Err(SkipReason::Empty));
    }

    /// splitmix64: a seeded generator, so the test is the same every run.
    fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as u8
            })
            .collect()
    }

    #[test]
    fn random_bytes_are_binary() {
        for seed in 0..8 {
            assert_eq!(decode(&random_bytes(seed, 4096)), Err(SkipReason::Binary), "seed {seed}");
        }
    }

    #[test]
    fn nul_and_control_bytes_are_binary() {
        assert_eq!(decode(b"abc\0def"), Err(SkipReason::Binary));
        let mut many = "正文".repeat(10).into_bytes();
        many.extend_from_slice(b"\x01\x02\x03\x04\x05");
        assert_eq!(decode(&many), Err(SkipReason::Binary));
        // A form feed between PDF pages is text.
        assert_eq!(decode("第一页\x0c第二页".as_bytes()).unwrap().text, "第一页\x0c第二页");
        // UTF-16 with a BOM whose content is NULs and controls.
        assert_eq!(decode(b"\xFF\xFE\x00\x00\x01\x00a\x00"), Err(SkipReason::Binary));
    }

    #[test]
    fn short_gbk_text_is_detected() {
        assert_eq!(SENTENCE.chars().count(), 40);
        let (gbk, _, unmappable) = GBK.encode(SENTENCE);
        assert!(!unmappable);
        let d = decode(&gbk).unwrap();
        assert_eq!(d, Decoded { text: SENTENCE.into(), encoding: "gb18030" });
        // Even shorter: a title line.
        let (gbk, _, _) = GBK.encode("二〇二三年法治政府建设年度报告");
        assert_eq!(decode(&gbk).unwrap().text, "二〇二三年法治政府建设年度报告");
    }

    #[test]
    fn gb18030_four_byte_characters() {
        // 𠀀 (CJK Ext. B) and € exist in GB18030 but not in GBK.
        let text = "海拉尔区𠀀人民政府€报告，坚持依法行政。";
        let (gb, _, unmappable) = GB18030.encode(text);
        assert!(!unmappable);
        assert_eq!(decode(&gb).unwrap().text, text);
    }

    #[test]
    fn big5_is_not_read_as_gb18030() {
        let text = "政府工作報告：堅持依法行政，推進法治政府建設，維護社會和諧穩定。";
        let (big5, _, unmappable) = BIG5.encode(text);
        assert!(!unmappable);
        let d = decode(&big5).unwrap();
        assert_eq!(d.encoding, "big5");
        assert_eq!(d.text, text);
    }

    #[test]
    fn latin_text_is_not_read_as_gb18030() {
        let text =
            "Le café est très bon. Résumé à la française, déjà vu, voilà. Où est-ce ? À demain.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.text, text);
    }

    #[test]
    fn a_few_corrupt_bytes_keep_the_encoding() {
        // UTF-8 with one truncated character in the middle.
        let mut bytes = SENTENCE.repeat(5).into_bytes();
        bytes.insert(30, 0xE6);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.text.matches('\u{FFFD}').count(), 1);
        // GB18030 with one stray lead byte.
        let text = SENTENCE.repeat(5);
        let mut gb = GB18030.encode(&text).0.into_owned();
        gb.insert(30, 0x81);
        let d = decode(&gb).unwrap();
        assert_eq!(d.encoding, "gb18030");
        assert!(d.text.contains("枫桥经验"));
    }

    #[test]
    fn mostly_invalid_text_is_undecodable() {
        // A UTF-8 BOM followed by bytes that are not UTF-8.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::iter::repeat_n(0xFF, 50));
        bytes.extend_from_slice("报告".as_bytes());
        assert!(
            matches!(decode(&bytes), Err(SkipReason::Undecodable(why)) if why.contains("utf-8"))
        );
        // UTF-16 with unpaired surrogates.
        let mut bytes = b"\xFF\xFE".to_vec();
        for _ in 0..20 {
            bytes.extend_from_slice(&0xD800u16.to_le_bytes());
            bytes.extend_from_slice(&0x0041u16.to_le_bytes());
        }
        assert!(matches!(decode(&bytes), Err(SkipReason::Undecodable(_))));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(d) = decode(&bytes) {
                prop_assert!(!d.text.contains('\r'));
                prop_assert!(!d.text.trim().is_empty());
            }
        }

        #[test]
        fn arbitrary_boms_never_panic(
            bom in prop_oneof![Just(&b"\xEF\xBB\xBF"[..]), Just(&b"\xFF\xFE"[..]), Just(&b"\xFE\xFF"[..])],
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut all = bom.to_vec();
            all.extend_from_slice(&bytes);
            let _ = decode(&all);
        }

        #[test]
        fn utf8_text_round_trips(text in "[^\r\u{0}-\u{8}\u{e}-\u{1f}\u{7f}\u{fffd}]{1,200}") {
            prop_assume!(!text.trim().is_empty() && !text.starts_with('\u{FEFF}'));
            let d = decode(text.as_bytes()).unwrap();
            prop_assert_eq!(d.text, text);
            prop_assert_eq!(d.encoding, "utf-8");
        }
    }
}
