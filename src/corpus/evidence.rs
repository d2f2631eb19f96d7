//! The evidence behind a report's metadata: for each field, the value, the
//! clue it came from and the candidates that were rejected, and why
//! (`baogao reports --explain`, SPEC §1).
//!
//! `metadata` and `resolve` fill an [`Evidence`] while they decide; the
//! index stores it with the report record, so that a researcher can see in
//! one command why a report was filed where it was, and fix it with a
//! sidecar or a `metadata.csv` row. It is kept small: clue texts are
//! shortened around the clue, and at most [`MAX_REJECTED`] rejected
//! candidates are kept per field.

use serde::{Deserialize, Serialize};

/// At most this many rejected candidates are kept per field.
pub const MAX_REJECTED: usize = 5;

/// Where a clue was found, from the report's own voice down to its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The report's title line.
    Title,
    /// The page's title (HTML `<title>` or article heading), when the text
    /// has no title line of its own.
    PageTitle,
    /// An issuing body: the lines above the title, or the signature.
    Issuer,
    /// The delivery line: `在…第X届人民代表大会第X次会议上`.
    Delivery,
    /// The speaker line: `保定市满城区人民政府区长 程杰`, `省长 胡玉亭`.
    Speaker,
    /// How the report names itself: `我代表区人民政府`, `现将我镇…报告如下`.
    SelfName,
    /// Self-references in the running text: `全县`, `我镇`, `本区`.
    SelfReference,
    /// The opening sentence: `现将…2023年…报告如下`.
    Opening,
    /// A top-level heading: `一、2023年工作回顾`, `二、2024年工作安排`.
    Heading,
    /// A date label: `发布日期：…`, or the page's publication date.
    DateLabel,
    /// The date at the end of the report.
    Signature,
    /// A mention in the running text.
    Body,
    /// A folder or file name.
    Path,
    /// The gazetteer: the place above one the report names.
    Gazetteer,
    /// A sidecar `NAME.meta.toml` or a `metadata.csv` row.
    Override,
}

impl Source {
    /// A short description for human output.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Title => "title",
            Source::PageTitle => "page title",
            Source::Issuer => "issuer",
            Source::Delivery => "delivery line",
            Source::Speaker => "speaker line",
            Source::SelfName => "self-designation",
            Source::SelfReference => "self-references",
            Source::Opening => "opening",
            Source::Heading => "heading",
            Source::DateLabel => "date label",
            Source::Signature => "signature",
            Source::Body => "body",
            Source::Path => "path",
            Source::Gazetteer => "gazetteer",
            Source::Override => "override",
        }
    }

    /// True for the clues in which the report speaks for itself (title,
    /// issuer, delivery and speaker lines, self-designation): they outrank
    /// anything it merely mentions.
    pub fn is_own_voice(self) -> bool {
        matches!(
            self,
            Source::Title
                | Source::PageTitle
                | Source::Issuer
                | Source::Delivery
                | Source::Speaker
                | Source::SelfName
        )
    }
}

/// One clue: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clue {
    /// What kind of clue it is.
    pub source: Source,
    /// The 1-based line of the report's text (for HTML, of the extracted
    /// article text; for `.docx`, the paragraph); `None` for the path, the
    /// gazetteer, a page's metadata or an override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The line (shortened around the clue), the path part, or a note.
    pub text: String,
}

impl Clue {
    /// A clue on a line of the text; `text` is shortened around `at` (a
    /// byte offset into it).
    pub fn on_line(source: Source, line: u32, text: &str, at: usize) -> Clue {
        Clue { source, line: Some(line), text: excerpt(text, at, 60) }
    }

    /// A clue that is not on a line (path part, gazetteer note, override).
    pub fn note(source: Source, text: impl Into<String>) -> Clue {
        Clue { source, line: None, text: text.into() }
    }
}

/// A candidate value that was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The candidate value.
    pub value: String,
    /// Where it was seen, if anywhere in particular.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    /// Why it was not taken.
    pub reason: String,
}

/// The evidence for one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The clue the value came from (`None` when the field is null, or
    /// when no particular clue gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    /// Candidates rejected, strongest first, at most [`MAX_REJECTED`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
}

impl FieldEvidence {
    /// Evidence with only a clue.
    pub fn of(clue: Clue) -> FieldEvidence {
        FieldEvidence { clue: Some(clue), rejected: Vec::new() }
    }

