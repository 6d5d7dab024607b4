//! The server's shared state: open Python and steering documents, the loaded policies (one per
//! workspace root), the client configuration negotiated at `initialize`,
//! the push-analysis queue, the analysis lanes and the running workspace scan.
//!
//! Locks here are short: readers clone an `Arc` and release the lock at
//! once, so no lock is held across `.await` or during analysis. Open
//! documents live in a `DashMap`, which locks one shard per access. The one
//! exception is [`Session::publish_lock`], an async mutex held while one
//! `publishDiagnostics` notification is queued.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use dashmap::DashMap;
use guardian_analysis::{Document, IncrementalAnalysis, PositionEncoding};
use guardian_policy::Origin;
use tokio::sync::{AcquireError, SemaphorePermit};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{ProgressToken, Uri};

use crate::from_proto;
use crate::markdown_text::MarkdownText;
use crate::policy_state::{LoadedPolicy, PolicySet, PolicySetOptions};
use crate::scheduling::{AnalysisLanes, Lane, RecentEdits};
use crate::settings::Settings;
use crate::to_proto::WorkspaceEditShape;

/// Everything the handlers share.
pub struct Session {
    pub client: Client,
    documents: DashMap<Uri, DocumentState>,
    /// Open steering documents, whose diagnostics come from the editor's buffer text.
    steering_documents: DashMap<Uri, DocumentState<MarkdownText>>,
    policies: RwLock<Arc<PolicySet>>,
    /// Incremented when a policy load starts, so an older load never replaces a newer one.
    policy_generation: AtomicU64,
    /// The last [`DocumentState::open_sequence`] handed out.
    open_sequence: AtomicU64,
    config: RwLock<Arc<ClientConfig>>,
    /// Documents with a push analysis running; the value is whether another run was requested meanwhile.
    queued_analyses: DashMap<Uri, bool>,
    /// The Python documents edited last, which keep their syntax trees and analyze in the edit lane.
    recent_edits: Mutex<RecentEdits>,
    analysis_lanes: AnalysisLanes,
    /// Held while checking a document's version and queuing its diagnostics, so
    /// that the two happen as one step and an outdated version is never published
    /// after a newer one.
    pub publish_lock: tokio::sync::Mutex<()>,
    /// Files that the last workspace scan published non-empty diagnostics for.
    scan_published: Mutex<Vec<Uri>>,
    /// The running workspace scan, if any.
    active_scan: Mutex<Option<ActiveScan>>,
    /// Whether the client accepted the steering document watchers.
    watchers_registered: AtomicBool,
}

/// The progress token and cancellation flag of a running workspace scan.
#[derive(Debug, Clone)]
pub struct ActiveScan {
    pub token: ProgressToken,
    pub cancelled: Arc<AtomicBool>,
}

/// One open document: a Python [`Document`], or a steering document's [`MarkdownText`].
#[derive(Debug)]
pub struct DocumentState<T = Document> {
    /// Distinguishes successive opens of one URI, whose versions may repeat.
    pub open_sequence: u64,
    /// The version of the last change the client sent.
    pub version: i32,
    /// The version of the last diagnostics pushed for this open of the document.
    pub published_version: Option<i32>,
    /// `None` while our copy is out of sync, until the next full-text change.
    pub document: Option<T>,
    /// The findings of the previous analysis, which the next one reuses for unchanged definitions.
    pub incremental: Arc<Mutex<IncrementalAnalysis>>,
}

/// The capabilities negotiated with the client, plus its settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub encoding: PositionEncoding,
    pub workspace_roots: Vec<PathBuf>,
    /// The settings in effect: from `workspace/configuration`, else `didChangeConfiguration`, else `initializationOptions`.
    pub settings: Settings,
    /// The settings from `initializationOptions`, the fallback when the client has no `guardian` section.
    pub initialization_settings: Option<Settings>,
    pub supports_watched_files_registration: bool,
    pub workspace_edit_shape: WorkspaceEditShape,
    /// The client declared `textDocument.diagnostic`, so it pulls diagnostics for open documents.
    pub supports_pull_diagnostics: bool,
    /// The client handles `workspace/diagnostic/refresh`.
    pub supports_diagnostic_refresh: bool,
    /// The client supports `workspace/configuration` requests.
    pub supports_configuration: bool,
    /// The client accepts `window/workDoneProgress/create`.
    pub supports_work_done_progress: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            encoding: PositionEncoding::Utf16,
            workspace_roots: Vec::new(),
            settings: Settings::default(),
            initialization_settings: None,
            supports_watched_files_registration: false,
            workspace_edit_shape: WorkspaceEditShape::Changes,
            supports_pull_diagnostics: false,
            supports_diagnostic_refresh: false,
            supports_configuration: false,
            supports_work_done_progress: false,
        }
    }
}

