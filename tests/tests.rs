//! Integration tests: the real `baogao` binary on real and generated reports.
