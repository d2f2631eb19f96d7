//! PDF fonts as far as text extraction needs them: how a shown string splits
//! into character codes, what Unicode text each code stands for, and how
//! far each glyph advances.
//!
//! Unicode comes from the font's `ToUnicode` CMap when it has one (every
//! font of the office suites we have seen: Word, WPS, LibreOffice, and the
//! PDF libraries of scripts), because a subset font's codes mean nothing by
//! themselves: LibreOffice labels its 256-glyph subsets `WinAnsiEncoding`
//! and assigns codes in order of first use, so the `ToUnicode` map must win
//! over the declared encoding (a reader that trusts the encoding gets Latin
//! gibberish). Without one we fall back to what the encoding itself says:
//!
//! - Type 0 fonts with a predefined Unicode CMap (`UniGB-UCS2-H`,
//!   `UniGB-UTF16-H`, …): the codes are UTF-16;
//! - Type 0 fonts with a GB CMap (`GBK-EUC-H`, `GB-EUC-H`, `GBK2K-H`, …),
//!   common in older Chinese PDFs with non-embedded 宋体: the codes are
//!   GBK/GB18030 bytes;
//! - simple fonts: the base encoding (WinAnsi, MacRoman, Standard) and the
//!   `Differences` glyph names (`uni4E2D`, `comma`, `a`);
//! - `Identity-H` without `ToUnicode`: the codes are glyph ids of a subset
//!   font; when the embedded TrueType program kept its `cmap` table (many
//!   subsetters do), that table, read backwards, says which character each
//!   glyph draws. Otherwise nothing does: such codes are *unmapped*, and the
//!   caller refuses a document where they dominate.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

/// Text of a code that no map covers.
pub const UNMAPPED: char = '\u{FFFD}';

/// Limits on what one font may make us parse: a CMap stream over this many
/// bytes (after decompression) is ignored, as are ranges beyond
/// [`MAX_RANGE`] codes.
const MAX_CMAP_BYTES: usize = 4 << 20;
const MAX_RANGE: u32 = 0x10000;

/// One font, ready to decode strings.
#[derive(Debug)]
pub struct Font {
    /// How a string splits into codes.
    codes: CodeSpace,
    /// The `ToUnicode` map, if any.
    to_unicode: Option<CMap>,
    /// What codes mean without a `ToUnicode` map.
    fallback: Fallback,
    /// Advance widths.
    widths: Widths,
    /// Glyph space → text space: 1/1000 except for Type 3 fonts.
    scale: f32,
}

/// How a shown string splits into character codes.
#[derive(Debug)]
enum CodeSpace {
    /// One byte per code (simple fonts).
    One,
    /// Two bytes per code (Identity-H/V, UCS-2 CMaps).
    Two,
    /// UTF-16 code units: two bytes, four for a surrogate pair.
    Utf16,
    /// GBK/GB18030 EUC: one byte below 0x80, else two (four for a
    /// GB18030 four-byte sequence).
    Euc,
    /// Ranges of an embedded CMap: (bytes, low, high).
    Ranges(Vec<(usize, u32, u32)>),
}

/// What a code means when the font has no `ToUnicode` map.
#[derive(Debug)]
enum Fallback {
    /// A 256-entry table of a simple font's encoding.
    Table(Box<[Option<char>; 256]>),
    /// The code is a UTF-16 code unit (or pair).
    Utf16,
    /// The code is GBK/GB18030 bytes.
    Gbk,
    /// The code is a CID whose glyph the embedded font's `cmap` maps from
    /// this character.
    Glyphs(HashMap<u32, char>),
    /// Nothing: glyph ids.
    None,
}

/// Advance widths in glyph space (thousandths of the font size, except
/// Type 3).
#[derive(Debug)]
enum Widths {
    /// A simple font's `Widths` array from `FirstChar`.
    Simple { first: u32, widths: Vec<f32>, missing: f32 },
    /// A CID font's `W` array and `DW`. `cids` maps codes to CIDs when an
    /// embedded CMap says so; otherwise the code is the CID (Identity).
    Cid { map: HashMap<u32, f32>, default: f32, identity: bool },
}

