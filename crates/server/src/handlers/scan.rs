//! `guardian.scanWorkspace`: analyzes every Python file under the workspace
//! roots, honoring `.gitignore`, and publishes diagnostics for files that are
//! not open. Open documents keep their own diagnostics from the editor path.
//!
//! The scan reports work-done progress with percentages, runs its analysis
//! on the blocking pool in batches, and stops between batches when the client
//! sends `window/workDoneProgress/cancel`. Files that had scan diagnostics and
//! are clean on the next scan get their diagnostics cleared.

use std::collections::{BTreeSet, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use guardian_analysis::Document;
use rayon::prelude::*;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Diagnostic, LSPAny, NumberOrString, ProgressToken, Uri};
use tower_lsp_server::{Client, OngoingProgress, Bounded, Cancellable};

use crate::guard;
use crate::handlers::diagnostics::{self, PublishWhen};
use crate::policy_state::PolicySet;
use crate::session::{ActiveScan, Session};
use crate::settings::ScanSettings;
use crate::to_proto::{self, DiagnosticContext};

/// Files analyzed per blocking task; cancellation and progress are checked between batches.
const BATCH_SIZE: usize = 64;

/// Numbers the progress tokens the server creates itself.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// The result of a scan, returned to the client as the command's result.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanSummary {
    pub files_scanned: usize,
    pub files_with_findings: usize,
    pub findings: usize,
    /// Files not analyzed: too large, not UTF-8, unreadable, or an analysis that panicked.
    pub files_skipped: usize,
    /// More Python files exist than `scan.maxFiles` allows.
    pub truncated: bool,
    pub cancelled: bool,
}

/// Runs a workspace scan; `client_token` is the `workDoneToken` the client sent with the command, if any.
pub async fn scan_workspace(session: &Arc<Session>, client_token: Option<ProgressToken>) -> jsonrpc::Result<Option<LSPAny>> {
    let cancelled = Arc::new(AtomicBool::new(false));
    let token = client_token.clone().unwrap_or_else(new_token);
    if !session.start_scan(ActiveScan { token: token.clone(), cancelled: Arc::clone(&cancelled) }) {
        return Err(jsonrpc::Error {
            code: jsonrpc::ErrorCode::InvalidRequest,
            message: "a workspace scan is already running; wait for it to finish or cancel it".into(),
            data: None,
        });
    }
    let _finish = FinishScanOnDrop(session);

    let progress = begin_progress(session, token, client_token.is_some()).await;
    let summary = run_scan(session, &cancelled, progress.as_ref()).await?;

    if let Some(progress) = progress {
        let message = format!("{} files, {} findings", summary.files_scanned, summary.findings);
        progress.finish_with_message(message).await;
    }
    tracing::info!(
        files = summary.files_scanned,
        findings = summary.findings,
        skipped = summary.files_skipped,
        truncated = summary.truncated,
        cancelled = summary.cancelled,
        "workspace scan finished"
    );
    let value = serde_json::to_value(&summary).map_err(|_| jsonrpc::Error::internal_error())?;
    Ok(Some(value))
}

/// Cancels the running scan whose progress token matches.
pub fn cancel(session: &Session, token: &ProgressToken) {
    if session.cancel_scan(token) {
        tracing::info!("workspace scan cancelled by the client");
    }
}

/// Ends the scan's registration however the command ends, including when the client cancels the request.
struct FinishScanOnDrop<'a>(&'a Session);

impl Drop for FinishScanOnDrop<'_> {
    fn drop(&mut self) {
        self.0.finish_scan();
    }
}

type ScanProgress = OngoingProgress<Bounded, Cancellable>;

fn new_token() -> ProgressToken {
    let number = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
    NumberOrString::String(format!("guardian/scanWorkspace/{number}"))
}

/// Starts work-done progress on the client's token, or on a token the server
/// creates when the client supports `window/workDoneProgress/create`.
async fn begin_progress(session: &Session, token: ProgressToken, client_created: bool) -> Option<ScanProgress> {
    let client: &Client = &session.client;
    if !client_created {
        if !session.config().supports_work_done_progress {
            return None;
        }
        if let Err(error) = client.create_work_done_progress(token.clone()).await {
            tracing::warn!(%error, "client rejected the scan's progress token; scanning without progress");
            return None;
        }
    }

    let progress = client
        .progress(token, "Guardian: scanning workspace")
        .with_percentage(0)
        .with_cancel_button()
        .begin()
        .await;
    Some(progress)
}

