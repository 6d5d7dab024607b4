//! Text synchronization tests that call `LanguageServer` methods directly.

use std::str::FromStr;

use futures::future::join_all;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, InitializeParams, Position,
    PositionEncodingKind, Range, TextDocumentContentChangeEvent, TextDocumentIdentifier, TextDocumentItem, Uri,
    VersionedTextDocumentIdentifier,
};

use crate::server::GuardianServer;

fn test_uri() -> Uri {
    Uri::from_str("file:///nonexistent-guardian-test/app.py").expect("test URI is valid")
}

fn insert_at(line: u32, character: u32, text: &str) -> TextDocumentContentChangeEvent {
    let position = Position::new(line, character);
    TextDocumentContentChangeEvent { range: Some(Range::new(position, position)), range_length: None, text: text.to_string() }
}

fn full_text(text: &str) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent { range: None, range_length: None, text: text.to_string() }
}

fn change(version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> DidChangeTextDocumentParams {
    DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier { uri: test_uri(), version },
        content_changes: changes,
    }
}

async fn open_server(text: &str) -> tower_lsp_server::LspService<GuardianServer> {
    let (service, _socket) = crate::service();
    let server = service.inner();

    let mut params = InitializeParams::default();
    params.capabilities.general = Some(tower_lsp_server::ls_types::GeneralClientCapabilities {
        position_encodings: Some(vec![PositionEncodingKind::UTF16]),
        ..Default::default()
    });
    server.initialize(params).await.expect("initialize succeeds");

    server
        .did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: test_uri(),
                language_id: "python".to_string(),
                version: 1,
                text: text.to_string(),
            },
        })
        .await;
    service
}

fn document_text(server: &GuardianServer) -> Option<String> {
    let state = server.session().documents().get(&test_uri())?;
    state.document.as_ref().map(|document| document.text().to_string())
}

#[tokio::test]
async fn concurrent_changes_apply_in_arrival_order() {
    let service = open_server("").await;
    let server = service.inner();

    // Each change appends one character; the futures run concurrently, as in tower-lsp.
    let letters: Vec<String> = (0..40).map(|index| char::from(b'a' + (index % 26) as u8).to_string()).collect();
    let changes = letters.iter().enumerate().map(|(index, letter)| {
        let column = u32::try_from(index).expect("small index");
        let version = i32::try_from(index).expect("small index") + 2;
        server.did_change(change(version, vec![insert_at(0, column, letter)]))
    });
    join_all(changes).await;

    assert_eq!(document_text(server), Some(letters.concat()));
}

#[tokio::test]
async fn several_changes_in_one_notification() {
    let service = open_server("é = 1\r\nx = '😀'\n").await;
    let server = service.inner();

    // UTF-16 columns: the emoji is two units, so column 7 is after it.
    let changes = vec![insert_at(1, 7, "!"), insert_at(0, 1, "é"), insert_at(2, 0, "y = 2\n")];
    server.did_change(change(2, changes)).await;

    assert_eq!(document_text(server).as_deref(), Some("éé = 1\r\nx = '😀!'\ny = 2\n"));
}

#[tokio::test]
async fn stale_version_drops_until_full_text() {
    let service = open_server("x = 1\n").await;
    let server = service.inner();

    server.did_change(change(2, vec![insert_at(0, 0, "a")])).await;
    server.did_change(change(2, vec![insert_at(0, 0, "b")])).await;
    assert_eq!(document_text(server), None, "a repeated version means the copy is out of sync");

    server.did_change(change(3, vec![insert_at(0, 0, "c")])).await;
    assert_eq!(document_text(server), None, "ranged changes cannot recover the text");

    server.did_change(change(4, vec![full_text("y = 2\n"), insert_at(0, 0, "z")])).await;
    assert_eq!(document_text(server).as_deref(), Some("zy = 2\n"));
}

#[tokio::test]
async fn out_of_range_edit_drops_document() {
    let service = open_server("x = 1\n").await;
    let server = service.inner();

    server.did_change(change(2, vec![insert_at(7, 0, "a")])).await;
    assert_eq!(document_text(server), None);
}

#[tokio::test]
async fn close_removes_document() {
    let service = open_server("x = 1\n").await;
    let server = service.inner();

    server.did_close(DidCloseTextDocumentParams { text_document: TextDocumentIdentifier { uri: test_uri() } }).await;
    assert!(server.session().documents().get(&test_uri()).is_none());
}