/// One decoded code.
#[derive(Debug, Clone, Copy)]
pub struct Code {
    /// The code's value.
    pub code: u32,
    /// How many bytes it took (word spacing applies to the one-byte code 32).
    pub bytes: usize,
}

impl Font {
    /// Reads a font dictionary. Never fails: what cannot be read falls back
    /// to defaults (and to unmapped codes).
    pub fn load(doc: &Document, dict: &Dictionary) -> Font {
        let subtype = name_of(dict.get(b"Subtype").ok());
        let to_unicode = dict
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| stream_bytes(doc, o))
            .map(|bytes| CMap::parse(&bytes))
            .filter(|m| !m.is_empty());
        if subtype.as_deref() == Some(b"Type0") {
            Font::load_type0(doc, dict, to_unicode)
        } else {
            Font::load_simple(doc, dict, to_unicode, subtype.as_deref() == Some(b"Type3"))
        }
    }

    fn load_type0(doc: &Document, dict: &Dictionary, to_unicode: Option<CMap>) -> Font {
        let encoding = dict.get(b"Encoding").ok();
        let (codes, fallback, identity) = match encoding.and_then(|o| deref(doc, o)) {
            Some(Object::Name(name)) => predefined_cmap(name),
            Some(Object::Stream(stream)) => {
                let bytes = decompress(stream).unwrap_or_default();
                let cmap = CMap::parse(&bytes);
                let codes = if cmap.codespace.is_empty() {
                    CodeSpace::Two
                } else {
                    CodeSpace::Ranges(cmap.codespace.clone())
                };
                (codes, Fallback::None, false)
            }
            _ => (CodeSpace::Two, Fallback::None, true),
        };
        let descendant = dict
            .get(b"DescendantFonts")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        // Identity-H without ToUnicode: the codes are glyph ids, and the
        // embedded TrueType font's own `cmap` table often still says which
        // character each glyph draws.
        let fallback = match (&fallback, &to_unicode, descendant) {
            (Fallback::None, None, Some(cid)) if identity => {
                embedded_glyph_map(doc, cid).map_or(fallback, Fallback::Glyphs)
            }
            _ => fallback,
        };
        let mut map = HashMap::new();
        let mut default = 1000.0;
        if let Some(cid) = descendant {
            if let Some(dw) = cid.get(b"DW").ok().and_then(|o| number(doc, o)) {
                default = dw;
            }
            if let Some(w) =
                cid.get(b"W").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_array().ok())
            {
                read_w_array(doc, w, &mut map);
            }
        }
        Font {
            codes,
            to_unicode,
            fallback,
            widths: Widths::Cid { map, default, identity },
            scale: 0.001,
        }
    }

    fn load_simple(
        doc: &Document,
        dict: &Dictionary,
        to_unicode: Option<CMap>,
        type3: bool,
    ) -> Font {
        let first =
            dict.get(b"FirstChar").ok().and_then(|o| number(doc, o)).unwrap_or(0.0).max(0.0) as u32;
        let widths: Vec<f32> = dict
            .get(b"Widths")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
            .map(|a| a.iter().take(256).map(|o| number(doc, o).unwrap_or(0.0)).collect())
            .unwrap_or_default();
        let descriptor = dict
            .get(b"FontDescriptor")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        let missing = descriptor
            .and_then(|d| d.get(b"MissingWidth").ok())
            .and_then(|o| number(doc, o))
            .filter(|w| *w > 0.0)
            .unwrap_or(500.0);
        let scale = if type3 {
            dict.get(b"FontMatrix")
                .ok()
                .and_then(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|o| number(doc, o))
                .filter(|s| s.is_finite() && *s != 0.0)
                .unwrap_or(0.001)
        } else {
            0.001
        };
        Font {
            codes: CodeSpace::One,
            to_unicode,
            fallback: Fallback::Table(Box::new(simple_encoding(doc, dict))),
            widths: Widths::Simple { first, widths, missing },
            scale,
        }
    }

    /// Splits a shown string into codes.
    pub fn codes(&self, bytes: &[u8], out: &mut Vec<Code>) {
        out.clear();
        let mut i = 0;
        while i < bytes.len() {
            let n = match &self.codes {
                CodeSpace::One => 1,
                CodeSpace::Two => 2,
                CodeSpace::Utf16 => {
                    let high = bytes[i];
                    if (0xD8..=0xDB).contains(&high) {
                        4
                    } else {
                        2
                    }
                }
                CodeSpace::Euc => match (bytes[i], bytes.get(i + 1)) {
                    (b, _) if b < 0x80 => 1,
                    (_, Some(b2)) if (0x30..=0x39).contains(b2) => 4,
                    _ => 2,
                },
                CodeSpace::Ranges(ranges) => ranges
                    .iter()
                    .find(|(n, lo, hi)| {
                        i + n <= bytes.len() && {
                            let v = be(&bytes[i..i + n]);
                            *lo <= v && v <= *hi
                        }
                    })
                    .map_or(1, |(n, _, _)| *n),
            };
            let n = n.min(bytes.len() - i);
            out.push(Code { code: be(&bytes[i..i + n]), bytes: n });
            i += n;
        }
    }

    /// Appends the text of `code` to `out`; returns false (and appends
    /// [`UNMAPPED`]) when nothing says what it is.
    pub fn push_text(&self, code: Code, out: &mut String) -> bool {
        if let Some(map) = &self.to_unicode {
            if map.push(code.code, out) {
                return true;
            }
        }
        let c = match &self.fallback {
            Fallback::Table(table) => table.get(code.code as usize).copied().flatten(),
            Fallback::Utf16 => {
                let units = if code.bytes == 4 {
                    vec![(code.code >> 16) as u16, code.code as u16]
                } else {
                    vec![code.code as u16]
                };
                char::decode_utf16(units).next().and_then(|r| r.ok())
            }
            Fallback::Gbk => {
                let bytes = code.code.to_be_bytes();
                let (text, _, bad) = encoding_rs::GB18030.decode(&bytes[4 - code.bytes..]);
                if bad {
                    None
                } else {
                    text.chars().next()
                }
            }
            Fallback::Glyphs(map) => map.get(&code.code).copied(),
            Fallback::None => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                true
            }
            None => {
                out.push(UNMAPPED);
                false
            }
        }
    }

    /// The advance of `code` in text space units (multiply by the font
    /// size).
    pub fn advance(&self, code: Code) -> f32 {
        let w = match &self.widths {
            Widths::Simple { first, widths, missing } => code
                .code
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize))
                .copied()
                .filter(|w| *w > 0.0)
                .unwrap_or(*missing),
            Widths::Cid { map, default, identity } => {
                if *identity || code.bytes >= 2 {
                    map.get(&code.code).copied().unwrap_or(*default)
                } else {
                    // A one-byte code of a GB CMap: a half-width glyph.
                    *default / 2.0
                }
            }
        };
        w * self.scale
    }
}

