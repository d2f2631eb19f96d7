//! The indexing progress bar (indicatif), shown only on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::index::build::Progress;

/// A progress bar on stderr, or nothing when stderr is not a terminal or
/// the output is JSON.
pub struct Bar {
    bar: Option<ProgressBar>,
}

/// The bar for this process: hidden unless stderr is a terminal.
pub fn for_terminal(json: bool) -> Bar {
    let show = !json && std::io::stderr().is_terminal();
    Bar { bar: show.then(|| ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())) }
}

impl Progress for Bar {
    fn start(&self, files: usize, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{bar:30}] {msg} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_message(format!("0/{files} files"));
            bar.enable_steady_tick(Duration::from_millis(200));
            // Remember the file total in the bar's prefix for `advance`.
            bar.set_prefix(files.to_string());
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            let done = bar.per_sec(); // keeps the estimate fresh
            let _ = done;
            let files_done =
                bar.message().split('/').next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)
                    + 1;
            bar.set_message(format!("{files_done}/{} files", bar.prefix()));
        }
    }

    fn committing(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message("committing…".to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
