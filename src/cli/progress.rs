//! The indexing progress bar (indicatif), shown only on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::index::build::Progress;

/// A progress bar on stderr, or nothing when stderr is not a terminal or
/// the output is JSON.
pub struct Bar {
    bar: Option<ProgressBar>,
    /// Files done and in all.
    done: AtomicUsize,
    total: AtomicUsize,
}

/// The bar for this process: hidden unless stderr is a terminal.
pub fn for_terminal(json: bool) -> Bar {
    let show = !json && std::io::stderr().is_terminal();
    Bar {
        bar: show.then(|| ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())),
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
    }
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
        }
        self.total.store(files, Ordering::Relaxed);
    }

    fn advance(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            bar.set_message(format!("{done}/{} files", self.total.load(Ordering::Relaxed)));
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
