//! Import throughput benchmark (filled in by the issues importer work).
fn main() {}
