//! WebVTT and SRT subtitle transcripts.

use super::LineError;
use crate::corpus::Turn;

/// Parses WebVTT.
pub fn parse_vtt(_text: &str) -> Result<Vec<Turn>, LineError> {
    Err(LineError::new(1, "WebVTT not supported yet"))
}

/// Parses SRT.
pub fn parse_srt(_text: &str) -> Result<Vec<Turn>, LineError> {
    Err(LineError::new(1, "SRT not supported yet"))
}
