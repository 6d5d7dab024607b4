//! Helpers shared by the end-to-end tests: running the `guardian` binary,
//! copying fixtures into temporary folders, finding the shared example data,
//! and converting LSP positions to byte offsets.

pub mod lsp_client;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the binary under test, built by Cargo for this test target.
pub const GUARDIAN: &str = env!("CARGO_BIN_EXE_guardian");


/// Returns a path inside the shared example data, or `None` when the test should skip.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    guardian_test_support::shared_path(relative)
}

/// The project's own fixture folder, `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

/// Copies a folder tree (files and folders only) into a new temporary folder.
pub fn copy_to_temp(source: &Path) -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("create a temporary folder");
    copy_tree(source, temp.path());
    temp
}

fn copy_tree(source: &Path, destination: &Path) {
    std::fs::create_dir_all(destination).expect("create folder");
    for entry in std::fs::read_dir(source).expect("read fixture folder") {
        let entry = entry.expect("read fixture entry");
        let target = destination.join(entry.file_name());
        let kind = entry.file_type().expect("read file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
            make_writable(&target);
        }
    }
}

/// Shared data may be read-only; copies must be editable by the tests.
fn make_writable(path: &Path) {
    let mut permissions = std::fs::metadata(path).expect("read permissions").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions).expect("set permissions");
}

/// Writes a file, creating its parent folders.
pub fn write_file(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent folder");
    }
    std::fs::write(path, text).expect("write file");
}

/// Runs `guardian` with `arguments` in `directory`, with logging and color off and the cache on.
pub fn run_guardian(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(GUARDIAN)
        .args(arguments)
        .current_dir(directory)
        .env_remove("GUARDIAN_LOG")
        .env_remove("RUST_LOG")
        .env_remove("GUARDIAN_NO_CACHE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the guardian binary")
}

/// The process's stdout and stderr as text.
pub fn output_text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Runs `guardian check --format json` and parses stdout.
pub fn check_json(directory: &Path, extra_arguments: &[&str]) -> (serde_json::Value, Output) {
    let mut arguments = vec!["check", "--format", "json"];
    arguments.extend_from_slice(extra_arguments);
    let output = run_guardian(directory, &arguments);
    let (stdout, stderr) = output_text(&output);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error})\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    (report, output)
}

/// The `findings` array of a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

/// One `# expect: CATEGORY` or `# expect: clean` marker in a Python file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// 1-based line number.
    pub line: usize,
    /// A rule name, or `clean`.
    pub category: String,
}

/// Reads the trailing `# expect:` markers of a file.
pub fn read_markers(path: &Path) -> Vec<Marker> {
    let text = std::fs::read_to_string(path).expect("read marked file");
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (code, comment) = line.split_once("# expect:")?;
            if code.trim().is_empty() {
                return None;
            }
            Some(Marker { line: index + 1, category: comment.trim().to_owned() })
        })
        .collect()
}

/// The position encodings an LSP client can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub fn lsp_name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }
}

/// Converts a byte offset into an LSP position (zero-based line and column in `encoding` units).
pub fn lsp_position(text: &str, offset: usize, encoding: Encoding) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let prefix = &text[line_start..offset];
    let column = match encoding {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.encode_utf16().count(),
    };
    (u32::try_from(line).expect("line fits u32"), u32::try_from(column).expect("column fits u32"))
}

/// Converts an LSP position into a byte offset. Lines end at `\n`; a `\r` before it belongs to the line.
pub fn byte_offset(text: &str, line: u32, column: u32, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..line {
        match text[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..].find('\n').map_or(text.len(), |newline| line_start + newline);

    let mut units = 0;
    for (index, character) in text[line_start..line_end].char_indices() {
        if units >= column as usize {
            return line_start + index;
        }
        units += match encoding {
            Encoding::Utf8 => character.len_utf8(),
            Encoding::Utf16 => character.len_utf16(),
        };
    }
    line_end
}

/// Applies one LSP text edit (`range` as JSON) to `text`.
pub fn apply_lsp_edit(text: &mut String, range: &serde_json::Value, new_text: &str, encoding: Encoding) {
    let start = position_offset(text, &range["start"], encoding);
    let end = position_offset(text, &range["end"], encoding);
    text.replace_range(start..end, new_text);
}

fn position_offset(text: &str, position: &serde_json::Value, encoding: Encoding) -> usize {
    let line = position["line"].as_u64().expect("position has a line");
    let column = position["character"].as_u64().expect("position has a character");
    byte_offset(
        text,
        u32::try_from(line).expect("line fits u32"),
        u32::try_from(column).expect("character fits u32"),
        encoding,
    )
}

/// An LSP range as JSON, from byte offsets.
pub fn lsp_range(text: &str, start: usize, end: usize, encoding: Encoding) -> serde_json::Value {
    let (start_line, start_column) = lsp_position(text, start, encoding);
    let (end_line, end_column) = lsp_position(text, end, encoding);
    serde_json::json!({
        "start": {"line": start_line, "character": start_column},
        "end": {"line": end_line, "character": end_column},
    })
}

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).expect("absolute path");
    let mut uri = String::from("file://");
    for character in absolute.to_string_lossy().chars() {
        match character {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => uri.push(character),
            other => {
                let mut buffer = [0; 4];
                for byte in other.encode_utf8(&mut buffer).bytes() {
                    uri.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    uri
}
