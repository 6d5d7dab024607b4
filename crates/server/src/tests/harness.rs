//! A scripted LSP client for tests: it sends JSON-RPC messages through the
//! real `LspService`, responds to the server's requests (`workspace/configuration`
//! with a settable value, everything else with `null`), and records every
//! message the server sends so a test can wait for one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::LspService;
use tower_lsp_server::jsonrpc::{self, Request, Response};
use tower_lsp_server::ls_types::Uri;

use crate::server::GuardianServer;

/// How long a test waits for an expected message before it fails.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Client capabilities of a client that pulls diagnostics and supports refresh, configuration and progress.
pub fn pull_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}, "configuration": true},
        "window": {"workDoneProgress": true}
    })
}

/// Client capabilities of a client that only receives pushed diagnostics.
pub fn push_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "window": {"workDoneProgress": true}
    })
}


/// Returns a path inside the shared example data, or `None` when the test should skip.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    guardian_test_support::shared_path(relative)
}

/// Returns the `file:` URI of a path as a string.
pub fn file_uri(path: &Path) -> String {
    Uri::from_file_path(path).expect("test paths are absolute").as_str().to_string()
}

/// Returns `{"uri": ..., "name": ...}` for each root, as in `workspaceFolders`.
pub fn workspace_folders(roots: &[&Path]) -> Value {
    let folders: Vec<Value> = roots
        .iter()
        .map(|root| json!({"uri": file_uri(root), "name": root.file_name().map(|name| name.to_string_lossy().into_owned())}))
        .collect();
    Value::Array(folders)
}

pub struct TestClient {
    service: LspService<GuardianServer>,
    messages: mpsc::UnboundedReceiver<Request>,
    /// The value the client sends for the `guardian` section of `workspace/configuration`.
    configuration: Arc<Mutex<Value>>,
    next_id: i64,
    /// The server's `initialize` result.
    pub initialize_result: Value,
}

impl TestClient {
    /// Starts a server and completes `initialize` and `initialized`.
    ///
    /// `initialize` contains the initialize params without `processId` and
    /// `capabilities` defaults; `configuration` is the client's `guardian` section.
    pub async fn start(initialize: Value, configuration: Value) -> Self {
        let (service, socket) = crate::service();
        let (sender, messages) = mpsc::unbounded_channel();
        let configuration = Arc::new(Mutex::new(configuration));
        tokio::spawn(answer_server_requests(socket, sender, Arc::clone(&configuration)));

        let mut client = Self { service, messages, configuration, next_id: 1, initialize_result: Value::Null };
        let mut params = json!({"processId": null, "capabilities": {}});
        merge(&mut params, initialize);
        client.initialize_result = client.request("initialize", params).await.expect("initialize succeeds");
        client.notify("initialized", json!({})).await;
        client
    }

    pub fn server(&self) -> &GuardianServer {
        self.service.inner()
    }

    pub fn set_configuration(&self, value: Value) {
        *self.configuration.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }

    /// Sends a request and returns its result or error.
    pub async fn request(&mut self, method: &'static str, params: Value) -> Result<Value, jsonrpc::Error> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Request::build(method).id(id).params(params).finish();

        let service = self.service.ready().await.expect("service is ready");
        let response = service.call(request).await.expect("server is running").expect("requests get a response");
        response.into_parts().1
    }

    /// Sends a notification and waits until its handler returns.
    pub async fn notify(&mut self, method: &'static str, params: Value) {
        let notification = Request::build(method).params(params).finish();
        let service = self.service.ready().await.expect("service is ready");
        let response = service.call(notification).await.expect("server is running");
        assert!(response.is_none(), "notifications get no response");
    }

