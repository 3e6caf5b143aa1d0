//! Text as a terminal shows it (TEMPORARY shim until the text-layout branch lands).

pub mod layout;
pub mod motion;
