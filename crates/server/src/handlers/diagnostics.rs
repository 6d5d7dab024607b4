//! Diagnostics for open documents, pushed (`textDocument/publishDiagnostics`)
//! or pulled (`textDocument/diagnostic`): findings for Python documents and
//! policy problems for steering documents.
//!
//! A steering document's problems come from the editor's buffer text, saved
//! or not, while the policy that judges Python comes from disk until the
//! document is saved. Layering problems (a workspace rule that weakens an
//! organization rule) depend on the other documents, so they are taken from
//! the loaded policy, and only while the buffer still matches the loaded text.
//!
//! Push or pull, never both: the server pushes only to clients that do not
//! declare `textDocument.diagnostic`. LSP keeps pushed and pulled
//! diagnostics apart, so a client that received both could show every
//! finding twice. Pull clients learn about policy changes through
//! `workspace/diagnostic/refresh`. Workspace scan results for files that are
//! not open are pushed to every client, because no client pulls them.
//!
//! Push analysis is coalesced per document. At most one analysis of a
//! document runs at a time, and a burst of changes while it runs queues one
//! more run of the latest version. Each run first waits for a permit in its
//! analysis lane (see [`crate::scheduling`]) and only then copies the
//! document, so it analyzes the latest version. A run whose version is
//! already outdated when the blocking pool picks it up is skipped before
//! analysis starts.
//!
//! A run that finishes after the document changed again still publishes,
//! tagged with the version it analyzed, and the queued run then analyzes the
//! latest version. Dropping such results would publish nothing for as long
//! as edits come faster than one analysis, which is the usual case while
//! typing in a large file.
//!
//! Every push goes through [`publish`], which checks the document's state
//! and queues the notification under one lock. So diagnostics of an older
//! version are never sent after those of a newer one, and diagnostics of a
//! closed document are never sent after its clearing.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, TryLockError};

use futures::FutureExt;
use guardian_analysis::{AnalyzeOptions, Finding};
use guardian_policy::{PolicyProblem, codes};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    Diagnostic, DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    FullDocumentDiagnosticReport, RelatedFullDocumentDiagnosticReport, RelatedUnchangedDocumentDiagnosticReport,
    UnchangedDocumentDiagnosticReport, Uri,
};

use crate::guard;
use crate::session::{Session, Snapshot, SteeringSnapshot};
use crate::to_proto::{self, DiagnosticContext};

/// The JSON-RPC error code LSP defines for a request whose document changed while it ran.
const CONTENT_MODIFIED: i64 = -32801;

/// Queues a push analysis of a document, unless the client pulls diagnostics.
pub fn schedule(session: &Arc<Session>, uri: Uri) {
    if session.config().supports_pull_diagnostics {
        return;
    }
    if !session.queue_analysis(&uri) {
        tracing::debug!(uri = uri.as_str(), "analysis already running; queued one more run");
        return;
    }

    let session = Arc::clone(session);
    tokio::spawn(async move {
        let completed = AssertUnwindSafe(run_analysis_loop(&session, &uri)).catch_unwind().await;
        if completed.is_err() {
            tracing::error!(uri = uri.as_str(), "analysis loop panicked");
            // Without this, the document would stay marked as running and never be analyzed again.
            session.abandon_analysis(&uri);
        }
    });
}

/// Re-analyzes every open document after the policy changed. Push clients get
/// new diagnostics, pull clients a refresh request.
pub fn schedule_all(session: &Arc<Session>) {
    for uri in session.open_documents() {
        schedule(session, uri);
    }
    request_refresh(session);
}

/// Sends `workspace/diagnostic/refresh` to a pull client that supports it, so it pulls every open document again.
pub fn request_refresh(session: &Arc<Session>) {
    let config = session.config();
    let can_refresh = config.supports_pull_diagnostics && config.supports_diagnostic_refresh;
    if !can_refresh {
        return;
    }

    let session = Arc::clone(session);
    tokio::spawn(async move {
        if let Err(error) = session.client.workspace_diagnostic_refresh().await {
            tracing::warn!(%error, "client failed to refresh diagnostics");
        }
    });
}

