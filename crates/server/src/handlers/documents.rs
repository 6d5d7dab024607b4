//! Text synchronization: `didOpen`, `didChange`, `didClose` and `didSave`,
//! for Python documents and for steering documents (Markdown in a steering
//! folder), which are tracked separately.
//!
//! `didChange` applies every content change before its first `.await`.
//! tower-lsp runs up to four handlers at once, and only the part before the
//! first `.await` is guaranteed to run in arrival order.

use std::ops::Range;
use std::sync::Arc;

use guardian_analysis::{Document, EditBatch, EditError, LineIndex, PositionEncoding};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    TextDocumentContentChangeEvent, TextDocumentItem, Uri,
};

use crate::from_proto;
use crate::handlers::diagnostics::{self, PublishWhen};
use crate::handlers::workspace;
use crate::markdown_text::MarkdownText;
use crate::session::{DocumentState, Session};

pub async fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let document = params.text_document;
    if !from_proto::is_python(&document.uri, Some(&document.language_id)) {
        open_steering_document(session, document);
        return;
    }

    tracing::debug!(uri = document.uri.as_str(), version = document.version, "opened");
    let state = DocumentState {
        open_sequence: session.next_open_sequence(),
        version: document.version,
        published_version: None,
        document: Some(Document::new(document.text)),
        incremental: Arc::default(),
    };
    session.documents().insert(document.uri.clone(), state);

    // A pull client would show the scan's pushed diagnostics next to its pulled ones; push clients get them replaced.
    let had_scan_diagnostics = session.forget_scan_published(&document.uri);
    if had_scan_diagnostics && session.config().supports_pull_diagnostics {
        diagnostics::clear(session, document.uri.clone(), PublishWhen::OpenAt(document.version)).await;
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
        ChangeOutcome::OutOfSync => diagnostics::clear(session, uri, PublishWhen::OpenAt(version)).await,
        ChangeOutcome::NotTracked => {}
    }
}

pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let was_python = session.documents().remove(&uri).is_some();
    let was_steering = session.steering_documents().remove(&uri).is_some();
    session.forget_edits(&uri);
    if !was_python && !was_steering {
        return;
    }
    tracing::debug!(uri = uri.as_str(), "closed");
    diagnostics::clear(session, uri, PublishWhen::NotOpen).await;
}

pub async fn did_save(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    let Some(path) = from_proto::file_path(&params.text_document.uri) else {
        return;
    };
    if workspace::is_steering_document(session, &path) {
        workspace::reload_policy(session, "steering document saved").await;
    }
}

/// Tracks a Markdown document in a steering folder and queues its policy diagnostics; ignores other documents.
fn open_steering_document(session: &Arc<Session>, document: TextDocumentItem) {
    let is_markdown = from_proto::is_markdown(&document.uri, Some(&document.language_id));
    let is_steering = is_markdown
        && from_proto::file_path(&document.uri).is_some_and(|path| session.steering_location(&path).is_some());
    if !is_steering {
        return;
    }

    tracing::debug!(uri = document.uri.as_str(), version = document.version, "opened steering document");
    let state = DocumentState {
        open_sequence: session.next_open_sequence(),
        version: document.version,
        published_version: None,
        document: Some(MarkdownText::new(document.text)),
        incremental: Arc::default(),
    };
    session.steering_documents().insert(document.uri.clone(), state);
    diagnostics::schedule(session, document.uri);
}

/// The result of a `didChange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeOutcome {
    Applied,
    /// The changes did not fit our copy, which was dropped until the next full-text change.
    OutOfSync,
    /// The document is not an open Python or steering document.
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

