//! `baogao completions SHELL` and `baogao man`: shell completion scripts
//! (clap_complete) and a man page (clap_mangen), both generated from the
//! clap definitions in [`super::args`], so that they never drift from
//! `--help`. Neither needs a corpus or an index.
//!
//! The man page is one page, `baogao(1)`: the main command (its synopsis,
//! global options and the list of commands), then one section per command
//! (`BAOGAO INDEX`, …) with its synopsis, description and options as
//! subsections, then the exit status and the environment. One page rather
//! than a page per command (as git has), because `baogao man > baogao.1`
//! is then all there is to install.

use std::io::Write;

use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::args::Cli;
use super::Exit;

/// `baogao completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The completion script of a shell, written to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> Result<Exit> {
    let mut cmd = Cli::command();
    // clap_complete panics when it cannot write (`… | head` closes the
    // pipe); a script is a few dozen kB, so we write it ourselves.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "baogao", &mut script);
    out.write_all(&script)?;
    out.flush()?;
    Ok(Exit::Success)
}

/// The man page (roff), written to `out`.
pub fn man(out: &mut dyn Write) -> Result<Exit> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        writeln!(out, ".SH \"BAOGAO {}\"", name.to_uppercase())?;
        // Rendered as a page of its own, then demoted: its sections
        // become subsections of this one.
        let page = clap_mangen::Man::new(sub.clone().bin_name(format!("baogao {name}")));
        let mut roff = Vec::new();
        page.render_synopsis_section(&mut roff)?;
        page.render_description_section(&mut roff)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            page.render_options_section(&mut roff)?;
        }
        if sub.get_after_long_help().is_some() {
            page.render_extra_section(&mut roff)?;
        }
        out.write_all(demote(&String::from_utf8_lossy(&roff)).as_bytes())?;
    }
    out.write_all(TAIL.as_bytes())?;
    Ok(Exit::Success)
}

/// A rendered page as part of another: `.SH` headings become `.SS`, and
/// the apostrophe preamble every rendering starts with (already at the top
/// of the page) is dropped.
fn demote(roff: &str) -> String {
    roff.lines()
        .filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq"))
        .map(|l| match l.strip_prefix(".SH ") {
            Some(rest) => format!(".SS {rest}\n"),
            None => format!("{l}\n"),
        })
        .collect()
}

/// The sections clap does not know about.
const TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Something matched, or the command succeeded.
.TP
\fB1\fR
Nothing matched.
.TP
\fB2\fR
An error (a bad query, a bad flag value, an unreadable index, …).
.SH ENVIRONMENT
.TP
\fBBAOGAO_INDEX\fR
The index folder (as \fB\-\-index\fR).
.TP
\fBBAOGAO_CORPUS\fR
The corpus folder (as \fB\-\-corpus\fR).
.TP
\fBNO_COLOR\fR
When set and not empty, \fB\-\-color auto\fR does not color.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demoted_sections_are_subsections() {
        let roff = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH SYNOPSIS\n\\fBbaogao index\\fR\n";
        assert_eq!(demote(roff), ".SS SYNOPSIS\n\\fBbaogao index\\fR\n");
    }
}
