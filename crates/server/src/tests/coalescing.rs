//! Coalescing of push analysis: a burst of changes publishes the latest
//! version, not one result per change.

use std::time::Duration;

use futures::future::join_all;
use serde_json::{Value, json};
use tower_lsp_server::LanguageServer;
use tower_lsp_server::ls_types::{DidChangeTextDocumentParams, TextDocumentContentChangeEvent, Uri, VersionedTextDocumentIdentifier};

use crate::tests::harness::{TestClient, codes, push_capabilities};

const URI: &str = "file:///nonexistent-guardian-test/app.py";
const UNSAFE_YAML: &str = "import yaml\nyaml.load(data)\n";
const SAFE_YAML: &str = "import yaml\nyaml.safe_load(data)\n";

fn full_change(version: i32, text: &str) -> DidChangeTextDocumentParams {
    let uri: Uri = URI.parse().expect("test URI is valid");
    DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier { uri, version },
        content_changes: vec![TextDocumentContentChangeEvent { range: None, range_length: None, text: text.to_string() }],
    }
}

/// Returns the versions of the `publishDiagnostics` messages for [`URI`] among `messages`.
fn published_versions(messages: &[(String, Value)]) -> Vec<i64> {
    messages
        .iter()
        .filter(|(method, params)| method == "textDocument/publishDiagnostics" && params["uri"] == URI)
        .filter_map(|(_, params)| params["version"].as_i64())
        .collect()
}

#[tokio::test]
async fn burst_publishes_latest_version_once() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    client.open(URI, 1, SAFE_YAML).await;
    let opened = client.expect_publish(URI).await;
    assert_eq!(opened["version"], 1);

    // Thirty changes that run concurrently, as tower-lsp runs notification handlers; the last one is unsafe.
    let last_version = 31;
    let changes = (2..=last_version).map(|version| {
        let text = if version == last_version { UNSAFE_YAML } else { SAFE_YAML };
        client.server().did_change(full_change(version, text))
    });
    join_all(changes).await;

    let latest = client.expect_matching("textDocument/publishDiagnostics", |params| params["version"] == last_version).await;
    assert_eq!(codes(&latest["diagnostics"]), ["deserialization"]);

    // Any analysis still running would publish within this time.
    let later = client.messages_within(Duration::from_millis(300)).await;
    assert_eq!(published_versions(&later), Vec::<i64>::new(), "nothing after the latest version");
}

#[tokio::test]
async fn changes_during_analysis_queue_one_rerun() {
    let client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let session = client.server().session();
    let uri: Uri = URI.parse().expect("test URI is valid");

    assert!(session.queue_analysis(&uri), "the first request starts the analysis loop");
    assert!(!session.queue_analysis(&uri), "a request while it runs is queued");
    assert!(!session.queue_analysis(&uri), "requests coalesce into one rerun");

    session.take_analysis_request(&uri);
    assert!(!session.queue_analysis(&uri), "a request during the rerun is queued again");
    assert!(!session.finish_analysis(&uri), "a queued request keeps the loop running");

    session.take_analysis_request(&uri);
    assert!(session.finish_analysis(&uri), "without requests the loop ends");
    assert!(session.queue_analysis(&uri), "the next request starts a new loop");
}