/// CID → character for a CIDFontType2 font from the `cmap` table of its
/// embedded TrueType program (through `CIDToGIDMap` when it is a stream).
/// `None` when there is no program, no usable `cmap`, or it maps nothing.
fn embedded_glyph_map(doc: &Document, cid_font: &Dictionary) -> Option<HashMap<u32, char>> {
    let descriptor = cid_font
        .get(b"FontDescriptor")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok())?;
    let program = deref(doc, descriptor.get(b"FontFile2").ok()?)?.as_stream().ok()?;
    let bytes = if program.dict.get(b"Filter").is_ok() {
        program.decompressed_content_with_limit(MAX_FONT_BYTES).ok()?
    } else {
        program.content.clone()
    };
    let by_glyph = truetype_cmap(&bytes)?;
    // CID → GID: the identity, or two bytes per CID in a stream.
    let cid_to_gid: Option<Vec<u8>> =
        match cid_font.get(b"CIDToGIDMap").ok().and_then(|o| deref(doc, o)) {
            Some(Object::Stream(s)) => Some(if s.dict.get(b"Filter").is_ok() {
                s.decompressed_content_with_limit(MAX_FONT_BYTES).ok()?
            } else {
                s.content.clone()
            }),
            _ => None,
        };
    let map: HashMap<u32, char> = match cid_to_gid {
        None => by_glyph.into_iter().map(|(g, c)| (u32::from(g), c)).collect(),
        Some(table) => table
            .chunks_exact(2)
            .enumerate()
            .filter_map(|(cid, g)| {
                let gid = u16::from_be_bytes([g[0], g[1]]);
                by_glyph.get(&gid).map(|c| (cid as u32, *c))
            })
            .collect(),
    };
    (!map.is_empty()).then_some(map)
}

