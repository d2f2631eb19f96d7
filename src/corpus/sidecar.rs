//! `NAME.meta.toml` overrides: per-report corrections of the extracted
//! metadata, for the reports that no rule can read (SPEC §1).
//!
//! A sidecar sits next to its report, named after the report's stem or its
//! full file name (`2023报告.meta.toml` or `2023报告.txt.meta.toml`), and
//! uses the JSON field names as keys:
//!
//! ```toml
//! title = "关于2023年法治政府建设情况的报告"
//! province = "重庆市"
//! city = ""            # empty string: force the field to null
//! county = "万州区"
//! township = "燕山乡"
//! level = "township"   # national | province | city | county | township, or 乡镇, 县 …
//! issuer = "万州区燕山乡人民政府"
//! year = 2020          # an integer (a quoted "2020" is accepted too)
//! published = 2021-01-15   # a TOML date, or the string "2021-01-15"
//! ```
//!
//! Every key is optional; keys present replace the extracted value. An
//! empty string sets the field to null (for `year` too). Place names are
//! taken as written: we do not check them against the gazetteer, since a
//! sidecar exists precisely for what the gazetteer and the rules get wrong.
//! Unknown keys and bad values are reported with their line number and
//! otherwise ignored, so one typo never discards the rest of the file.

use std::path::{Path, PathBuf};

use super::report::{Level, Metadata};

/// The keys a sidecar may set, in SPEC §1 order.
pub const KEYS: [&str; 9] =
    ["title", "province", "city", "county", "township", "level", "issuer", "year", "published"];

/// Applies a sidecar's overrides to `meta`.
///
/// Valid keys are applied; each unknown key or bad value gives one error
/// message naming its line (`line 3: unknown key "yaer"`), and a file that
/// is not valid TOML gives one message and changes nothing. Returns the
/// messages, empty when everything applied.
pub fn apply_overrides(meta: &mut Metadata, toml_text: &str) -> Vec<String> {
    let table: toml::Table = match toml_text.parse() {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| line_of(toml_text, s.start));
            let msg = e.message().trim().to_string();
            return vec![match line {
                Some(l) => format!("line {l}: invalid TOML: {msg}"),
                None => format!("invalid TOML: {msg}"),
            }];
        }
    };
    let mut errors = Vec::new();
    // Keys in file order, so messages come in the order a user reads them.
    let mut entries: Vec<(&String, &toml::Value)> = table.iter().collect();
    entries.sort_by_key(|(k, _)| key_line(toml_text, k));
    for (key, value) in entries {
        let line = key_line(toml_text, key);
        let at = |msg: String| match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        };
        if let Err(msg) = apply_one(meta, key, value) {
            errors.push(at(msg));
        }
    }
    errors
}

/// Applies one key; `Err` with a message for an unknown key or bad value.
fn apply_one(meta: &mut Metadata, key: &str, value: &toml::Value) -> Result<(), String> {
    let text = || -> Result<Option<String>, String> {
        match value {
            toml::Value::String(s) if s.trim().is_empty() => Ok(None),
            toml::Value::String(s) => Ok(Some(s.trim().to_string())),
            other => Err(format!("{key} must be a string, not {}", other.type_str())),
        }
    };
    match key {
        "title" => meta.title = text()?,
        "province" => meta.province = text()?,
        "city" => meta.city = text()?,
        "county" => meta.county = text()?,
        "township" => meta.township = text()?,
        "issuer" => meta.issuer = text()?,
        "level" => {
            meta.level = match text()? {
                None => None,
                Some(s) => Some(Level::parse(&s).ok_or_else(|| {
                    format!(
                        "bad level {s:?}: expected national, province, city, county or township"
                    )
                })?),
            }
        }
        "year" => {
            let year = match value {
                toml::Value::Integer(y) => Some(*y),
                toml::Value::String(s) if s.trim().is_empty() => None,
                toml::Value::String(s) => {
                    Some(s.trim().parse::<i64>().map_err(|_| format!("bad year {s:?}"))?)
                }
                other => return Err(format!("year must be an integer, not {}", other.type_str())),
            };
            meta.year = match year {
                None => None,
                Some(y) if (1900..=2100).contains(&y) => Some(y as i32),
                Some(y) => return Err(format!("bad year {y}: expected 1900..2100")),
            };
        }
        "published" => {
            let raw = match value {
                toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none() => d.to_string(),
                toml::Value::String(s) => s.trim().to_string(),
                other => return Err(format!("published must be a date, not {}", other.type_str())),
            };
            meta.published =
                if raw.is_empty() {
                    None
                } else {
                    Some(parse_ymd(&raw).ok_or_else(|| {
                        format!("bad published date {raw:?}: expected YYYY-MM-DD")
                    })?)
                };
        }
        _ => return Err(format!("unknown key {key:?} (known: {})", KEYS.join(", "))),
    }
    Ok(())
}

