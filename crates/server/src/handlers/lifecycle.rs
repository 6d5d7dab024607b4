//! `initialize`, `initialized` and `shutdown`: capability negotiation,
//! the first policy load, the settings request and the steering document watchers.

use std::sync::Arc;

use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, DiagnosticOptions, DiagnosticServerCapabilities,
    ExecuteCommandOptions, HoverProviderCapability, InitializeParams, InitializeResult, OneOf, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, WorkDoneProgressOptions, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities,
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
        pull_diagnostics = config.supports_pull_diagnostics,
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

/// Requests the client's settings, which may replace `initializationOptions`, then registers the watchers.
pub async fn initialized(session: &Arc<Session>) {
    let fetched = workspace::fetch_settings(session).await;
    let registered_by_apply = match fetched {
        Some(settings) if settings != session.config().settings => {
            workspace::apply_settings(session, settings).await;
            true
        }
        _ => false,
    };
    if !registered_by_apply {
        workspace::register_watchers(session).await;
    }
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
    let supports_pull_diagnostics =
        params.capabilities.text_document.as_ref().is_some_and(|text_document| text_document.diagnostic.is_some());
    let supports_diagnostic_refresh = workspace
        .and_then(|workspace| workspace.diagnostics.as_ref())
        .and_then(|diagnostics| diagnostics.refresh_support)
        .unwrap_or(false);
    let supports_configuration = workspace.and_then(|workspace| workspace.configuration).unwrap_or(false);
    let supports_work_done_progress = params
        .capabilities
        .window
        .as_ref()
        .and_then(|window| window.work_done_progress)
        .unwrap_or(false);
    let initialization_settings = params.initialization_options.as_ref().and_then(Settings::parse);

    ClientConfig {
        encoding: from_proto::position_encoding(params),
        workspace_roots: from_proto::workspace_roots(params),
        settings: initialization_settings.clone().unwrap_or_default(),
        initialization_settings,
        supports_watched_files_registration,
        supports_pull_diagnostics,
        supports_diagnostic_refresh,
        supports_configuration,
        supports_work_done_progress,
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
            commands: commands::COMMANDS.iter().map(ToString::to_string).collect(),
            ..ExecuteCommandOptions::default()
        }),
        // Advertised to every client: only clients that declare `textDocument.diagnostic` send the request.
        diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
            identifier: Some(to_proto::DIAGNOSTIC_SOURCE.to_string()),
            inter_file_dependencies: false,
            workspace_diagnostics: false,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}
