//! Text synchronization: `didOpen`, `didChange`, `didClose` and `didSave`.
//!
//! `didChange` applies every content change before its first `.await`.
//! tower-lsp runs up to four handlers at once, and only the part before the
//! first `.await` is guaranteed to run in arrival order.

use std::sync::Arc;

use guardian_analysis::{Document, EditError, PositionEncoding};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    TextDocumentContentChangeEvent,
};

use crate::from_proto;
use crate::handlers::{diagnostics, workspace};
use crate::session::{DocumentState, Session};

pub async fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let document = params.text_document;
    if !from_proto::is_python(&document.uri, Some(&document.language_id)) {
        return;
    }

    tracing::debug!(uri = document.uri.as_str(), version = document.version, "opened");
    let state = DocumentState {
        open_sequence: session.next_open_sequence(),
        version: document.version,
        document: Some(Document::new(document.text)),
    };
    session.documents().insert(document.uri.clone(), state);

    // A pull client would show the scan's pushed diagnostics next to its pulled ones; push clients get them replaced.
    let had_scan_diagnostics = session.forget_scan_published(&document.uri);
    if had_scan_diagnostics && session.config().supports_pull_diagnostics {
        diagnostics::clear(session, document.uri.clone(), None).await;
    }
    diagnostics::schedule(session, document.uri);
}

pub async fn did_change(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let version = params.text_document.version;

    // Everything up to the first `.await` runs in arrival order.
    let outcome = apply_changes(session, &uri, version, params.content_changes);

    match outcome {
        ChangeOutcome::Applied => diagnostics::schedule(session, uri),
        ChangeOutcome::OutOfSync => diagnostics::clear(session, uri, Some(version)).await,
        ChangeOutcome::NotTracked => {}
    }
}

pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if session.documents().remove(&uri).is_none() {
        return;
    }
    tracing::debug!(uri = uri.as_str(), "closed");
    diagnostics::clear(session, uri, None).await;
}

pub async fn did_save(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    let Some(path) = from_proto::file_path(&params.text_document.uri) else {
        return;
    };
    if workspace::is_steering_document(session, &path) {
        workspace::reload_policy(session, "steering document saved").await;
    }
}

/// The result of a `didChange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeOutcome {
    Applied,
    /// The changes did not fit our copy, which was dropped until the next full-text change.
    OutOfSync,
    /// The document is not an open Python document.
    NotTracked,
}

/// The reason a change could not be applied.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error("version did not increase past {current}")]
    StaleVersion { current: i32 },
    #[error("ranged change for a document whose text is out of sync")]
    NoText,
    #[error("line {line} is past the end of the document")]
    LineOutOfRange { line: u32 },
    #[error(transparent)]
    Edit(EditError),
}

fn apply_changes(
    session: &Session,
    uri: &tower_lsp_server::ls_types::Uri,
    version: i32,
    changes: Vec<TextDocumentContentChangeEvent>,
) -> ChangeOutcome {
    let encoding = session.config().encoding;
    let Some(mut state) = session.documents().get_mut(uri) else {
        return ChangeOutcome::NotTracked;
    };

    let result = if version <= state.version {
        Err(SyncError::StaleVersion { current: state.version })
    } else {
        apply_content_changes(&mut state.document, changes, encoding)
    };
    state.version = state.version.max(version);

    match result {
        Ok(()) if state.document.is_some() => ChangeOutcome::Applied,
        Ok(()) => ChangeOutcome::OutOfSync,
        Err(error) => {
            tracing::warn!(uri = uri.as_str(), version, error = %error, "change does not fit the document; dropping it until the next full-text change");
            state.document = None;
            ChangeOutcome::OutOfSync
        }
    }
}

/// Applies changes in order: a full-text change replaces the text, ranged
/// changes are converted against the text left by the previous change.
fn apply_content_changes(
    document: &mut Option<Document>,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: PositionEncoding,
) -> Result<(), SyncError> {
    let mut changes = changes.into_iter().peekable();

    while let Some(change) = changes.next() {
        let Some(first_range) = change.range else {
            *document = Some(Document::new(change.text));
            continue;
        };

        let Some(current) = document.as_mut() else {
            return Err(SyncError::NoText);
        };
        let mut batch = current.begin_edits();
        apply_ranged_change(&mut batch, first_range, &change.text, encoding)?;

        while let Some(next) = changes.next_if(|next| next.range.is_some()) {
            let Some(range) = next.range else { break };
            apply_ranged_change(&mut batch, range, &next.text, encoding)?;
        }
    }
    Ok(())
}

fn apply_ranged_change(
    batch: &mut guardian_analysis::EditBatch<'_>,
    range: tower_lsp_server::ls_types::Range,
    new_text: &str,
    encoding: PositionEncoding,
) -> Result<(), SyncError> {
    for position in [range.start, range.end] {
        if !from_proto::position_fits(batch.line_index(), position) {
            return Err(SyncError::LineOutOfRange { line: position.line });
        }
    }

    let byte_range = from_proto::byte_range(batch.text(), batch.line_index(), range, encoding);
    batch.edit(byte_range, new_text).map_err(SyncError::Edit)
}
