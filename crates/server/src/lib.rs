//! The Guardian language server.
//!
//! It keeps a copy of every open Python document, analyzes it with the same
//! analysis crate as `guardian check`, and publishes findings as diagnostics
//! that cite the violated policy section. Open steering documents get policy
//! diagnostics computed from the editor's unsaved text. Only this crate uses LSP types:
//! `from_proto` and `to_proto` convert at the edge, `handlers` holds one
//! module per request family, and `server` is the dispatch table.

mod framing;
mod from_proto;
mod guard;
mod handlers;
mod markdown_text;
mod policy_state;
mod scheduling;
mod server;
mod session;
mod settings;
mod to_proto;

#[cfg(test)]
mod tests;

pub use server::GuardianServer;
pub use settings::{Settings, SteeringSettings};

use tower_lsp_server::{ClientSocket, LspService, Server};

/// Builds the service and the socket for messages to the client, e.g. to drive the server in tests.
pub fn service() -> (LspService<GuardianServer>, ClientSocket) {
    LspService::build(GuardianServer::new)
        .custom_method("window/workDoneProgress/cancel", GuardianServer::work_done_progress_cancel)
        .finish()
}

/// Serves the Language Server Protocol on stdin and stdout until the client exits.
///
/// A framing layer between stdio and tower-lsp drops malformed messages with a
/// JSON-RPC error response instead of letting them end the server.
///
/// Replaces the process's panic hook so that panics are logged through
/// `tracing` without their message, which may quote source text.
pub async fn run_stdio() {
    guard::install_panic_hook();
    tracing::info!("language server started");

    let (service, socket) = service();
    framing::serve(tokio::io::stdin(), tokio::io::stdout(), |input, output| {
        Server::new(input, output, socket).serve(service)
    })
    .await;
}
