//! Survey CSV files.
