//! The command-line front end: turns [`args::Cli`] into library calls and
//! prints their results. `main.rs` only calls [`run`].

pub mod args;
pub mod concepts;
pub mod diff;
pub mod export;
pub mod generate;
pub mod guard;
pub mod keywords;
pub mod kwic;
mod progress;
pub mod trend;

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use termcolor::{BufferedStandardStream, ColorChoice, WriteColor};

use self::args::{
    Cli, ColorWhen, Command, CountArgs, FilterArgs, IndexArgs, ReportsArgs, SearchArgs, ShowArgs,
    StatusArgs,
};
use crate::analysis::{self, GroupBy};
use crate::backend::Backend;
use crate::corpus::SectionKind;
use crate::index::build::{self, BuildOptions, BuildSummary, Progress};
use crate::index::reader::OpenError;
use crate::index::IndexReader;
use crate::output::{human, json};
use crate::query::parse::FilterField;
use crate::query::{self, Concepts, Expr, Filters, Matcher};
use crate::search::{Page, Ranker};

pub use self::guard::{is_broken_pipe, run_guarded};

/// Exit status, as grep and ripgrep: 0 matched / succeeded, 1 nothing
/// matched, 2 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something matched, or the command succeeded.
    Success,
    /// Nothing matched.
    NoMatch,
    /// An error.
    Error,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::NoMatch => 1,
            Exit::Error => 2,
        }
    }

    fn matched(any: bool) -> Exit {
        if any {
            Exit::Success
        } else {
            Exit::NoMatch
        }
    }
}

/// A user error: printed without the "error:" cause chain noise and
/// always exit 2 (bad query, bad filter value, unknown id).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Work started in the background (the corpus-changed check) that must
/// end before the process does.
static BACKGROUND: std::sync::Mutex<Option<std::thread::JoinHandle<()>>> =
    std::sync::Mutex::new(None);

