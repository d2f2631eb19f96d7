//! Command-line arguments (clap derive). The only module that knows clap:
//! everything here is turned into plain library values in [`super`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// baogao (报告): full-text search for Chinese government reports.
///
/// Exact matching on normalized text (every mention of 枫桥经验, however
/// jieba segments it), ranked by BM25 over jieba words, filtered by place,
/// year and section.
#[derive(Debug, Parser)]
#[command(name = "baogao", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The index folder.
    #[arg(long, global = true, env = "BAOGAO_INDEX", default_value = "index", value_name = "DIR")]
    pub index: PathBuf,
    /// The corpus folder (where the reports are).
    #[arg(
        long,
        global = true,
        env = "BAOGAO_CORPUS",
        default_value = "corpus",
        value_name = "DIR"
    )]
    pub corpus: PathBuf,
    /// When to color the output (`auto`: when stdout is a terminal and
    /// NO_COLOR is not set).
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Whether the corpus folder was given (`--corpus`, `BAOGAO_CORPUS`)
    /// rather than the default `./corpus`: an index remembers its corpus,
    /// and a corpus given explicitly must be that one (see
    /// [`parse`]).
    #[arg(skip)]
    pub corpus_given: bool,
}

/// Parses the command line (after [`rewrite_negations`]), noting whether
/// the corpus folder was given. Arguments need not be UTF-8: paths are
/// taken as they are, and a query that is not UTF-8 is a usage error.
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let matches = Cli::command().try_get_matches_from(rewrite_negations(args))?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.corpus_given =
        !matches!(matches.value_source("corpus"), None | Some(ValueSource::DefaultValue));
    Ok(cli)
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Color when writing to a terminal.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the index from the corpus folder.
    ///
    /// Reports are .txt (UTF-8, UTF-16, GB18030/GBK), .html/.htm and Word
    /// .docx files anywhere under the corpus folder; .doc, .wps and .pdf
    /// files are listed as skipped with what to convert them to.
    ///
    /// Extracted metadata can be corrected per report by a sidecar
    /// NAME.meta.toml next to it, or for many reports at once by a table
    /// metadata.csv at the corpus root: a `path` column (relative to the
    /// corpus) plus any of title, province, city, county, township, level,
    /// issuer, year, published. In the table an empty cell keeps the
    /// extracted value and `-` (or `null`) clears it. A sidecar wins over
    /// the table. Problems in either file are printed as warnings with the
    /// file and line; they never stop the build.
    Index(IndexArgs),
    /// Search: ranked passages with highlighted matches.
    Search(SearchArgs),
    /// Count mentions per group (year, place, section, report, …).
    Count(CountArgs),
    /// List the indexed reports with their metadata.
    Reports(ReportsArgs),
    /// Print one report with its sections marked.
    Show(ShowArgs),
    /// Compare queries over years (or places…): a table with charts.
    Trend(super::trend::TrendArgs),
    /// Concordance: every mention with its left and right context.
    Kwic(super::kwic::KwicArgs),
    /// Keyness: the words overused in one sub-corpus against another.
    Keywords(super::keywords::KeywordsArgs),
    /// Align two reports' passages: what B kept, changed, moved, added.
    Diff(super::diff::DiffArgs),
    /// List the named queries (`@name`) with their counts on the index.
    ///
    /// Concepts come from the defaults built into baogao, a baogao.toml in
    /// the current folder and a baogao.toml in the corpus folder (which
    /// wins for a name both define), as a `[concepts]` table of
    /// "name" = 'query' or "name" = { query = '…', description = '…' }.
    Concepts(super::concepts::ConceptsArgs),
    /// Export passages with their report's metadata (JSON Lines or CSV).
    ///
    /// One row per passage — every passage that passes the filters, or with
    /// a query every matching passage with its mentions — in report-path
    /// and passage order: id, report, path, title, province, city, county,
    /// township, level, issuer, year, published, ordinal, kinds, heading,
    /// heading_path, chars, [mentions,] text (the original text). Streams:
    /// any corpus exports in bounded memory.
    Export(super::export::ExportArgs),
    /// What `baogao index` would add, update and remove, without doing it.
    ///
    /// Compares every corpus file (size, modification time, metadata
    /// overrides; the bytes where only the time changed) with what the
    /// index recorded. Other commands only compare the folders'
    /// modification times, which catches added, removed and renamed files
    /// but not a file rewritten in place.
    Status(StatusArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish,
    /// powershell).
    ///
    /// For bash: `baogao completions bash > ~/.local/share/bash-completion/completions/baogao`;
    /// zsh: into a folder of your `$fpath` as `_baogao`; fish:
    /// `baogao completions fish > ~/.config/fish/completions/baogao.fish`.
    Completions(super::generate::CompletionsArgs),
    /// Print the man page (roff): `baogao man > baogao.1`, or
    /// `baogao man | man -l -` to read it.
    Man,
}