/// The state a document must be in when its pushed diagnostics are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishWhen {
    /// The document is open at this version, which the diagnostics describe and are sent with.
    OpenAt(i32),
    /// The document is still in the open that was analyzed, and no diagnostics
    /// of a newer version were pushed. The diagnostics are sent with `version`.
    Analyzed { open_sequence: u64, version: i32 },
    /// The document is not open in the editor; the diagnostics are sent without a version.
    NotOpen,
}

/// Pushes diagnostics for a document if it is still in the expected state; returns whether they were sent.
pub async fn publish(session: &Session, uri: Uri, diagnostics: Vec<Diagnostic>, when: PublishWhen) -> bool {
    let _publishing = session.publish_lock.lock().await;

    let current_version = session.document_version(&uri);
    let (is_expected, version) = match when {
        PublishWhen::OpenAt(version) => {
            let is_current = current_version == Some(version);
            (is_current && session.mark_published(&uri, None, version), Some(version))
        }
        PublishWhen::Analyzed { open_sequence, version } => {
            (session.mark_published(&uri, Some(open_sequence), version), Some(version))
        }
        PublishWhen::NotOpen => (current_version.is_none(), None),
    };
    if !is_expected {
        tracing::debug!(uri = uri.as_str(), ?when, ?current_version, "dropping diagnostics for a document that changed state");
        return false;
    }

    session.client.publish_diagnostics(uri, diagnostics, version).await;
    true
}

/// Clears a document's pushed diagnostics if it is still in the expected state.
pub async fn clear(session: &Session, uri: Uri, when: PublishWhen) {
    publish(session, uri, Vec::new(), when).await;
}

/// Runs every check on a snapshot. Blocking: call it on the blocking pool.
///
/// The analysis reuses the findings of definitions that did not change since
/// the document's previous analysis. While another analysis of the same
/// document uses that state, this one analyzes the whole document instead
/// of waiting.
pub fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    let (document, path, policy) = (&snapshot.document, &snapshot.analysis_path, &snapshot.policy.policy);
    let options = AnalyzeOptions::default();
    match snapshot.incremental.try_lock() {
        Ok(mut incremental) => incremental.analyze(document, path, policy, &options),
        Err(TryLockError::WouldBlock) => guardian_analysis::analyze(document, path, policy),
        Err(TryLockError::Poisoned(poisoned)) => {
            tracing::warn!(uri = snapshot.uri.as_str(), "an earlier analysis panicked; starting incremental analysis over");
            let mut incremental = poisoned.into_inner();
            incremental.clear();
            incremental.analyze(document, path, policy, &options)
        }
    }
}

/// Converts findings to diagnostics, skipping those whose severity is `Off`.
pub fn diagnostics(snapshot: &Snapshot, findings: &[Finding]) -> Vec<Diagnostic> {
    let context = DiagnosticContext {
        document: &snapshot.document,
        uri: &snapshot.uri,
        policy: &snapshot.policy,
        encoding: snapshot.config.encoding,
    };
    findings.iter().filter_map(|finding| to_proto::diagnostic(finding, &context)).collect()
}

/// Checks a steering document's buffer text. Blocking: it parses rule
/// blocks and may walk the workspace for `fileMatchPattern` globs.
pub fn steering_problems(snapshot: &SteeringSnapshot) -> Vec<PolicyProblem> {
    let known_checks = guardian_analysis::known_checks();
    let mut problems = guardian_policy::check_document(
        &snapshot.path,
        snapshot.text.text(),
        snapshot.origin,
        snapshot.workspace_root.as_deref(),
        &known_checks,
    );
    problems.extend(loaded_layering_problems(snapshot));
    problems.sort_by_key(|problem| (problem.range.start, problem.range.end));
    problems
}

