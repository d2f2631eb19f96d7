//! `baogao diff ID_A ID_B`: what report B kept from report A, passage by
//! passage (the alignment is [`crate::analysis::diff`]).
//!
//! # Output
//!
//! Human: a header naming both reports, then B in reading order: runs of
//! identical passages collapsed to one line (`--all` prints them), each
//! other unit with its status, passage numbers (the ordinals of `baogao
//! show`) and similarity, and its text with deletions and insertions
//! highlighted — red and green on a color terminal, `[-deleted-]` and
//! `{+inserted+}` (the markers of `git diff --word-diff`) otherwise. A
//! closing line gives the share of B carried over from A.
//!
//! `--json`: one `pair` line per unit, `{status, a: [ordinals], b:
//! [ordinals], similarity, ops: [{op: equal|delete|insert, text}]}`, then a
//! `summary` `{a, b, passages_a, passages_b, identical, changed, moved,
//! split, merged, only_a, only_b, chars_b, carried_chars_b,
//! carried_share}` (`a`, `b` are report ids). `--csv`: one row per unit,
//! `status, a, b, similarity, chars_b, carried_chars_b, text_a, text_b`
//! (ordinals joined by `+`).
//!
//! Exit 0 when at least one passage of B was paired with one of A, 1 when
//! the two reports share nothing, 2 for an error (an unknown id).

use std::io::Write;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use termcolor::{Color, ColorSpec, WriteColor};

use super::{find_report, Ctx, Exit};
use crate::analysis::diff::{self, Alignment, Op, OpKind, Status, Unit};
use crate::index::ReportRecord;
use crate::output::{csv, human, json};

/// `baogao diff`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    baogao diff b194da4555 e5c981d8d2        # 海拉尔区 2012 → 2013\n  \
    baogao diff b194 e5c9 --json | jq 'select(.type == \"summary\")'")]
pub struct DiffArgs {
    /// The earlier report: id, unique id prefix or path.
    #[arg(value_name = "ID_A")]
    pub a: String,
    /// The later report: id, unique id prefix or path.
    #[arg(value_name = "ID_B")]
    pub b: String,
    /// Print everything in full: identical passages (collapsed by
    /// default) and whole deleted or new passages (cut to their first
    /// 120 characters by default).
    #[arg(long)]
    pub all: bool,
    /// JSON Lines output: one `pair` per aligned unit, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: one row per aligned unit.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `baogao diff`.
pub fn run(ctx: &Ctx, args: DiffArgs) -> Result<Exit> {
    let backend = ctx.backend()?;
    let ra = find_report(&*backend, &args.a)?;
    let rb = find_report(&*backend, &args.b)?;
    let pa = backend.report_passages(&ra.id)?;
    let pb = backend.report_passages(&rb.id)?;
    let ta: Vec<&str> = pa.iter().map(|p| p.text.as_str()).collect();
    let tb: Vec<&str> = pb.iter().map(|p| p.text.as_str()).collect();
    let al = diff::align(&ta, &tb);
    let ord_a: Vec<u64> = pa.iter().map(|p| p.ordinal).collect();
    let ord_b: Vec<u64> = pb.iter().map(|p| p.ordinal).collect();
    let ords = |idx: &[usize], ords: &[u64]| -> Vec<u64> { idx.iter().map(|&i| ords[i]).collect() };

    let mut out = ctx.stdout(args.json || args.csv);
    if args.json {
        for u in &al.units {
            json::line(
                &mut out,
                "pair",
                &PairJson {
                    status: u.status.as_str(),
                    a: ords(&u.a, &ord_a),
                    b: ords(&u.b, &ord_b),
                    similarity: round(u.similarity),
                    ops: u
                        .ops
                        .iter()
                        .map(|o| OpJson { op: o.kind.as_str(), text: &o.text })
                        .collect(),
                },
            )?;
        }
        json::line(&mut out, "summary", &SummaryJson::new(&ra, &rb, pa.len(), pb.len(), &al))?;
    } else if args.csv {
        let join = |v: Vec<u64>| v.iter().map(u64::to_string).collect::<Vec<_>>().join("+");
        let side_text = |u: &Unit, skip: OpKind| -> String {
            u.ops.iter().filter(|o| o.kind != skip).map(|o| o.text.as_str()).collect()
        };
        let rows: Vec<Vec<String>> = al
            .units
            .iter()
            .map(|u| {
                vec![
                    u.status.as_str().to_string(),
                    join(ords(&u.a, &ord_a)),
                    join(ords(&u.b, &ord_b)),
                    format!("{:.4}", u.similarity),
                    u.chars_b.to_string(),
                    u.carried_chars_b.to_string(),
                    // A's text: equal ops read as in B, which is what the
                    // diff says they are (equal after normalization).
                    if u.a.is_empty() { String::new() } else { side_text(u, OpKind::Insert) },
                    if u.b.is_empty() { String::new() } else { side_text(u, OpKind::Delete) },
                ]
            })
            .collect();
        csv::write_table(
            &mut out,
            &["status", "a", "b", "similarity", "chars_b", "carried_chars_b", "text_a", "text_b"],
            &rows,
        )?;
    } else {
        print_human(&mut out, &ra, &rb, (&ord_a, &ord_b), &al, args.all)?;
    }
    out.flush()?;
    let paired = al.units.iter().any(|u| !u.a.is_empty() && !u.b.is_empty());
    Ok(if paired { Exit::Success } else { Exit::NoMatch })
}

/// Deleted and new passages are cut to this many characters (without
/// `--all`): they are not compared with anything, and a reader skimming a
/// diff wants to recognise them, not read them.
const LONE_CHARS: usize = 120;

/// Four decimals.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// `pair.data`.
#[derive(Serialize)]
struct PairJson<'a> {
    status: &'static str,
    a: Vec<u64>,
    b: Vec<u64>,
    similarity: f64,
    ops: Vec<OpJson<'a>>,
}

