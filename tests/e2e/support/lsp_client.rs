//! A small synchronous LSP client for tests: it spawns `guardian lsp`, writes
//! Content-Length framed JSON-RPC to its stdin, and reads its stdout on a
//! thread. The thread replies to server-to-client requests
//! (`workspace/configuration`, `client/registerCapability`,
//! `window/workDoneProgress/create`, ...) with defaults, and queues every
//! other message for the test to wait on.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Encoding, GUARDIAN, file_uri};

/// How long a test waits for one expected message before it fails.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `guardian lsp` process and the messages it sent.
pub struct LspClient {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    incoming: Receiver<Value>,
    /// Received messages that no wait has consumed yet, oldest first.
    backlog: VecDeque<Value>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
    /// The encoding the server chose in its `initialize` result.
    pub encoding: Encoding,
}

impl LspClient {
    /// Starts `guardian lsp` and completes `initialize` / `initialized`.
    ///
    /// `offered` lists the position encodings the client supports, most preferred first.
    pub fn start(root: &Path, offered: &[Encoding]) -> Self {
        let mut child = Command::new(GUARDIAN)
            .arg("lsp")
            .env("GUARDIAN_LOG", "info")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn guardian lsp");

        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("child stdin")));
        let stdout = child.stdout.take().expect("child stdout");
        let stderr_pipe = child.stderr.take().expect("child stderr");

        let (sender, incoming) = std::sync::mpsc::channel();
        let reader_stdin = Arc::clone(&stdin);
        std::thread::spawn(move || read_messages(stdout, &reader_stdin, &sender));

        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_sink = Arc::clone(&stderr);
        std::thread::spawn(move || drain_stderr(stderr_pipe, &stderr_sink));

        let mut client = LspClient {
            child,
            stdin,
            incoming,
            backlog: VecDeque::new(),
            stderr,
            next_id: 1,
            encoding: Encoding::Utf16,
        };
        client.initialize(root, offered);
        client
    }

    fn initialize(&mut self, root: &Path, offered: &[Encoding]) {
        let encodings: Vec<&str> = offered.iter().map(|encoding| encoding.lsp_name()).collect();
        let root_uri = file_uri(root);
        let result = self.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "workspace"}],
                "capabilities": {
                    "general": {"positionEncodings": encodings},
                    "workspace": {
                        "configuration": true,
                        "didChangeWatchedFiles": {"dynamicRegistration": true},
                        "workspaceFolders": true,
                    },
                    "textDocument": {
                        "synchronization": {"dynamicRegistration": false},
                        "publishDiagnostics": {"relatedInformation": true, "versionSupport": true, "codeDescriptionSupport": true},
                        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}}, "isPreferredSupport": true},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                    },
                    "window": {"workDoneProgress": true},
                },
            }),
        );

        let chosen = result["capabilities"]["positionEncoding"].as_str().unwrap_or("utf-16");
        self.encoding = if chosen == "utf-8" { Encoding::Utf8 } else { Encoding::Utf16 };
        self.notify("initialized", json!({}));
    }

    /// Sends a request and waits for its response; returns `result`, failing the test on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));

        let response = self.wait_for(&format!("the response to {method}"), |message| {
            message.get("id") == Some(&json!(id)) && message.get("method").is_none()
        });
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}");
        }
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn did_open(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}}),
        );
    }

    /// Sends one `didChange` with the given content changes.
    pub fn did_change(&mut self, uri: &str, version: i64, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn did_close(&mut self, uri: &str) {
        self.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    }

    /// Waits for the next `publishDiagnostics` of `uri`; returns its params.
    pub fn wait_for_diagnostics(&mut self, uri: &str) -> Value {
        self.wait_for_diagnostics_where(uri, "any diagnostics", |_| true)
    }

    /// Waits for a `publishDiagnostics` of `uri` whose params satisfy `accept`; returns its params.
    ///
    /// Earlier diagnostics of that URI that do not satisfy `accept` are consumed.
    pub fn wait_for_diagnostics_where(&mut self, uri: &str, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let description = format!("publishDiagnostics for {uri} with {what}");
        let message = self.wait_for(&description, |message| {
            let is_for_uri = message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri;
            is_for_uri && accept(&message["params"])
        });
        self.backlog.retain(|queued| {
            !(queued["method"] == "textDocument/publishDiagnostics" && queued["params"]["uri"] == uri)
        });
        message["params"].clone()
    }

    /// Waits for diagnostics of `uri` tagged with `version`.
    pub fn wait_for_version(&mut self, uri: &str, version: i64) -> Value {
        self.wait_for_diagnostics_where(uri, &format!("version {version}"), |params| params["version"] == json!(version))
    }

    /// Takes the first queued or incoming message that matches, failing after [`WAIT_TIMEOUT`].
    fn wait_for(&mut self, description: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.backlog.iter().position(&matches) {
            return self.backlog.remove(index).expect("index from position");
        }

        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(remaining) {
                Ok(message) if matches(&message) => return message,
                Ok(message) => self.backlog.push_back(message),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "timed out after {WAIT_TIMEOUT:?} waiting for {description}\nunconsumed messages: {:#?}\nserver stderr (tail):\n{}",
                    self.backlog,
                    self.stderr_tail()
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the server closed its stdout while the test waited for {description}\nserver stderr (tail):\n{}",
                    self.stderr_tail()
                ),
            }
        }
    }

    /// Returns the last lines the server wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let stderr = self.stderr.lock().map(|text| text.clone()).unwrap_or_default();
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Writes `bytes` to the server's stdin as they are, e.g. a malformed frame.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let mut stdin = self.stdin.lock().expect("stdin lock");
        let _ = stdin.write_all(bytes);
        let _ = stdin.flush();
    }

    fn send(&mut self, message: &Value) {
        write_message(&self.stdin, message);
    }

    /// Sends `shutdown` and `exit`, then waits for the process to end.
    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);

        let deadline = Instant::now() + WAIT_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "the server exited with {status}\nstderr:\n{}", self.stderr_tail());
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not exit within {WAIT_TIMEOUT:?} after `exit`");
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        // A test that failed midway leaves the server running; stop it so it does not outlive the test.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut stdin = stdin.lock().expect("stdin lock");
    // The server may already be gone; the waiting side reports that with its stderr.
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = stdin.flush();
}

/// Reads framed messages until stdout closes, replies to server requests and forwards every message.
fn read_messages(stdout: impl Read, stdin: &Mutex<ChildStdin>, sender: &Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    while let Some(message) = read_message(&mut reader) {
        let is_server_request = message.get("id").is_some() && message.get("method").is_some();
        if is_server_request {
            let result = default_response(&message);
            write_message(stdin, &json!({"jsonrpc": "2.0", "id": message["id"], "result": result}));
        }
        if sender.send(message).is_err() {
            return;
        }
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut content_length = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse::<usize>().ok();
            }
        }
    }

    let mut body = vec![0; content_length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Builds the result a plain editor would send for a server-to-client request.
fn default_response(request: &Value) -> Value {
    match request["method"].as_str() {
        Some("workspace/configuration") => {
            let items = request["params"]["items"].as_array().map_or(0, Vec::len);
            Value::Array(vec![Value::Null; items])
        }
        Some("workspace/applyEdit") => json!({"applied": false}),
        _ => Value::Null,
    }
}

fn drain_stderr(stderr: impl Read, sink: &Mutex<String>) {
    let reader = BufReader::new(stderr);
    for line in reader.lines() {
        let Ok(line) = line else { return };
        if let Ok(mut text) = sink.lock() {
            text.push_str(&line);
            text.push('\n');
        }
    }
}
