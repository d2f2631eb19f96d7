//! The data model of one report: its metadata, its top-level sections and its
//! passages (SPEC §1).
//!
//! These are plain domain types shared by the whole pipeline: `decode` and
//! `html` produce text, `structure` splits it into [`Section`]s and
//! [`Passage`]s, `metadata` and `locality` fill in [`Metadata`], and the
//! index stores and returns them. Wire formats (JSON Lines) live in `output`.

use serde::{Deserialize, Serialize};

/// The administrative level a report speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The State Council / the whole country.
    National,
    /// A province, autonomous region or directly administered municipality.
    Province,
    /// A prefecture-level city.
    City,
    /// A county, county-level city or district.
    County,
    /// A township (镇, 乡) or subdistrict (街道).
    Township,
}

impl Level {
    /// All levels, from the top down.
    pub const ALL: [Level; 5] =
        [Level::National, Level::Province, Level::City, Level::County, Level::Township];

    /// The English name used in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }

    /// Parses the English name (`township`) or a Chinese one (`乡镇`, `县`).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "national" | "国家" | "全国" | "中央" => Level::National,
            "province" | "省" | "省级" => Level::Province,
            "city" | "市" | "地市" | "市级" => Level::City,
            "county" | "县" | "县级" | "区县" => Level::County,
            "township" | "乡镇" | "镇" | "乡" | "街道" => Level::Township,
            _ => return None,
        })
    }
}

/// What a top-level section of a report is about (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionKind {
    /// 主要举措和成效, 工作开展情况, 工作回顾, 主要做法.
    Measures,
    /// 存在的不足/问题/差距 and their causes.
    Shortcomings,
    /// 党政主要负责人履行推进法治建设第一责任人职责.
    Responsibility,
    /// 下一步打算, 工作安排, 工作计划, 工作任务.
    Plans,
    /// Preamble, closing, anything else.
    Other,
}

impl SectionKind {
    /// All kinds, in their usual order in a report.
    pub const ALL: [SectionKind; 5] = [
        SectionKind::Measures,
        SectionKind::Shortcomings,
        SectionKind::Responsibility,
        SectionKind::Plans,
        SectionKind::Other,
    ];

    /// The English name used in JSON and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Measures => "measures",
            SectionKind::Shortcomings => "shortcomings",
            SectionKind::Responsibility => "responsibility",
            SectionKind::Plans => "plans",
            SectionKind::Other => "other",
        }
    }

    /// Parses the English kind or one of its Chinese aliases
    /// (举措/成效, 不足/问题, 责任, 计划/打算/安排, 其他).
    pub fn parse(s: &str) -> Option<SectionKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "measures" | "举措" | "成效" | "措施" | "做法" => SectionKind::Measures,
            "shortcomings" | "不足" | "问题" | "差距" => SectionKind::Shortcomings,
            "responsibility" | "责任" | "第一责任人" | "职责" => {
                SectionKind::Responsibility
            }
            "plans" | "计划" | "打算" | "安排" | "任务" => SectionKind::Plans,
            "other" | "其他" | "其它" => SectionKind::Other,
            _ => return None,
        })
    }
}

/// Metadata of a report (SPEC §1). Every field may be unknown (`None`):
/// extraction leaves a field empty rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The report's title, cleaned (`政 府 工 作 报 告` → `政府工作报告`).
    pub title: Option<String>,
    /// Full official province name (`四川省`), null for national reports.
    pub province: Option<String>,
    /// Prefecture-level city (`达州市`); null for 北京/天津/上海/重庆.
    pub city: Option<String>,
    /// County, county-level city or district (`渠县`, `桐乡市`, `万州区`).
    pub county: Option<String>,
    /// Township (`有庆镇`).
    pub township: Option<String>,
    /// The level the report speaks for.
    pub level: Option<Level>,
    /// The issuing body as written.
    pub issuer: Option<String>,
    /// The year the report names itself by.
    pub year: Option<i32>,
    /// Publication date, `YYYY-MM-DD`.
    pub published: Option<String>,
}

/// One top-level section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// One or more kinds; `[other]` for preamble and closing.
    pub kinds: Vec<SectionKind>,
    /// The top-level heading as written (trimmed), `None` for the preamble.
    pub heading: Option<String>,
}

/// A paragraph of a report: the unit of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// Index into [`Structure::sections`] of the section it belongs to.
    pub section: usize,
    /// The chain of headings from the top-level heading down to this
    /// passage (`一、…` › `（五）…` › `1.…`); empty in a section without
    /// heading.
    pub path: Vec<String>,
    /// The original text of the paragraph, trimmed, with lines that a PDF
    /// copy broke mid-sentence joined back.
    pub text: String,
}

/// A report split into sections and passages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    /// Top-level sections in document order; the first is the preamble
    /// (`[other]`, no heading) when the report has text before its first
    /// top-level heading.
    pub sections: Vec<Section>,
    /// Passages in document order.
    pub passages: Vec<Passage>,
}
