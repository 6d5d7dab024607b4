//! The dispatch table: each LSP method the server supports, and the handler
//! that serves it, wrapped so a panic becomes an internal error.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentDiagnosticParams, DocumentDiagnosticReportResult,
    ExecuteCommandParams, Hover, HoverParams, InitializeParams, InitializeResult, InitializedParams, LSPAny,
    WorkDoneProgressCancelParams,
};
use tower_lsp_server::{Client, LanguageServer};

use crate::guard;
use crate::handlers::{code_actions, commands, diagnostics, documents, hover, lifecycle, scan, workspace};
use crate::session::Session;

/// The Guardian language server.
pub struct GuardianServer {
    session: Arc<Session>,
}

impl GuardianServer {
    pub fn new(client: Client) -> Self {
        Self { session: Arc::new(Session::new(client)) }
    }

    #[cfg(test)]
    pub(crate) fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// `window/workDoneProgress/cancel`, which tower-lsp's trait lacks; registered in [`crate::service`].
    pub async fn work_done_progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        scan::cancel(&self.session, &params.token);
    }
}

impl LanguageServer for GuardianServer {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        guard::request("initialize", lifecycle::initialize(&self.session, params)).await
    }

    async fn initialized(&self, _: InitializedParams) {
        guard::notification("initialized", lifecycle::initialized(&self.session)).await;
    }

    async fn shutdown(&self) -> Result<()> {
        guard::request("shutdown", lifecycle::shutdown()).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        guard::notification("textDocument/didOpen", documents::did_open(&self.session, params)).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        guard::notification("textDocument/didChange", documents::did_change(&self.session, params)).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        guard::notification("textDocument/didSave", documents::did_save(&self.session, params)).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        guard::notification("textDocument/didClose", documents::did_close(&self.session, params)).await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        guard::request("textDocument/diagnostic", diagnostics::pull(&self.session, params)).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guard::request("textDocument/codeAction", code_actions::code_action(&self.session, params)).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        guard::request("textDocument/hover", hover::hover(&self.session, params)).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        guard::request("workspace/executeCommand", commands::execute_command(&self.session, params)).await
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        guard::notification("workspace/didChangeWatchedFiles", workspace::did_change_watched_files(&self.session, params))
            .await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        guard::notification(
            "workspace/didChangeWorkspaceFolders",
            workspace::did_change_workspace_folders(&self.session, params),
        )
        .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        guard::notification("workspace/didChangeConfiguration", workspace::did_change_configuration(&self.session, params))
            .await;
    }
}
