//! The JSON Lines wire format (SPEC §4).
//!
//! Every line is `{"type": T, "data": {…}}`. These are serialize-only wire
//! types, kept apart from the domain types so that the format changes only
//! on purpose. Offsets in `matches` are *character* offsets (Unicode scalar
//! values) into `passage.text`, half-open, sorted.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::Group;
use crate::corpus::{Level, SectionKind};
use crate::index::{ReportRecord, SkipRecord};
use crate::search::Hit;

/// Writes one `{"type": …, "data": …}` line.
pub fn line<W: Write, T: Serialize>(out: &mut W, kind: &str, data: &T) -> io::Result<()> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        r#type: &'a str,
        data: &'a T,
    }
    serde_json::to_writer(&mut *out, &Envelope { r#type: kind, data })?;
    out.write_all(b"\n")
}

/// `hit.data.report` and the base of `report.data`.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    id: &'a str,
    path: &'a str,
    title: Option<&'a str>,
    province: Option<&'a str>,
    city: Option<&'a str>,
    county: Option<&'a str>,
    township: Option<&'a str>,
    level: Option<Level>,
    issuer: Option<&'a str>,
    year: Option<i32>,
    published: Option<&'a str>,
}

impl<'a> ReportJson<'a> {
    /// The report fields of a record.
    pub fn new(r: &'a ReportRecord) -> Self {
        let m = &r.meta;
        ReportJson {
            id: &r.id,
            path: &r.path,
            title: m.title.as_deref(),
            province: m.province.as_deref(),
            city: m.city.as_deref(),
            county: m.county.as_deref(),
            township: m.township.as_deref(),
            level: m.level,
            issuer: m.issuer.as_deref(),
            year: m.year,
            published: m.published.as_deref(),
        }
    }
}

/// `reports` lines: the report fields plus `sections` and `chars`.
#[derive(Serialize)]
pub struct ReportLine<'a> {
    #[serde(flatten)]
    report: ReportJson<'a>,
    sections: Vec<SectionJson<'a>>,
    chars: u64,
}

impl<'a> ReportLine<'a> {
    /// The `report` line of a record.
    pub fn new(r: &'a ReportRecord) -> Self {
        ReportLine {
            report: ReportJson::new(r),
            sections: r
                .sections
                .iter()
                .map(|s| SectionJson { kinds: &s.kinds, heading: s.heading.as_deref(), path: None })
                .collect(),
            chars: r.chars,
        }
    }
}

/// A section: `{kinds, heading}` (+ `path` in hits).
#[derive(Serialize)]
pub struct SectionJson<'a> {
    kinds: &'a [SectionKind],
    heading: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a [String]>,
}

#[derive(Serialize)]
struct PassageJson<'a> {
    id: String,
    ordinal: u64,
    text: &'a str,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
}

/// `hit.data`.
#[derive(Serialize)]
pub struct HitJson<'a> {
    rank: usize,
    score: f32,
    report: ReportJson<'a>,
    section: SectionJson<'a>,
    passage: PassageJson<'a>,
    matches: Vec<Span>,
    /// With `search --collapse`: near-duplicates folded under this hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    copies: Option<usize>,
}

impl<'a> HitJson<'a> {
    /// The wire form of a hit at a rank (1-based).
    pub fn new(rank: usize, hit: &'a Hit) -> Self {
        HitJson {
            rank,
            score: hit.score,
            report: ReportJson::new(&hit.report),
            section: SectionJson {
                kinds: hit.kinds(),
                heading: hit.heading(),
                path: Some(&hit.path),
            },
            passage: PassageJson { id: hit.id(), ordinal: hit.ordinal, text: &hit.text },
            matches: hit.matches.iter().map(|r| Span { start: r.start, end: r.end }).collect(),
            copies: hit.copies,
        }
    }
}

/// `show --json` passage lines.
#[derive(Serialize)]
pub struct ShowPassageJson<'a> {
    id: String,
    ordinal: u64,
    section: SectionJson<'a>,
    text: &'a str,
}

impl<'a> ShowPassageJson<'a> {
    /// A passage of a shown report.
    pub fn new(
        r: &'a ReportRecord,
        ordinal: u64,
        section: usize,
        path: &'a [String],
        text: &'a str,
    ) -> Self {
        let s = r.sections.get(section);
        ShowPassageJson {
            id: crate::index::passage_id(&r.id, ordinal),
            ordinal,
            section: SectionJson {
                kinds: s.map(|s| s.kinds.as_slice()).unwrap_or(&[]),
                heading: s.and_then(|s| s.heading.as_deref()),
                path: Some(path),
            },
            text,
        }
    }
}

/// `search` summary.
#[derive(Serialize)]
pub struct SearchSummary {
    /// All matching passages.
    pub hits: usize,
    /// Reports with a matching passage.
    pub reports: usize,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// `count` group and summary lines. With two `--by` keys, `key` is the
/// first key's value and `key2` the second's; with one, there is no `key2`.
#[derive(Serialize)]
pub struct GroupJson<'a> {
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    reports: usize,
    reports_matching: usize,
    reports_share: f64,
    passages_matching: usize,
    mentions: usize,
    chars: u64,
    per_10k_chars: f64,
}

impl<'a> GroupJson<'a> {
    /// The wire form of a count row.
    pub fn new(g: &'a Group) -> Self {
        GroupJson {
            key: &g.key,
            key2: g.key2.as_deref(),
            path: g.path.as_deref(),
            reports: g.reports,
            reports_matching: g.reports_matching,
            reports_share: (g.reports_share() * 10_000.0).round() / 10_000.0,
            passages_matching: g.passages_matching,
            mentions: g.mentions,
            chars: g.chars,
            per_10k_chars: (g.per_10k_chars() * 1000.0).round() / 1000.0,
        }
    }
}

/// `index` skipped lines.
#[derive(Serialize)]
pub struct SkippedJson<'a> {
    path: &'a str,
    reason: &'a str,
}

impl<'a> SkippedJson<'a> {
    /// The wire form of a skipped file.
    pub fn new(s: &'a SkipRecord) -> Self {
        SkippedJson { path: &s.path, reason: &s.reason }
    }
}

/// `index` summary.
#[derive(Serialize)]
pub struct IndexSummary {
    /// New reports.
    pub added: usize,
    /// Changed reports.
    pub updated: usize,
    /// Reports gone from the corpus.
    pub removed: usize,
    /// Reports already indexed and unchanged.
    pub unchanged: usize,
    /// Skipped files.
    pub skipped: usize,
    /// Wall time.
    pub elapsed_ms: u64,
}
