//! The server's shared state: open documents, the loaded policy and the
//! client configuration negotiated at `initialize`.
//!
//! Locks here are short: readers clone an `Arc` and release the lock at
//! once, so no lock is held across `.await` or during analysis. Open
//! documents live in a `DashMap`, which locks one shard per access.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use dashmap::DashMap;
use guardian_analysis::{Document, PositionEncoding};
use guardian_policy::LoadOptions;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use crate::from_proto;
use crate::policy_state::LoadedPolicy;
use crate::settings::Settings;
use crate::to_proto::WorkspaceEditShape;

/// Everything the handlers share.
pub struct Session {
    pub client: Client,
    documents: DashMap<Uri, DocumentState>,
    policy: RwLock<Arc<LoadedPolicy>>,
    /// Incremented when a policy load starts, so an older load never replaces a newer one.
    policy_generation: AtomicU64,
    config: RwLock<Arc<ClientConfig>>,
}

/// One open Python document.
#[derive(Debug)]
pub struct DocumentState {
    /// The version of the last change the client sent.
    pub version: i32,
    /// `None` while our copy is out of sync, until the next full-text change.
    pub document: Option<Document>,
}

/// The capabilities negotiated with the client, plus its settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub encoding: PositionEncoding,
    pub workspace_roots: Vec<PathBuf>,
    pub settings: Settings,
    pub supports_watched_files_registration: bool,
    pub workspace_edit_shape: WorkspaceEditShape,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            encoding: PositionEncoding::Utf16,
            workspace_roots: Vec::new(),
            settings: Settings::default(),
            supports_watched_files_registration: false,
            workspace_edit_shape: WorkspaceEditShape::Changes,
        }
    }
}

/// A consistent copy of one document and what analysis needs, taken without holding any lock.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub document: Document,
    /// The path `files:` globs are matched against.
    pub analysis_path: PathBuf,
    pub policy: Arc<LoadedPolicy>,
    pub config: Arc<ClientConfig>,
}

impl Session {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            documents: DashMap::new(),
            policy: RwLock::new(Arc::new(LoadedPolicy::default())),
            policy_generation: AtomicU64::new(0),
            config: RwLock::new(Arc::new(ClientConfig::default())),
        }
    }

    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_config(&self, config: ClientConfig) {
        *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
    }

    pub fn policy(&self) -> Arc<LoadedPolicy> {
        self.policy.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Starts a policy load and returns its generation, for [`Session::store_policy`].
    pub fn start_policy_load(&self) -> u64 {
        self.policy_generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Stores a loaded policy unless a newer load has started since; returns whether it was stored.
    pub fn store_policy(&self, generation: u64, policy: LoadedPolicy) -> bool {
        let mut current = self.policy.write().unwrap_or_else(PoisonError::into_inner);
        let is_latest = self.policy_generation.load(Ordering::SeqCst) == generation;
        if is_latest {
            *current = Arc::new(policy);
        }
        is_latest
    }

    /// Returns the options to load the policy with for the current configuration.
    pub fn load_options(&self) -> LoadOptions {
        let config = self.config();
        // NOTE: the policy loader takes one workspace root, so in a
        // multi-root workspace only the first root's steering documents load.
        LoadOptions {
            workspace_root: config.workspace_roots.first().cloned(),
            steering_paths: config.settings.steering.paths.clone(),
            include_user_global: true,
            known_checks: guardian_analysis::known_checks(),
        }
    }

    pub fn documents(&self) -> &DashMap<Uri, DocumentState> {
        &self.documents
    }

    /// Returns the version of an open document, whether or not its copy is in sync.
    pub fn document_version(&self, uri: &Uri) -> Option<i32> {
        self.documents.get(uri).map(|state| state.version)
    }

    /// Returns the URIs of every open document.
    pub fn open_documents(&self) -> Vec<Uri> {
        self.documents.iter().map(|entry| entry.key().clone()).collect()
    }

    /// Copies an open, in-sync document together with the current policy and configuration.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let (version, document) = {
            let state = self.documents.get(uri)?;
            (state.version, state.document.clone()?)
        };
        let config = self.config();
        Some(Snapshot {
            uri: uri.clone(),
            version,
            document,
            analysis_path: from_proto::analysis_path(uri, &config.workspace_roots),
            policy: self.policy(),
            config,
        })
    }
}
