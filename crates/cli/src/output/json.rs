//! The JSON format of `guardian check`, for tools. Version 1 of the schema:
//!
//! ```text
//! {"version": 1,
//!  "findings": [{"path", "line", "column", "end_line", "end_column",
//!                "start_offset", "end_offset", "rule", "category",
//!                "severity", "message",
//!                "citations": [{"document", "section", "path", "line"}],
//!                "fixes": [{"title", "kind", "edits": [{"line", "column",
//!                           "end_line", "end_column", "start_offset",
//!                           "end_offset", "replacement"}]}],
//!                "related": [{"line", "column", "end_line", "end_column", "message"}]}],
//!  "summary": {"findings", "errors", "warnings", "infos", "hints",
//!              "files_checked", "files_with_findings", "files_skipped", "by_rule"},
//!  "skipped": [{"path", "reason"}],
//!  "policy_problems": [{"path", "line", "code", "severity", "message"}]}
//! ```
//!
//! Lines and columns are 1-based and columns count Unicode characters, as in
//! the text format. Offsets are 0-based UTF-8 byte offsets into the file, so a
//! tool can apply fix edits exactly. `category` repeats `rule` for scorers
//! that read that key.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use guardian_analysis::Finding;
use serde::Serialize;

use super::{Citation, Counts, citations, display_path, position, severity_label};
use crate::check::{FileReport, Report, SourceText};

const SCHEMA_VERSION: u32 = 1;

/// Writes the whole report as one pretty-printed JSON object and a newline.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let output = JsonReport::from_report(report);
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

#[derive(Serialize)]
struct JsonReport {
    version: u32,
    findings: Vec<JsonFinding>,
    summary: JsonSummary,
    skipped: Vec<JsonSkipped>,
    policy_problems: Vec<JsonProblem>,
}

#[derive(Serialize)]
struct JsonFinding {
    path: String,
    #[serde(flatten)]
    span: JsonSpan,
    rule: String,
    category: String,
    severity: &'static str,
    message: String,
    citations: Vec<JsonCitation>,
    fixes: Vec<JsonFix>,
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonSpan {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start_offset: usize,
    end_offset: usize,
}

#[derive(Serialize)]
struct JsonCitation {
    document: String,
    section: String,
    path: String,
    line: usize,
}

#[derive(Serialize)]
struct JsonFix {
    title: String,
    kind: guardian_analysis::FixKind,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    #[serde(flatten)]
    span: JsonSpan,
    replacement: String,
}

#[derive(Serialize)]
struct JsonRelated {
    #[serde(flatten)]
    span: JsonSpan,
    message: String,
}

#[derive(Serialize)]
struct JsonSummary {
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    hints: usize,
    files_checked: usize,
    files_with_findings: usize,
    files_skipped: usize,
    by_rule: BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct JsonSkipped {
    path: String,
    reason: String,
}

#[derive(Serialize)]
struct JsonProblem {
    path: String,
    line: u64,
    /// The problem's stable id, such as `unknown-check`.
    code: &'static str,
    severity: &'static str,
    message: String,
}

impl JsonReport {
    fn from_report(report: &Report) -> Self {
        let findings = report
            .files
            .iter()
            .flat_map(|file| file.findings.iter().map(move |finding| json_finding(file, finding, report)))
            .collect();

        let skipped = report
            .skipped
            .iter()
            .map(|file| JsonSkipped {
                path: display_path(&file.path, &report.current_directory),
                reason: file.reason.clone(),
            })
            .collect();

        let policy_problems = report
            .policy_problems
            .iter()
            .map(|problem| JsonProblem {
                path: display_path(&problem.path, &report.current_directory),
                line: u64::from(problem.line) + 1,
                code: problem.code,
                severity: severity_label(problem.severity),
                message: problem.message.clone(),
            })
            .collect();

        JsonReport {
            version: SCHEMA_VERSION,
            findings,
            summary: json_summary(report),
            skipped,
            policy_problems,
        }
    }
}

fn json_finding(file: &FileReport, finding: &Finding, report: &Report) -> JsonFinding {
    let source = &file.source;

    JsonFinding {
        path: display_path(&file.path, &report.current_directory),
        span: json_span(source, &finding.range),
        rule: finding.rule.clone(),
        category: finding.rule.clone(),
        severity: severity_label(finding.severity),
        message: finding.message.clone(),
        citations: citations(finding, &file.policy, &report.current_directory)
            .into_iter()
            .map(json_citation)
            .collect(),
        fixes: finding
            .fixes
            .iter()
            .map(|fix| JsonFix {
                title: fix.title.clone(),
                kind: fix.kind,
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| JsonEdit { span: json_span(source, &edit.range), replacement: edit.replacement.clone() })
                    .collect(),
            })
            .collect(),
        related: finding
            .related
            .iter()
            .map(|related| JsonRelated { span: json_span(source, &related.range), message: related.message.clone() })
            .collect(),
    }
}

fn json_span(source: &SourceText, range: &Range<usize>) -> JsonSpan {
    let start = position(source, range.start);
    let end = position(source, range.end);
    JsonSpan {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        start_offset: range.start,
        end_offset: range.end,
    }
}

fn json_citation(citation: Citation) -> JsonCitation {
    JsonCitation { document: citation.document, section: citation.section, path: citation.path, line: citation.line }
}

fn json_summary(report: &Report) -> JsonSummary {
    let counts = Counts::of(report);
    let mut by_rule = BTreeMap::new();
    for finding in report.files.iter().flat_map(|file| &file.findings) {
        *by_rule.entry(finding.rule.clone()).or_insert(0) += 1;
    }

    JsonSummary {
        findings: counts.findings(),
        errors: counts.errors,
        warnings: counts.warnings,
        infos: counts.infos,
        hints: counts.hints,
        files_checked: counts.files_checked,
        files_with_findings: counts.files_with_findings,
        files_skipped: counts.files_skipped,
        by_rule,
    }
}
