//! CSV/JSONL tables of posts with a column mapping.