/// One op of `pair.data.ops`.
#[derive(Serialize)]
struct OpJson<'a> {
    op: &'static str,
    text: &'a str,
}

/// `summary.data`.
#[derive(Serialize)]
struct SummaryJson<'a> {
    a: &'a str,
    b: &'a str,
    passages_a: usize,
    passages_b: usize,
    identical: usize,
    changed: usize,
    moved: usize,
    split: usize,
    merged: usize,
    only_a: usize,
    only_b: usize,
    chars_b: usize,
    carried_chars_b: usize,
    carried_share: f64,
}

impl<'a> SummaryJson<'a> {
    fn new(
        ra: &'a ReportRecord,
        rb: &'a ReportRecord,
        passages_a: usize,
        passages_b: usize,
        al: &Alignment,
    ) -> Self {
        SummaryJson {
            a: &ra.id,
            b: &rb.id,
            passages_a,
            passages_b,
            identical: al.count(Status::Identical),
            changed: al.count(Status::Changed),
            moved: al.count(Status::Moved),
            split: al.count(Status::Split),
            merged: al.count(Status::Merged),
            only_a: al.count(Status::OnlyA),
            only_b: al.count(Status::OnlyB),
            chars_b: al.chars_b,
            carried_chars_b: al.carried_chars_b,
            carried_share: round(al.carried_share()),
        }
    }
}

/// One line naming a report: id, place, year, title.
fn report_line(r: &ReportRecord) -> String {
    let m = &r.meta;
    let year = m.year.map(|y| y.to_string()).unwrap_or_else(|| "—".into());
    let title = human::truncate(m.title.as_deref().unwrap_or("(no title)"), 40);
    format!("{}  {} · {} · {}  ({} passages)", r.id, human::place_label(m), year, title, r.passages)
}

