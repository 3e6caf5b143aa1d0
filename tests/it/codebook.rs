//! Tests: codebook.
