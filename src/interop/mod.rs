//! REFI-QDA (QDA-XML 1.0) exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder: a
//! study exported as a project (`.qdpx`: `project.qde` plus `sources/<guid>.txt`) or a
//! codebook (`.qdc`), and such files imported into a project.
//!
//! * [`export`]: the study as QDA-XML, with deterministic GUIDs ([`guid`]).
//! * [`import`]: an untrusted file into the project, all checked before anything is
//!   written.
//! * [`qde`]: the model and its writer; [`read`]: the XML reader (no DTDs, no entity
//!   expansion); [`zipsafe`]: archives read under limits, written deterministically;
//!   [`positions`]: code points ↔ turns, and the readings of other tools' positions;
//!   [`gloss_data`]: what rides along for gloss alone (turns, records, ids).

pub mod export;
pub mod gloss_data;
pub mod guid;
pub mod import;
pub mod positions;
pub mod qde;
pub mod read;
pub mod zipsafe;

pub use export::{ExportReport, codebook_qdc, project_qdpx};
pub use import::{ImportOptions, ImportReport, import_qdc, import_qdpx};
