//! Policy loading and reloading: watched steering documents, saved steering
//! documents and configuration changes all end in [`reload_policy`].

use std::path::Path;
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    DidChangeConfigurationParams, DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    FileSystemWatcher, GlobPattern, Registration,
};

use crate::from_proto;
use crate::guard;
use crate::handlers::diagnostics;
use crate::policy_state::LoadedPolicy;
use crate::session::{ClientConfig, Session};
use crate::settings::Settings;

/// The folders, relative to a workspace root, that hold steering documents.
const WORKSPACE_STEERING_FOLDERS: [&str; 2] = [".kiro/steering", ".guardian/steering"];

const WATCHED_FILES_REGISTRATION_ID: &str = "guardian-steering-documents";

/// Loads the policy for the current configuration, stores it and re-analyzes every open document.
pub async fn reload_policy(session: &Arc<Session>, reason: &'static str) {
    load_policy(session, reason).await;
    diagnostics::schedule_all(session);
}

/// Loads the policy for the current configuration and stores it.
pub async fn load_policy(session: &Session, reason: &'static str) {
    let options = session.load_options();
    let generation = session.start_policy_load();

    let Ok(policy) = guard::blocking("policy load", move || LoadedPolicy::load(&options)).await else {
        tracing::error!(reason, "policy load failed; keeping the previous policy");
        return;
    };

    let documents = policy.policy.documents.len();
    let rules = policy.policy.rules.len();
    let problems = policy.policy.problems.len();
    if session.store_policy(generation, policy) {
        tracing::info!(reason, documents, rules, problems, "policy loaded");
    }
}

/// Registers file watchers for steering documents, if the client supports dynamic registration.
pub async fn register_watchers(session: &Session) {
    let config = session.config();
    if !config.supports_watched_files_registration {
        tracing::debug!("client cannot register file watchers dynamically; steering changes apply on save only");
        return;
    }

    let options = DidChangeWatchedFilesRegistrationOptions { watchers: steering_watchers(&config) };
    let register_options = match serde_json::to_value(options) {
        Ok(value) => value,
        Err(error) => {
            tracing::error!(%error, "failed to encode the file watcher registration");
            return;
        }
    };
    let registration = Registration {
        id: WATCHED_FILES_REGISTRATION_ID.to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: Some(register_options),
    };
    if let Err(error) = session.client.register_capability(vec![registration]).await {
        tracing::warn!(%error, "client rejected the steering document watchers");
    }
}

fn steering_watchers(config: &ClientConfig) -> Vec<FileSystemWatcher> {
    let workspace_globs = WORKSPACE_STEERING_FOLDERS.iter().map(|folder| format!("**/{folder}/*.md"));
    let organization_globs =
        config.settings.steering.paths.iter().map(|folder| format!("{}/*.md", folder.display()));

    workspace_globs
        .chain(organization_globs)
        .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob), kind: None })
        .collect()
}

pub async fn did_change_watched_files(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    let steering_changed = params
        .changes
        .iter()
        .filter_map(|change| from_proto::file_path(&change.uri))
        .any(|path| is_steering_document(session, &path));
    if steering_changed {
        reload_policy(session, "steering documents changed").await;
    }
}

pub async fn did_change_configuration(session: &Arc<Session>, params: DidChangeConfigurationParams) {
    let settings = Settings::from_client_value(Some(&params.settings));
    let mut config = ClientConfig::clone(&session.config());
    if config.settings == settings {
        return;
    }

    config.settings = settings;
    session.set_config(config);
    reload_policy(session, "settings changed").await;
    register_watchers(session).await;
}

/// Returns whether a path is a steering document: Markdown in a steering
/// folder of a workspace root or of `steering.paths`, or a loaded document.
pub fn is_steering_document(session: &Session, path: &Path) -> bool {
    let is_markdown = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("md"));
    if !is_markdown {
        return false;
    }

    let Some(folder) = path.parent() else {
        return false;
    };
    let in_workspace_folder = WORKSPACE_STEERING_FOLDERS.iter().any(|steering| folder.ends_with(steering));
    let in_organization_folder = session.config().settings.steering.paths.iter().any(|steering| folder == steering);
    let is_loaded = session.policy().policy.documents.iter().any(|document| document.path == path);

    in_workspace_folder || in_organization_folder || is_loaded
}
