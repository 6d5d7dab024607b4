//! Incremental analysis must equal a full analysis after every edit. The
//! tests replay edit sequences on real files (comment typing, new lines,
//! renames, deleted lines, new and changed helper functions) and compare
//! the findings of an `IncrementalAnalysis` kept across the edits with a
//! fresh analysis of the same text.

mod common;

use std::path::Path;

use guardian_analysis::{AnalyzeOptions, Document, IncrementalAnalysis, Policy, analyze_with};

/// Source with taint through a helper, a suppression, an import inside a
/// function and a module constant, so edits can change what other
/// definitions report.
const HELPERS: &str = r#"import os
import subprocess
from flask import request

LOG_DIR = "/tmp/app"


def user_path():
    return request.args["path"]


def read_user_file():
    with open(user_path()) as handle:
        return handle.read()


def run(command):
    subprocess.run(command, shell=True)


def backup():
    import shutil
    shutil.copy(user_path(), LOG_DIR)


def token():
    password = "s3cr3t-Passw0rd-42"  # guardian: ignore[hardcoded-secret] reason="test fixture"
    return password
"#;

fn options() -> AnalyzeOptions {
    AnalyzeOptions {
        today: Some(common::today()),
        ..AnalyzeOptions::default()
    }
}

/// Applies each edit to one document and compares incremental and full analysis after each.
fn replay(name: &str, source: &str, policy: &Policy, edits: &[(usize, usize, String)]) {
    let path = Path::new(name);
    let mut document = Document::new(source.to_owned());
    let mut incremental = IncrementalAnalysis::new();
    assert_eq!(
        incremental.analyze(&document, path, policy, &options()),
        analyze_with(&document, path, policy, &options())
    );

    for (step, (start, end, replacement)) in edits.iter().enumerate() {
        let (start, end) = (*start.min(&document.text().len()), *end.min(&document.text().len()));
        if !document.text().is_char_boundary(start) || !document.text().is_char_boundary(end) {
            continue;
        }
        document
            .edit(start..end, replacement)
            .expect("the edit is inside the text");

        let full = analyze_with(&document, path, policy, &options());
        let reused = incremental.analyze(&document, path, policy, &options());
        assert_eq!(
            reused, full,
            "{name}: incremental findings differ after edit {step} ({start}..{end} -> {replacement:?})"
        );
    }
}

/// Builds an edit script over `source`: at the end of every `stride`-th
/// line, type a comment and delete it, insert a blank line, add a character
/// to the line's first identifier, and delete the line.
fn edit_script(source: &str, stride: usize) -> Vec<(usize, usize, String)> {
    let mut edits = Vec::new();
    let mut offset = 0;
    let mut line_starts = Vec::new();
    for line in source.split_inclusive('\n') {
        line_starts.push((offset, line.trim_end_matches(['\n', '\r']).len()));
        offset += line.len();
    }

    // Later lines first, so the offsets of earlier lines stay valid.
    for (start, length) in line_starts.into_iter().step_by(stride).rev() {
        let end_of_line = start + length;
        edits.push((end_of_line, end_of_line, "  # x".to_owned()));
        edits.push((end_of_line, end_of_line + 5, String::new()));
        edits.push((start, start, "\n".to_owned()));
        edits.push((start, start + 1, String::new()));
        edits.push((start + 1, start + 1, "z".to_owned()));
        edits.push((start + 1, start + 2, String::new()));
        edits.push((start, end_of_line, String::new()));
    }
    edits
}

#[test]
fn helper_edits_match_a_full_analysis() {
    let policy = common::all_checks_policy();
    replay("app.py", HELPERS, &policy, &edit_script(HELPERS, 1));
}

#[test]
fn changing_a_helper_rechecks_its_callers() {
    let policy = common::all_checks_policy();
    let start = HELPERS
        .find("return request.args")
        .expect("the helper returns request data");
    let edits = vec![
        (
            start,
            start + "return request.args[\"path\"]".len(),
            "return \"fixed.txt\"".to_owned(),
        ),
        (
            start,
            start + "return \"fixed.txt\"".len(),
            "return request.args[\"path\"]".to_owned(),
        ),
    ];
    replay("app.py", HELPERS, &policy, &edits);
}

#[test]
fn appending_definitions_matches_a_full_analysis() {
    let policy = common::all_checks_policy();
    let end = HELPERS.len();
    let edits = vec![
        (
            end,
            end,
            "\n\ndef more():\n    os.system(request.args['cmd'])\n".to_owned(),
        ),
        (end, end, "\nimport pickle\n".to_owned()),
        (0, 0, "\"\"\"Docstring.\"\"\"\n".to_owned()),
    ];
    replay("app.py", HELPERS, &policy, &edits);
}

#[test]
fn typing_in_one_function_reuses_the_others() {
    let policy = common::all_checks_policy();
    let path = Path::new("app.py");
    let mut document = Document::new(HELPERS.to_owned());
    let mut incremental = IncrementalAnalysis::new();
    incremental.analyze(&document, path, &policy, &options());
    assert_eq!(incremental.reused_definitions(), 0);

    let inside_run = HELPERS.find("subprocess.run(command").expect("run calls subprocess");
    document
        .edit(inside_run..inside_run, "# typing\n    ")
        .expect("the edit is inside the text");
    incremental.analyze(&document, path, &policy, &options());

    // `read_user_file` and `backup` point into `user_path` for the source of
    // their taint, a location outside themselves, so they are always checked.
    assert_eq!(
        incremental.reused_definitions(),
        2,
        "`user_path` and `token` keep their findings"
    );
}

#[test]
fn helpers_of_walked_helpers_get_their_facts() {
    let source = r#"import requests
from flask import request


def source():
    value = request.args["url"]
    return value


def middle():
    import json
    return source()


def view():
    return requests.get(middle(), timeout=5)
"#;
    let at = source.find("timeout=5").expect("the call has a timeout") + "timeout=".len();
    replay(
        "app.py",
        source,
        &common::all_checks_policy(),
        &[(at, at + 1, "6".to_owned())],
    );
}

#[test]
fn duplicate_definitions_are_rechecked() {
    let constant = "def source():\n    return \"1 + 1\"\n\n\n";
    let source = format!(
        "from flask import request\n\n\n{constant}def source():\n    value = request.args[\"expr\"]\n    return value\n\n\n{constant}def view():\n    return eval(source())\n"
    );
    let first = source.find(constant).expect("the constant helper comes first");
    replay(
        "app.py",
        &source,
        &common::all_checks_policy(),
        &[(first, first + constant.len(), String::new())],
    );
}

#[test]
fn project_fixtures_match_a_full_analysis() {
    let policy = common::all_checks_policy();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/vulnerable-project/shop");
    for entry in std::fs::read_dir(&folder).expect("the fixture project exists") {
        let path = entry.expect("the folder is readable").path();
        let source = std::fs::read_to_string(&path).expect("the fixture is readable");
        let name = format!(
            "shop/{}",
            path.file_name().and_then(|name| name.to_str()).unwrap_or_default()
        );
        replay(&name, &source, &policy, &edit_script(&source, 3));
    }
}

#[test]
fn fry_factory_matches_a_full_analysis() {
    let Some(app) = guardian_test_support::shared_path("examples/fry-factory/app.py") else {
        return;
    };
    let source = std::fs::read_to_string(app).expect("app.py is readable");
    let policy = common::all_checks_policy();
    replay("app.py", &source, &policy, &edit_script(&source, 2));
}
