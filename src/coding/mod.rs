//! Codings.
