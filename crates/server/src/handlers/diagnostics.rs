//! Diagnostics for open documents, pushed (`textDocument/publishDiagnostics`)
//! or pulled (`textDocument/diagnostic`).
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
//! more run of the latest version. A run whose version is already outdated
//! when the blocking pool picks it up is skipped before analysis starts.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use guardian_analysis::Finding;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    Diagnostic, DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    FullDocumentDiagnosticReport, RelatedFullDocumentDiagnosticReport, RelatedUnchangedDocumentDiagnosticReport,
    UnchangedDocumentDiagnosticReport, Uri,
};

use crate::guard;
use crate::session::{Session, Snapshot};
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

/// Clears a document's diagnostics in the client.
pub async fn clear(session: &Session, uri: Uri, version: Option<i32>) {
    session.client.publish_diagnostics(uri, Vec::new(), version).await;
}

/// Runs every check on a snapshot. Blocking: call it on the blocking pool.
pub fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    guardian_analysis::analyze(&snapshot.document, &snapshot.analysis_path, &snapshot.policy.policy)
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

/// Serves `textDocument/diagnostic` with a full report, or `unchanged` when
/// the client's `previousResultId` names the current document version and policy.
pub async fn pull(session: &Arc<Session>, params: DocumentDiagnosticParams) -> jsonrpc::Result<DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri;
    let Some(snapshot) = session.snapshot(&uri) else {
        // Not an open Python document, or our copy is out of sync: nothing to report, as for push.
        return Ok(full_report(None, Vec::new()));
    };

    let result_id = result_id(&snapshot);
    if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
        return Ok(unchanged_report(result_id));
    }

    let version = snapshot.version;
    let session_for_check = Arc::clone(session);
    let uri_for_check = uri.clone();
    let analyzed = guard::blocking("pull analysis", move || {
        let is_current = session_for_check.document_version(&uri_for_check) == Some(version);
        if !is_current {
            return None;
        }
        let findings = findings(&snapshot);
        Some(diagnostics(&snapshot, &findings))
    })
    .await?;

    let Some(diagnostics) = analyzed else {
        tracing::debug!(uri = uri.as_str(), version, "document changed before the pull analysis started");
        return Err(content_modified());
    };
    Ok(full_report(Some(result_id), diagnostics))
}

/// Identifies what a report was computed from: the policy generation, which open of the document, and its version.
fn result_id(snapshot: &Snapshot) -> String {
    format!("{}-{}-{}", snapshot.policy_generation, snapshot.open_sequence, snapshot.version)
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

/// Analyzes the latest version of a document and publishes the result unless
/// the document moved on; skips inputs identical to `last_published`.
/// Returns the inputs of what it published.
async fn publish_latest(session: &Arc<Session>, uri: &Uri, last_published: Option<AnalysisInputs>) -> Option<AnalysisInputs> {
    let snapshot = session.snapshot(uri)?;
    let version = snapshot.version;
    let inputs = (snapshot.open_sequence, version, snapshot.policy_generation);
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
        let findings = findings(&snapshot);
        Some(diagnostics(&snapshot, &findings))
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

    let is_current = session.document_version(uri) == Some(version);
    if !is_current {
        tracing::debug!(uri = uri.as_str(), version, "dropping diagnostics for an outdated version");
        return None;
    }
    tracing::debug!(uri = uri.as_str(), version, count = diagnostics.len(), "publishing diagnostics");
    session.client.publish_diagnostics(uri.clone(), diagnostics, Some(version)).await;
    Some(inputs)
}
