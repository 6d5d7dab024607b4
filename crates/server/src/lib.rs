//! The Guardian language server.

/// Serves the Language Server Protocol on stdin and stdout until the client exits.
pub async fn run_stdio() {}
