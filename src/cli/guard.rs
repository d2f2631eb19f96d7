//! What keeps a command from crashing or doing damage: panics become exit
//! 2 errors, broken pipes end quietly, and the index and output paths are
//! checked against the corpus before anything is written (issue #9).
//!
//! - [`run_guarded`] runs a command with every panic caught
//!   ([`crate::isolate`]): a bug, or tantivy tripping over a damaged index,
//!   is `baogao: error: internal error: …` and exit 2, never exit 101.
//! - [`is_broken_pipe`] finds a closed stdout in an error, whichever
//!   writer (plain, CSV, JSON) met it, so that `kwic --csv | head -1`
//!   exits 0 without a message.
//! - [`check_index_location`] refuses an index folder inside (or equal to)
//!   the corpus folder, and [`check_output`] an output file (`--svg FILE`)
//!   that would overwrite a file of the corpus or of the index.
//! - [`settle_corpus`] makes sure a command answers from the index of the
//!   corpus it names: an index remembers the corpus it was built from, a
//!   command given another corpus stops with exit 2 and says so, and
//!   `baogao index OTHER_DIR` never silently repoints an index (`--full`
//!   does it on purpose). Without `--corpus`, when there is no `./corpus`,
//!   the index's own corpus is used, so `baogao --index ~/p/index search …`
//!   works from any folder.

use std::error::Error as StdError;
use std::io;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Result};

use super::args::{Cli, Command};
use super::{Ctx, Exit, UsageError};
use crate::index::store;
use crate::isolate;

/// Runs a command with panics turned into errors (see the module docs).
pub fn run_guarded(cli: Cli) -> Result<Exit> {
    isolate::quiet_everywhere();
    match isolate::catch(|| super::run(cli)) {
        Ok(Ok(exit)) => {
            if let Some(p) = isolate::take_elsewhere() {
                eprintln!("baogao: warning: internal error in a worker thread: {p}");
            }
            Ok(exit)
        }
        Ok(Err(e)) => match isolate::take_elsewhere() {
            // tantivy reports a dead indexing thread as "An index writer was
            // killed"; the panic says why.
            Some(p) => Err(anyhow!("{e:#} (internal error in a worker thread: {p})")),
            None => Err(e),
        },
        Err(p) => Err(anyhow!(
            "internal error: {p}. This is a bug in baogao, or the index is damaged \
             (`baogao index --full` rebuilds it)"
        )),
    }
}

/// Whether an error is (or wraps) a write to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(error_is_broken_pipe)
}

fn error_is_broken_pipe(e: &(dyn StdError + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        // The `csv` crate's errors reach us wrapped in an `io::Error` of
        // kind `Other` (its `From` impl), whose `source` skips the wrapped
        // error: look inside.
        return io.kind() == io::ErrorKind::BrokenPipe
            || io.get_ref().is_some_and(|inner| error_is_broken_pipe(inner));
    }
    if let Some(c) = e.downcast_ref::<csv::Error>() {
        return matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe);
    }
    if let Some(j) = e.downcast_ref::<serde_json::Error>() {
        return j.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    false
}

/// `path` made absolute and resolved as far as it exists: the longest
/// existing ancestor is canonicalized (symlinks resolved) and the rest is
/// appended with `.` and `..` applied, so that a folder that does not exist
/// yet (a new index) can still be compared with the corpus.
pub fn resolve(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Lexically normalized first, so that `a/../b` does not depend on
    // whether `a` exists.
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let mut existing = clean.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canon) = existing.canonicalize() {
            let mut out = canon;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return clean,
        }
    }
}

/// Whether `path` is `dir` or inside it (both resolved with [`resolve`]).
pub fn is_within(path: &Path, dir: &Path) -> bool {
    resolve(path).starts_with(resolve(dir))
}

/// Refuses an index folder that is the corpus folder or inside it: its
/// files would be walked as part of the corpus, and `--full` replaces the
/// whole folder.
pub fn check_index_location(index: &Path, corpus: &Path) -> Result<()> {
    if is_within(index, corpus) {
        return Err(UsageError(format!(
            "the index folder {} is inside the corpus folder {}: put it elsewhere (--index DIR; \
             the default is ./index next to ./corpus)",
            index.display(),
            corpus.display()
        ))
        .into());
    }
    if is_within(corpus, index) {
        return Err(UsageError(format!(
            "the corpus folder {} is inside the index folder {}: choose another --index",
            corpus.display(),
            index.display()
        ))
        .into());
    }
    Ok(())
}