async fn run_scan(
    session: &Arc<Session>,
    cancelled: &AtomicBool,
    progress: Option<&ScanProgress>,
) -> jsonrpc::Result<ScanSummary> {
    let config = session.config();
    let roots = config.workspace_roots.clone();
    let limits = config.settings.scan.clone();
    let listing = guard::blocking("workspace walk", move || list_python_files(&roots, &limits)).await?;

    let mut summary = ScanSummary {
        files_skipped: listing.skipped,
        truncated: listing.truncated,
        ..ScanSummary::default()
    };
    if listing.truncated {
        tracing::warn!(max_files = config.settings.scan.max_files, "workspace has more Python files than scan.maxFiles; the rest were not scanned");
    }

    let policies = session.policies();
    let total = listing.files.len();
    let mut scanned: HashSet<Uri> = HashSet::new();
    let mut published: Vec<Uri> = Vec::new();

    for (batch_index, batch) in listing.files.chunks(BATCH_SIZE).enumerate() {
        if cancelled.load(Ordering::SeqCst) {
            summary.cancelled = true;
            break;
        }

        let batch = batch.to_vec();
        let batch_policies = Arc::clone(&policies);
        let encoding = config.encoding;
        let results = guard::blocking("workspace scan", move || analyze_batch(&batch, &batch_policies, encoding)).await?;

        for result in results {
            let Some((uri, diagnostics)) = result else {
                summary.files_skipped += 1;
                continue;
            };
            summary.files_scanned += 1;
            scanned.insert(uri.clone());
            if diagnostics.is_empty() {
                continue;
            }
            summary.files_with_findings += 1;
            summary.findings += diagnostics.len();

            // An open document's diagnostics come from the editor path, so `publish` skips it.
            if diagnostics::publish(session, uri.clone(), diagnostics, PublishWhen::NotOpen).await {
                published.push(uri);
            }
        }

        if let Some(progress) = progress {
            let done = ((batch_index + 1) * BATCH_SIZE).min(total);
            let message = format!("{done}/{total} files");
            progress.report_with_message(message, percentage(done, total), None).await;
        }
    }

    clear_fixed_files(session, &scanned, published, summary.cancelled).await;
    Ok(summary)
}

/// Clears scan diagnostics of files that are clean now. After a cancelled
/// scan, only files it re-scanned are cleared; the others keep theirs.
async fn clear_fixed_files(session: &Session, scanned: &HashSet<Uri>, published: Vec<Uri>, cancelled: bool) {
    let previous = session.replace_scan_published(Vec::new());
    let now_published: HashSet<Uri> = published.iter().cloned().collect();
    let mut still_published = published;

    for uri in previous {
        if now_published.contains(&uri) {
            continue;
        }
        let was_rescanned = !cancelled || scanned.contains(&uri);
        if !was_rescanned {
            still_published.push(uri);
            continue;
        }
        // An open document's diagnostics come from the editor path; clearing them here would hide live findings.
        diagnostics::clear(session, uri, PublishWhen::NotOpen).await;
    }
    session.replace_scan_published(still_published);
}

fn percentage(done: usize, total: usize) -> u32 {
    if total == 0 {
        return 100;
    }
    u32::try_from(done * 100 / total).unwrap_or(100)
}

/// The Python files of a workspace, sorted, and what the walk left out.
#[derive(Debug, Default)]
struct FileListing {
    files: Vec<PathBuf>,
    /// Files over `scan.maxFileBytes`, plus entries the walk could not read.
    skipped: usize,
    truncated: bool,
}

/// Walks every root, honoring `.gitignore` (also outside a Git repository),
/// `.ignore` and hidden-file rules. Nested roots are walked once.
fn list_python_files(roots: &[PathBuf], limits: &ScanSettings) -> FileListing {
    let mut listing = FileListing::default();
    let Some((first, rest)) = roots.split_first() else {
        return listing;
    };

    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder.require_git(false);

    let mut files = BTreeSet::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                tracing::debug!(%error, "skipping an unreadable workspace entry");
                listing.skipped += 1;
                continue;
            }
        };
        let is_file = entry.file_type().is_some_and(|file_type| file_type.is_file());
        if !is_file || !is_python_path(entry.path()) {
            continue;
        }

        let too_large = entry.metadata().map_or(true, |metadata| metadata.len() > limits.max_file_bytes);
        if too_large {
            tracing::debug!(path = %entry.path().display(), "skipping a file over scan.maxFileBytes or without metadata");
            listing.skipped += 1;
            continue;
        }

        files.insert(entry.into_path());
        if files.len() > limits.max_files {
            listing.truncated = true;
            break;
        }
    }

    listing.files = files.into_iter().take(limits.max_files).collect();
    listing
}

