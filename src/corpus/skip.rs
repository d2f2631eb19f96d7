//! Why a file in the corpus folder was not indexed.

use std::fmt;

/// The reason a corpus file is skipped. Printed as-is in the `index`
/// summary and in `skipped` JSON lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The file has no bytes (or only whitespace).
    Empty,
    /// The bytes are not text (NULs, control bytes, no valid encoding).
    Binary,
    /// Text in an encoding we could not decode.
    Undecodable(String),
    /// The normalized text equals that of an earlier file (the path given).
    Duplicate(String),
    /// A format we do not read, with advice (`convert it to .docx`).
    Unsupported(String),
    /// Larger than the size limit (bytes).
    TooLarge(u64),
    /// An I/O error: permission denied, broken symlink, …
    Unreadable(String),
    /// Decoded, but no text left after extraction (e.g. an HTML page
    /// without article text).
    NoText,
    /// Reading the file panicked (a bug, caught so that the batch goes on:
    /// SPEC §5), with the panic's message and where it happened.
    Internal(String),
    /// A symbolic link that leads outside the corpus folder (its target
    /// given), not followed (SPEC §5).
    OutsideLink(String),
    /// A PDF whose text cannot be had (a scan, a password, damage, fonts
    /// without a Unicode map, not a PDF at all), with what to do about it.
    Pdf(String),
}

impl SkipReason {
    /// Whether a file skipped for this reason (as printed, the form the
    /// index keeps) is read again by every `index`, even if its size and
    /// modification time did not change: an unreadable file may have become
    /// readable (`chmod` changes neither), and an internal error may be
    /// fixed by a newer baogao.
    pub fn is_retried(printed: &str) -> bool {
        printed.starts_with("unreadable: ") || printed.starts_with("internal error: ")
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Empty => write!(f, "empty file"),
            SkipReason::Binary => write!(f, "binary file, not text"),
            SkipReason::Undecodable(why) => write!(f, "undecodable text: {why}"),
            SkipReason::Duplicate(path) => write!(f, "duplicate of {path}"),
            SkipReason::Unsupported(advice) => write!(f, "{advice}"),
            SkipReason::TooLarge(n) => {
                write!(f, "too large ({:.1} MB, the limit is 50 MB)", *n as f64 / 1e6)
            }
            SkipReason::Unreadable(why) => write!(f, "unreadable: {why}"),
            SkipReason::NoText => write!(f, "no text found"),
            SkipReason::Internal(why) => write!(f, "internal error: {why}"),
            SkipReason::OutsideLink(target) => {
                write!(f, "symbolic link to {target}, outside the corpus: not followed")
            }
            SkipReason::Pdf(why) => write!(f, "{why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retried_reasons() {
        let retried = |r: SkipReason| SkipReason::is_retried(&r.to_string());
        assert!(retried(SkipReason::Unreadable("permission denied".into())));
        assert!(retried(SkipReason::Internal("boom (at x.rs:1)".into())));
        assert!(!retried(SkipReason::Empty));
        assert!(!retried(SkipReason::Duplicate("a.txt".into())));
        assert!(!retried(SkipReason::OutsideLink("/etc/passwd".into())));
    }
}