/// Converts steering document problems to diagnostics, skipping those whose severity is `Off`.
pub fn steering_diagnostics(snapshot: &SteeringSnapshot, problems: &[PolicyProblem]) -> Vec<Diagnostic> {
    let encoding = snapshot.config.encoding;
    problems.iter().filter_map(|problem| to_proto::problem_diagnostic(problem, &snapshot.text, encoding)).collect()
}

/// Returns the loaded policy's layering problems for this document, or none
/// when the buffer differs from the loaded text, whose byte ranges they use.
fn loaded_layering_problems(snapshot: &SteeringSnapshot) -> Vec<PolicyProblem> {
    let policy = &snapshot.policy.policy;
    let buffer_matches_loaded = policy
        .documents
        .iter()
        .any(|document| document.path == snapshot.path && *document.text == *snapshot.text.text());
    if !buffer_matches_loaded {
        return Vec::new();
    }

    policy
        .problems
        .iter()
        .filter(|problem| problem.path == snapshot.path && problem.code == codes::WEAKENED_ORGANIZATION_RULE)
        .cloned()
        .collect()
}

/// A consistent copy of an open document of either kind.
enum DocumentSnapshot {
    Python(Box<Snapshot>),
    Steering(Box<SteeringSnapshot>),
}

impl DocumentSnapshot {
    /// Copies an open, in-sync document; `None` when it is not open or its copy is out of sync.
    fn take(session: &Session, uri: &Uri) -> Option<Self> {
        if let Some(snapshot) = session.steering_snapshot(uri) {
            return Some(Self::Steering(Box::new(snapshot)));
        }
        session.snapshot(uri).map(|snapshot| Self::Python(Box::new(snapshot)))
    }

    fn inputs(&self) -> AnalysisInputs {
        match self {
            Self::Python(snapshot) => (snapshot.open_sequence, snapshot.version, snapshot.policy_generation),
            Self::Steering(snapshot) => (snapshot.open_sequence, snapshot.version, snapshot.policy_generation),
        }
    }

    fn version(&self) -> i32 {
        self.inputs().1
    }

    /// Computes the document's diagnostics. Blocking: call it on the blocking pool.
    fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Python(snapshot) => diagnostics(snapshot, &findings(snapshot)),
            Self::Steering(snapshot) => steering_diagnostics(snapshot, &steering_problems(snapshot)),
        }
    }
}

/// Serves `textDocument/diagnostic` with a full report, or `unchanged` when
/// the client's `previousResultId` names the current document version and policy.
pub async fn pull(session: &Arc<Session>, params: DocumentDiagnosticParams) -> jsonrpc::Result<DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri;
    let Some(snapshot) = DocumentSnapshot::take(session, &uri) else {
        // Not an open document, or our copy is out of sync: nothing to report, as for push.
        return Ok(full_report(None, Vec::new()));
    };

    let result_id = result_id(snapshot.inputs());
    if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
        return Ok(unchanged_report(result_id));
    }

    // Wait for a permit without holding a copy of the document, then copy it again.
    let inputs = snapshot.inputs();
    drop(snapshot);
    let Ok(_permit) = session.analysis_permit(&uri).await else {
        tracing::error!(uri = uri.as_str(), "no analysis permit because the analysis lanes are closed; failing the pull request");
        return Err(jsonrpc::Error::internal_error());
    };
    let Some(snapshot) = DocumentSnapshot::take(session, &uri).filter(|snapshot| snapshot.inputs() == inputs) else {
        tracing::debug!(uri = uri.as_str(), "document changed while the pull waited for a permit");
        return Err(content_modified());
    };
    let version = snapshot.version();
    let session_for_check = Arc::clone(session);
    let uri_for_check = uri.clone();
    let analyzed = guard::blocking("pull analysis", move || {
        let is_current = session_for_check.document_version(&uri_for_check) == Some(version);
        if !is_current {
            return None;
        }
        Some(snapshot.diagnostics())
    })
    .await?;

    let Some(diagnostics) = analyzed else {
        tracing::debug!(uri = uri.as_str(), version, "document changed before the pull analysis started");
        return Err(content_modified());
    };
    Ok(full_report(Some(result_id), diagnostics))
}