/// `baogao index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The corpus folder (same as --corpus).
    #[arg(value_name = "CORPUS")]
    pub path: Option<PathBuf>,
    /// Rebuild from scratch, also over a damaged or foreign index folder.
    #[arg(long)]
    pub full: bool,
    /// JSON Lines output: one `skipped` per skipped file, then a `summary`.
    #[arg(long)]
    pub json: bool,
    /// List every file the build added (`+ path`), updated (`~ path`),
    /// removed (`- path`) or skipped (`! path: reason`) on stderr, one line
    /// each in path order, after the progress; and every skipped file in
    /// the summary (a terminal shows the first 20).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Filters shared by the reading commands; repeat a flag to accept any of
/// its values.
#[derive(Debug, Args, Default, Clone)]
pub struct FilterArgs {
    /// Year or range: 2023, 2020..2023, 2020.., ..2023.
    #[arg(long, value_name = "YEAR")]
    pub year: Vec<String>,
    /// Township (a prefix of the official name works: 有庆).
    #[arg(long, value_name = "NAME")]
    pub township: Vec<String>,
    /// County, county-level city or district.
    #[arg(long, value_name = "NAME")]
    pub county: Vec<String>,
    /// Prefecture-level city.
    #[arg(long, value_name = "NAME")]
    pub city: Vec<String>,
    /// Province (a prefix works: 四川).
    #[arg(long, value_name = "NAME")]
    pub province: Vec<String>,
    /// A place at any level.
    #[arg(long, value_name = "NAME")]
    pub place: Vec<String>,
    /// national, province, city, county or township.
    #[arg(long, value_name = "LEVEL")]
    pub level: Vec<String>,
    /// Section kind: measures (举措/成效), shortcomings (不足/问题),
    /// responsibility (责任), plans (计划/打算/安排), other.
    #[arg(long, value_name = "KIND")]
    pub section: Vec<String>,
}

/// `baogao search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words (all must match), OR, -word / NOT word, (…),
    /// "quoted text", a NEAR/20 b, and filters like year:2023.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Show at most N hits.
    #[arg(long, short = 'n', default_value_t = 20, value_name = "N", conflicts_with = "all")]
    pub limit: usize,
    /// Show every hit.
    #[arg(long)]
    pub all: bool,
    /// Skip the first N hits (paging: the order does not depend on
    /// --limit, so `--offset 20 --limit 20` is the second page of 20).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: usize,
    /// Fold near-duplicate passages (the same boilerplate in many reports:
    /// equal letters once digits, punctuation and spacing are ignored)
    /// under the best-ranked of them, which shows the number of copies.
    /// --limit and --offset then count the folded groups.
    #[arg(long)]
    pub collapse: bool,
    /// The ranking function (for the relevance evaluation: baogao,
    /// bm25-words, bm25-bigrams).
    #[arg(long, default_value = "baogao", value_name = "NAME", hide = true)]
    pub ranker: String,
    /// JSON Lines output.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: a header, then one row per hit shown (as --json,
    /// flattened: rank, score, id, report, path, title, province, city,
    /// county, township, level, issuer, year, published, ordinal, kinds,
    /// heading, heading_path, matches, [copies with --collapse,] text); no
    /// summary row.
    #[arg(long)]
    pub csv: bool,
}

