//! `NAME.meta.toml` overrides.
