//! Text as a terminal shows it: grapheme clusters, screen columns and cursor motions,
//! all keyed by byte offsets into the source text (a turn's text). No terminal code.
//!
//! Bytes, chars, grapheme clusters and screen columns are four different units.
//! Positions are stored as byte offsets on grapheme boundaries; columns are derived.
//! [`layout`] wraps a text into rows with an exact byte ↔ column map and shows
//! untrusted text safely (controls, escape sequences and bidi controls as visible
//! placeholders); [`motion`] moves a byte offset by grapheme, word and sentence.

pub mod layout;
pub mod motion;