/// A consistent copy of one document and what analysis needs, taken without holding any lock.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub open_sequence: u64,
    pub version: i32,
    pub document: Document,
    /// The document's incremental analysis state, shared by its analyses.
    pub incremental: Arc<Mutex<IncrementalAnalysis>>,
    /// The path `files:` globs are matched against, relative to the document's workspace root.
    pub analysis_path: PathBuf,
    /// The policy of the document's workspace root.
    pub policy: Arc<LoadedPolicy>,
    /// The generation of the policy set the policy came from.
    pub policy_generation: u64,
    pub config: Arc<ClientConfig>,
}

/// A consistent copy of one open steering document and what checking it needs.
#[derive(Debug, Clone)]
pub struct SteeringSnapshot {
    pub uri: Uri,
    pub open_sequence: u64,
    pub version: i32,
    pub text: MarkdownText,
    pub path: PathBuf,
    pub origin: Origin,
    /// The workspace root that `#[[file:]]` references and `fileMatchPattern` globs resolve against.
    pub workspace_root: Option<PathBuf>,
    /// The policy of the document's workspace root, loaded from disk.
    pub policy: Arc<LoadedPolicy>,
    /// The generation of the policy set the policy came from.
    pub policy_generation: u64,
    pub config: Arc<ClientConfig>,
}