/// Waits for background work (call before exiting).
pub fn finish() {
    if let Some(h) = BACKGROUND.lock().expect("background lock").take() {
        let _ = h.join();
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    // These need no corpus and no index.
    match &cli.command {
        Command::Completions(a) => return generate::completions(a.shell, &mut io::stdout().lock()),
        Command::Man => return generate::man(&mut io::stdout().lock()),
        _ => {}
    }
    let color = color_choice(cli.color);
    let clickhouse = match cli.index.to_str() {
        Some(s) if s.starts_with(crate::clickhouse::SCHEME) => {
            Some(crate::clickhouse::Location::parse(s).map_err(UsageError)?)
        }
        _ => None,
    };
    let mut ctx = Ctx { index: cli.index, corpus: cli.corpus, color, clickhouse };
    // A ClickHouse index has no local folder whose corpus to settle: its
    // build names the corpus, `status` reads the one the build recorded.
    if ctx.clickhouse.is_none() {
        guard::settle_corpus(&mut ctx, cli.corpus_given, &cli.command)?;
    }
    match cli.command {
        Command::Index(a) => ctx.index_cmd(a),
        Command::Search(a) => ctx.search(a),
        Command::Count(a) => ctx.count(a),
        Command::Reports(a) => ctx.reports(a),
        Command::Show(a) => ctx.show(a),
        Command::Trend(a) => trend::run(&ctx, a),
        Command::Kwic(a) => kwic::run(&ctx, a),
        Command::Keywords(a) => keywords::run(&ctx, a),
        Command::Diff(a) => diff::run(&ctx, a),
        Command::Concepts(a) => concepts::run(&ctx, a),
        Command::Status(a) => ctx.status(a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Completions(_) | Command::Man => unreachable!("handled above"),
    }
}

/// Decides `--color auto` once: a terminal, no `NO_COLOR`, not `TERM=dumb`.
fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            if io::stdout().is_terminal() && !no_color && !dumb {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

/// What every command needs: where the index and corpus are, and how to
/// color. Command implementations in sibling modules take a `Ctx`.
pub struct Ctx {
    /// The index folder.
    pub index: PathBuf,
    /// The corpus folder.
    pub corpus: PathBuf,
    /// The color choice, decided once.
    pub color: ColorChoice,
    /// When `--index` is a `clickhouse://` URL: where that index lives.
    pub clickhouse: Option<crate::clickhouse::Location>,
}

impl Ctx {
    /// Standard output, colored unless `plain` (JSON, CSV) is asked for,
    /// written in blocks rather than line by line (a concordance of 10,000
    /// lines is one write per 8 KiB, not 10,000); callers flush at the end.
    pub fn stdout(&self, plain: bool) -> BufferedStandardStream {
        BufferedStandardStream::stdout(if plain { ColorChoice::Never } else { self.color })
    }

    /// The concepts in effect: the defaults, overridden by `baogao.toml` in
    /// the current folder, overridden by the one in the corpus folder. A
    /// broken file is a usage error (exit 2).
    pub fn concepts(&self) -> Result<Concepts> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Concepts::load(&self.corpus, &cwd).map_err(|e| UsageError(e.to_string()).into())
    }

    /// Replaces the concepts (`@name`) of a query expression by their
    /// queries. The concept files are only read when the query uses a
    /// concept, so a broken `baogao.toml` does not get in the way of
    /// queries that do not need it.
    pub fn expand_concepts(&self, expr: Expr) -> Result<Expr> {
        if !query::concepts::uses_concepts(&expr) {
            return Ok(expr);
        }
        self.concepts()?.expand(&expr).map_err(|e| UsageError(e.to_string()).into())
    }

    /// Opens the index, building it first when there is none; warns when
    /// the corpus changed since it was built.
    pub fn open(&self) -> Result<IndexReader> {
        match IndexReader::open(&self.index) {
            Ok(reader) => {
                self.warn_if_changed(&reader);
                guard::note_if_empty(&reader);
                Ok(reader)
            }
            Err(OpenError::Missing(_)) if !self.corpus.is_dir() => Err(UsageError(format!(
                "there is no index in {} and no corpus folder {} to build one from: run baogao \
                 in the folder that holds corpus/ (and index/), or give --index and --corpus",
                self.index.display(),
                self.corpus.display()
            ))
            .into()),
            Err(OpenError::Missing(_)) => {
                eprintln!(
                    "baogao: no index in {} yet; building it from {} first…",
                    self.index.display(),
                    self.corpus.display()
                );
                let summary = self.build(false, &progress::for_terminal(false))?;
                eprintln!("baogao: {}", summary_line(&summary));
                let reader = IndexReader::open(&self.index)?;
                guard::note_if_empty(&reader);
                Ok(reader)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The index as a query backend: the ClickHouse one for a
    /// `clickhouse://` index, else the local one ([`Ctx::open`]).
    pub fn backend(&self) -> Result<Box<dyn Backend>> {
        match &self.clickhouse {
            Some(loc) => Ok(Box::new(crate::clickhouse::backend::ClickHouseIndex::open(loc)?)),
            None => Ok(Box::new(self.open()?)),
        }
    }

    fn build(&self, full: bool, progress: &dyn Progress) -> Result<BuildSummary> {
        if let Some(loc) = &self.clickhouse {
            return Ok(crate::clickhouse::sink::build(&self.corpus, loc, full, progress)?);
        }
        let opts = BuildOptions { corpus: self.corpus.clone(), index: self.index.clone(), full };
        Ok(build::build(&opts, progress)?)
    }

    /// Compares the corpus folders' modification times with what the
    /// last build saw ([`crate::index::status`]: one `stat` per folder, not
    /// per file) and prints one line if they differ. Runs on a background
    /// thread; [`finish`] waits for it before the process exits.
    fn warn_if_changed(&self, reader: &IndexReader) {
        let corpus = reader.payload.corpus.clone();
        let (searcher, fields) = (reader.searcher.clone(), reader.fields);
        let handle = std::thread::spawn(move || {
            let Ok(Some(folders)) = crate::index::reader::load_folders(&searcher, &fields) else {
                return;
            };
            let changed = crate::index::status::changed_folders(&corpus, &folders);
            if changed.is_empty() {
                return;
            }
            let named: Vec<String> = changed
                .iter()
                .take(3)
                .map(|p| if p.is_empty() { ".".to_string() } else { p.clone() })
                .collect();
            let more = if changed.len() > 3 { ", …" } else { "" };
            eprintln!(
                "baogao: warning: the corpus {} changed since the index was built (files added, removed or renamed in {} {}: {}{more}); run `baogao index` to update it, `baogao status` to see what changed",
                corpus.display(),
                changed.len(),
                if changed.len() == 1 { "folder" } else { "folders" },
                named.join(", "),
            );
        });
        *BACKGROUND.lock().expect("background lock") = Some(handle);
    }

    fn index_cmd(mut self, a: IndexArgs) -> Result<Exit> {
        if let Some(p) = a.path {
            self.corpus = p;
        }
        let bar = progress::for_terminal(a.json);
        let summary = self.build(a.full, &bar)?;
        if a.verbose {
            // After the progress bar (cleared by now), before the summary.
            let mut err = io::stderr().lock();
            for line in change_lines(&summary) {
                writeln!(err, "{line}")?;
            }
        }
        let mut out = self.stdout(a.json);
        if a.json {
            for s in &summary.skipped {
                json::line(&mut out, "skipped", &json::SkippedJson::new(s))?;
            }
            json::line(
                &mut out,
                "summary",
                &json::IndexSummary {
                    added: summary.added.len(),
                    updated: summary.updated.len(),
                    removed: summary.removed.len(),
                    unchanged: summary.unchanged,
                    skipped: summary.skipped.len(),
                    elapsed_ms: summary.elapsed.as_millis() as u64,
                },
            )?;
        } else {
            let m = summary.missing;
            let rows: Vec<Vec<String>> = [
                ("added", summary.added.len()),
                ("updated", summary.updated.len()),
                ("removed", summary.removed.len()),
                ("unchanged", summary.unchanged),
                ("skipped", summary.skipped.len()),
                ("reports in the index", summary.reports),
                ("  without a year", m.year),
                ("  without a township", m.township),
                ("  without any locality", m.locality),
            ]
            .iter()
            .map(|(k, v)| vec![k.to_string(), v.to_string()])
            .collect();
            human::print_table(&mut out, &["summary", ""], &rows, 1)?;
            writeln!(out, "{}", read_line(&summary))?;
            if m.year + m.locality > 0 {
                writeln!(
                    out,
                    "(list reports lacking metadata with `baogao reports --missing year|township|locality`, fix them with NAME.meta.toml or metadata.csv)"
                )?;
            }
            let show = if a.verbose || !io::stdout().is_terminal() { usize::MAX } else { 20 };
            if !summary.skipped.is_empty() {
                writeln!(out, "skipped:")?;
                for s in summary.skipped.iter().take(show) {
                    writeln!(out, "  {}: {}", human::sanitize(&s.path), s.reason)?;
                }
                if summary.skipped.len() > show {
                    writeln!(
                        out,
                        "  … and {} more (--verbose lists all)",
                        summary.skipped.len() - show
                    )?;
                }
            }
        }
        // Diagnostics go to stderr in both modes: `--json` only changes
        // stdout.
        for w in &summary.warnings {
            eprintln!("baogao: warning: {w}");
        }
        Ok(Exit::Success)
    }

    fn search(self, a: SearchArgs) -> Result<Exit> {
        let started = Instant::now();
        let ranker = Ranker::parse(&a.ranker).ok_or_else(|| {
            UsageError(format!("unknown --ranker {:?}; use one of: {}", a.ranker, Ranker::NAMES))
        })?;
        let (matcher, filters) = parse_query(&self, &a.query, &a.filters)?;
        let backend = self.backend()?;
        warn_unmatched_places(&*backend, &filters);
        let page = Page {
            offset: a.offset,
            limit: if a.all { None } else { Some(a.limit) },
            collapse: a.collapse,
        };
        let results = backend.search(matcher.as_ref(), &filters, page, ranker)?;
        let mut out = self.stdout(a.json || a.csv);
        if a.csv {
            let rows: Vec<Vec<String>> = results
                .hits
                .iter()
                .enumerate()
                .map(|(i, hit)| crate::output::csv::hit_record(a.offset + i + 1, hit))
                .collect();
            let header = crate::output::csv::hit_header(a.collapse);
            crate::output::csv::write_table(&mut out, &header, &rows)?;
        } else if a.json {
            for (i, hit) in results.hits.iter().enumerate() {
                json::line(&mut out, "hit", &json::HitJson::new(a.offset + i + 1, hit))?;
            }
            json::line(
                &mut out,
                "summary",
                &json::SearchSummary {
                    hits: results.total,
                    reports: results.reports,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                },
            )?;
        } else {
            for hit in &results.hits {
                human::print_hit(&mut out, hit)?;
            }
            let shown = if results.hits.len() < results.total {
                if a.offset > 0 {
                    format!(
                        " (showing {}–{}; --all shows every hit)",
                        a.offset + 1,
                        a.offset + results.hits.len()
                    )
                } else {
                    format!(" (showing {}; --all shows every hit)", results.hits.len())
                }
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} {} in {} {}{} · {} ms",
                results.total,
                if results.total == 1 { "hit" } else { "hits" },
                results.reports,
                if results.reports == 1 { "report" } else { "reports" },
                shown,
                started.elapsed().as_millis()
            )?;
        }
        out.flush()?;
        Ok(Exit::matched(results.total > 0))
    }

    fn count(self, a: CountArgs) -> Result<Exit> {
        let by = GroupBy::parse_keys(&a.by).map_err(UsageError)?;
        let sort = analysis::SortBy::parse(&a.sort).ok_or_else(|| {
            UsageError(format!("unknown --sort {:?}; use key, mentions, rate or share", a.sort))
        })?;
        if by.len() == 2 && sort != analysis::SortBy::Key {
            bail!(UsageError(
                "--sort orders a one-key table; a pivot keeps its keys' order".into()
            ));
        }
        let (matcher, filters) = parse_query(&self, &a.query, &a.filters)?;
        let matcher = matcher
            .ok_or_else(|| UsageError("count needs words to count, not only filters".into()))?;
        let backend = self.backend()?;
        warn_unmatched_places(&*backend, &filters);
        let mut out = self.stdout(a.json || a.csv);
        let summary = if let [rows, cols] = by[..] {
            let mut p = analysis::pivot(&*backend, &matcher, &filters, rows, cols)?;
            if a.matching {
                for groups in [&mut p.cells, &mut p.row_totals, &mut p.col_totals] {
                    groups.retain(|g| g.passages_matching > 0);
                }
            }
            if a.json {
                for g in &p.cells {
                    json::line(&mut out, "group", &json::GroupJson::new(g))?;
                }
                json::line(&mut out, "summary", &json::GroupJson::new(&p.summary))?;
            } else if a.csv {
                count_csv(&mut out, &by, &p.cells)?;
            } else {
                print_pivot(&mut out, &p, a.raw)?;
            }
            p.summary
        } else {
            let mut table = analysis::count(&*backend, &matcher, &filters, by[0])?;
            if a.matching {
                table.groups.retain(|g| g.passages_matching > 0);
            }
            sort.sort(&mut table.groups);
            if a.json {
                for g in &table.groups {
                    json::line(&mut out, "group", &json::GroupJson::new(g))?;
                }
                json::line(&mut out, "summary", &json::GroupJson::new(&table.summary))?;
            } else if a.csv {
                count_csv(&mut out, &by, &table.groups)?;
            } else {
                let names = place_names(by[0], table.groups.iter().map(|g| g.key.as_str()));
                let mut rows: Vec<Vec<String>> = table
                    .groups
                    .iter()
                    .map(|g| {
                        let key = match &g.path {
                            Some(p) => format!("{} {}", g.key, p),
                            None => shown(&names, &g.key),
                        };
                        count_row(key, g)
                    })
                    .collect();
                rows.push(count_row("all".into(), &table.summary));
                human::print_table(
                    &mut out,
                    &[
                        &a.by, "reports", "matching", "share", "passages", "mentions", "chars",
                        "per 10k",
                    ],
                    &rows,
                    1,
                )?;
            }
            table.summary
        };
        out.flush()?;
        Ok(Exit::matched(summary.mentions > 0 || summary.passages_matching > 0))
    }

    fn reports(self, a: ReportsArgs) -> Result<Exit> {
        let filters = flag_filters(&a.filters)?;
        if !filters.section.is_empty() {
            return Err(
                UsageError("reports lists whole reports: --section does not apply".into()).into()
            );
        }
        let missing = a.missing.as_deref().map(MissingField::parse).transpose()?;
        let backend = self.backend()?;
        let reports: Vec<_> = match a.explain.as_deref() {
            Some(id) if !id.is_empty() => vec![find_report(&*backend, id)?],
            _ => backend
                .reports_where(&filters)?
                .into_iter()
                .filter(|r| missing.is_none_or(|f| f.is_missing(&r.meta)))
                .collect(),
        };
        let mut out = self.stdout(a.json || a.csv);
        if a.csv {
            let rows: Vec<Vec<String>> =
                reports.iter().map(|r| crate::output::csv::report_record(r)).collect();
            crate::output::csv::write_table(&mut out, &crate::output::csv::REPORT_HEADER, &rows)?;
        } else if a.explain.is_some() {
            for r in &reports {
                if a.json {
                    crate::output::explain::json_line(&mut out, r)?;
                } else {
                    crate::output::explain::print(&mut out, r)?;
                }
            }
        } else if a.json {
            for r in &reports {
                json::line(&mut out, "report", &json::ReportLine::new(r))?;
            }
        } else {
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|r| {
                    let m = &r.meta;
                    vec![
                        r.id.clone(),
                        m.year.map(|y| y.to_string()).unwrap_or_else(|| "—".into()),
                        m.level.map(|l| l.as_str().to_string()).unwrap_or_else(|| "—".into()),
                        human::place_label(m),
                        human::truncate(m.title.as_deref().unwrap_or(&r.path), 36),
                        r.sections
                            .iter()
                            .filter(|s| s.kinds != [SectionKind::Other])
                            .map(|s| {
                                s.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("+")
                            })
                            .collect::<Vec<_>>()
                            .join(","),
                    ]
                })
                .collect();
            human::print_table(
                &mut out,
                &["id", "year", "level", "place", "title", "sections"],
                &rows,
                6,
            )?;
            writeln!(out, "{} reports", reports.len())?;
        }
        out.flush()?;
        Ok(Exit::matched(!reports.is_empty()))
    }

    fn status(self, a: StatusArgs) -> Result<Exit> {
        let (manifest, corpus) = match &self.clickhouse {
            Some(loc) => {
                crate::clickhouse::backend::ClickHouseIndex::open(loc)?.manifest_and_corpus()?
            }
            None => {
                let reader = match IndexReader::open(&self.index) {
                    Ok(r) => r,
                    Err(OpenError::Missing(_)) => {
                        bail!(UsageError(format!(
                            "there is no index in {} yet: `baogao index` builds it",
                            self.index.display()
                        )))
                    }
                    Err(e) => return Err(e.into()),
                };
                let manifest =
                    crate::index::reader::load_manifest(&reader.searcher, &reader.fields)?
                        .unwrap_or_default();
                (manifest, reader.payload.corpus.clone())
            }
        };
        let st = crate::index::status::status(&corpus, &manifest)
            .map_err(|e| anyhow!("cannot read the corpus folder {}: {e}", corpus.display()))?;
        let mut out = self.stdout(a.json);
        let changes = [("added", &st.added), ("updated", &st.updated), ("removed", &st.removed)];
        if a.json {
            for (change, paths) in changes {
                for path in paths {
                    json::line(
                        &mut out,
                        "file",
                        &serde_json::json!({"path": path, "change": change}),
                    )?;
                }
            }
            json::line(
                &mut out,
                "summary",
                &serde_json::json!({
                    "added": st.added.len(),
                    "updated": st.updated.len(),
                    "removed": st.removed.len(),
                    "unchanged": st.unchanged,
                }),
            )?;
        } else {
            for (change, paths) in changes {
                for path in paths {
                    writeln!(out, "{change:<8} {path}")?;
                }
            }
            writeln!(
                out,
                "{} added, {} updated, {} removed, {} unchanged files in {}{}",
                st.added.len(),
                st.updated.len(),
                st.removed.len(),
                st.unchanged,
                corpus.display(),
                if st.is_clean() {
                    ": the index is up to date"
                } else {
                    ": `baogao index` brings the index in line"
                }
            )?;
        }
        out.flush()?;
        Ok(Exit::Success)
    }

    fn show(self, a: ShowArgs) -> Result<Exit> {
        let kind = a
            .section
            .as_deref()
            .map(|s| {
                SectionKind::parse(s).ok_or_else(|| {
                    UsageError(format!(
                        "unknown section kind {s:?}; use measures (举措/成效), shortcomings (不足/问题), responsibility (责任), plans (计划/打算/安排) or other"
                    ))
                })
            })
            .transpose()?;
        let backend = self.backend()?;
        let report = find_report(&*backend, &a.id)?;
        let passages = backend.report_passages(&report.id)?;
        let mut out = self.stdout(a.json);
        let wanted = |section: usize| {
            kind.is_none_or(|k| report.sections.get(section).is_some_and(|s| s.kinds.contains(&k)))
        };
        if a.json {
            json::line(&mut out, "report", &json::ReportLine::new(&report))?;
            for p in passages.iter().filter(|p| wanted(p.section)) {
                json::line(
                    &mut out,
                    "passage",
                    &json::ShowPassageJson::new(&report, p.ordinal, p.section, &p.path, &p.text),
                )?;
            }
        } else {
            print_report_header(&mut out, &report)?;
            let mut current = usize::MAX;
            for p in passages.iter().filter(|p| wanted(p.section)) {
                if p.section != current {
                    current = p.section;
                    let s = &report.sections[p.section];
                    let kinds: Vec<&str> = s.kinds.iter().map(|k| k.as_str()).collect();
                    out.set_color(
                        termcolor::ColorSpec::new()
                            .set_fg(Some(termcolor::Color::Yellow))
                            .set_bold(true),
                    )?;
                    writeln!(
                        out,
                        "\n══ [{}] {}",
                        kinds.join("+"),
                        human::sanitize(s.heading.as_deref().unwrap_or(""))
                    )?;
                    out.reset()?;
                }
                writeln!(out, "{:>4}  {}", p.ordinal, human::sanitize(&p.text.replace('\n', " ")))?;
            }
        }
        out.flush()?;
        Ok(Exit::Success)
    }
}

/// `count --csv`: the key columns (named after the keys, plus `path` when
/// a key is `report`), then the figures; one row per group, no total row
/// (a CSV is read as data, where a total row would be double-counted).
fn count_csv(out: &mut dyn Write, by: &[GroupBy], groups: &[analysis::Group]) -> Result<()> {
    let with_path = by.contains(&GroupBy::Report);
    let mut headers: Vec<&str> = by.iter().map(|b| b.name()).collect();
    if with_path {
        headers.push("path");
    }
    headers.extend([
        "reports",
        "reports_matching",
        "reports_share",
        "passages_matching",
        "mentions",
        "chars",
        "per_10k_chars",
    ]);
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let mut row = vec![g.key.clone()];
            row.extend(g.key2.clone());
            if with_path {
                row.push(g.path.clone().unwrap_or_default());
            }
            row.extend([
                g.reports.to_string(),
                g.reports_matching.to_string(),
                format!("{:.4}", g.reports_share()),
                g.passages_matching.to_string(),
                g.mentions.to_string(),
                g.chars.to_string(),
                format!("{:.3}", g.per_10k_chars()),
            ]);
            row
        })
        .collect();
    Ok(crate::output::csv::write_table(out, &headers, &rows)?)
}

/// The human pivot table: rows = first key, columns = second key, cells =
/// rate per 10,000 characters (mentions with `raw`), `—` where the
/// combination has no reports; the `all` column and row are the one-key
/// margins.
fn print_pivot(out: &mut dyn WriteColor, p: &analysis::Pivot, raw: bool) -> io::Result<()> {
    let cell = |g: Option<&analysis::Group>| match g {
        None => "—".to_string(),
        Some(g) if raw => g.mentions.to_string(),
        Some(g) => format!("{:.2}", g.per_10k_chars()),
    };
    let cells: HashMap<(&str, &str), &analysis::Group> =
        p.cells.iter().map(|g| ((g.key.as_str(), g.key2.as_deref().unwrap_or("")), g)).collect();
    let corner = format!("{} \\ {}", p.rows.name(), p.cols.name());
    let row_names = place_names(p.rows, p.row_totals.iter().map(|g| g.key.as_str()));
    let col_names = place_names(p.cols, p.col_totals.iter().map(|g| g.key.as_str()));
    let col_labels: Vec<String> = p.col_totals.iter().map(|g| shown(&col_names, &g.key)).collect();
    let mut headers: Vec<&str> = vec![&corner];
    headers.extend(col_labels.iter().map(String::as_str));
    headers.push("all");
    let mut rows: Vec<Vec<String>> = p
        .row_totals
        .iter()
        .map(|r| {
            let mut row = vec![match &r.path {
                Some(path) => format!("{} {}", r.key, path),
                None => shown(&row_names, &r.key),
            }];
            row.extend(p.col_totals.iter().map(|c| cell(cells.get(&(&r.key, &c.key)).copied())));
            row.push(cell(Some(r)));
            row
        })
        .collect();
    let mut all = vec!["all".to_string()];
    all.extend(p.col_totals.iter().map(|c| cell(Some(c))));
    all.push(cell(Some(&p.summary)));
    rows.push(all);
    human::print_table(out, &headers, &rows, 1)?;
    writeln!(
        out,
        "cells: {}",
        if raw { "mentions" } else { "mentions per 10,000 characters (--raw: mentions)" }
    )
}

fn count_row(key: String, g: &analysis::Group) -> Vec<String> {
    vec![
        key,
        g.reports.to_string(),
        g.reports_matching.to_string(),
        format!("{:.1}%", g.reports_share() * 100.0),
        g.passages_matching.to_string(),
        g.mentions.to_string(),
        g.chars.to_string(),
        format!("{:.2}", g.per_10k_chars()),
    ]
}

fn print_report_header(out: &mut dyn WriteColor, r: &crate::index::ReportRecord) -> io::Result<()> {
    let m = &r.meta;
    out.set_color(termcolor::ColorSpec::new().set_bold(true))?;
    writeln!(out, "{}", human::sanitize(m.title.as_deref().unwrap_or("(no title)")))?;
    out.reset()?;
    let place: Vec<&str> = [&m.province, &m.city, &m.county, &m.township]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect();
    let opt = |x: &Option<String>| x.clone().unwrap_or_else(|| "—".into());
    writeln!(out, "id:        {}", r.id)?;
    writeln!(out, "path:      {}", human::sanitize(&r.path))?;
    writeln!(
        out,
        "place:     {} ({})",
        if place.is_empty() { "—".to_string() } else { place.join(" › ") },
        m.level.map(|l| l.as_str()).unwrap_or("level unknown")
    )?;
    writeln!(
        out,
        "year:      {}    published: {}",
        m.year.map(|y| y.to_string()).unwrap_or_else(|| "—".into()),
        opt(&m.published)
    )?;
    writeln!(out, "issuer:    {}", human::sanitize(&opt(&m.issuer)))?;
    writeln!(out, "chars:     {}    passages: {}    encoding: {}", r.chars, r.passages, r.encoding)
}

/// `index --verbose`: every file the build changed or skipped, in path
/// order, one line each: `+ path` added, `~ path` updated, `- path`
/// removed, `! path: reason` skipped. A report that became a duplicate is
/// both removed and skipped.
fn change_lines(s: &BuildSummary) -> Vec<String> {
    let mut lines: Vec<(&str, char, String)> = Vec::new();
    for (mark, paths) in [('+', &s.added), ('~', &s.updated), ('-', &s.removed)] {
        lines.extend(paths.iter().map(|p| (p.as_str(), mark, human::sanitize(p))));
    }
    lines.extend(
        s.skipped
            .iter()
            .map(|k| (k.path.as_str(), '!', human::sanitize(&format!("{}: {}", k.path, k.reason)))),
    );
    // Stable: a path removed and skipped reads `-` then `!`.
    lines.sort_by(|a, b| a.0.cmp(b.0));
    lines.into_iter().map(|(_, mark, text)| format!("{mark} {text}")).collect()
}

/// What a build read, and how fast.
fn read_line(s: &BuildSummary) -> String {
    let secs = s.elapsed.as_secs_f64();
    if s.files_read == 0 {
        format!("nothing to read: the index was up to date ({secs:.2} s)")
    } else {
        format!(
            "read {} files, {:.1} MB in {:.1} s ({:.1} MB/s){}",
            s.files_read,
            s.bytes as f64 / 1e6,
            secs,
            if secs > 0.0 { s.bytes as f64 / 1e6 / secs } else { 0.0 },
            if s.committed { "" } else { "; nothing changed, nothing committed" }
        )
    }
}

/// One-line summary of a build.
fn summary_line(s: &BuildSummary) -> String {
    format!(
        "{} reports in the index: {} added, {} updated, {} removed, {} unchanged; {} files skipped; {}",
        s.reports,
        s.added.len(),
        s.updated.len(),
        s.removed.len(),
        s.unchanged,
        s.skipped.len(),
        read_line(s),
    )
}

/// Parses the query words, expands its concepts (`@name`) and merges the
/// filter flags.
pub fn parse_query(
    ctx: &Ctx,
    words: &[String],
    flags: &FilterArgs,
) -> Result<(Option<Matcher>, Filters)> {
    let text = words.join(" ");
    let parsed = query::parse(&text).map_err(|e| UsageError(format!("bad query: {e}")))?;
    let mut filters = parsed.filters;
    filters.merge(flag_filters(flags)?);
    let expr = parsed.expr.map(|e| ctx.expand_concepts(e)).transpose()?;
    let matcher = expr
        .as_ref()
        .map(Matcher::from_expr)
        .transpose()
        .map_err(|e| UsageError(format!("bad query: {e}")))?;
    Ok((matcher, filters))
}

/// The filters given as flags.
pub fn flag_filters(a: &FilterArgs) -> Result<Filters> {
    let mut f = Filters::default();
    for (field, values) in [
        (FilterField::Year, &a.year),
        (FilterField::Township, &a.township),
        (FilterField::County, &a.county),
        (FilterField::City, &a.city),
        (FilterField::Province, &a.province),
        (FilterField::Place, &a.place),
        (FilterField::Level, &a.level),
        (FilterField::Section, &a.section),
    ] {
        for v in values {
            f.add(field, v)
                .map_err(|e| UsageError(format!("invalid --{} value {v:?}: {e}", field.name())))?;
        }
    }
    Ok(f)
}

/// Warns about a place filter value that no indexed report has (a typo,
/// or a place outside the corpus), since it silently yields nothing.
pub fn warn_unmatched_places(reader: &dyn Backend, f: &Filters) {
    let lists: [(&str, &Vec<String>); 5] = [
        ("township", &f.township),
        ("county", &f.county),
        ("city", &f.city),
        ("province", &f.province),
        ("place", &f.place),
    ];
    for (name, values) in lists {
        for v in values {
            // The filter alone, on report documents: one index query.
            let mut one = Filters::default();
            match name {
                "township" => one.township = vec![v.clone()],
                "county" => one.county = vec![v.clone()],
                "city" => one.city = vec![v.clone()],
                "province" => one.province = vec![v.clone()],
                _ => one.place = vec![v.clone()],
            }
            if reader.count_reports(&one).is_ok_and(|n| n == 0) {
                eprintln!("baogao: warning: no indexed report has a {name} starting with {v:?}");
            }
        }
    }
}

/// For a place grouping, the shortest unambiguous name of each chain key
/// (`城关镇（河南 新县）`); empty for other groupings.
pub fn place_names<'a>(
    by: GroupBy,
    keys: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<String, String> {
    match by.place_level() {
        Some(_) => crate::corpus::report::display_names(keys),
        None => Default::default(),
    }
}

/// A group key as printed for a reader: its display name, if it has one.
pub fn shown(names: &std::collections::HashMap<String, String>, key: &str) -> String {
    names.get(key).cloned().unwrap_or_else(|| key.to_string())
}

/// Finds a report by id, unique id prefix (4+ characters) or path.
pub fn find_report(
    reader: &dyn Backend,
    key: &str,
) -> Result<std::sync::Arc<crate::index::ReportRecord>> {
    if let Some(r) = reader.report(key)? {
        return Ok(r);
    }
    if let Some(r) = reader.report_by_path(key)? {
        return Ok(r);
    }
    if key.chars().count() >= 4 {
        let found = reader.ids_with_prefix(key)?;
        match found.len() {
            1 => {
                if let Some(r) = reader.report(&found[0])? {
                    return Ok(r);
                }
            }
            n if n > 1 => bail!(UsageError(format!(
                "{key:?} is the prefix of {n} report ids; type more of it"
            ))),
            _ => {}
        }
    }
    Err(anyhow!(UsageError(format!("no report with id or path {key:?} (see `baogao reports`)"))))
}

/// Fields `reports --missing` accepts.
#[derive(Debug, Clone, Copy)]
enum MissingField {
    Year,
    /// A place field: province, city, county or township.
    Place(crate::corpus::Level),
    Locality,
    Published,
    Issuer,
    Title,
}

impl MissingField {
    fn parse(s: &str) -> Result<MissingField> {
        use crate::corpus::Level;
        Ok(match s {
            "year" => MissingField::Year,
            "province" => MissingField::Place(Level::Province),
            "city" => MissingField::Place(Level::City),
            "county" => MissingField::Place(Level::County),
            "township" => MissingField::Place(Level::Township),
            "locality" => MissingField::Locality,
            "published" => MissingField::Published,
            "issuer" => MissingField::Issuer,
            "title" => MissingField::Title,
            _ => bail!(UsageError(format!(
                "unknown --missing field {s:?}; use year, province, city, county, township, locality, published, issuer or title"
            ))),
        })
    }

    /// Whether the report lacks the field although it could have it: a
    /// place field only counts where the report's level (and the
    /// gazetteer) allow one ([`crate::corpus::Metadata::could_have_place`]).
    fn is_missing(self, m: &crate::corpus::Metadata) -> bool {
        match self {
            MissingField::Year => m.year.is_none(),
            MissingField::Place(level) => m.place(level).is_none() && m.could_have_place(level),
            MissingField::Locality => {
                m.level != Some(crate::corpus::Level::National)
                    && m.province.is_none()
                    && m.city.is_none()
                    && m.county.is_none()
                    && m.township.is_none()
            }
            MissingField::Published => m.published.is_none(),
            MissingField::Issuer => m.issuer.is_none(),
            MissingField::Title => m.title.is_none(),
        }
    }
}
