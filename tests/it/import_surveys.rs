//! Tests: import_surveys.
