//! The `baogao` binary: parse arguments, run, map the outcome to an exit
//! code (0 matched / success, 1 nothing matched, 2 error). Everything else
//! lives in the library.

use std::io::Write;
use std::process::ExitCode;

use baogao::cli::{self, Exit};

/// mimalloc instead of the system allocator: glibc's malloc and free took
/// 6% of the CPU time of a full build (perf, 200 MB corpus).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `args_os`: an argument that is not UTF-8 is clap's usage error (exit
    // 2) for a query, and a path like any other for --index and --corpus;
    // `std::env::args` panicked on it (issue #9).
    let args = match cli::args::parse(std::env::args_os()) {
        Ok(args) => args,
        Err(e) => {
            // --help and --version print and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Error.code() } else { 0 });
        }
    };
    let result = cli::run_guarded(args);
    cli::finish();
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        // `baogao search x | head` must not report an error.
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::from(Exit::Success.code()),
        Err(err) => {
            // Never panics, even when stderr cannot be written.
            let _ = writeln!(std::io::stderr().lock(), "baogao: error: {err:#}");
            ExitCode::from(Exit::Error.code())
        }
    }
}