    /// Adds a rejected candidate, unless the list is full or holds the
    /// same value already.
    pub fn reject(
        &mut self,
        value: impl Into<String>,
        clue: Option<Clue>,
        reason: impl Into<String>,
    ) {
        let value = value.into();
        if self.rejected.len() < MAX_REJECTED && !self.rejected.iter().any(|r| r.value == value) {
            self.rejected.push(Rejected { value, clue, reason: reason.into() });
        }
    }

    fn is_empty(&self) -> bool {
        self.clue.is_none() && self.rejected.is_empty()
    }
}

/// The metadata fields that carry evidence, in the order `--explain`
/// prints them.
pub const FIELDS: [&str; 9] =
    ["title", "issuer", "level", "province", "city", "county", "township", "year", "published"];

/// The evidence behind every field of a report's [`Metadata`](super::Metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The title.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub title: FieldEvidence,
    /// The issuer.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub issuer: FieldEvidence,
    /// The level.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub level: FieldEvidence,
    /// The province.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub province: FieldEvidence,
    /// The city.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub city: FieldEvidence,
    /// The county.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub county: FieldEvidence,
    /// The township.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub township: FieldEvidence,
    /// The year.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub year: FieldEvidence,
    /// The publication date.
    #[serde(default, skip_serializing_if = "FieldEvidence::is_empty")]
    pub published: FieldEvidence,
}

impl Evidence {
    /// The evidence of a field by its JSON name (one of [`FIELDS`]).
    pub fn field(&self, name: &str) -> Option<&FieldEvidence> {
        Some(match name {
            "title" => &self.title,
            "issuer" => &self.issuer,
            "level" => &self.level,
            "province" => &self.province,
            "city" => &self.city,
            "county" => &self.county,
            "township" => &self.township,
            "year" => &self.year,
            "published" => &self.published,
            _ => return None,
        })
    }

    /// The same, mutable.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut FieldEvidence> {
        Some(match name {
            "title" => &mut self.title,
            "issuer" => &mut self.issuer,
            "level" => &mut self.level,
            "province" => &mut self.province,
            "city" => &mut self.city,
            "county" => &mut self.county,
            "township" => &mut self.township,
            "year" => &mut self.year,
            "published" => &mut self.published,
            _ => return None,
        })
    }
}

impl Evidence {
    /// Every clue, in [`FIELDS`] order, each field's own clue before its
    /// rejected candidates'.
    fn clues_mut(&mut self) -> Vec<&mut Clue> {
        let mut out = Vec::new();
        for f in [
            &mut self.title,
            &mut self.issuer,
            &mut self.level,
            &mut self.province,
            &mut self.city,
            &mut self.county,
            &mut self.township,
            &mut self.year,
            &mut self.published,
        ] {
            out.extend(f.clue.as_mut());
            out.extend(f.rejected.iter_mut().filter_map(|r| r.clue.as_mut()));
        }
        out
    }

    /// Drops the text of every clue that repeats an earlier clue on the
    /// same line word for word (a title line is the clue of up to seven
    /// fields): the evidence is stored with every report record, so it
    /// is kept small. [`Evidence::text`] gives the text back.
    pub fn compact(&mut self) {
        let mut seen: Vec<(u32, String)> = Vec::new();
        for c in self.clues_mut() {
            let Some(line) = c.line else {
                continue;
            };
            if seen.iter().any(|(l, t)| *l == line && *t == c.text) {
                c.text.clear();
            } else {
                seen.push((line, c.text.clone()));
            }
        }
    }

    /// The text of a clue, also when [`Evidence::compact`] dropped it as a
    /// repeat: the first clue on the same line that has one.
    pub fn text<'a>(&'a self, clue: &'a Clue) -> &'a str {
        if !clue.text.is_empty() || clue.line.is_none() {
            return &clue.text;
        }
        FIELDS
            .iter()
            .filter_map(|f| self.field(f))
            .flat_map(|f| f.clue.iter().chain(f.rejected.iter().filter_map(|r| r.clue.as_ref())))
            .find(|c| c.line == clue.line && !c.text.is_empty())
            .map_or("", |c| c.text.as_str())
    }
}

/// The evidence as stored with a report record: compact JSON text, parsed
/// only when it is shown (`reports --explain`). Commands that load every
/// record (a count over 100,000 reports) then pay for one string per
/// record, not for dozens of small ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredEvidence(String);

