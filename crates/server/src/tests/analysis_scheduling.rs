//! Push analysis under load: many documents opened at once, syntax trees kept
//! only for recently edited documents, and publish order across fast edits.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::scheduling::RECENT_EDITS_CAPACITY;
use crate::tests::harness::{TestClient, codes, push_capabilities};

const UNSAFE_YAML: &str = "import yaml\nyaml.load(data)\n";
const SAFE_YAML: &str = "import yaml\nyaml.safe_load(data)\n";

fn uri(name: &str) -> String {
    format!("file:///nonexistent-guardian-test/{name}.py")
}

/// Returns whether the server's copy of an open Python document has a syntax tree.
fn has_tree(client: &TestClient, uri: &str) -> bool {
    let uri = uri.parse().expect("test URI is valid");
    let state = client.server().session().documents().get(&uri).expect("document is open");
    state.document.as_ref().expect("document is in sync").has_tree()
}

/// Inserts a comment line at the start of a document with a ranged change, which keeps or creates its tree.
async fn insert_comment(client: &mut TestClient, uri: &str, version: i32) {
    let start = json!({"line": 0, "character": 0});
    let params = json!({
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": {"start": start, "end": start}, "text": "# edited\n"}]
    });
    client.notify("textDocument/didChange", params).await;
}

/// Opens `count` documents, half of them unsafe, and returns the expected codes by URI.
async fn open_documents(client: &mut TestClient, count: usize) -> BTreeMap<String, Vec<String>> {
    let mut expected = BTreeMap::new();
    for index in 0..count {
        let document_uri = uri(&format!("open_{index:03}"));
        let is_unsafe = index % 2 == 0;
        let text = if is_unsafe { UNSAFE_YAML } else { SAFE_YAML };
        client.open(&document_uri, 1, text).await;

        let codes = if is_unsafe { vec!["deserialization".to_string()] } else { Vec::new() };
        expected.insert(document_uri, codes);
    }
    expected
}

/// Waits until every URI in `expected` got a publish and returns the codes of the first publish of each.
async fn first_publishes(client: &mut TestClient, expected: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let mut published = BTreeMap::new();
    while published.len() < expected.len() {
        let params = client.expect_message("textDocument/publishDiagnostics").await;
        let Some(uri) = params["uri"].as_str() else {
            continue;
        };
        if expected.contains_key(uri) && !published.contains_key(uri) {
            published.insert(uri.to_string(), codes(&params["diagnostics"]));
        }
    }
    published
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_opened_documents_all_get_diagnostics() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let expected = open_documents(&mut client, 60).await;

    let published = first_publishes(&mut client, &expected).await;

    assert_eq!(published, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_recently_edited_documents_keep_trees() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let expected = open_documents(&mut client, RECENT_EDITS_CAPACITY + 1).await;
    first_publishes(&mut client, &expected).await;
    let first = uri("open_000");
    assert!(!has_tree(&client, &first), "an opened document keeps no tree after its analysis");

    insert_comment(&mut client, &first, 2).await;
    assert!(has_tree(&client, &first), "an edited document keeps its tree");

    for index in 1..=RECENT_EDITS_CAPACITY {
        insert_comment(&mut client, &uri(&format!("open_{index:03}")), 2).await;
    }
    assert!(!has_tree(&client, &first), "the least recently edited document released its tree");
    let last = uri(&format!("open_{RECENT_EDITS_CAPACITY:03}"));
    assert!(has_tree(&client, &last), "the last edited document keeps its tree");

    insert_comment(&mut client, &first, 3).await;
    assert!(has_tree(&client, &first), "an edit parses the released tree again");
    let republished = client
        .expect_matching("textDocument/publishDiagnostics", |params| params["uri"] == first && params["version"] == 3)
        .await;
    assert_eq!(codes(&republished["diagnostics"]), ["deserialization"], "diagnostics after the tree was parsed again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_edits_publish_versions_in_order() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let document_uri = uri("edited");
    client.open(&document_uri, 1, SAFE_YAML).await;

    // Full-text changes, then a ranged change past the end, which puts the
    // copy out of sync and clears the diagnostics, then one more full text.
    let out_of_sync_version = 30;
    for version in 2..out_of_sync_version {
        let text = if version % 2 == 0 { UNSAFE_YAML } else { SAFE_YAML };
        client.replace_text(&document_uri, version, text).await;
    }
    let past_the_end = json!({
        "textDocument": {"uri": document_uri, "version": out_of_sync_version},
        "contentChanges": [{"range": {"start": {"line": 99, "character": 0}, "end": {"line": 99, "character": 0}}, "text": "x"}]
    });
    client.notify("textDocument/didChange", past_the_end).await;
    let last_version = out_of_sync_version + 1;
    client.replace_text(&document_uri, last_version, UNSAFE_YAML).await;

    let mut versions = Vec::new();
    loop {
        let params = client.expect_publish(&document_uri).await;
        let version = params["version"].as_i64().expect("pushed diagnostics carry the document version");
        versions.push(version);
        if version == i64::from(last_version) {
            assert_eq!(codes(&params["diagnostics"]), ["deserialization"]);
            break;
        }
    }

    let is_increasing = versions.windows(2).all(|pair| pair[0] < pair[1]);
    assert!(is_increasing, "published versions {versions:?} are not strictly increasing");
}

#[tokio::test]
async fn mark_published_rejects_older_versions() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let document_uri = uri("published");
    client.open(&document_uri, 1, SAFE_YAML).await;
    let session = client.server().session();
    let parsed_uri = document_uri.parse().expect("test URI is valid");
    let open_sequence = session.documents().get(&parsed_uri).expect("document is open").open_sequence;

    assert!(session.mark_published(&parsed_uri, Some(open_sequence), 3), "first publish");
    assert!(session.mark_published(&parsed_uri, Some(open_sequence), 3), "the same version again");
    assert!(!session.mark_published(&parsed_uri, Some(open_sequence), 2), "an older version");
    assert!(!session.mark_published(&parsed_uri, Some(open_sequence + 1), 4), "another open of the document");
    assert!(session.mark_published(&parsed_uri, None, 4), "a newer version without an open sequence");

    let closed_uri = uri("never-opened").parse().expect("test URI is valid");
    assert!(!session.mark_published(&closed_uri, None, 1), "a document that is not open");
}