/// `baogao count`.
#[derive(Debug, Args)]
#[command(after_long_help = COUNT_AFTER_HELP)]
pub struct CountArgs {
    /// The query (as for search).
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Group by one key, or two separated by a comma for a pivot table
    /// (`year,province`): year, decade, township, county, city, province, level,
    /// section, report.
    #[arg(long, default_value = "year", value_name = "KEY[,KEY2]")]
    pub by: String,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// In a pivot table, show mentions instead of rates per 10,000
    /// characters.
    #[arg(long)]
    pub raw: bool,
    /// Only groups with at least one matching passage (with `--by report`:
    /// only the reports that match).
    #[arg(long)]
    pub matching: bool,
    /// Order the groups: key (the default: years ascending, places by
    /// name), mentions, rate (per 10,000 characters) or share (of reports
    /// matching), highest first. One key only.
    #[arg(long, default_value = "key", value_name = "ORDER")]
    pub sort: String,
    /// JSON Lines output: one `group` per group, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: a header, then one row per group (no total row).
    #[arg(long)]
    pub csv: bool,
}

/// The output shapes of `count`, for `count --help`.
const COUNT_AFTER_HELP: &str = "\
Output shapes:
  --json  one line per group, {\"type\": \"group\", \"data\": {key, reports,
          reports_matching, reports_share, passages_matching, mentions, chars,
          per_10k_chars}}
          (+ path with --by report), then a \"summary\" with the same fields
          over everything. With two keys (--by year,province) there is one
          group per combination that has reports: key is the first key's
          value and key2 the second's.
  --csv   a header naming the keys (year[,province][,path]), then reports,
          reports_matching, reports_share, passages_matching, mentions, chars,
          per_10k_chars;
          one row per group (per combination with two keys), no total row.
  Rates divide by the text of the whole group, matched or not. With two
  keys the human table is a pivot: rows = first key, columns = second key,
  cells = mentions per 10,000 characters (mentions with --raw), \"—\" where
  the combination has no reports, and an \"all\" row and column that equal
  `count --by KEY` of each key alone.";

/// `baogao reports`.
#[derive(Debug, Args)]
pub struct ReportsArgs {
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Only reports lacking this field: year, province, city, county,
    /// township, locality (any place), published, issuer, title. A place
    /// field counts only where the report's level allows one (a county
    /// report never lacks a township) and the gazetteer does (a district
    /// of Beijing never lacks a city).
    #[arg(long, value_name = "FIELD")]
    pub missing: Option<String>,
    /// Show the evidence behind each field: the value, the clue it came
    /// from (line text and number, or path part) and the candidates
    /// rejected, and why. With an ID (or path), for that report only.
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,
    /// JSON Lines output.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: a header, then one row per report (as --json, flattened:
    /// id, path, title, province, city, county, township, level, issuer,
    /// year, published, chars, sections, headings).
    #[arg(long, conflicts_with = "explain")]
    pub csv: bool,
}

/// `baogao status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// JSON Lines output: one `file` per change (`{path, change}`), then a
    /// `summary`.
    #[arg(long)]
    pub json: bool,
}

/// `baogao show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Report id (or a unique prefix of it, or its path).
    pub id: String,
    /// Only sections of this kind.
    #[arg(long, value_name = "KIND")]
    pub section: Option<String>,
    /// JSON Lines output: the `report`, then one `passage` per passage.
    #[arg(long)]
    pub json: bool,
}

