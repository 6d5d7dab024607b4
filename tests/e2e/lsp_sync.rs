//! Text synchronization through the language server: negotiated position
//! encodings on non-ASCII text, bursts of incremental edits, and closing.

use serde_json::{Value, json};

use crate::support::lsp_client::LspClient;
use crate::support::{Encoding, check_json, file_uri, findings, lsp_position, lsp_range, write_file};

const NON_ASCII_SOURCE: &str = "import sqlite3\n\n\ndef lookup(x):\n    cursor = sqlite3.connect(\"db\").cursor()\n    café = \"é🍟\"; cursor.execute(f\"SELECT * FROM t WHERE x = {x}\")\n";

const BURST_START: &str = "import sqlite3\n\n\ndef find(customer):\n    conn = sqlite3.connect(\"shop.db\")\n    return conn.execute(f\"SELECT id FROM orders WHERE customer = '{customer}'\").fetchall()\n";

fn diagnostics(params: &Value) -> Vec<Value> {
    params["diagnostics"].as_array().cloned().unwrap_or_default()
}

/// Returns the byte range `guardian check` reports for the only sql-injection finding of a file.
fn cli_sql_range(workspace: &std::path::Path) -> (usize, usize) {
    let (report, _) = check_json(workspace, &["."]);
    let sql: Vec<Value> = findings(&report)
        .into_iter()
        .filter(|finding| finding["rule"] == "sql-injection")
        .collect();
    assert_eq!(sql.len(), 1, "expected one sql-injection finding: {sql:#?}");

    let start = sql[0]["start_offset"].as_u64().expect("start_offset");
    let end = sql[0]["end_offset"].as_u64().expect("end_offset");
    (usize::try_from(start).expect("fits"), usize::try_from(end).expect("fits"))
}

/// Opens `text` in a new server offering `offered` and returns the sql-injection diagnostic range.
fn lsp_sql_range(workspace: &std::path::Path, text: &str, offered: &[Encoding]) -> (Encoding, Value) {
    let path = workspace.join("app.py");
    let uri = file_uri(&path);
    let mut client = LspClient::start(workspace, offered);
    client.did_open(&uri, 1, text);

    let params = client.wait_for_version(&uri, 1);
    let sql: Vec<Value> = diagnostics(&params)
        .into_iter()
        .filter(|diagnostic| diagnostic["code"] == "sql-injection")
        .collect();
    assert_eq!(sql.len(), 1, "expected one sql-injection diagnostic: {sql:#?}");

    let encoding = client.encoding;
    client.shutdown();
    (encoding, sql[0]["range"].clone())
}

fn check_positions(text: &str) {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join("app.py"), text);
    let (start, end) = cli_sql_range(workspace.path());

    let (utf8, utf8_range) = lsp_sql_range(workspace.path(), text, &[Encoding::Utf8, Encoding::Utf16]);
    let (utf16, utf16_range) = lsp_sql_range(workspace.path(), text, &[Encoding::Utf16]);

    assert_eq!(utf8, Encoding::Utf8, "the server chooses UTF-8 when the client offers it");
    assert_eq!(utf16, Encoding::Utf16);
    assert_eq!(utf8_range, lsp_range(text, start, end, Encoding::Utf8), "UTF-8 range");
    assert_eq!(utf16_range, lsp_range(text, start, end, Encoding::Utf16), "UTF-16 range");
}

#[test]
fn positions_differ_by_encoding() {
    check_positions(NON_ASCII_SOURCE);

    let start = NON_ASCII_SOURCE.find("f\"SELECT").expect("f-string");
    let (_, utf8_column) = lsp_position(NON_ASCII_SOURCE, start, Encoding::Utf8);
    let (_, utf16_column) = lsp_position(NON_ASCII_SOURCE, start, Encoding::Utf16);
    assert_eq!(utf8_column - utf16_column, 4, "é is 2 bytes and 1 unit, twice; 🍟 is 4 bytes and 2 units");
}

#[test]
fn positions_exact_with_crlf_and_tabs() {
    let text = NON_ASCII_SOURCE.replace('\n', "\r\n").replace("    café", "\tcafé");
    check_positions(&text);
}

/// One scripted edit: a byte range of the current text and its replacement.
struct ScriptedEdit {
    start: usize,
    end: usize,
    new_text: String,
}

