//! End-to-end tests that drive the real `guardian` binary: `guardian check`
//! (text, JSON, SARIF and GitHub output, exit statuses, walking, `--fix`),
//! `guardian policy`, `guardian rules`, and the
//! language server over stdio through a small LSP client.

// Tests that skip print the reason on stderr, where `cargo test` shows it.
#![allow(clippy::print_stderr)]

mod check_cache;
mod check_cli;
mod check_formats;
mod fix_cli;
mod fry_factory;
mod layering;
mod lsp_actions;
mod lsp_policy;
mod lsp_sync;
mod policy_cli;
mod rules_cli;
mod support;
