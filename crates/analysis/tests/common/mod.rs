//! Shared helpers for the analysis tests: a policy that binds every check,
//! analysis of inline sources, `# expect:` markers and fix rendering.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use guardian_analysis::{
    AnalyzeOptions, Date, Document, Finding, FixKind, Policy, analyze_with, apply_edits, catalog, known_checks,
};
use guardian_policy::{DocumentSource, Origin, load_sources};

/// Returns the date the tests analyze on, so `until=` results do not change over time.
pub fn today() -> Date {
    Date::constant(2026, 6, 1)
}

/// Loads one workspace steering document, plus the bundled default.
pub fn policy_from_markdown(markdown: &str) -> Policy {
    let source = DocumentSource {
        path: PathBuf::from(".guardian/steering/test-policy.md"),
        origin: Origin::Workspace,
        text: markdown.to_owned(),
    };
    load_sources(vec![source], &known_checks())
}

/// Returns a policy with one section per built-in check, each binding it with a rule block.
pub fn all_checks_policy() -> Policy {
    let mut markdown = String::from("# Test Policy\n\n");
    for check in catalog() {
        let _ = write!(
            markdown,
            "## Section for {}\n\n```guardian\ncheck: {}\n```\n\n",
            check.name, check.name
        );
    }
    policy_from_markdown(&markdown)
}

/// Analyzes `source` as `app.py` under a policy that binds every check.
pub fn analyze_source(source: &str) -> Vec<Finding> {
    analyze_with_policy(source, &all_checks_policy(), Path::new("app.py"))
}

/// Analyzes `source` as the file `path`, three ways that must agree: on a
/// parsed document with the keyword prefilter, on the same document without
/// it, and from the text alone (which parses only when the prefilter finds
/// a trigger word). Every test that analyzes code therefore also tests the prefilter.
pub fn analyze_with_policy(source: &str, policy: &Policy, path: &Path) -> Vec<Finding> {
    let options = AnalyzeOptions {
        today: Some(today()),
        ..AnalyzeOptions::default()
    };
    let document = Document::new(source.to_owned());
    let findings = analyze_with(&document, path, policy, &options);

    let exhaustive = analyze_with(
        &document,
        path,
        policy,
        &AnalyzeOptions {
            exhaustive: true,
            ..options.clone()
        },
    );
    assert_eq!(
        findings,
        exhaustive,
        "the keyword prefilter changed the findings of {}",
        path.display()
    );

    let from_text = guardian_analysis::analyze_source(source, path, policy, &options);
    assert_eq!(
        findings,
        from_text,
        "analyzing {} from its text changed the findings",
        path.display()
    );
    findings
}

/// Zero-based line of a byte offset.
pub fn line_of(source: &str, offset: usize) -> usize {
    source[..offset].matches('\n').count()
}

/// Checks the findings of `source` against its `# expect: RULE` and
/// `# expect: clean` markers. A marked line must carry a finding of that
/// rule; a clean line none; and no finding may appear on an unmarked line.
/// `only` limits the comparison to findings of these rules (empty: all).
pub fn check(source: &str, only: &[&str]) {
    let findings = analyze_source(source);
    let considered: Vec<&Finding> = findings
        .iter()
        .filter(|finding| only.is_empty() || only.contains(&finding.rule.as_str()))
        .collect();

    let mut failures = Vec::new();
    for (line_number, line) in source.lines().enumerate() {
        let on_line: Vec<&str> = considered
            .iter()
            .filter(|finding| line_of(source, finding.range.start) == line_number)
            .map(|finding| finding.rule.as_str())
            .collect();
        let expected = line.split("# expect:").nth(1).map(str::trim);
        match expected {
            Some("clean") if !on_line.is_empty() => failures.push(format!(
                "line {}: expected clean, found {on_line:?}\n    {line}",
                line_number + 1
            )),
            Some("clean") => {}
            Some(rule) if !on_line.contains(&rule) => failures.push(format!(
                "line {}: expected {rule}, found {on_line:?}\n    {line}",
                line_number + 1
            )),
            Some(_) => {}
            None if !on_line.is_empty() => {
                failures.push(format!("line {}: unexpected {on_line:?}\n    {line}", line_number + 1))
            }
            None => {}
        }
    }
    assert!(
        failures.is_empty(),
        "findings do not match the markers:\n{}",
        failures.join("\n")
    );
}

/// Renders findings of `rule` with their messages and every rewrite fix
/// applied to the source, for snapshots.
pub fn render_fixes(source: &str, rule: &str) -> String {
    let findings = analyze_source(source);
    let mut rendered = String::new();
    for finding in findings.iter().filter(|finding| finding.rule == rule) {
        let line = line_of(source, finding.range.start) + 1;
        let _ = writeln!(
            rendered,
            "{line}: {} [{:?}] {}",
            finding.rule, finding.severity, finding.message
        );
        for fix in finding.fixes.iter().filter(|fix| fix.kind == FixKind::Rewrite) {
            let _ = writeln!(rendered, "--- fix: {}\n{}", fix.title, apply_edits(source, &fix.edits));
        }
    }
    if rendered.is_empty() {
        rendered.push_str("(no findings)\n");
    }
    rendered
}

/// Applies every rewrite fix for `rule` one at a time and asserts that the
/// fixed source no longer has a finding of that rule at all.
pub fn assert_fixes_resolve(source: &str, rule: &str) {
    let findings = analyze_source(source);
    let rewrites: Vec<_> = findings
        .iter()
        .filter(|finding| finding.rule == rule)
        .flat_map(|finding| finding.fixes.iter().filter(|fix| fix.kind == FixKind::Rewrite))
        .collect();
    assert!(!rewrites.is_empty(), "expected at least one {rule} fix for:\n{source}");

    for fix in rewrites {
        let fixed = apply_edits(source, &fix.edits);
        let remaining: Vec<String> = analyze_source(&fixed)
            .into_iter()
            .filter(|finding| finding.rule == rule)
            .map(|finding| finding.message)
            .collect();
        assert!(
            remaining.is_empty(),
            "fix `{}` left {rule} findings {remaining:?} in:\n{fixed}",
            fix.title
        );
    }
}

/// Returns a path inside the shared example data, or `None` when the test should skip.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    guardian_test_support::shared_path(relative)
}
