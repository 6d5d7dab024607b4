//! Request and notification handlers, one module per family.
//!
//! Handlers stay thin: decode the parameters, take a [`Snapshot`](crate::session::Snapshot),
//! run analysis on the blocking pool and convert the result.

pub mod code_actions;
pub mod commands;
pub mod diagnostics;
pub mod documents;
pub mod hover;
pub mod lifecycle;
pub mod scan;
pub mod workspace;