/// Refuses an output file (`trend --svg FILE`) that lies in the corpus or
/// the index folder: writing it would change a report or damage the index.
pub fn check_output(path: &Path, flag: &str, corpus: &Path, index: &Path) -> Result<()> {
    for (dir, what) in [(corpus, "corpus"), (index, "index")] {
        if is_within(path, dir) {
            return Err(UsageError(format!(
                "{flag} {}: the file would be written inside the {what} folder {}; \
                 baogao never writes there, choose a path outside it",
                path.display(),
                dir.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Settles which corpus a command works on (see the module docs), and
/// refuses an index folder inside the corpus. `given` says whether
/// `--corpus` (or `BAOGAO_CORPUS`) was given; for `index`, its `CORPUS`
/// argument counts as given too.
pub fn settle_corpus(ctx: &mut Ctx, given: bool, command: &Command) -> Result<()> {
    let (corpus, given, index_cmd, full) = match command {
        Command::Index(a) => (
            a.path.clone().unwrap_or_else(|| ctx.corpus.clone()),
            given || a.path.is_some(),
            true,
            a.full,
        ),
        _ => (ctx.corpus.clone(), given, false, false),
    };
    check_index_location(&ctx.index, &corpus)?;
    let Some(recorded) = store::read_payload(&ctx.index).map(|p| p.corpus) else {
        return Ok(());
    };
    if resolve(&corpus) == recorded || full {
        return Ok(());
    }
    if !given && !corpus.exists() {
        // The index knows its corpus: use it.
        ctx.corpus = recorded;
        return Ok(());
    }
    if !recorded.exists() {
        // The corpus was moved (with its index, say): the one named now
        // takes its place, and `baogao index` records it.
        eprintln!(
            "baogao: warning: the index {} was built from {}, which no longer exists; using {}",
            ctx.index.display(),
            recorded.display(),
            corpus.display()
        );
        return Ok(());
    }
    let named = if given {
        corpus.display().to_string()
    } else {
        format!("{} (the default --corpus)", corpus.display())
    };
    Err(UsageError(if index_cmd {
        format!(
            "the index {} holds the reports of {}, not of {named}; `baogao index` will not \
             replace them silently. To rebuild this index from {} instead, run `baogao --index \
             {} index --full {}`; to keep both, give the other corpus its own index (--index DIR)",
            ctx.index.display(),
            recorded.display(),
            corpus.display(),
            ctx.index.display(),
            corpus.display()
        )
    } else {
        format!(
            "the index {} was built from {}, not from {named}: run with --corpus {} (or without \
             --corpus), or build an index of {} in another folder (`baogao --index DIR index {}`)",
            ctx.index.display(),
            recorded.display(),
            recorded.display(),
            corpus.display(),
            corpus.display()
        )
    })
    .into())
}

/// Says so on stderr when an index holds no report (an empty corpus, or
/// one whose every file was skipped), so that "no hits" is not a mystery.
pub fn note_if_empty(reader: &crate::index::IndexReader) {
    use tantivy::collector::Count;
    use tantivy::query::TermQuery;
    use tantivy::schema::IndexRecordOption;
    let q = TermQuery::new(
        tantivy::Term::from_field_text(reader.fields.kind, crate::index::schema::KIND_REPORT),
        IndexRecordOption::Basic,
    );
    if reader.searcher.search(&q, &Count).is_ok_and(|n| n == 0) {
        eprintln!(
            "baogao: note: the index holds no reports: {} had no readable .txt, .html or .docx \
             files when it was built (`baogao index --verbose` lists what was skipped)",
            reader.payload.corpus.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipes_are_found_behind_every_writer() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::from(pipe())));
        // csv: its error wrapped in an io::Error of kind Other.
        struct Closed;
        impl io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let rows = vec![vec!["法治".repeat(100)]; 1000];
        let e = crate::output::csv::write_table(Closed, &["a"], &rows).unwrap_err();
        // Met in `write_record` (the buffer filled up), not in `flush`.
        assert_eq!(e.kind(), io::ErrorKind::Other);
        assert!(is_broken_pipe(&anyhow::Error::from(e).context("writing")));
        let e = crate::output::json::line(&mut Closed, "x", &1).unwrap_err();
        assert!(is_broken_pipe(&anyhow::Error::from(e)));
        assert!(!is_broken_pipe(&anyhow!("other")));
        assert!(!is_broken_pipe(&anyhow::Error::from(io::Error::other("x"))));
    }

    #[test]
    fn paths_inside_folders() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("sub")).unwrap();
        assert!(is_within(&corpus.join("index"), &corpus));
        assert!(is_within(&corpus.join("sub/../new/x"), &corpus));
        assert!(is_within(&corpus, &corpus));
        assert!(!is_within(&dir.path().join("index"), &corpus));
        assert!(!is_within(&dir.path().join("corpus2"), &corpus));
        assert!(!is_within(&corpus.join("../index"), &corpus));
        // Through a symlink to the corpus.
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&corpus, &link).unwrap();
            assert!(is_within(&link.join("index"), &corpus));
        }
        assert!(check_index_location(&corpus.join("index"), &corpus).is_err());
        assert!(check_index_location(&corpus, &corpus).is_err());
        assert!(check_index_location(dir.path(), &corpus).is_err());
        assert!(check_index_location(&dir.path().join("index"), &corpus).is_ok());
        let index = dir.path().join("index");
        assert!(check_output(&corpus.join("a.txt"), "--svg", &corpus, &index).is_err());
        assert!(check_output(&index.join("meta.json"), "--svg", &corpus, &index).is_err());
        assert!(check_output(&dir.path().join("chart.svg"), "--svg", &corpus, &index).is_ok());
    }
}
