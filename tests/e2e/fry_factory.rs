//! The Fry Factory example (a vulnerable Flask app with Kiro steering
//! documents) checked through the CLI and through the language server. Every
//! line listed in its `expected-findings.txt` must carry a finding of the
//! listed rule that cites the listed section, and the clean lines none.

use std::path::Path;

use serde_json::Value;

use crate::support::lsp_client::LspClient;
use crate::support::{self, Encoding, check_json, copy_to_temp, file_uri, findings, output_text, run_guardian};

/// One line of `expected-findings.txt`.
#[derive(Debug, Clone)]
struct Expectation {
    first_line: usize,
    last_line: usize,
    /// A rule name, or `clean`.
    category: String,
    /// The last heading of the cited section, e.g. `3.1 SQL`; empty for clean lines.
    section: String,
}

/// Sections the steering documents bind with a `guardian` block.
const BLOCK_SECTIONS: &[&str] = &["2. Secrets Management", "3.1 SQL", "3.2 Operating system commands", "3.3 Templates"];

fn parse_expectations(path: &Path) -> Vec<Expectation> {
    let text = std::fs::read_to_string(path).expect("read expected-findings.txt");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split_whitespace();
            let lines = fields.next().expect("line range");
            let category = fields.next().expect("category").to_owned();
            let section = fields.collect::<Vec<_>>().join(" ");
            let (first, last) = lines.split_once('-').unwrap_or((lines, lines));
            Expectation {
                first_line: first.parse().expect("first line number"),
                last_line: last.parse().expect("last line number"),
                category,
                section,
            }
        })
        .collect()
}

/// Copies the example into a temporary folder and reads its expectations; returns `None` when the data is absent.
fn example() -> Option<(tempfile::TempDir, Vec<Expectation>)> {
    let source = support::shared_path("examples/fry-factory")?;
    let expectations = parse_expectations(&source.join("expected-findings.txt"));
    Some((copy_to_temp(&source), expectations))
}

/// Collects the string literals on the lines that expect a hard-coded secret.
fn secret_values(workspace: &Path, expectations: &[Expectation]) -> Vec<String> {
    let text = std::fs::read_to_string(workspace.join("app.py")).expect("read app.py");
    let lines: Vec<&str> = text.lines().collect();

    let mut values = Vec::new();
    for expectation in expectations.iter().filter(|expectation| expectation.category == "hardcoded-secret") {
        for line in &lines[expectation.first_line - 1..expectation.last_line] {
            let quoted: Vec<&str> = line.split('"').collect();
            values.extend(quoted.iter().skip(1).step_by(2).map(|value| (*value).to_owned()));
        }
    }
    assert!(values.len() >= 5, "expected the secret values of five lines, found {values:?}");
    values
}

/// A finding reduced to what the expectations compare: 1-based line, rule, cited section texts.
#[derive(Debug, Clone)]
struct Reported {
    line: usize,
    rule: String,
    citations: Vec<String>,
}

fn cli_reported(report: &Value) -> Vec<Reported> {
    findings(report)
        .iter()
        .filter(|finding| finding["path"] == "app.py")
        .map(|finding| Reported {
            line: usize::try_from(finding["line"].as_u64().expect("line")).expect("line fits usize"),
            rule: finding["rule"].as_str().expect("rule").to_owned(),
            citations: finding["citations"]
                .as_array()
                .expect("citations")
                .iter()
                .map(|citation| citation["section"].as_str().unwrap_or_default().to_owned())
                .collect(),
        })
        .collect()
}

fn lsp_reported(diagnostics: &[Value]) -> Vec<Reported> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let mut citations = vec![diagnostic["message"].as_str().unwrap_or_default().to_owned()];
            if let Some(related) = diagnostic["relatedInformation"].as_array() {
                citations.extend(related.iter().map(|item| item["message"].as_str().unwrap_or_default().to_owned()));
            }
            Reported {
                line: usize::try_from(diagnostic["range"]["start"]["line"].as_u64().expect("line")).expect("fits") + 1,
                rule: diagnostic["code"].as_str().unwrap_or_default().to_owned(),
                citations,
            }
        })
        .collect()
}

/// Asserts that every expected finding is reported on its lines with its rule.
fn assert_rules_found(reported: &[Reported], expectations: &[Expectation], via: &str) {
    for expectation in expectations.iter().filter(|expectation| expectation.category != "clean") {
        let found = reported.iter().any(|finding| {
            (expectation.first_line..=expectation.last_line).contains(&finding.line) && finding.rule == expectation.category
        });
        assert!(found, "{via}: no {} finding on lines {}-{}; reported: {reported:#?}", expectation.category, expectation.first_line, expectation.last_line);
    }
}

