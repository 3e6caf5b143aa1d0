//! Full-text search over every turn: a tantivy index under `.gloss/index/` (derived,
//! rebuilt when needed, updated incrementally), analysis with stemming, CJK bigrams and
//! accent folding, and queries with filters. Open once, query many times.

pub mod analysis;
mod bookkeeping;
pub mod index;
pub mod query;
pub mod schema;

pub use index::{
    PreparedUpdate, SearchIndex, SearchView, SyncReport, prepare_update, project_stamp,
};
pub use query::{Filters, Hit, Results};
