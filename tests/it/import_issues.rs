//! Tests: import_issues.