/// Checks a `YYYY-MM-DD` date and returns it zero-padded.
fn parse_ymd(s: &str) -> Option<String> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The 1-based line holding byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The 1-based line where `key` is assigned (`key =`, `"key" =`), if we
/// can find it. We scan lines rather than keep spans from the parser: the
/// table is flat, so the first assignment is the one.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| l.strip_prefix(&format!("'{key}'")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The sidecar files that may belong to a report file, in the order they
/// should be applied: `dir/STEM.meta.toml`, then `dir/FILENAME.meta.toml`
/// (the more specific one last, so it wins). For a file without an
/// extension the two are the same and it is listed once.
pub fn sidecar_candidates(report: &Path) -> Vec<PathBuf> {
    let dir = report.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    if let Some(stem) = report.file_stem() {
        let mut n = stem.to_os_string();
        n.push(".meta.toml");
        out.push(dir.join(n));
    }
    if let Some(name) = report.file_name() {
        let mut n = name.to_os_string();
        n.push(".meta.toml");
        let p = dir.join(n);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata {
            title: Some("旧标题".into()),
            province: Some("安徽省".into()),
            city: Some("马鞍山市".into()),
            year: Some(2019),
            ..Metadata::default()
        }
    }

    #[test]
    fn applies_known_keys() {
        let mut m = meta();
        let errs = apply_overrides(
            &mut m,
            "title = \"关于2020年法治政府建设情况的报告\"\nprovince = \"重庆市\"\ncity = \"\"\n\
             county = \"万州区\"\ntownship = \"燕山乡\"\nlevel = \"乡镇\"\nissuer = \"燕山乡人民政府\"\n\
             year = 2020\npublished = 2021-01-05\n",
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(m.title.as_deref(), Some("关于2020年法治政府建设情况的报告"));
        assert_eq!(m.province.as_deref(), Some("重庆市"));
        assert_eq!(m.city, None);
        assert_eq!(m.level, Some(Level::Township));
        assert_eq!(m.year, Some(2020));
        assert_eq!(m.published.as_deref(), Some("2021-01-05"));
    }

    #[test]
    fn empty_string_forces_null() {
        let mut m = meta();
        assert!(apply_overrides(&mut m, "year = \"\"\ntitle = ''\n").is_empty());
        assert_eq!((m.year, m.title), (None, None));
    }

    #[test]
    fn unknown_key_and_bad_year_are_reported_with_lines() {
        let mut m = meta();
        let errs = apply_overrides(
            &mut m,
            "# comment\nyaer = 2020\nyear = \"twenty\"\nprovince = \"重庆市\"\nlevel = \"galaxy\"\n",
        );
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("line 2: unknown key \"yaer\""), "{errs:?}");
        assert!(errs[1].starts_with("line 3: bad year"), "{errs:?}");
        assert!(errs[2].starts_with("line 5: bad level"), "{errs:?}");
        // The valid key still applies; the bad ones leave the field alone.
        assert_eq!(m.province.as_deref(), Some("重庆市"));
        assert_eq!(m.year, Some(2019));
    }

    #[test]
    fn bad_values() {
        let mut m = meta();
        let errs = apply_overrides(&mut m, "year = 20200\npublished = \"2021-02-30\"\ncity = 5\n");
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[1].starts_with("line 2: bad published"));
        assert!(errs[2].starts_with("line 3: city must be a string"));
    }

    #[test]
    fn invalid_toml_changes_nothing() {
        let mut m = meta();
        let errs = apply_overrides(&mut m, "title = \"x\"\nyear = = 3\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("line 2: invalid TOML"), "{errs:?}");
        assert_eq!(m, meta());
    }

    #[test]
    fn candidates() {
        let c = sidecar_candidates(Path::new("corpus/a/报告.txt"));
        assert_eq!(
            c,
            vec![
                PathBuf::from("corpus/a/报告.meta.toml"),
                PathBuf::from("corpus/a/报告.txt.meta.toml")
            ]
        );
        assert_eq!(
            sidecar_candidates(Path::new("README")),
            vec![PathBuf::from("README.meta.toml")]
        );
    }
}