/// Rewrites query words given as separate arguments with a leading `-`
/// (`baogao search 法律顾问 -全覆盖`) to `NOT …`, which means the same in
/// the query language. clap would otherwise read `-全覆盖` as short
/// flags; our flags are all ASCII letters, so an argument of `-` followed
/// by anything else (a CJK character, a quote, a parenthesis, `@`) can
/// only be a negated query word.
/// Arguments that are not UTF-8 are left as they are.
pub fn rewrite_negations<T: Into<OsString>>(args: impl IntoIterator<Item = T>) -> Vec<OsString> {
    args.into_iter()
        .map(|a| {
            let a: OsString = a.into();
            match a.to_str().and_then(|s| s.strip_prefix('-')) {
                Some(rest)
                    if rest
                        .chars()
                        .next()
                        .is_some_and(|c| !c.is_ascii_alphanumeric() && c != '-') =>
                {
                    format!("NOT {rest}").into()
                }
                _ => a,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn query_words_and_negation() {
        let argv = ["baogao", "search", "法律顾问", "-枫桥", "--year", "2023", "--json"];
        let cli = parse(argv).unwrap();
        let Command::Search(s) = cli.command else { panic!() };
        assert_eq!(s.query, vec!["法律顾问", "NOT 枫桥"]);
        assert!(s.json);
        assert_eq!(s.filters.year, vec!["2023"]);
        assert_eq!(s.limit, 20);
    }

    #[test]
    fn corpus_given_or_default() {
        let given = |argv: &[&str]| parse(argv.iter().copied()).unwrap().corpus_given;
        // The environment may set BAOGAO_CORPUS; these run without it only
        // if it is unset, so check what clap saw.
        if std::env::var_os("BAOGAO_CORPUS").is_none() {
            assert!(!given(&["baogao", "search", "x"]));
        }
        assert!(given(&["baogao", "--corpus", "c", "search", "x"]));
        assert!(given(&["baogao", "search", "x", "--corpus", "c"]));
        assert!(given(&["baogao", "index", "--corpus", "c"]));
    }

    #[cfg(unix)]
    #[test]
    fn arguments_that_are_not_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let bad = || OsString::from_vec(vec![b'a', 0xff, b'b']);
        // A path: taken as it is.
        let cli = parse([
            OsString::from("baogao"),
            "--corpus".into(),
            bad(),
            "search".into(),
            "x".into(),
        ])
        .unwrap();
        assert_eq!(cli.corpus.as_os_str(), bad().as_os_str());
        // A query: a usage error (exit 2), not a panic.
        let e = parse([OsString::from("baogao"), "search".into(), bad()]).unwrap_err();
        assert!(e.use_stderr());
        assert_eq!(rewrite_negations([bad()]), vec![bad()]);
    }

    #[test]
    fn csv_flags() {
        let cli = parse(["baogao", "search", "x", "--csv"]).unwrap();
        let Command::Search(s) = cli.command else { panic!() };
        assert!(s.csv && !s.json);
        assert!(parse(["baogao", "search", "x", "--csv", "--json"]).is_err());
        let cli = parse(["baogao", "reports", "--csv", "--missing", "year"]).unwrap();
        let Command::Reports(r) = cli.command else { panic!() };
        assert!(r.csv);
        assert!(parse(["baogao", "reports", "--csv", "--json"]).is_err());
        assert!(parse(["baogao", "reports", "--csv", "--explain"]).is_err());
    }

    #[test]
    fn completions_take_a_shell() {
        let cli = parse(["baogao", "completions", "zsh"]).unwrap();
        let Command::Completions(c) = cli.command else { panic!() };
        assert_eq!(c.shell, clap_complete::Shell::Zsh);
        assert!(parse(["baogao", "completions", "tcsh"]).is_err());
        assert!(matches!(parse(["baogao", "man"]).unwrap().command, Command::Man));
    }

    #[test]
    fn limit_and_all_conflict() {
        assert!(Cli::try_parse_from(["baogao", "search", "x", "--all", "--limit", "3"]).is_err());
    }
}
