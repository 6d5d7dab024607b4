//! End-to-end tests that drive the real `guardian` binary: `guardian check`
//! (text and JSON output, exit statuses, walking), `guardian rules`, and the
//! language server over stdio through a small LSP client.

// Tests that skip print the reason on stderr, where `cargo test` shows it.
#![allow(clippy::print_stderr)]

mod check_cli;
mod fry_factory;
mod lsp_actions;
mod lsp_policy;
mod lsp_sync;
mod rules_cli;
mod support;