/// An embedded font program is read up to this many bytes.
const MAX_FONT_BYTES: usize = 32 << 20;

/// Glyph id → character from a TrueType font's `cmap` table (a Unicode
/// subtable: platform 3 encoding 1 or 10, or platform 0; formats 4 and 12).
/// Where several characters share a glyph the smallest wins (a unified
/// ideograph over its compatibility twin); private-use characters are left
/// out. Bounds are checked everywhere: the font is as untrusted as the PDF.
fn truetype_cmap(font: &[u8]) -> Option<HashMap<u16, char>> {
    let u16_at = |o: usize| font.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at =
        |o: usize| font.get(o..o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let tables = usize::from(u16_at(4)?);
    let cmap = (0..tables).find_map(|i| {
        let rec = 12 + 16 * i;
        (font.get(rec..rec + 4)? == b"cmap").then(|| u32_at(rec + 8)).flatten()
    })? as usize;
    let subtables = usize::from(u16_at(cmap + 2)?);
    let mut best: Option<(u8, usize)> = None;
    for i in 0..subtables.min(64) {
        let rec = cmap + 4 + 8 * i;
        let (platform, encoding) = (u16_at(rec)?, u16_at(rec + 2)?);
        let offset = cmap + u32_at(rec + 4)? as usize;
        let format = u16_at(offset)?;
        let rank = match (platform, encoding, format) {
            (3, 10, 12) | (0, 4, 12) | (0, 6, 12) => 3,
            (3, 1, 4) | (0, 3, 4) | (0, 1, 4) | (0, 0, 4) => 2,
            _ => continue,
        };
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, offset));
        }
    }
    let (_, sub) = best?;
    let mut map: HashMap<u16, char> = HashMap::new();
    let mut put = |gid: u32, cp: u32| {
        let Some(c) = char::from_u32(cp) else { return };
        if gid == 0 || gid > 0xFFFF || matches!(cp, 0xE000..=0xF8FF) {
            return;
        }
        let e = map.entry(gid as u16).or_insert(c);
        if c < *e {
            *e = c;
        }
    };
    match u16_at(sub)? {
        4 => {
            let segs = usize::from(u16_at(sub + 6)? / 2);
            let ends = sub + 14;
            let starts = ends + 2 * segs + 2;
            let deltas = starts + 2 * segs;
            let offsets = deltas + 2 * segs;
            for s in 0..segs {
                let (end, start) =
                    (u32::from(u16_at(ends + 2 * s)?), u32::from(u16_at(starts + 2 * s)?));
                let delta = u16_at(deltas + 2 * s)?;
                let range_offset = usize::from(u16_at(offsets + 2 * s)?);
                if start > end || end == 0xFFFF && start == 0xFFFF {
                    continue;
                }
                for cp in start..=end {
                    let gid = if range_offset == 0 {
                        (cp as u16).wrapping_add(delta)
                    } else {
                        let at = offsets + 2 * s + range_offset + 2 * (cp - start) as usize;
                        match u16_at(at) {
                            Some(0) | None => continue,
                            Some(g) => g.wrapping_add(delta),
                        }
                    };
                    put(u32::from(gid), cp);
                }
            }
        }
        12 => {
            let groups = u32_at(sub + 12)? as usize;
            for g in 0..groups.min(1 << 20) {
                let rec = sub + 16 + 12 * g;
                let (start, end, gid) = (u32_at(rec)?, u32_at(rec + 4)?, u32_at(rec + 8)?);
                if end < start || end - start > 0x10000 {
                    continue;
                }
                for k in 0..=end - start {
                    put(gid + k, start + k);
                }
            }
        }
        _ => return None,
    }
    (!map.is_empty()).then_some(map)
}

