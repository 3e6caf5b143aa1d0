//! The codebook.
