//! The `guardian` binary: the language server (`guardian lsp`), the batch
//! checker for CI (`guardian check`), the policy tools (`guardian policy
//! check|explain`) and the check catalog (`guardian rules`).
//!
//! This file only parses the command line, sets up logging and maps errors to
//! exit statuses. Each subcommand lives in its own module, and all of them call
//! the same policy and analysis crates as the language server.

mod cache;
mod check;
mod fix;
mod lsp;
mod output;
mod policy;
mod rules;
mod walk;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status for usage, I/O and policy errors; clap uses it for usage errors too.
const EXIT_ERROR: u8 = 2;

/// Guardian enforces a security team's steering documents on Python code.
#[derive(Debug, Parser)]
#[command(name = "guardian", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the language server on stdin and stdout.
    Lsp,
    /// Check Python files against the steering documents and report findings.
    Check(check::CheckArgs),
    /// Check the steering documents, or explain which section binds which rule.
    Policy(policy::PolicyArgs),
    /// List the built-in checks, or explain one of them.
    Rules(rules::RulesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();

    let result = match cli.command {
        Command::Lsp => lsp::run(),
        // `check` and `rules` print warnings for people themselves, so logs show only errors unless requested.
        // The cache's warnings show too: a cache that cannot be used only costs time, and nothing else reports it.
        Command::Check(arguments) => {
            init_logging("error,guardian::cache=warn");
            check::run(&arguments)
        }
        Command::Policy(arguments) => {
            init_logging("error");
            policy::run(&arguments)
        }
        Command::Rules(arguments) => {
            init_logging("error");
            rules::run(&arguments)
        }
    };

    match result {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Installs a `tracing` subscriber that writes to stderr.
///
/// The filter comes from `GUARDIAN_LOG`, else `RUST_LOG`, else `default_filter`.
pub(crate) fn init_logging(default_filter: &str) {
    let directives = std::env::var("GUARDIAN_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default_filter.to_owned());
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));

    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Prints an error and its causes on stderr, one `caused by` line per cause.
fn report_error(error: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
}
