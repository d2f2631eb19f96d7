//! Human output: hit headers, snippets with highlighted matches, tables.
//!
//! Colors go through `termcolor` (so `--color` and `NO_COLOR` are decided
//! once, by the caller); widths are display widths (a CJK character takes
//! two columns) so that tables of Chinese names line up.

use std::io;
use std::ops::Range;

use termcolor::{Color, ColorSpec, WriteColor};
use unicode_width::UnicodeWidthStr;

use crate::corpus::{Level, Metadata};
use crate::search::Hit;

/// Passages up to this many characters are printed whole.
const WHOLE_PASSAGE: usize = 240;
/// Characters of context on each side of a match in a snippet.
const CONTEXT: usize = 60;
/// At most this many windows per snippet.
const MAX_WINDOWS: usize = 4;
/// Headings in a hit header are cut to this many characters.
const HEADING_CHARS: usize = 24;

/// A short place label: `渠县有庆镇`, `呼伦贝尔市海拉尔区`, `全国`.
pub fn place_label(m: &Metadata) -> String {
    place_label_of(
        m.level,
        [m.province.as_deref(), m.city.as_deref(), m.county.as_deref(), m.township.as_deref()],
    )
}

/// [`place_label`] of a level and the names at each level (province, city,
/// county, township).
pub fn place_label_of(level: Option<Level>, names: [Option<&str>; 4]) -> String {
    let [province, city, county, township] = names;
    let parts: Vec<&str> = match level {
        Some(Level::National) => return "全国".to_string(),
        Some(Level::Township) | None if township.is_some() => {
            [county, township].into_iter().flatten().collect()
        }
        _ => {
            let upper = if city.is_some() { city } else { province };
            let lower = if county.is_some() { county } else { city };
            let mut v: Vec<&str> = Vec::new();
            if let Some(u) = upper {
                v.push(u);
            }
            if let Some(l) = lower {
                if !v.contains(&l) {
                    v.push(l);
                }
            }
            v
        }
    };
    if parts.is_empty() {
        "(place unknown)".to_string()
    } else {
        parts.concat()
    }
}

/// Shortens to `n` characters with an ellipsis.
pub fn truncate(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// Replaces control, bidi and zero-width characters (which could garble a
/// terminal) by visible escapes.
pub fn sanitize(s: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn spec(color: Color, bold: bool) -> ColorSpec {
    let mut s = ColorSpec::new();
    s.set_fg(Some(color)).set_bold(bold);
    s
}

/// The header line of a hit: place · year · heading path, then the id.
pub fn hit_header(hit: &Hit) -> (String, String) {
    let m = &hit.report.meta;
    let year = m.year.map(|y| y.to_string()).unwrap_or_else(|| "—".into());
    let mut parts = vec![place_label(m), year];
    let path: Vec<String> = hit.path.iter().map(|h| truncate(h, HEADING_CHARS)).collect();
    if !path.is_empty() {
        parts.push(path.join(" › "));
    }
    (parts.join(" · "), hit.report.id.clone())
}

/// Prints one hit: header, then the snippet with highlighted matches.
pub fn print_hit(out: &mut dyn WriteColor, hit: &Hit) -> io::Result<()> {
    let (header, id) = hit_header(hit);
    out.set_color(&spec(Color::Green, true))?;
    write!(out, "{}", sanitize(&header))?;
    out.reset()?;
    out.set_color(&spec(Color::Cyan, false))?;
    match hit.copies {
        Some(n) if n > 0 => writeln!(
            out,
            "  [{id}] (+{n} near-{})",
            if n == 1 { "duplicate" } else { "duplicates" }
        )?,
        _ => writeln!(out, "  [{id}]")?,
    }
    out.reset()?;
    write!(out, "  ")?;
    print_snippet(out, &hit.text, &hit.matches)?;
    writeln!(out)?;
    writeln!(out)
}

/// Windows of a long passage around its matches (character ranges).
pub fn snippet_windows(len: usize, matches: &[Range<usize>]) -> Vec<Range<usize>> {
    if len <= WHOLE_PASSAGE || matches.is_empty() {
        return vec![0..len.min(if matches.is_empty() { WHOLE_PASSAGE } else { len })];
    }
    let mut windows: Vec<Range<usize>> = Vec::new();
    for m in matches {
        let w = m.start.saturating_sub(CONTEXT)..(m.end + CONTEXT).min(len);
        match windows.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => windows.push(w),
        }
    }
    windows.truncate(MAX_WINDOWS);
    windows
}

/// Prints a passage (or windows of it) with the matches highlighted.
pub fn print_snippet(
    out: &mut dyn WriteColor,
    text: &str,
    matches: &[Range<usize>],
) -> io::Result<()> {
    let chars: Vec<char> = text.chars().collect();
    let windows = snippet_windows(chars.len(), matches);
    // Merge overlapping matches for display.
    let mut merged: Vec<Range<usize>> = Vec::new();
    for m in matches {
        match merged.last_mut() {
            Some(last) if m.start <= last.end => last.end = last.end.max(m.end),
            _ => merged.push(m.clone()),
        }
    }
    for (i, w) in windows.iter().enumerate() {
        if i > 0 || w.start > 0 {
            write!(out, "…")?;
        }
        let mut pos = w.start;
        for m in merged.iter().filter(|m| m.end > w.start && m.start < w.end) {
            let (s, e) = (m.start.max(w.start), m.end.min(w.end));
            if s > pos {
                write!(out, "{}", flat(&chars[pos..s]))?;
            }
            out.set_color(&spec(Color::Red, true))?;
            write!(out, "{}", flat(&chars[s..e]))?;
            out.reset()?;
            pos = e;
        }
        if pos < w.end {
            write!(out, "{}", flat(&chars[pos..w.end]))?;
        }
        if w.end < chars.len() && i + 1 == windows.len() {
            write!(out, "…")?;
        }
    }
    Ok(())
}

/// Characters as one display line (line breaks shown as spaces).
fn flat(chars: &[char]) -> String {
    let s: String = chars.iter().map(|&c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    sanitize(&s)
}

/// Pads to a display width (left-aligned).
pub fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Pads to a display width (right-aligned).
pub fn rpad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w)))
}

