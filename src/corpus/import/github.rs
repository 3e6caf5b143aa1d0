//! GitHub issue threads.
