//! `workspace/executeCommand`: `guardian.openPolicy` shows a policy section
//! in the editor, `guardian.scanWorkspace` checks every Python file.

use std::sync::Arc;

use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{ExecuteCommandParams, LSPAny, Location, ShowDocumentParams};

use crate::handlers::scan;
use crate::session::Session;

/// Opens a steering document at a heading; its one argument is a `Location`.
pub const OPEN_POLICY: &str = "guardian.openPolicy";

/// Scans every Python file in the workspace; takes no arguments and returns a scan summary.
pub const SCAN_WORKSPACE: &str = "guardian.scanWorkspace";

/// Every command the server executes, as advertised in its capabilities.
pub const COMMANDS: [&str; 2] = [OPEN_POLICY, SCAN_WORKSPACE];

pub async fn execute_command(session: &Arc<Session>, params: ExecuteCommandParams) -> jsonrpc::Result<Option<LSPAny>> {
    match params.command.as_str() {
        OPEN_POLICY => open_policy(session, params.arguments).await,
        SCAN_WORKSPACE => scan::scan_workspace(session, params.work_done_progress_params.work_done_token).await,
        unknown => {
            tracing::warn!(command = unknown, "unknown command");
            let known = COMMANDS.join(", ");
            Err(jsonrpc::Error::invalid_params(format!("unknown command {unknown:?}; Guardian provides {known}")))
        }
    }
}

async fn open_policy(session: &Session, arguments: Vec<LSPAny>) -> jsonrpc::Result<Option<LSPAny>> {
    let location: Location = arguments
        .into_iter()
        .next()
        .and_then(|argument| serde_json::from_value(argument).ok())
        .ok_or_else(|| jsonrpc::Error::invalid_params(format!("{OPEN_POLICY} expects one Location argument")))?;

    let params = ShowDocumentParams {
        uri: location.uri,
        external: Some(false),
        take_focus: Some(true),
        selection: Some(location.range),
    };
    match session.client.show_document(params).await {
        Ok(shown) => Ok(Some(LSPAny::Bool(shown))),
        Err(error) => {
            tracing::warn!(%error, "client failed to show the policy section");
            Ok(Some(LSPAny::Bool(false)))
        }
    }
}
