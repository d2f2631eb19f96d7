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
//!
//! Values are checked by [`set_field`], which the corpus-wide table
//! `metadata.csv` ([`super::overrides`]) shares. A sidecar is applied after
//! that table: the file next to the report is the more specific one.
//! [`sidecar_fingerprint`] lets the indexer notice that a sidecar changed.

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

/// Applies one TOML key; `Err` with a message for an unknown key or bad
/// value. The TOML value is mapped to a [`FieldValue`] (an empty string
/// meaning null, a TOML date allowed for `published`) and then checked by
/// [`set_field`], the same check `metadata.csv` uses.
fn apply_one(meta: &mut Metadata, key: &str, value: &toml::Value) -> Result<(), String> {
    if !KEYS.contains(&key) {
        return Err(format!("unknown key {key:?} (known: {})", KEYS.join(", ")));
    }
    let value = match value {
        toml::Value::String(s) if s.trim().is_empty() => FieldValue::Null,
        toml::Value::String(s) => FieldValue::Text(s),
        toml::Value::Integer(i) => FieldValue::Integer(*i),
        toml::Value::Datetime(d) if key == "published" && d.date.is_some() && d.time.is_none() => {
            return set_field(meta, key, FieldValue::Text(&d.to_string()));
        }
        other => return Err(type_error(key, other.type_str())),
    };
    set_field(meta, key, value)
}

/// A value given for one metadata field by an override file (a sidecar or
/// `metadata.csv`), before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// Force the field to null.
    Null,
    /// A string, as written (it is trimmed here).
    Text(&'a str),
    /// An integer (TOML); only `year` takes one.
    Integer(i64),
}

/// Sets one field of `meta` from an override, checking the value: the one
/// place where both override files' values are validated.
///
/// - `title`, `province`, `city`, `county`, `township`, `issuer`: any
///   non-empty text, taken as written (trimmed).
/// - `level`: `national`, `province`, `city`, `county`, `township` or a
///   Chinese alias ([`Level::parse`]: 乡镇, 县, …).
/// - `year`: an integer in 1900..=2100, as a number or as text.
/// - `published`: a `YYYY-MM-DD` date that exists (stored zero-padded).
///
/// On `Err` (unknown key, bad value; the message names the key and the
/// value), `meta` is left unchanged.
pub fn set_field(meta: &mut Metadata, key: &str, value: FieldValue<'_>) -> Result<(), String> {
    // Whitespace-only text is null too: there is no useful blank title.
    let value = match value {
        FieldValue::Text(s) if s.trim().is_empty() => FieldValue::Null,
        FieldValue::Text(s) => FieldValue::Text(s.trim()),
        v => v,
    };
    let text = || -> Result<Option<String>, String> {
        match value {
            FieldValue::Null => Ok(None),
            FieldValue::Text(s) => Ok(Some(s.to_string())),
            FieldValue::Integer(_) => Err(type_error(key, "integer")),
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
                FieldValue::Null => None,
                FieldValue::Integer(y) => Some(y),
                FieldValue::Text(s) => Some(
                    s.parse::<i64>().map_err(|_| format!("bad year {s:?}: expected a number"))?,
                ),
            };
            meta.year = match year {
                None => None,
                Some(y) if (1900..=2100).contains(&y) => Some(y as i32),
                Some(y) => return Err(format!("bad year {y}: expected 1900..2100")),
            };
        }
        "published" => {
            meta.published =
                match value {
                    FieldValue::Null => None,
                    FieldValue::Text(raw) => Some(parse_ymd(raw).ok_or_else(|| {
                        format!("bad published date {raw:?}: expected YYYY-MM-DD")
                    })?),
                    FieldValue::Integer(_) => return Err(type_error(key, "integer")),
                };
        }
        _ => return Err(format!("unknown key {key:?} (known: {})", KEYS.join(", "))),
    }
    Ok(())
}

/// `city must be a string, not integer`.
fn type_error(key: &str, type_name: &str) -> String {
    match key {
        "year" => format!("year must be an integer, not {type_name}"),
        "published" => format!("published must be a date, not {type_name}"),
        _ => format!("{key} must be a string, not {type_name}"),
    }
}

/// Checks a `YYYY-MM-DD` date and returns it zero-padded.
fn parse_ymd(s: &str) -> Option<String> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    // An override may name any year of four digits; the day must exist.
    (d >= 1 && d <= super::date::days_in_month(y, m)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The 1-based line holding byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    // Counted on bytes, so no offset can fall inside a character (toml's
    // spans are token boundaries anyway).
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
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

/// A fingerprint (blake3 hex) of the sidecar files that exist for the
/// report at `report` — their names and bytes, in [`sidecar_candidates`]
/// order — or `None` when there is none. Any edit, addition, removal or
/// rename of a sidecar changes it; the incremental indexer stores it to
/// reindex a report whose own bytes did not change. A sidecar that exists
/// but cannot be read counts with its error, so that it is noticed when it
/// becomes readable.
pub fn sidecar_fingerprint(report: &Path) -> Option<String> {
    let mut hasher = blake3::Hasher::new();
    let mut any = false;
    for candidate in sidecar_candidates(report) {
        let bytes = match std::fs::read(&candidate) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => format!("\u{0}error: {e}").into_bytes(),
        };
        any = true;
        let name = candidate.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    any.then(|| hasher.finalize().to_hex().to_string())
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
    fn fingerprint_of_existing_sidecars() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("报告.txt");
        std::fs::write(&report, "x").unwrap();
        assert_eq!(sidecar_fingerprint(&report), None);
        std::fs::write(dir.path().join("报告.meta.toml"), "year = 2020\n").unwrap();
        let one = sidecar_fingerprint(&report).unwrap();
        std::fs::write(dir.path().join("报告.meta.toml"), "year = 2021\n").unwrap();
        let edited = sidecar_fingerprint(&report).unwrap();
        assert_ne!(one, edited);
        // The same bytes under the other name are a different override set.
        std::fs::rename(dir.path().join("报告.meta.toml"), dir.path().join("报告.txt.meta.toml"))
            .unwrap();
        assert_ne!(sidecar_fingerprint(&report).unwrap(), edited);
    }

    #[test]
    fn set_field_checks_values() {
        let mut m = meta();
        assert!(set_field(&mut m, "year", FieldValue::Text(" 2021 ")).is_ok());
        assert_eq!(m.year, Some(2021));
        assert!(set_field(&mut m, "year", FieldValue::Text("1800")).is_err());
        assert!(set_field(&mut m, "level", FieldValue::Text("县")).is_ok());
        assert_eq!(m.level, Some(Level::County));
        assert!(set_field(&mut m, "published", FieldValue::Text("2021/01/01")).is_err());
        assert!(set_field(&mut m, "township", FieldValue::Integer(3)).is_err());
        assert!(set_field(&mut m, "title", FieldValue::Text("  ")).is_ok());
        assert_eq!(m.title, None, "blank text is null");
        assert!(set_field(&mut m, "yaer", FieldValue::Null).unwrap_err().contains("unknown key"));
        assert_eq!(m.year, Some(2021));
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