impl Session {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            documents: DashMap::new(),
            steering_documents: DashMap::new(),
            policies: RwLock::new(Arc::new(PolicySet::default())),
            policy_generation: AtomicU64::new(0),
            open_sequence: AtomicU64::new(0),
            config: RwLock::new(Arc::new(ClientConfig::default())),
            queued_analyses: DashMap::new(),
            recent_edits: Mutex::new(RecentEdits::default()),
            analysis_lanes: AnalysisLanes::for_available_cpus(),
            publish_lock: tokio::sync::Mutex::new(()),
            scan_published: Mutex::new(Vec::new()),
            active_scan: Mutex::new(None),
            watchers_registered: AtomicBool::new(false),
        }
    }

    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_config(&self, config: ClientConfig) {
        *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
    }

    pub fn policies(&self) -> Arc<PolicySet> {
        self.policies.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Starts a policy load and returns its generation, for [`Session::store_policies`].
    pub fn start_policy_load(&self) -> u64 {
        self.policy_generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Stores a loaded policy set unless a newer load has started since; returns whether it was stored.
    pub fn store_policies(&self, policies: PolicySet) -> bool {
        let mut current = self.policies.write().unwrap_or_else(PoisonError::into_inner);
        let is_latest = self.policy_generation.load(Ordering::SeqCst) == policies.generation;
        if is_latest {
            *current = Arc::new(policies);
        }
        is_latest
    }

    /// Returns what a policy load needs for the current configuration.
    pub fn policy_set_options(&self) -> PolicySetOptions {
        let config = self.config();
        PolicySetOptions {
            workspace_roots: config.workspace_roots.clone(),
            steering_paths: config.settings.steering.paths.clone(),
        }
    }

    /// Records whether the steering document watchers are registered and returns the previous state.
    pub fn set_watchers_registered(&self, registered: bool) -> bool {
        self.watchers_registered.swap(registered, Ordering::SeqCst)
    }

    /// Returns a new [`DocumentState::open_sequence`] for a document being opened.
    pub fn next_open_sequence(&self) -> u64 {
        self.open_sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn documents(&self) -> &DashMap<Uri, DocumentState> {
        &self.documents
    }

    pub fn steering_documents(&self) -> &DashMap<Uri, DocumentState<MarkdownText>> {
        &self.steering_documents
    }

    /// Returns the version of an open Python or steering document, whether or not its copy is in sync.
    pub fn document_version(&self, uri: &Uri) -> Option<i32> {
        let python_version = self.documents.get(uri).map(|state| state.version);
        python_version.or_else(|| self.steering_documents.get(uri).map(|state| state.version))
    }

    /// Records that diagnostics of `version` are being pushed for an open document.
    ///
    /// Returns `false`, and records nothing, when the document is not open,
    /// was reopened since `open_sequence`, or diagnostics of a newer version
    /// were pushed already. Call it under [`Session::publish_lock`].
    pub fn mark_published(&self, uri: &Uri, open_sequence: Option<u64>, version: i32) -> bool {
        if let Some(mut state) = self.documents.get_mut(uri) {
            return mark_published(&mut state, open_sequence, version);
        }
        if let Some(mut state) = self.steering_documents.get_mut(uri) {
            return mark_published(&mut state, open_sequence, version);
        }
        false
    }

    /// Returns the URIs of every open Python and steering document.
    pub fn open_documents(&self) -> Vec<Uri> {
        let python = self.documents.iter().map(|entry| entry.key().clone());
        let steering = self.steering_documents.iter().map(|entry| entry.key().clone());
        python.chain(steering).collect()
    }

    /// Copies an open, in-sync steering document together with its origin, workspace root and policy.
    ///
    /// Returns `None` when the document is not open as a steering document, its
    /// copy is out of sync, or the configuration no longer makes it one.
    pub fn steering_snapshot(&self, uri: &Uri) -> Option<SteeringSnapshot> {
        let (open_sequence, version, text) = {
            let state = self.steering_documents.get(uri)?;
            (state.open_sequence, state.version, state.document.clone()?)
        };
        let path = from_proto::file_path(uri)?;
        let config = self.config();
        let policies = self.policies();
        let location = steering_location(&path, &config, &policies)?;

        Some(SteeringSnapshot {
            uri: uri.clone(),
            open_sequence,
            version,
            text,
            path,
            origin: location.origin,
            workspace_root: location.workspace_root,
            policy: policies.choose(uri).policy,
            policy_generation: policies.generation,
            config,
        })
    }

    /// Returns where a Markdown file sits among the steering folders, or `None` when it is not a steering document.
    pub fn steering_location(&self, path: &Path) -> Option<SteeringLocation> {
        steering_location(path, &self.config(), &self.policies())
    }

    /// Copies an open, in-sync document together with the current policy and configuration.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let (open_sequence, version, document, incremental) = {
            let state = self.documents.get(uri)?;
            (state.open_sequence, state.version, state.document.clone()?, Arc::clone(&state.incremental))
        };
        let policies = self.policies();
        let choice = policies.choose(uri);
        Some(Snapshot {
            uri: uri.clone(),
            open_sequence,
            version,
            document,
            incremental,
            analysis_path: choice.analysis_path,
            policy: choice.policy,
            policy_generation: policies.generation,
            config: self.config(),
        })
    }

    /// Marks a document for push analysis. Returns `true` when the caller must start the analysis
    /// loop, and `false` when a running loop picks up the request.
    pub fn queue_analysis(&self, uri: &Uri) -> bool {
        match self.queued_analyses.entry(uri.clone()) {
            dashmap::Entry::Occupied(mut running) => {
                *running.get_mut() = true;
                false
            }
            dashmap::Entry::Vacant(idle) => {
                idle.insert(false);
                true
            }
        }
    }

    /// Takes a pending request for another analysis of a document whose analysis loop is running.
    pub fn take_analysis_request(&self, uri: &Uri) {
        if let Some(mut requested) = self.queued_analyses.get_mut(uri) {
            *requested = false;
        }
    }

    /// Ends a document's analysis loop unless another run was requested; returns whether it ended.
    pub fn finish_analysis(&self, uri: &Uri) -> bool {
        self.queued_analyses.remove_if(uri, |_, requested| !*requested).is_some()
    }

    /// Ends a document's analysis loop after it failed.
    pub fn abandon_analysis(&self, uri: &Uri) {
        self.queued_analyses.remove(uri);
    }

    /// Records an edit of a Python document, so it keeps its syntax tree and analyzes in the edit lane.
    ///
    /// The least recently edited document beyond the capacity of
    /// [`RecentEdits`] releases its tree and returns to the background lane.
    pub fn record_edit(&self, uri: &Uri) {
        let recorded = self.recent_edits.lock().unwrap_or_else(PoisonError::into_inner).record(uri);

        if let Some(evicted) = recorded.evicted {
            self.release_tree(&evicted);
        }
        if recorded.is_new {
            self.analysis_lanes.notify_lane_changed();
        }
    }

    /// Forgets the edits of a document, e.g. because it was closed.
    pub fn forget_edits(&self, uri: &Uri) {
        self.recent_edits.lock().unwrap_or_else(PoisonError::into_inner).remove(uri);
    }

    pub fn is_recently_edited(&self, uri: &Uri) -> bool {
        self.recent_edits.lock().unwrap_or_else(PoisonError::into_inner).contains(uri)
    }

    /// Waits for a permit to analyze a document, in the edit lane if it was edited recently.
    pub async fn analysis_permit(&self, uri: &Uri) -> Result<SemaphorePermit<'_>, AcquireError> {
        let current_lane = || if self.is_recently_edited(uri) { Lane::Edit } else { Lane::Background };
        self.analysis_lanes.acquire(current_lane).await
    }

    /// Drops the syntax tree of an open Python document. Its next analysis or edit parses the text again.
    fn release_tree(&self, uri: &Uri) {
        let Some(mut state) = self.documents.get_mut(uri) else {
            return;
        };
        if let Some(document) = state.document.as_mut() {
            document.release_tree();
            tracing::debug!(uri = uri.as_str(), "released the syntax tree of a document not edited recently");
        }
    }

    /// Replaces the list of files with scan diagnostics and returns the previous list.
    pub fn replace_scan_published(&self, published: Vec<Uri>) -> Vec<Uri> {
        let mut current = self.scan_published.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *current, published)
    }

    /// Forgets that the scan published diagnostics for a file, e.g. because it was opened.
    pub fn forget_scan_published(&self, uri: &Uri) -> bool {
        let mut current = self.scan_published.lock().unwrap_or_else(PoisonError::into_inner);
        let before = current.len();
        current.retain(|published| published != uri);
        current.len() != before
    }

    /// Registers a scan as running; returns `false` when another scan already runs.
    pub fn start_scan(&self, scan: ActiveScan) -> bool {
        let mut active = self.active_scan.lock().unwrap_or_else(PoisonError::into_inner);
        if active.is_some() {
            return false;
        }
        *active = Some(scan);
        true
    }

    pub fn finish_scan(&self) {
        *self.active_scan.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Cancels the running scan if its progress token matches; returns whether one was cancelled.
    pub fn cancel_scan(&self, token: &ProgressToken) -> bool {
        let active = self.active_scan.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(scan) = active.as_ref().filter(|scan| &scan.token == token) else {
            return false;
        };
        scan.cancelled.store(true, Ordering::SeqCst);
        true
    }
}