/// Prints a table: the first `left` columns left-aligned, the rest
/// right-aligned; a bold header row.
pub fn print_table(
    out: &mut dyn WriteColor,
    headers: &[&str],
    rows: &[Vec<String>],
    left: usize,
) -> io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| UnicodeWidthStr::width(*h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i < left { pad(c, widths[i]) } else { rpad(c, widths[i]) })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    out.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(out, "{}", line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>()))?;
    out.reset()?;
    for row in rows {
        writeln!(out, "{}", sanitize(&line(row)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls_and_keeps_the_rest() {
        assert_eq!(sanitize("坚持“枫桥经验”，ok"), "坚持“枫桥经验”，ok");
        assert_eq!(sanitize("a\tb"), "a b");
        assert_eq!(sanitize("x\u{1b}[31my\u{202E}z"), "x\\u{1b}[31my\\u{202e}z");
    }

    #[test]
    fn place_labels() {
        let m = Metadata {
            county: Some("渠县".into()),
            township: Some("有庆镇".into()),
            level: Some(Level::Township),
            ..Default::default()
        };
        assert_eq!(place_label(&m), "渠县有庆镇");
        let m = Metadata {
            province: Some("内蒙古自治区".into()),
            city: Some("呼伦贝尔市".into()),
            county: Some("海拉尔区".into()),
            level: Some(Level::County),
            ..Default::default()
        };
        assert_eq!(place_label(&m), "呼伦贝尔市海拉尔区");
        let m = Metadata { level: Some(Level::National), ..Default::default() };
        assert_eq!(place_label(&m), "全国");
    }

    #[test]
    fn windows_merge_and_cap() {
        assert_eq!(snippet_windows(100, &[10..12]), vec![0..100]);
        assert_eq!(snippet_windows(1000, &[100..104, 130..134]), vec![40..194]);
        assert_eq!(snippet_windows(1000, &[10..14]), vec![0..74]);
    }

    #[test]
    fn widths_count_cjk_twice() {
        assert_eq!(pad("渠县", 6), "渠县  ");
        assert_eq!(rpad("12", 4), "  12");
    }
}
