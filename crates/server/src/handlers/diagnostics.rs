//! Push diagnostics: analyze a snapshot off the async runtime and publish
//! the result with its document version, unless the document moved on.

use std::sync::Arc;

use guardian_analysis::Finding;
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use crate::guard;
use crate::session::{Session, Snapshot};
use crate::to_proto::{self, DiagnosticContext};

/// Analyzes a document in the background and publishes its diagnostics.
pub fn schedule(session: &Arc<Session>, uri: Uri) {
    let session = Arc::clone(session);
    tokio::spawn(async move { publish(&session, uri).await });
}

/// Re-analyzes every open document, e.g. after the policy changed.
pub fn schedule_all(session: &Arc<Session>) {
    for uri in session.open_documents() {
        schedule(session, uri);
    }
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

async fn publish(session: &Session, uri: Uri) {
    let Some(snapshot) = session.snapshot(&uri) else {
        return;
    };
    let version = snapshot.version;

    let analyzed = guard::blocking("analysis", move || {
        let findings = findings(&snapshot);
        diagnostics(&snapshot, &findings)
    })
    .await;
    let Ok(diagnostics) = analyzed else {
        tracing::error!(uri = uri.as_str(), version, "analysis failed; keeping the previous diagnostics");
        return;
    };

    let is_current = session.document_version(&uri) == Some(version);
    if !is_current {
        tracing::debug!(uri = uri.as_str(), version, "dropping diagnostics for an outdated version");
        return;
    }
    tracing::debug!(uri = uri.as_str(), version, count = diagnostics.len(), "publishing diagnostics");
    session.client.publish_diagnostics(uri, diagnostics, Some(version)).await;
}
