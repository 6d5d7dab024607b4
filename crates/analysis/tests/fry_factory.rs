//! The Fry Factory example app, analyzed under its own Kiro steering
//! documents: every expected finding appears with the expected citation, and
//! the lines listed as clean carry no finding.

mod common;

use std::path::Path;

use guardian_analysis::{Finding, known_checks};
use guardian_policy::{LoadOptions, Policy};

/// One line of `expected-findings.txt`.
struct Expectation {
    lines: std::ops::RangeInclusive<usize>,
    category: String,
    section: Option<String>,
}

fn parse_expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let category = fields.next()?.to_owned();
            let section = fields.collect::<Vec<_>>().join(" ");
            let (start, end) = range.split_once('-').unwrap_or((range, range));
            Some(Expectation {
                lines: start.parse().ok()?..=end.parse().ok()?,
                category,
                section: (!section.is_empty()).then_some(section),
            })
        })
        .collect()
}

fn load_fry_factory(root: &Path) -> (String, Policy, Vec<Finding>) {
    let source = std::fs::read_to_string(root.join("app.py")).unwrap_or_default();
    let options = LoadOptions { workspace_root: Some(root.to_path_buf()), known_checks: known_checks(), ..LoadOptions::default() };
    let policy = guardian_policy::load(&options);
    let findings = common::analyze_with_policy(&source, &policy, Path::new("app.py"));
    (source, policy, findings)
}

#[test]
fn fry_factory_expected_findings() {
    let Some(root) = common::shared_data("examples/fry-factory") else {
        return;
    };
    let expected_text = std::fs::read_to_string(root.join("expected-findings.txt")).unwrap_or_default();
    let expectations = parse_expectations(&expected_text);
    assert!(expectations.len() > 10, "expected-findings.txt has too few entries");
    let (source, policy, findings) = load_fry_factory(&root);

    let one_based_line = |finding: &Finding| common::line_of(&source, finding.range.start) + 1;
    for expectation in &expectations {
        let in_range: Vec<&Finding> = findings.iter().filter(|finding| expectation.lines.contains(&one_based_line(finding))).collect();

        if expectation.category == "clean" {
            let rules: Vec<&str> = in_range.iter().map(|finding| finding.rule.as_str()).collect();
            assert!(rules.is_empty(), "lines {:?} should be clean, found {rules:?}", expectation.lines);
            continue;
        }

        let matching: Vec<&&Finding> = in_range.iter().filter(|finding| finding.rule == expectation.category).collect();
        assert!(!matching.is_empty(), "lines {:?}: no {} finding", expectation.lines, expectation.category);

        let Some(section) = &expectation.section else {
            continue;
        };
        let cites_section = matching.iter().any(|finding| {
            finding.citations.iter().any(|citation| policy.citation(*citation).ends_with(section.as_str()))
        });
        let citations: Vec<String> = matching.iter().flat_map(|finding| finding.citations.iter().map(|citation| policy.citation(*citation))).collect();
        assert!(cites_section, "lines {:?}: {} should cite `{section}`, cites {citations:?}", expectation.lines, expectation.category);
    }
}

#[test]
fn fry_factory_findings_snapshot() {
    let Some(root) = common::shared_data("examples/fry-factory") else {
        return;
    };
    let (source, policy, findings) = load_fry_factory(&root);
    let rendered: Vec<String> = findings
        .iter()
        .map(|finding| {
            let citations: Vec<String> = finding.citations.iter().map(|citation| policy.citation(*citation)).collect();
            format!(
                "{}: {} [{:?}] {}\n    cites: {}",
                common::line_of(&source, finding.range.start) + 1,
                finding.rule,
                finding.severity,
                finding.message,
                citations.join("; ")
            )
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn fry_factory_fixes_apply_cleanly() {
    let Some(root) = common::shared_data("examples/fry-factory") else {
        return;
    };
    let (source, _policy, findings) = load_fry_factory(&root);
    let rewrites: Vec<_> = findings
        .iter()
        .flat_map(|finding| finding.fixes.iter().filter(|fix| fix.kind == guardian_analysis::FixKind::Rewrite).map(move |fix| (finding, fix)))
        .collect();
    assert!(rewrites.len() >= 8, "expected fixes for most Fry Factory findings, got {}", rewrites.len());

    for (finding, fix) in rewrites {
        let fixed = guardian_analysis::apply_edits(&source, &fix.edits);
        let document = guardian_analysis::Document::new(fixed.clone());
        assert!(!document.tree().root_node().has_error(), "fix `{}` for {} produced invalid Python", fix.title, finding.rule);
    }
}