/// Identifies what a report was computed from: the policy generation, which open of the document, and its version.
fn result_id(inputs: AnalysisInputs) -> String {
    let (open_sequence, version, policy_generation) = inputs;
    format!("{policy_generation}-{open_sequence}-{version}")
}

fn full_report(result_id: Option<String>, items: Vec<Diagnostic>) -> DocumentDiagnosticReportResult {
    let report = RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
    };
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(report))
}

fn unchanged_report(result_id: String) -> DocumentDiagnosticReportResult {
    let report = RelatedUnchangedDocumentDiagnosticReport {
        related_documents: None,
        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
    };
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Unchanged(report))
}

fn content_modified() -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::ServerError(CONTENT_MODIFIED),
        message: "the document changed while its diagnostics were computed".into(),
        data: None,
    }
}

/// Analyzes and publishes a document until no further run was requested.
async fn run_analysis_loop(session: &Arc<Session>, uri: &Uri) {
    let mut last_published = None;
    loop {
        session.take_analysis_request(uri);
        if let Some(published) = publish_latest(session, uri, last_published).await {
            last_published = Some(published);
        }
        if session.finish_analysis(uri) {
            return;
        }
    }
}

/// The inputs of a published analysis: the document's open sequence and version, and the policy generation.
type AnalysisInputs = (u64, i32, u64);

/// Analyzes the latest version of a document and publishes the result, unless
/// the document was closed or reopened or a newer version was published
/// meanwhile. Skips inputs identical to `last_published`.
/// Returns the inputs of what it published.
async fn publish_latest(session: &Arc<Session>, uri: &Uri, last_published: Option<AnalysisInputs>) -> Option<AnalysisInputs> {
    // The permit comes before the copy, so a run that waited analyzes the version current when it starts.
    let Ok(permit) = session.analysis_permit(uri).await else {
        tracing::error!(uri = uri.as_str(), "no analysis permit because the analysis lanes are closed; skipping the analysis");
        return None;
    };
    let snapshot = DocumentSnapshot::take(session, uri)?;
    let version = snapshot.version();
    let inputs = snapshot.inputs();
    if last_published == Some(inputs) {
        tracing::debug!(uri = uri.as_str(), version, "diagnostics for this version are already published");
        return None;
    }

    let session_for_check = Arc::clone(session);
    let uri_for_check = uri.clone();
    let analyzed = guard::blocking("analysis", move || {
        // The blocking pool may start this long after it was queued; skip it if a newer version exists.
        let is_current = session_for_check.document_version(&uri_for_check) == Some(version);
        if !is_current {
            return None;
        }
        Some(snapshot.diagnostics())
    })
    .await;
    let diagnostics = match analyzed {
        Ok(Some(diagnostics)) => diagnostics,
        Ok(None) => {
            tracing::debug!(uri = uri.as_str(), version, "skipped analysis of an outdated version");
            return None;
        }
        Err(_) => {
            tracing::error!(uri = uri.as_str(), version, "analysis failed; keeping the previous diagnostics");
            return None;
        }
    };

    // Sending waits for the publish lock and the client; another analysis may run meanwhile.
    drop(permit);
    let count = diagnostics.len();
    let when = PublishWhen::Analyzed { open_sequence: inputs.0, version };
    if !publish(session, uri.clone(), diagnostics, when).await {
        return None;
    }
    tracing::debug!(uri = uri.as_str(), version, count, "published diagnostics");
    Some(inputs)
}