fn print_human(
    out: &mut termcolor::BufferedStandardStream,
    ra: &ReportRecord,
    rb: &ReportRecord,
    (ord_a, ord_b): (&[u64], &[u64]),
    al: &Alignment,
    all: bool,
) -> Result<()> {
    let color = out.supports_color();
    out.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(out, "A  {}", human::sanitize(&report_line(ra)))?;
    writeln!(out, "B  {}", human::sanitize(&report_line(rb)))?;
    out.reset()?;
    writeln!(out)?;
    let label = |idx: &[usize], ords: &[u64]| -> String {
        idx.iter().map(|&i| ords[i].to_string()).collect::<Vec<_>>().join("+")
    };
    let mut k = 0;
    while k < al.units.len() {
        let u = &al.units[k];
        if u.status == Status::Identical && !all {
            // Collapse a run of identical passages into one line.
            let run = al.units[k..].iter().take_while(|u| u.status == Status::Identical).count();
            let (first, last) = (&al.units[k], &al.units[k + run - 1]);
            out.set_color(ColorSpec::new().set_dimmed(true))?;
            if run == 1 {
                writeln!(
                    out,
                    "= A {} = B {}  identical: {}",
                    label(&first.a, ord_a),
                    label(&first.b, ord_b),
                    human::sanitize(&human::truncate(&flat(&first.ops[0].text), 30))
                )?;
            } else {
                writeln!(
                    out,
                    "= A {}–{} = B {}–{}  {run} identical passages",
                    label(&first.a, ord_a),
                    label(&last.a, ord_a),
                    label(&first.b, ord_b),
                    label(&last.b, ord_b),
                )?;
            }
            out.reset()?;
            k += run;
            continue;
        }
        let (mark, what, col) = match u.status {
            Status::Identical => ("=", "identical", Color::White),
            Status::Changed => ("~", "changed", Color::Yellow),
            Status::Moved => ("↷", "moved", Color::Cyan),
            Status::Split => ("<", "split", Color::Cyan),
            Status::Merged => (">", "merged", Color::Cyan),
            Status::OnlyA => ("-", "only in A", Color::Red),
            Status::OnlyB => ("+", "only in B", Color::Green),
        };
        out.set_color(ColorSpec::new().set_bold(true).set_fg(Some(col)))?;
        let places = match (u.a.is_empty(), u.b.is_empty()) {
            (false, false) => format!("A {} → B {}", label(&u.a, ord_a), label(&u.b, ord_b)),
            (false, true) => format!("A {}", label(&u.a, ord_a)),
            _ => format!("B {}", label(&u.b, ord_b)),
        };
        write!(out, "{mark} {places}  {what}")?;
        if !u.a.is_empty() && !u.b.is_empty() {
            write!(out, "  similarity {:.2}", u.similarity)?;
        }
        writeln!(out)?;
        out.reset()?;
        write!(out, "  ")?;
        print_ops(out, &u.ops, color, u.status, all)?;
        writeln!(out)?;
        k += 1;
    }
    writeln!(out)?;
    let n = |s: Status| al.count(s);
    out.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(
        out,
        "B carries over {:.1}% of its text from A ({} of {} characters, counting passages at least {:.0}% similar)",
        100.0 * al.carried_share(),
        al.carried_chars_b,
        al.chars_b,
        100.0 * diff::CARRIED
    )?;
    out.reset()?;
    writeln!(
        out,
        "{} identical, {} changed, {} moved, {} split, {} merged; {} only in A, {} only in B",
        n(Status::Identical),
        n(Status::Changed),
        n(Status::Moved),
        n(Status::Split),
        n(Status::Merged),
        n(Status::OnlyA),
        n(Status::OnlyB)
    )?;
    Ok(())
}

/// Prints a unit's ops inline: colors on a color terminal, `[-…-]{+…+}`
/// markers otherwise. A whole deleted or new passage is printed plainly
/// (its status says it all), cut to [`LONE_CHARS`] unless `all`.
fn print_ops(
    out: &mut dyn WriteColor,
    ops: &[Op],
    color: bool,
    status: Status,
    all: bool,
) -> Result<()> {
    let whole = matches!(status, Status::OnlyA | Status::OnlyB);
    for op in ops {
        let mut text = human::sanitize(&flat(&op.text));
        if whole && !all {
            let n = text.chars().count();
            if n > LONE_CHARS {
                text = format!("{} ({n} characters)", human::truncate(&text, LONE_CHARS));
            }
        }
        match op.kind {
            OpKind::Equal => write!(out, "{text}")?,
            OpKind::Delete if whole => write!(out, "{text}")?,
            OpKind::Insert if whole => write!(out, "{text}")?,
            OpKind::Delete if color => {
                out.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_strikethrough(true))?;
                write!(out, "{text}")?;
                out.reset()?;
            }
            OpKind::Insert if color => {
                out.set_color(ColorSpec::new().set_fg(Some(Color::Green)).set_bold(true))?;
                write!(out, "{text}")?;
                out.reset()?;
            }
            OpKind::Delete => write!(out, "[-{text}-]")?,
            OpKind::Insert => write!(out, "{{+{text}+}}")?,
        }
    }
    Ok(())
}

/// One display line: the blank line between the passages of a split or
/// merge shown as ` ¶ `, other line breaks as spaces (as `show` does).
fn flat(s: &str) -> String {
    s.replace("\n\n", " ¶ ").replace(['\n', '\r'], " ")
}
