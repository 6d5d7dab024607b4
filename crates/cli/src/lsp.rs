//! `guardian lsp`: starts logging and a tokio runtime, then serves the
//! Language Server Protocol on stdio through the server crate.

use std::process::ExitCode;

use anyhow::Context;

/// Runs the language server until the client sends `exit` or closes stdin.
pub fn run() -> anyhow::Result<ExitCode> {
    crate::init_logging("info");
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting the language server");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the tokio runtime for the language server")?;
    runtime.block_on(guardian_server::run_stdio());

    // Tokio reads stdin on a blocking thread that stays parked in `read` while the
    // client keeps the pipe open after `exit`. Dropping the runtime would wait for
    // that thread forever, so shut down without waiting for blocking tasks.
    runtime.shutdown_background();

    tracing::info!("language server stopped");
    Ok(ExitCode::SUCCESS)
}
