//! The `baogao` binary: parse arguments, run, map the outcome to an exit
//! code (0 matched / success, 1 nothing matched, 2 error). Everything else
//! lives in the library.

use std::process::ExitCode;

use clap::Parser;

use baogao::cli::{self, args::Cli, Exit};

fn main() -> ExitCode {
    let args = match Cli::try_parse_from(cli::args::rewrite_negations(std::env::args())) {
        Ok(args) => args,
        Err(e) => {
            // --help and --version print and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Error.code() } else { 0 });
        }
    };
    let result = cli::run(args);
    cli::finish();
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            // `baogao search x | head` must not report an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(Exit::Success.code());
            }
            eprintln!("baogao: error: {err:#}");
            ExitCode::from(Exit::Error.code())
        }
    }
}
