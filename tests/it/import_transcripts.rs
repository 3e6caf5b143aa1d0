//! Tests: import_transcripts.