/// Records `version` as published unless the state belongs to another open or a newer version was published.
///
/// The same version may be published again, e.g. after a policy change.
fn mark_published<T>(state: &mut DocumentState<T>, open_sequence: Option<u64>, version: i32) -> bool {
    let is_same_open = open_sequence.is_none_or(|sequence| sequence == state.open_sequence);
    let is_superseded = state.published_version.is_some_and(|published| published > version);
    if !is_same_open || is_superseded {
        return false;
    }
    state.published_version = Some(version);
    true
}

/// The origin of a steering document and the workspace root its references resolve against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SteeringLocation {
    pub origin: Origin,
    pub workspace_root: Option<PathBuf>,
}

/// Finds a Markdown file among the steering folders: a folder from
/// `steering.paths`, `.guardian/steering` or `.kiro/steering` directly in a
/// workspace root, or any folder a loaded policy read it from (such as the
/// user's `~/.kiro/steering`).
fn steering_location(path: &Path, config: &ClientConfig, policies: &PolicySet) -> Option<SteeringLocation> {
    let is_markdown = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("md"));
    if !is_markdown {
        return None;
    }
    let folder = path.parent()?;
    let innermost_root = from_proto::innermost_root(path, &config.workspace_roots).map(Path::to_path_buf);

    let in_organization_folder = config.settings.steering.paths.iter().any(|steering| folder == steering);
    if in_organization_folder {
        return Some(SteeringLocation { origin: Origin::Organization, workspace_root: innermost_root });
    }

    let workspace_root = config.workspace_roots.iter().find(|root| {
        guardian_policy::WORKSPACE_STEERING_DIRS.iter().any(|steering| folder == root.join(steering))
    });
    if let Some(root) = workspace_root {
        return Some(SteeringLocation { origin: Origin::Workspace, workspace_root: Some(root.clone()) });
    }

    let loaded_origin = policies
        .policies()
        .flat_map(|loaded| loaded.policy.documents.iter())
        .find(|document| document.path == path)
        .map(|document| document.origin)?;
    Some(SteeringLocation { origin: loaded_origin, workspace_root: innermost_root })
}