fn assert_sections_cited(reported: &[Reported], expectations: &[Expectation], sections: &[&str], via: &str) {
    let wanted = expectations
        .iter()
        .filter(|expectation| sections.contains(&expectation.section.as_str()));

    for expectation in wanted {
        let cited = reported.iter().any(|finding| {
            let on_lines = (expectation.first_line..=expectation.last_line).contains(&finding.line);
            let cites = finding.citations.iter().any(|citation| citation.contains(&expectation.section));
            on_lines && finding.rule == expectation.category && cites
        });
        assert!(
            cited,
            "{via}: the {} finding on lines {}-{} does not cite `{}`; reported: {reported:#?}",
            expectation.category, expectation.first_line, expectation.last_line, expectation.section
        );
    }
}

fn assert_clean_lines(reported: &[Reported], expectations: &[Expectation], via: &str) {
    for expectation in expectations.iter().filter(|expectation| expectation.category == "clean") {
        let on_clean: Vec<&Reported> = reported
            .iter()
            .filter(|finding| (expectation.first_line..=expectation.last_line).contains(&finding.line))
            .collect();
        assert!(on_clean.is_empty(), "{via}: findings on clean lines {}-{}: {on_clean:#?}", expectation.first_line, expectation.last_line);
    }
}

fn topic_sections(expectations: &[Expectation]) -> Vec<&str> {
    expectations
        .iter()
        .filter(|expectation| expectation.category != "clean" && !BLOCK_SECTIONS.contains(&expectation.section.as_str()))
        .map(|expectation| expectation.section.as_str())
        .collect()
}

#[test]
fn cli_reports_expected_findings() {
    let Some((workspace, expectations)) = example() else { return };

    let (report, output) = check_json(workspace.path(), &["."]);
    let reported = cli_reported(&report);

    assert_eq!(output.status.code(), Some(1), "stderr: {}", output_text(&output).1);
    assert_rules_found(&reported, &expectations, "guardian check");
    assert_clean_lines(&reported, &expectations, "guardian check");
}

#[test]
fn cli_cites_block_sections() {
    let Some((workspace, expectations)) = example() else { return };

    let (report, _) = check_json(workspace.path(), &["."]);

    assert_sections_cited(&cli_reported(&report), &expectations, BLOCK_SECTIONS, "guardian check");
}

#[test]
fn cli_cites_topic_sections() {
    let Some((workspace, expectations)) = example() else { return };

    let (report, _) = check_json(workspace.path(), &["."]);

    assert_sections_cited(&cli_reported(&report), &expectations, &topic_sections(&expectations), "guardian check");
}

#[test]
fn cli_never_prints_secret_values() {
    let Some((workspace, expectations)) = example() else { return };
    let secrets = secret_values(workspace.path(), &expectations);

    for format in ["json", "text"] {
        let output = run_guardian(workspace.path(), &["check", "--format", format, "."]);
        let (stdout, stderr) = output_text(&output);
        let combined = format!("{stdout}{stderr}");

        assert!(!stdout.is_empty(), "--format {format} printed nothing");
        for secret in &secrets {
            assert!(!combined.contains(secret.as_str()), "--format {format} printed the secret `{secret}` in full:\n{combined}");
        }
    }
}

#[test]
fn lsp_reports_expected_findings() {
    let Some((workspace, expectations)) = example() else { return };
    let app = workspace.path().join("app.py");
    let text = std::fs::read_to_string(&app).expect("read app.py");
    let uri = file_uri(&app);

    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);
    client.did_open(&uri, 1, &text);
    let params = client.wait_for_version(&uri, 1);
    let diagnostics = params["diagnostics"].as_array().cloned().unwrap_or_default();
    let reported = lsp_reported(&diagnostics);

    assert_eq!(client.encoding, Encoding::Utf16);
    assert_rules_found(&reported, &expectations, "language server");
    assert_clean_lines(&reported, &expectations, "language server");
    assert_sections_cited(&reported, &expectations, BLOCK_SECTIONS, "language server");
    for diagnostic in &diagnostics {
        assert_eq!(diagnostic["source"], "guardian", "{diagnostic:#}");
        assert!(diagnostic["code"].is_string(), "diagnostic without a code: {diagnostic:#}");
        assert!(diagnostic["codeDescription"]["href"].is_string(), "diagnostic without codeDescription.href: {diagnostic:#}");
        let related = diagnostic["relatedInformation"].as_array().map_or(0, Vec::len);
        assert!(related > 0, "diagnostic without relatedInformation: {diagnostic:#}");
    }

    let secrets = secret_values(workspace.path(), &expectations);
    let published = params.to_string();
    for secret in &secrets {
        assert!(!published.contains(secret.as_str()), "the diagnostics contain the secret `{secret}` in full");
    }
    client.shutdown();
}

#[test]
fn lsp_cites_topic_sections() {
    let Some((workspace, expectations)) = example() else { return };
    let app = workspace.path().join("app.py");
    let text = std::fs::read_to_string(&app).expect("read app.py");
    let uri = file_uri(&app);

    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);
    client.did_open(&uri, 1, &text);
    let params = client.wait_for_version(&uri, 1);
    let diagnostics = params["diagnostics"].as_array().cloned().unwrap_or_default();

    assert_sections_cited(&lsp_reported(&diagnostics), &expectations, &topic_sections(&expectations), "language server");
    client.shutdown();
}