    pub async fn open(&mut self, uri: &str, version: i32, text: &str) {
        let params = json!({"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}});
        self.notify("textDocument/didOpen", params).await;
    }

    pub async fn replace_text(&mut self, uri: &str, version: i32, text: &str) {
        let params = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]});
        self.notify("textDocument/didChange", params).await;
    }

    /// Pulls diagnostics for a document and returns the report.
    pub async fn pull(&mut self, uri: &str, previous_result_id: Option<&str>) -> Value {
        let params = json!({"textDocument": {"uri": uri}, "previousResultId": previous_result_id});
        self.request("textDocument/diagnostic", params).await.expect("diagnostic request succeeds")
    }

    /// Waits for the next message with this method, skipping others, and returns its params.
    pub async fn expect_message(&mut self, method: &str) -> Value {
        self.expect_matching(method, |_| true).await
    }

    /// Waits for the next `publishDiagnostics` for a URI and returns its params.
    pub async fn expect_publish(&mut self, uri: &str) -> Value {
        self.expect_matching("textDocument/publishDiagnostics", |params| params["uri"] == uri).await
    }

    /// Waits for a message with this method whose params satisfy `accept`, skipping others.
    pub async fn expect_matching(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let wait = async {
            loop {
                let message = self.messages.recv().await.expect("the client task keeps running");
                let (received_method, _, params) = message.into_parts();
                let params = params.unwrap_or(Value::Null);
                if received_method == method && accept(&params) {
                    return params;
                }
            }
        };
        match tokio::time::timeout(MESSAGE_TIMEOUT, wait).await {
            Ok(params) => params,
            Err(_) => panic!("no {method} message arrived within {MESSAGE_TIMEOUT:?}"),
        }
    }

    /// Waits for the next message of any method and returns `(method, params)`.
    pub async fn next_message(&mut self) -> (String, Value) {
        match tokio::time::timeout(MESSAGE_TIMEOUT, self.messages.recv()).await {
            Ok(Some(message)) => {
                let (method, _, params) = message.into_parts();
                (method.into_owned(), params.unwrap_or(Value::Null))
            }
            Ok(None) => panic!("the client task stopped"),
            Err(_) => panic!("no message arrived within {MESSAGE_TIMEOUT:?}"),
        }
    }

    /// Returns every message that arrives within `duration`, as `(method, params)`.
    ///
    /// For checks that a message is absent; a wait is the only way to observe absence.
    pub async fn messages_within(&mut self, duration: Duration) -> Vec<(String, Value)> {
        let mut received = Vec::new();
        let deadline = tokio::time::Instant::now() + duration;
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.messages.recv()).await {
            let (method, _, params) = message.into_parts();
            received.push((method.into_owned(), params.unwrap_or(Value::Null)));
        }
        received
    }

    /// Returns the messages already received, without waiting.
    pub fn received_messages(&mut self) -> Vec<(String, Value)> {
        let mut received = Vec::new();
        while let Ok(message) = self.messages.try_recv() {
            let (method, _, params) = message.into_parts();
            received.push((method.into_owned(), params.unwrap_or(Value::Null)));
        }
        received
    }
}

/// Responds to each server request and forwards every server message to the test.
async fn answer_server_requests(
    socket: tower_lsp_server::ClientSocket,
    sender: mpsc::UnboundedSender<Request>,
    configuration: Arc<Mutex<Value>>,
) {
    let (mut requests, mut responses) = socket.split();
    while let Some(message) = requests.next().await {
        let id = message.id().cloned();
        let is_configuration = message.method() == "workspace/configuration";
        // Recorded before the response, so a handler that waits for the response returns only after the record exists.
        if sender.send(message).is_err() {
            return;
        }

        let Some(id) = id else {
            continue;
        };
        let result = if is_configuration {
            let section = configuration.lock().unwrap_or_else(PoisonError::into_inner).clone();
            json!([section])
        } else {
            Value::Null
        };
        if responses.send(Response::from_ok(id, result)).await.is_err() {
            return;
        }
    }
}

/// Copies every key of `overrides` into `base`.
fn merge(base: &mut Value, overrides: Value) {
    if let (Some(base), Value::Object(overrides)) = (base.as_object_mut(), overrides) {
        base.extend(overrides);
    }
}

/// Returns the `code` of each diagnostic in a report or `publishDiagnostics` params.
pub fn codes(diagnostics: &Value) -> Vec<String> {
    diagnostics
        .as_array()
        .expect("diagnostics are an array")
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap_or_default().to_string())
        .collect()
}