impl StoredEvidence {
    /// Stores an evidence ([`Evidence::compact`] it first).
    pub fn new(ev: &Evidence) -> StoredEvidence {
        if *ev == Evidence::default() {
            return StoredEvidence::default();
        }
        StoredEvidence(serde_json::to_string(ev).expect("evidence serializes"))
    }

    /// The stored form as it is kept in the index (JSON, or empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form read back from the index.
    pub fn from_stored(s: &str) -> StoredEvidence {
        StoredEvidence(s.to_string())
    }

    /// The evidence; empty when none was recorded (an index built before
    /// evidence was kept).
    pub fn load(&self) -> Evidence {
        if self.0.is_empty() {
            return Evidence::default();
        }
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

/// `text` shortened to about `width` characters around the byte offset
/// `at`, with `…` where it was cut; whitespace runs become one space.
pub fn excerpt(text: &str, at: usize, width: usize) -> String {
    // Only the window is walked: lines may be a whole report long.
    let lead = text.len() - text.trim_start().len();
    let text = text.trim();
    let mut at = at.saturating_sub(lead).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before: Vec<(usize, char)> = text[..at].char_indices().rev().take(width).collect();
    let after: Vec<(usize, char)> =
        text[at..].char_indices().take(width).map(|(i, c)| (at + i, c)).collect();
    // Up to a third of the width before the clue, more if the line ends.
    let take_before = (width / 3).max(width.saturating_sub(after.len())).min(before.len());
    let mut chars: Vec<(usize, char)> = before[..take_before].iter().rev().copied().collect();
    chars.extend(after.iter().take(width - take_before));
    let cut_front = chars.first().is_some_and(|&(i, _)| i > 0);
    let cut_back = chars.last().is_some_and(|&(i, c)| i + c.len_utf8() < text.len());
    let mut out = String::new();
    if cut_front {
        out.push('…');
    }
    let mut space = false;
    for &(_, c) in &chars {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() && out != "…" {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    if cut_back {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_around_the_clue() {
        assert_eq!(excerpt("短句", 0, 60), "短句");
        let long = "甲".repeat(100) + "渠县" + &"乙".repeat(100);
        let at = long.find("渠县").unwrap();
        let e = excerpt(&long, at, 20);
        assert!(e.starts_with('…') && e.ends_with('…') && e.contains("渠县"), "{e}");
        assert_eq!(excerpt("  各位代表：　现在  ", 0, 60), "各位代表： 现在");
    }

    #[test]
    fn rejected_are_bounded_and_distinct() {
        let mut f = FieldEvidence::default();
        for i in 0..10 {
            f.reject(format!("v{}", i % 7), None, "why");
        }
        assert_eq!(f.rejected.len(), MAX_REJECTED);
        assert_eq!(f.rejected[0].value, "v0");
    }

    #[test]
    fn repeated_clues_are_stored_once() {
        let title = Clue::on_line(Source::Title, 1, "渠县有庆镇2024年法治政府建设年度报告", 0);
        let mut e = Evidence {
            title: FieldEvidence::of(title.clone()),
            county: FieldEvidence::of(title.clone()),
            township: FieldEvidence::of(title.clone()),
            ..Evidence::default()
        };
        e.year.reject(
            "2023",
            Some(Clue::on_line(Source::Heading, 7, "一、2023年工作回顾", 0)),
            "why",
        );
        let before = serde_json::to_string(&e).unwrap().len();
        e.compact();
        assert!(serde_json::to_string(&e).unwrap().len() < before);
        let county = e.county.clue.as_ref().unwrap();
        assert!(county.text.is_empty());
        assert_eq!(e.text(county), title.text);
        let heading = e.year.rejected[0].clue.as_ref().unwrap();
        assert_eq!(e.text(heading), "一、2023年工作回顾");
    }

    #[test]
    fn empty_evidence_serializes_small() {
        assert_eq!(serde_json::to_string(&Evidence::default()).unwrap(), "{}");
        let e: Evidence = serde_json::from_str("{}").unwrap();
        assert_eq!(e, Evidence::default());
        assert_eq!(serde_json::to_string(&StoredEvidence::new(&e)).unwrap(), "\"\"");
        let e = Evidence {
            year: FieldEvidence::of(Clue::note(Source::Path, "2024-x")),
            ..Evidence::default()
        };
        let stored = StoredEvidence::new(&e);
        let back: StoredEvidence =
            serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        assert_eq!(back.load(), e);
        assert_eq!(StoredEvidence::default().load(), Evidence::default());
    }
}