fn is_python_path(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "py" || extension == "pyi")
}

/// Analyzes files in parallel; `None` marks a file that was skipped.
fn analyze_batch(
    files: &[PathBuf],
    policies: &PolicySet,
    encoding: guardian_analysis::PositionEncoding,
) -> Vec<Option<(Uri, Vec<Diagnostic>)>> {
    files
        .par_iter()
        .map(|path| {
            let analyzed = std::panic::catch_unwind(AssertUnwindSafe(|| analyze_file(path, policies, encoding)));
            analyzed.unwrap_or_else(|_| {
                tracing::error!(path = %path.display(), "analysis panicked; skipping the file");
                None
            })
        })
        .collect()
}

fn analyze_file(path: &Path, policies: &PolicySet, encoding: guardian_analysis::PositionEncoding) -> Option<(Uri, Vec<Diagnostic>)> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::debug!(path = %path.display(), %error, "skipping an unreadable file");
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        tracing::debug!(path = %path.display(), "skipping a file that is not UTF-8");
        return None;
    };
    let uri = Uri::from_file_path(path)?;

    let document = Document::new(text);
    let choice = policies.choose(&uri);
    let findings = guardian_analysis::analyze(&document, &choice.analysis_path, &choice.policy.policy);

    let context = DiagnosticContext { document: &document, uri: &uri, policy: &choice.policy, encoding };
    let diagnostics = findings.iter().filter_map(|finding| to_proto::diagnostic(finding, &context)).collect();
    Some((uri, diagnostics))
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::{Value, json};

    use crate::tests::harness::{TestClient, workspace_folders};

    #[tokio::test]
    async fn cancelled_scan_stops_before_analysis() {
        let folder = tempfile::tempdir().expect("temp dir");
        std::fs::write(folder.path().join("app.py"), "import yaml\nyaml.load(data)\n").expect("write file");
        let initialize = json!({"workspaceFolders": workspace_folders(&[folder.path()])});
        let client = TestClient::start(initialize, Value::Null).await;
        let session = client.server().session();

        let not_cancelled = run_scan(session, &AtomicBool::new(false), None).await.expect("scan runs");
        assert_eq!(not_cancelled.files_scanned, 1);
        assert!(!not_cancelled.cancelled);

        let cancelled = run_scan(session, &AtomicBool::new(true), None).await.expect("scan runs");
        assert_eq!(cancelled.files_scanned, 0);
        assert!(cancelled.cancelled);
    }

    #[test]
    fn percentage_of_progress() {
        assert_eq!(percentage(0, 0), 100);
        assert_eq!(percentage(0, 10), 0);
        assert_eq!(percentage(5, 10), 50);
        assert_eq!(percentage(10, 10), 100);
    }

    #[test]
    fn listing_honors_gitignore_and_limits() {
        let folder = tempfile::tempdir().expect("temp dir");
        let root = folder.path();
        std::fs::write(root.join(".gitignore"), "build/\n").expect("write .gitignore");
        for relative in ["a.py", "b.pyi", "notes.md", "build/generated.py", ".hidden/secret.py", "pkg/c.py", "big.py"] {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().expect("has parent")).expect("create folder");
            std::fs::write(&path, "x = 1\n").expect("write file");
        }
        std::fs::write(root.join("big.py"), "x = 1\n".repeat(100)).expect("write big file");

        let limits = ScanSettings { max_files: 100, max_file_bytes: 50 };
        let listing = list_python_files(&[root.to_path_buf()], &limits);
        let names: Vec<PathBuf> =
            listing.files.iter().map(|path| path.strip_prefix(root).expect("under root").to_path_buf()).collect();
        assert_eq!(names, [PathBuf::from("a.py"), PathBuf::from("b.pyi"), PathBuf::from("pkg/c.py")]);
        assert_eq!(listing.skipped, 1, "big.py is over the size limit");
        assert!(!listing.truncated);

        let capped = list_python_files(&[root.to_path_buf(), root.join("pkg")], &ScanSettings { max_files: 2, max_file_bytes: 50 });
        assert_eq!(capped.files.len(), 2);
        assert!(capped.truncated);
    }
}
