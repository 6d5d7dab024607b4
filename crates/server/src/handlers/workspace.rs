//! Policy loading and reloading: watched steering documents, saved steering
//! documents, workspace folder changes and configuration changes all end in
//! [`reload_policy`]. Each workspace root gets its own policy.
//!
//! Settings come from three places. `workspace/configuration` (section
//! `guardian`) wins when the client supports it and has the section, then
//! the latest `didChangeConfiguration` payload, then `initializationOptions`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    ConfigurationItem, DidChangeConfigurationParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams, FileSystemWatcher, GlobPattern,
    Registration, Unregistration,
};

use crate::from_proto;
use crate::guard;
use crate::handlers::diagnostics;
use crate::policy_state::PolicySet;
use crate::session::{ClientConfig, Session};
use crate::settings::{CONFIGURATION_SECTION, Settings};

/// The folders, relative to a workspace root, that hold steering documents.
const WORKSPACE_STEERING_FOLDERS: [&str; 2] = [".kiro/steering", ".guardian/steering"];

const WATCHED_FILES_REGISTRATION_ID: &str = "guardian-steering-documents";
const WATCHED_FILES_METHOD: &str = "workspace/didChangeWatchedFiles";

/// Loads the policy for the current configuration, stores it and re-analyzes every open document.
pub async fn reload_policy(session: &Arc<Session>, reason: &'static str) {
    load_policy(session, reason).await;
    diagnostics::schedule_all(session);
}

/// Loads the policy of every workspace root for the current configuration and stores them.
pub async fn load_policy(session: &Session, reason: &'static str) {
    let options = session.policy_set_options();
    let generation = session.start_policy_load();

    let Ok(policies) = guard::blocking("policy load", move || PolicySet::load(&options, generation)).await else {
        tracing::error!(reason, "policy load failed; keeping the previous policy");
        return;
    };

    let roots = policies.roots().len();
    let documents: usize = policies.policies().map(|loaded| loaded.policy.documents.len()).sum();
    let problems: usize = policies.policies().map(|loaded| loaded.policy.problems.len()).sum();
    if session.store_policies(policies) {
        tracing::info!(reason, generation, roots, documents, problems, "policy loaded");
    }
}

/// Adds and removes workspace roots, then reloads the policy.
pub async fn did_change_workspace_folders(session: &Arc<Session>, params: DidChangeWorkspaceFoldersParams) {
    let removed: Vec<PathBuf> =
        params.event.removed.iter().filter_map(|folder| from_proto::file_path(&folder.uri)).collect();
    let added: Vec<PathBuf> = params.event.added.iter().filter_map(|folder| from_proto::file_path(&folder.uri)).collect();

    let mut config = ClientConfig::clone(&session.config());
    config.workspace_roots.retain(|root| !removed.contains(root));
    for root in added {
        if !config.workspace_roots.contains(&root) {
            config.workspace_roots.push(root);
        }
    }
    tracing::info!(roots = config.workspace_roots.len(), "workspace folders changed");
    session.set_config(config);

    reload_policy(session, "workspace folders changed").await;
}

/// Requests the `guardian` settings section from the client; `None` when the
/// client does not support it, fails, or has no such section.
pub async fn fetch_settings(session: &Session) -> Option<Settings> {
    if !session.config().supports_configuration {
        return None;
    }

    let item = ConfigurationItem { scope_uri: None, section: Some(CONFIGURATION_SECTION.to_string()) };
    match session.client.configuration(vec![item]).await {
        Ok(values) => values.first().and_then(Settings::parse),
        Err(error) => {
            tracing::warn!(%error, "client failed to send the guardian settings; keeping the current settings");
            None
        }
    }
}

/// Applies new settings; when they differ from the current ones, reloads the
/// policy, re-analyzes open documents and re-registers the steering watchers.
pub async fn apply_settings(session: &Arc<Session>, settings: Settings) {
    let mut config = ClientConfig::clone(&session.config());
    if config.settings == settings {
        return;
    }

    config.settings = settings;
    session.set_config(config);
    reload_policy(session, "settings changed").await;
    register_watchers(session).await;
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
    // A registration id may be used once, so a watcher set for older settings is removed first.
    if session.set_watchers_registered(false) {
        let unregistration = Unregistration {
            id: WATCHED_FILES_REGISTRATION_ID.to_string(),
            method: WATCHED_FILES_METHOD.to_string(),
        };
        if let Err(error) = session.client.unregister_capability(vec![unregistration]).await {
            tracing::warn!(%error, "client failed to remove the previous steering document watchers");
        }
    }

    let registration = Registration {
        id: WATCHED_FILES_REGISTRATION_ID.to_string(),
        method: WATCHED_FILES_METHOD.to_string(),
        register_options: Some(register_options),
    };
    match session.client.register_capability(vec![registration]).await {
        Ok(()) => {
            session.set_watchers_registered(true);
        }
        Err(error) => tracing::warn!(%error, "client rejected the steering document watchers"),
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

/// Re-reads the settings. Clients that support `workspace/configuration`
/// often send `null` here as a mere signal, so the server requests the
/// section. The payload counts only when that request yields nothing.
pub async fn did_change_configuration(session: &Arc<Session>, params: DidChangeConfigurationParams) {
    let fetched = fetch_settings(session).await;
    let settings = fetched
        .or_else(|| Settings::parse(&params.settings))
        .or_else(|| session.config().initialization_settings.clone())
        .unwrap_or_default();
    apply_settings(session, settings).await;
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
    let is_loaded = session
        .policies()
        .policies()
        .any(|loaded| loaded.policy.documents.iter().any(|document| document.path == path));

    in_workspace_folder || in_organization_folder || is_loaded
}
