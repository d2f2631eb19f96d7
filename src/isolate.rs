//! Running work so that a panic in it becomes an error, quietly.
//!
//! SPEC §3 and §5 promise that one bad file never stops a batch, and no
//! input may crash baogao (issue #9). Bugs will still happen somewhere in
//! decoding, HTML, Word or metadata extraction, or in tantivy reading a
//! damaged index; [`catch`] turns a panic inside `f` into an `Err` with the
//! panic's message and location, so that the caller can skip one file
//! (`internal error: …`, see [`crate::corpus::read`]) or end the command
//! with exit 2 instead of exit 101 (see [`crate::cli::run_guarded`]).
//!
//! The standard panic hook prints every panic to stderr, which for a
//! skipped file would be noise between the progress bar and the summary.
//! We install, once, a hook that records the message instead of printing
//! it when the panicking thread is inside [`catch`] (or anywhere while
//! [`quiet_everywhere`] is on, for worker threads that rayon or tantivy
//! own), and otherwise behaves as the hook it replaced.
//!
//! A stack overflow is not a panic: it aborts the process, and nothing
//! here can catch it. Code that walks user data therefore never recurses
//! without a bound (iterative HTML walks, query depth limits).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

thread_local! {
    /// How many [`catch`] calls this thread is inside.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
    /// The message of the last panic caught on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether panics on any thread are recorded instead of printed.
static QUIET: AtomicBool = AtomicBool::new(false);
/// The first panic recorded while [`QUIET`] was on, on a thread that was
/// not inside [`catch`].
static ELSEWHERE: Mutex<Option<String>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// `MESSAGE (at FILE:LINE)`.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = payload_message(info.payload());
    match info.location() {
        Some(l) => format!("{message} (at {}:{})", l.file(), l.line()),
        None => message,
    }
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) > 0 {
                let text = describe(info);
                LAST.with(|l| *l.borrow_mut() = Some(text));
            } else if QUIET.load(Ordering::SeqCst) {
                let text = describe(info);
                if let Ok(mut slot) = ELSEWHERE.lock() {
                    slot.get_or_insert(text);
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it (on this thread, or on a rayon thread that
/// `f` waits for) is returned as `Err(message)` and not printed.
///
/// `f` is treated as unwind safe: callers must not use state that `f` left
/// half-updated after an `Err` (the per-file readers own everything they
/// touch; the CLI ends the command).
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        LAST.with(|l| l.borrow_mut().take())
            .or_else(take_elsewhere)
            .unwrap_or_else(|| payload_message(payload.as_ref()))
    })
}

/// From now on, panics on threads outside [`catch`] (worker threads that
/// rayon or tantivy own) are recorded for [`take_elsewhere`] instead of
/// printed. The CLI turns this on for the whole command.
pub fn quiet_everywhere() {
    install_hook();
    QUIET.store(true, Ordering::SeqCst);
}

/// The first panic recorded on another thread while
/// [`quiet_everywhere`] was on, if any (taken: a second call returns
/// `None`).
pub fn take_elsewhere() -> Option<String> {
    ELSEWHERE.lock().ok().and_then(|mut slot| slot.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        let r: Result<(), String> = catch(|| panic!("boom {}", 42));
        let e = r.unwrap_err();
        assert!(e.starts_with("boom 42 (at src/isolate.rs:"), "{e}");
        assert_eq!(catch(|| 7), Ok(7));
        // Slicing a string inside a character, the bug of issue #9.
        let s = String::from("法治政府");
        let e = catch(|| s[..4].len()).unwrap_err();
        assert!(e.contains("is not a char boundary"), "{e}");
    }

    #[test]
    fn nested_and_rayon_panics_are_caught() {
        use rayon::prelude::*;
        let inner = catch(|| catch(|| -> u8 { panic!("inner") }).unwrap_err());
        assert!(inner.unwrap().starts_with("inner"));
        let e = catch(|| {
            (0..64).into_par_iter().map(|i| if i == 33 { panic!("at {i}") } else { i }).sum::<i32>()
        })
        .unwrap_err();
        assert!(e.contains("at 33"), "{e}");
    }
}