/// A big-endian integer from up to 4 bytes.
fn be(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |v, b| (v << 8) | u32::from(*b))
}

/// Code space and fallback of a predefined CMap, and whether codes are CIDs.
fn predefined_cmap(name: &[u8]) -> (CodeSpace, Fallback, bool) {
    let name = String::from_utf8_lossy(name);
    if name.starts_with("Identity") {
        (CodeSpace::Two, Fallback::None, true)
    } else if name.contains("UCS2") {
        (CodeSpace::Two, Fallback::Utf16, false)
    } else if name.contains("UTF16") {
        (CodeSpace::Utf16, Fallback::Utf16, false)
    } else if name.starts_with("GB") {
        // GB-EUC-H, GBpc-EUC-H, GBK-EUC-H, GBKp-EUC-H, GBK2K-H and -V.
        (CodeSpace::Euc, Fallback::Gbk, false)
    } else {
        // Other predefined CMaps (Japanese, Korean, Big5): two bytes is the
        // common case; Unicode must come from ToUnicode.
        (CodeSpace::Two, Fallback::None, false)
    }
}

/// Reads a `W` array: `c [w1 w2 …]` and `cfirst clast w` entries.
fn read_w_array(doc: &Document, w: &[Object], map: &mut HashMap<u32, f32>) {
    let mut i = 0;
    while i < w.len() {
        let Some(first) = number(doc, &w[i]) else { break };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).and_then(|o| deref(doc, o)) {
            Some(Object::Array(ws)) => {
                for (k, o) in ws.iter().enumerate().take(MAX_RANGE as usize) {
                    if let Some(v) = number(doc, o) {
                        map.insert(first + k as u32, v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(v)) =
                    (number(doc, o), w.get(i + 2).and_then(|o| number(doc, o)))
                else {
                    break;
                };
                let last = (last.max(0.0) as u32).min(first.saturating_add(MAX_RANGE));
                for c in first..=last {
                    map.insert(c, v);
                }
                i += 3;
            }
            None => break,
        }
    }
}

/// The 256 characters of a simple font's encoding: base encoding, then
/// `Differences`.
fn simple_encoding(doc: &Document, dict: &Dictionary) -> [Option<char>; 256] {
    let mut table = base_table(b"WinAnsiEncoding");
    match dict.get(b"Encoding").ok().and_then(|o| deref(doc, o)) {
        Some(Object::Name(name)) => table = base_table(name),
        Some(Object::Dictionary(enc)) => {
            if let Some(Object::Name(base)) =
                enc.get(b"BaseEncoding").ok().and_then(|o| deref(doc, o))
            {
                table = base_table(base);
            }
            if let Some(diffs) = enc
                .get(b"Differences")
                .ok()
                .and_then(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
            {
                let mut code = 0usize;
                for o in diffs {
                    match deref(doc, o) {
                        Some(Object::Integer(n)) => code = (*n).clamp(0, 255) as usize,
                        Some(Object::Name(glyph)) => {
                            if code < 256 {
                                table[code] = glyph_char(glyph);
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    table
}

/// A base encoding as a table. Standard and WinAnsi differ only in a few
/// punctuation codes, which we read as WinAnsi.
fn base_table(name: &[u8]) -> [Option<char>; 256] {
    let encoding = match name {
        b"MacRomanEncoding" => encoding_rs::MACINTOSH,
        _ => encoding_rs::WINDOWS_1252,
    };
    let mut table = [None; 256];
    for (b, slot) in table.iter_mut().enumerate() {
        if b < 0x20 {
            continue;
        }
        let byte = [b as u8];
        let (text, bad) = encoding.decode_without_bom_handling(&byte);
        if !bad {
            *slot = text.chars().next().filter(|c| !c.is_control());
        }
    }
    table
}

/// The character a glyph name stands for (Adobe Glyph List conventions:
/// `uniXXXX`, `uXXXX`, single letters and the common names). Names like
/// `g123` or `cid456` say nothing.
fn glyph_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().unwrap_or(name);
    let hex = |s: &str| u32::from_str_radix(s, 16).ok().and_then(char::from_u32);
    if let Some(h) = name.strip_prefix("uni") {
        if h.len() >= 4 {
            return hex(&h[..4]);
        }
    }
    if let Some(h) = name.strip_prefix('u') {
        if (4..=6).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()) {
            return hex(h);
        }
    }
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(c);
    }
    #[rustfmt::skip]
    const NAMES: &[(&str, char)] = &[
        ("space", ' '), ("exclam", '!'), ("quotedbl", '"'), ("numbersign", '#'), ("dollar", '$'),
        ("quotesingle", '\''),
        ("percent", '%'), ("ampersand", '&'), ("quoteright", '’'), ("quoteleft", '‘'),
        ("parenleft", '('), ("parenright", ')'), ("asterisk", '*'), ("plus", '+'), ("comma", ','),
        ("hyphen", '-'), ("minus", '−'), ("period", '.'), ("slash", '/'), ("zero", '0'),
        ("one", '1'), ("two", '2'), ("three", '3'), ("four", '4'), ("five", '5'), ("six", '6'),
        ("seven", '7'), ("eight", '8'), ("nine", '9'), ("colon", ':'), ("semicolon", ';'),
        ("less", '<'), ("equal", '='), ("greater", '>'), ("question", '?'), ("at", '@'),
        ("bracketleft", '['), ("backslash", '\\'), ("bracketright", ']'), ("underscore", '_'),
        ("braceleft", '{'), ("bar", '|'), ("braceright", '}'), ("asciitilde", '~'), ("endash", '–'),
        ("emdash", '—'), ("bullet", '•'), ("quotedblleft", '“'), ("quotedblright", '”'),
        ("ellipsis", '…'), ("periodcentered", '·'), ("degree", '°'), ("multiply", '×'),
        ("divide", '÷'), ("section", '§'), ("nbspace", '\u{a0}'),
    ];
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// A parsed CMap: code space ranges and code → Unicode (for `ToUnicode`)
/// maps. `cidchar`/`cidrange` entries of embedded encoding CMaps are not
/// needed (CIDs only select widths) and are skipped.
#[derive(Debug, Default)]
pub struct CMap {
    /// (bytes, low, high) of each `codespacerange` entry.
    codespace: Vec<(usize, u32, u32)>,
    /// `bfchar` entries, sorted by code.
    chars: Vec<(u32, Box<str>)>,
    /// `bfrange` entries, sorted by low code.
    ranges: Vec<(u32, u32, RangeTarget)>,
}

#[derive(Debug)]
enum RangeTarget {
    /// The first code's UTF-16; the last unit is incremented along the range.
    Start(Vec<u16>),
    /// One string per code.
    Each(Vec<Box<str>>),
}

impl CMap {
    fn is_empty(&self) -> bool {
        self.chars.is_empty() && self.ranges.is_empty()
    }

    /// Parses a CMap program. Tolerant: unknown tokens are skipped, a broken
    /// entry ends its section.
    pub fn parse(bytes: &[u8]) -> CMap {
        let mut map = CMap::default();
        let bytes = &bytes[..bytes.len().min(MAX_CMAP_BYTES)];
        let mut tokens = Tokens { bytes, pos: 0 };
        while let Some(tok) = tokens.next() {
            match tok {
                Token::Word(b"begincodespacerange") => {
                    // Each entry is read token by token: a section ends at its
                    // `end…` keyword, which must not take the next section's
                    // `begin…` with it.
                    while let Some(Token::Hex(lo)) = tokens.next() {
                        let Some(Token::Hex(hi)) = tokens.next() else { break };
                        if !lo.is_empty() && lo.len() <= 4 {
                            map.codespace.push((lo.len(), be(&lo), be(&hi)));
                        }
                    }
                }
                Token::Word(b"beginbfchar") => {
                    while let Some(Token::Hex(src)) = tokens.next() {
                        let Some(dst) = tokens.next() else { break };
                        if let Some(text) = target_text(&dst) {
                            map.chars.push((be(&src), text.into()));
                        }
                    }
                }
                Token::Word(b"beginbfrange") => {
                    while let Some(Token::Hex(lo)) = tokens.next() {
                        let Some(Token::Hex(hi)) = tokens.next() else { break };
                        let Some(dst) = tokens.next() else { break };
                        let (lo, hi) = (be(&lo), be(&hi));
                        if hi < lo || hi - lo > MAX_RANGE {
                            continue;
                        }
                        match dst {
                            Token::Hex(h) => {
                                map.ranges.push((lo, hi, RangeTarget::Start(utf16_units(&h))))
                            }
                            Token::Array(items) => map.ranges.push((
                                lo,
                                hi,
                                RangeTarget::Each(
                                    items
                                        .iter()
                                        .map(|h| decode_utf16(&utf16_units(h)).into())
                                        .collect(),
                                ),
                            )),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        // The last entry for a code wins, as in a PostScript dictionary.
        map.chars.reverse();
        map.chars.sort_by_key(|(c, _)| *c);
        map.chars.dedup_by_key(|(c, _)| *c);
        map.ranges.sort_by_key(|(lo, _, _)| *lo);
        map
    }

    /// Appends the text of `code`; false if the map does not cover it.
    fn push(&self, code: u32, out: &mut String) -> bool {
        if let Ok(i) = self.chars.binary_search_by_key(&code, |(c, _)| *c) {
            out.push_str(&self.chars[i].1);
            return true;
        }
        // The last range starting at or before `code`, then earlier ones
        // (ranges may nest in sloppy CMaps; a few steps back suffice).
        let end = self.ranges.partition_point(|(lo, _, _)| *lo <= code);
        for (lo, hi, target) in self.ranges[..end].iter().rev().take(8) {
            if code > *hi {
                continue;
            }
            let k = code - lo;
            match target {
                RangeTarget::Start(units) => {
                    let Some((last, head)) = units.split_last() else { return false };
                    let mut units = head.to_vec();
                    units.push(last.wrapping_add(k as u16));
                    out.push_str(&decode_utf16(&units));
                }
                RangeTarget::Each(items) => match items.get(k as usize) {
                    Some(s) => out.push_str(s),
                    None => return false,
                },
            }
            return true;
        }
        false
    }
}

/// The text of a `bfchar` target: a hex string of UTF-16BE (or, from some
/// writers, a name like `/space`).
fn target_text(tok: &Token<'_>) -> Option<String> {
    match tok {
        Token::Hex(h) => Some(decode_utf16(&utf16_units(h))),
        Token::Name(n) => glyph_char(n).map(String::from),
        _ => None,
    }
}

fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from(c[0]) })
        .collect()
}

fn decode_utf16(units: &[u16]) -> String {
    char::decode_utf16(units.iter().copied()).map(|r| r.unwrap_or(UNMAPPED)).collect()
}

/// Tokens of a CMap program, as much of PostScript as CMaps use.
struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
}

#[derive(Debug)]
enum Token<'a> {
    Hex(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Name(&'a [u8]),
    Word(&'a [u8]),
    Other,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.bytes;
        loop {
            while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.pos < b.len() && b[self.pos] == b'%' {
                while self.pos < b.len() && b[self.pos] != b'\n' && b[self.pos] != b'\r' {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        let start = self.pos;
        let c = *b.get(start)?;
        match c {
            b'<' if b.get(start + 1) == Some(&b'<') => {
                self.pos += 2;
                Some(Token::Other)
            }
            b'<' => Some(Token::Hex(self.hex())),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    match self.next() {
                        Some(Token::Hex(h)) => items.push(h),
                        Some(Token::Word(b"]")) | None => break,
                        Some(_) => {}
                    }
                }
                Some(Token::Array(items))
            }
            b']' | b'>' | b'{' | b'}' => {
                self.pos += 1;
                Some(Token::Word(&b[start..start + 1]))
            }
            b'(' => {
                // A literal string: skip it, with nesting and escapes.
                let mut depth = 0;
                while self.pos < b.len() {
                    match b[self.pos] {
                        b'\\' => self.pos += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                Some(Token::Other)
            }
            _ => {
                self.pos += 1;
                while self.pos < b.len()
                    && !b[self.pos].is_ascii_whitespace()
                    && !b"<>[](){}/%".contains(&b[self.pos])
                {
                    self.pos += 1;
                }
                let word = &b[start..self.pos];
                Some(if c == b'/' { Token::Name(&word[1..]) } else { Token::Word(word) })
            }
        }
    }

    fn hex(&mut self) -> Vec<u8> {
        let b = self.bytes;
        self.pos += 1;
        let mut digits = Vec::new();
        while self.pos < b.len() && b[self.pos] != b'>' {
            if let Some(d) = (b[self.pos] as char).to_digit(16) {
                digits.push(d as u8);
            }
            self.pos += 1;
        }
        self.pos += 1;
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }
}

/// Follows references (bounded by lopdf).
pub fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

/// A number, through references.
pub fn number(doc: &Document, o: &Object) -> Option<f32> {
    deref(doc, o).and_then(|o| o.as_float().ok()).filter(|v| v.is_finite())
}

fn name_of(o: Option<&Object>) -> Option<Vec<u8>> {
    o.and_then(|o| o.as_name().ok()).map(<[u8]>::to_vec)
}

/// The decompressed bytes of a stream (through references), bounded.
fn stream_bytes(doc: &Document, o: &Object) -> Option<Vec<u8>> {
    deref(doc, o).and_then(|o| o.as_stream().ok()).and_then(decompress)
}

/// A stream's content, decompressed if it is compressed, bounded by
/// [`MAX_CMAP_BYTES`].
fn decompress(stream: &lopdf::Stream) -> Option<Vec<u8>> {
    if stream.dict.get(b"Filter").is_ok() {
        stream.decompressed_content_with_limit(MAX_CMAP_BYTES).ok()
    } else {
        Some(stream.content.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(map: &CMap, code: u32) -> String {
        let mut s = String::new();
        assert!(map.push(code, &mut s), "{code:x}");
        s
    }

    #[test]
    fn to_unicode_cmap() {
        let cmap = CMap::parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
              1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              3 beginbfchar <0003> <0020> <04E2> <6CD5> <0500> <D840DC0B> endbfchar\n\
              1 beginbfrange <0010> <0012> <4E00> endbfrange\n\
              1 beginbfrange <0020> <0021> [<0066 0069> <00660066>] endbfrange\n\
              endcmap CMapName currentdict /CMap defineresource pop end end",
        );
        assert_eq!(cmap.codespace, vec![(2, 0, 0xFFFF)]);
        assert_eq!(text(&cmap, 0x04E2), "法");
        assert_eq!(text(&cmap, 0x0003), " ");
        assert_eq!(text(&cmap, 0x0500), "\u{2000B}");
        assert_eq!(text(&cmap, 0x0011), "丁");
        assert_eq!(text(&cmap, 0x0020), "fi");
        assert_eq!(text(&cmap, 0x0021), "ff");
        assert!(!cmap.push(0x0030, &mut String::new()));
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_char(b"uni6CD5"), Some('法'));
        assert_eq!(glyph_char(b"comma"), Some(','));
        assert_eq!(glyph_char(b"a"), Some('a'));
        assert_eq!(glyph_char(b"g123"), None);
        assert_eq!(glyph_char(b"zero.tnum"), Some('0'));
        assert_eq!(glyph_char(b"quotesingle"), Some('\''));
        assert_eq!(glyph_char(b"backslash"), Some('\\'));
    }

    #[test]
    fn gb_codes_split_and_decode() {
        let font = Font {
            codes: CodeSpace::Euc,
            to_unicode: None,
            fallback: Fallback::Gbk,
            widths: Widths::Cid { map: HashMap::new(), default: 1000.0, identity: false },
            scale: 0.001,
        };
        let bytes = encoding_rs::GBK.encode("法治A").0;
        let mut codes = Vec::new();
        font.codes(&bytes, &mut codes);
        assert_eq!(codes.len(), 3);
        let mut s = String::new();
        for c in &codes {
            assert!(font.push_text(*c, &mut s));
        }
        assert_eq!(s, "法治A");
        assert_eq!(font.advance(codes[2]), 0.5);
    }
}