/// Returns the next edit of the burst; `step` picks the kind of edit.
fn scripted_edit(text: &str, step: usize) -> ScriptedEdit {
    let insert_at = |offset: usize, new_text: String| ScriptedEdit { start: offset, end: offset, new_text };
    let after_first_line = text.find('\n').map_or(text.len(), |newline| newline + 1);

    match step % 6 {
        0 => insert_at(text.len(), format!("\n# step {step} 🍟 frites\n")),
        1 => insert_at(after_first_line, format!("note_{step} = \"é🍟ü\"\r\n")),
        2 => {
            let start = text.find("note_").unwrap_or(after_first_line);
            let end = text[start..].find('\n').map_or(text.len(), |newline| start + newline + 1);
            ScriptedEdit { start, end, new_text: String::new() }
        }
        3 => insert_at(
            text.len(),
            format!("\ndef query_{step}(value):\n    sqlite3.connect(\"db\").execute(\"SELECT \" + value)\n"),
        ),
        4 => {
            let start = text.find("FROM orders").map_or(text.len(), |offset| offset + "FROM ".len());
            ScriptedEdit { start, end: start + "orders".len().min(text.len() - start), new_text: "orders".to_owned() }
        }
        _ => {
            let start = text.rfind("frites").unwrap_or(text.len());
            let end = (start + "frites".len()).min(text.len());
            ScriptedEdit { start, end, new_text: "🥔".to_owned() }
        }
    }
}

#[test]
fn edit_burst_matches_fresh_open() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let uri = file_uri(&workspace.path().join("app.py"));
    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);
    let encoding = client.encoding;

    let mut text = BURST_START.to_owned();
    client.did_open(&uri, 1, &text);
    let mut version = 1;
    for step in 0..36 {
        let edits_in_notification = if step % 5 == 4 { 2 } else { 1 };
        let mut changes = Vec::new();
        for part in 0..edits_in_notification {
            let edit = scripted_edit(&text, step * 2 + part);
            changes.push(json!({"range": lsp_range(&text, edit.start, edit.end, encoding), "text": edit.new_text}));
            text.replace_range(edit.start..edit.end, &edit.new_text);
        }
        version += 1;
        client.did_change(&uri, version, changes);
    }
    let edited = diagnostics(&client.wait_for_version(&uri, version));

    client.did_close(&uri);
    client.wait_for_diagnostics_where(&uri, "an empty list", |params| diagnostics(params).is_empty());
    client.did_open(&uri, version + 1, &text);
    let reopened = diagnostics(&client.wait_for_version(&uri, version + 1));

    let sql_count = edited.iter().filter(|diagnostic| diagnostic["code"] == "sql-injection").count();
    assert!(sql_count >= 2, "the final text has several SQL injections, diagnostics: {edited:#?}\ntext:\n{text}");
    assert_eq!(edited, reopened, "diagnostics after the edits differ from a fresh open of the same text:\n{text}");
    client.shutdown();
}

#[test]
fn did_close_publishes_empty_list() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let uri = file_uri(&workspace.path().join("app.py"));
    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);

    client.did_open(&uri, 1, BURST_START);
    let opened = diagnostics(&client.wait_for_version(&uri, 1));
    client.did_close(&uri);
    let closed = client.wait_for_diagnostics(&uri);

    assert!(!opened.is_empty(), "the opened text has a finding");
    assert_eq!(closed["diagnostics"], json!([]));
    client.shutdown();
}

#[test]
fn malformed_message_dropped_server_continues() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let uri = file_uri(&workspace.path().join("app.py"));
    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);

    client.send_raw(b"Content-Length: 10\r\n\r\n{garbage!}");
    client.send_raw(b"no header at all\r\n\r\n");
    client.did_open(&uri, 1, BURST_START);

    let opened = diagnostics(&client.wait_for_version(&uri, 1));
    assert!(
        opened.iter().any(|diagnostic| diagnostic["code"] == "sql-injection"),
        "diagnostics after the garbage: {opened:#?}\nserver stderr (tail):\n{}",
        client.stderr_tail()
    );
    let stderr = client.stderr_tail();
    assert!(stderr.contains("dropped a message whose body is not JSON"), "stderr:\n{stderr}");
    assert!(!stderr.contains("garbage!"), "the log quotes the malformed body:\n{stderr}");
    client.shutdown();
}

#[test]
fn server_exits_when_stdin_closes() {
    let mut child = std::process::Command::new(crate::support::GUARDIAN)
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn guardian lsp");
    drop(child.stdin.take());

    let deadline = std::time::Instant::now() + crate::support::lsp_client::WAIT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the server") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };

    let status = status.expect("the server did not exit after its stdin closed");
    assert!(status.success(), "the server exited with {status}");
}
