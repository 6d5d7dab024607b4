//! `initialize`, `initialized` and `shutdown`: capability negotiation,
//! the first policy load and the steering document watchers.

use std::sync::Arc;

use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, ExecuteCommandOptions, HoverProviderCapability,
    InitializeParams, InitializeResult, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

use crate::from_proto;
use crate::handlers::{code_actions, commands, workspace};
use crate::session::{ClientConfig, Session};
use crate::settings::Settings;
use crate::to_proto::{self, WorkspaceEditShape};

pub async fn initialize(session: &Arc<Session>, params: InitializeParams) -> jsonrpc::Result<InitializeResult> {
    let config = client_config(&params);
    let encoding = config.encoding;
    tracing::info!(
        encoding = ?encoding,
        roots = config.workspace_roots.len(),
        steering_paths = config.settings.steering.paths.len(),
        "initializing"
    );
    session.set_config(config);

    workspace::load_policy(session, "initialize").await;

    Ok(InitializeResult {
        capabilities: server_capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "guardian".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

pub async fn initialized(session: &Arc<Session>) {
    workspace::register_watchers(session).await;
}

pub async fn shutdown() -> jsonrpc::Result<()> {
    tracing::info!("shutting down");
    Ok(())
}

fn client_config(params: &InitializeParams) -> ClientConfig {
    let workspace = params.capabilities.workspace.as_ref();
    let supports_watched_files_registration = workspace
        .and_then(|workspace| workspace.did_change_watched_files.as_ref())
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false);
    let supports_document_changes = workspace
        .and_then(|workspace| workspace.workspace_edit.as_ref())
        .and_then(|edit| edit.document_changes)
        .unwrap_or(false);

    ClientConfig {
        encoding: from_proto::position_encoding(params),
        workspace_roots: from_proto::workspace_roots(params),
        settings: Settings::from_client_value(params.initialization_options.as_ref()),
        supports_watched_files_registration,
        workspace_edit_shape: if supports_document_changes {
            WorkspaceEditShape::VersionedDocumentChanges
        } else {
            WorkspaceEditShape::Changes
        },
    }
}

fn server_capabilities(encoding: guardian_analysis::PositionEncoding) -> ServerCapabilities {
    let text_document_sync = TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(TextDocumentSyncKind::INCREMENTAL),
        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
        ..TextDocumentSyncOptions::default()
    };
    let code_actions = CodeActionOptions {
        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, code_actions::fix_all_kind()]),
        resolve_provider: Some(false),
        ..CodeActionOptions::default()
    };

    ServerCapabilities {
        position_encoding: Some(to_proto::position_encoding_kind(encoding)),
        text_document_sync: Some(TextDocumentSyncCapability::Options(text_document_sync)),
        code_action_provider: Some(CodeActionProviderCapability::Options(code_actions)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![commands::OPEN_POLICY.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}