fn apply_changes(session: &Session, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> ChangeOutcome {
    let encoding = session.config().encoding;
    if let Some(mut state) = session.documents().get_mut(uri) {
        let outcome = apply_to_state(&mut state, uri, version, changes, encoding);
        // Recording an edit may release another document's tree, which locks its map entry.
        drop(state);
        if outcome == ChangeOutcome::Applied {
            session.record_edit(uri);
        }
        return outcome;
    }
    if let Some(mut state) = session.steering_documents().get_mut(uri) {
        return apply_to_state(&mut state, uri, version, changes, encoding);
    }
    ChangeOutcome::NotTracked
}

fn apply_to_state<T: SyncedText>(
    state: &mut DocumentState<T>,
    uri: &Uri,
    version: i32,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: PositionEncoding,
) -> ChangeOutcome {
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

/// Applies changes in order: a full-text change replaces the text, and each
/// run of ranged changes is applied as one batch, every range converted
/// against the text left by the previous change.
fn apply_content_changes<T: SyncedText>(
    document: &mut Option<T>,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: PositionEncoding,
) -> Result<(), SyncError> {
    let mut remaining = changes.as_slice();

    while let Some(change) = remaining.first() {
        if change.range.is_none() {
            *document = Some(T::from_full_text(change.text.clone()));
            remaining = &remaining[1..];
            continue;
        }

        let run_length = remaining.iter().take_while(|next| next.range.is_some()).count();
        let (ranged_run, rest) = remaining.split_at(run_length);
        let Some(current) = document.as_mut() else {
            return Err(SyncError::NoText);
        };
        current.apply_ranged_changes(ranged_run, encoding)?;
        remaining = rest;
    }
    Ok(())
}

/// A document copy that LSP content changes can update.
trait SyncedText: Sized {
    fn from_full_text(text: String) -> Self;

    /// Applies changes that all have a range, in order.
    fn apply_ranged_changes(&mut self, changes: &[TextDocumentContentChangeEvent], encoding: PositionEncoding) -> Result<(), SyncError>;
}

impl SyncedText for Document {
    fn from_full_text(text: String) -> Self {
        Document::new(text)
    }

    /// Applies the changes in one edit batch, so the syntax tree is reparsed once.
    fn apply_ranged_changes(&mut self, changes: &[TextDocumentContentChangeEvent], encoding: PositionEncoding) -> Result<(), SyncError> {
        let mut batch = self.begin_edits();
        for change in changes {
            apply_ranged_change(&mut batch, change, encoding)?;
        }
        Ok(())
    }
}

impl SyncedText for MarkdownText {
    fn from_full_text(text: String) -> Self {
        MarkdownText::new(text)
    }

    fn apply_ranged_changes(&mut self, changes: &[TextDocumentContentChangeEvent], encoding: PositionEncoding) -> Result<(), SyncError> {
        for change in changes {
            apply_ranged_change(self, change, encoding)?;
        }
        Ok(())
    }
}

/// Text with a line index that accepts byte-range edits.
trait EditableText {
    fn text(&self) -> &str;
    fn line_index(&self) -> &LineIndex;
    fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError>;
}

impl EditableText for EditBatch<'_> {
    fn text(&self) -> &str {
        EditBatch::text(self)
    }

    fn line_index(&self) -> &LineIndex {
        EditBatch::line_index(self)
    }

    fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        EditBatch::edit(self, range, new_text)
    }
}

impl EditableText for MarkdownText {
    fn text(&self) -> &str {
        MarkdownText::text(self)
    }

    fn line_index(&self) -> &LineIndex {
        MarkdownText::line_index(self)
    }

    fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        MarkdownText::edit(self, range, new_text)
    }
}

/// Applies one ranged change, rejecting positions on lines past the end of the text.
fn apply_ranged_change(
    text: &mut impl EditableText,
    change: &TextDocumentContentChangeEvent,
    encoding: PositionEncoding,
) -> Result<(), SyncError> {
    let Some(range) = change.range else {
        return Ok(());
    };
    for position in [range.start, range.end] {
        if !from_proto::position_fits(text.line_index(), position) {
            return Err(SyncError::LineOutOfRange { line: position.line });
        }
    }

    let byte_range = from_proto::byte_range(text.text(), text.line_index(), range, encoding);
    text.edit(byte_range, &change.text).map_err(SyncError::Edit)
}
