//! New rule kinds and keys (`query:`, `regex:`, `arguments:`, `options:`,
//! `exceptions:`), problem codes and quick fixes, `check_document` and `explain`.

mod common;

use common::{KNOWN_CHECKS, parse};
use guardian_policy::{
    BindingKind, DocumentSource, ExceptionPolicy, Origin, PolicyProblem, RuleKind, RuleValue,
    Severity, check_document, explain, load_sources,
};
use std::path::Path;

/// Wraps a rule block in a document, so the block's first YAML line is document line 5.
fn document_with_block(block: &str) -> String {
    format!("# Policy\n\n## Rules\n\n```guardian\n{block}```\n")
}

/// Returns `(code, zero-based line, severity)` of each problem.
fn problem_summary(problems: &[PolicyProblem]) -> Vec<(&'static str, u32, Severity)> {
    problems
        .iter()
        .map(|problem| (problem.code, problem.line, problem.severity))
        .collect()
}

#[test]
fn query_rule_compiles() {
    let parsed = parse(&document_with_block(
        "id: eval-call\nquery: '(call function: (identifier) @name) @finding'\n",
    ));
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert!(matches!(parsed.rules[0].kind, RuleKind::Query { .. }));
}

#[test]
fn query_error_line_inside_block_scalar() {
    let block = "id: broken\nquery: |\n  (call\n    function: (identifer) @name) @finding\n";
    let parsed = parse(&document_with_block(block));
    assert_eq!(
        problem_summary(&parsed.problems),
        vec![("invalid-query", 8, Severity::Error)]
    );
    assert!(parsed.problems[0].message.contains("identifer"), "{}", parsed.problems[0].message);
    assert!(parsed.rules.is_empty());
}

#[test]
fn query_without_finding_capture() {
    let parsed = parse(&document_with_block("id: no-capture\nquery: '(call) @call'\n"));
    assert_eq!(problem_summary(&parsed.problems), vec![("invalid-query", 6, Severity::Error)]);
}

#[test]
fn query_unknown_placeholder_warned() {
    let block = "id: eval-call\nquery: '(call function: (identifier) @name) @finding'\nmessage: 'call to {name} with {missing}'\n";
    let parsed = parse(&document_with_block(block));
    assert_eq!(problem_summary(&parsed.problems), vec![("invalid-rule", 7, Severity::Warning)]);
    assert!(parsed.problems[0].message.contains("{missing}"));
    assert_eq!(parsed.rules.len(), 1, "the rule still loads");
}

#[test]
fn regex_rule_compiles_and_invalid_reported() {
    let valid = parse(&document_with_block("id: latest\nregex: ':latest\\b'\nfiles: '**/*.yaml'\n"));
    assert!(valid.problems.is_empty(), "{:?}", valid.problems);
    assert_eq!(valid.rules[0].file_patterns, vec!["**/*.yaml".to_owned()]);

    let invalid = parse(&document_with_block("id: broken\nregex: '(unclosed'\n"));
    assert_eq!(problem_summary(&invalid.problems), vec![("invalid-regex", 6, Severity::Error)]);
    assert!(!invalid.problems[0].message.contains('\n'));
}

#[test]
fn regex_size_limit_enforced() {
    let parsed = parse(&document_with_block("id: huge\nregex: '\\w{1000}{1000}'\n"));
    assert_eq!(problem_summary(&parsed.problems), vec![("invalid-regex", 6, Severity::Error)]);
    assert!(parsed.problems[0].message.contains("size limit"), "{}", parsed.problems[0].message);
}

#[test]
fn calls_arguments_parsed() {
    let parsed = parse(&document_with_block(
        "id: unverified\ncalls: requests.get\narguments:\n  verify: false\n  timeout: null\n  mode: 'r'\n  retries: 3\n",
    ));
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let RuleKind::Calls { arguments, .. } = &parsed.rules[0].kind else {
        panic!("expected a calls rule, got {:?}", parsed.rules[0].kind);
    };
    let written: Vec<(&str, &RuleValue)> = arguments
        .iter()
        .map(|matcher| (matcher.keyword.as_str(), &matcher.value))
        .collect();
    assert_eq!(
        written,
        vec![
            ("mode", &RuleValue::String("r".to_owned())),
            ("retries", &RuleValue::Integer(3)),
            ("timeout", &RuleValue::Null),
            ("verify", &RuleValue::Bool(false)),
        ]
    );
}

#[test]
fn python_literal_matching() {
    let cases = [
        (RuleValue::Bool(false), "False", true),
        (RuleValue::Bool(false), "0", false),
        (RuleValue::Null, "None", true),
        (RuleValue::Integer(16), "0x10", true),
        (RuleValue::Integer(1000), "1_000", true),
        (RuleValue::String("md5".to_owned()), "'md5'", true),
        (RuleValue::String("md5".to_owned()), "r\"md5\"", true),
        (RuleValue::String("md5".to_owned()), "f\"md5\"", false),
        (RuleValue::String("md5".to_owned()), "name", false),
    ];
    for (value, literal, expected) in cases {
        assert_eq!(value.matches_python_literal(literal), expected, "{value:?} vs {literal}");
    }
}

#[test]
fn arguments_outside_calls_warned() {
    let parsed = parse(&document_with_block("check: sql-injection\narguments: {verify: false}\n"));
    assert_eq!(problem_summary(&parsed.problems), vec![("unknown-key", 6, Severity::Warning)]);
}

#[test]
fn unknown_option_reported() {
    let parsed = parse(&document_with_block("check: sql-injection\noptions:\n  strict: true\n"));
    // The problem points at the option's own line, below `options:`.
    assert_eq!(problem_summary(&parsed.problems), vec![("unknown-option", 7, Severity::Warning)]);
    assert!(parsed.problems[0].message.contains("takes no options"));
    assert!(parsed.rules[0].options.is_empty());
}

#[test]
fn two_kinds_in_one_rule_rejected() {
    let parsed = parse(&document_with_block("id: both\ncalls: eval\nregex: 'eval'\n"));
    assert_eq!(problem_summary(&parsed.problems), vec![("invalid-rule", 6, Severity::Error)]);
    assert!(parsed.rules.is_empty());
}

#[test]
fn rule_exceptions_parsed() {
    let parsed = parse(&document_with_block(
        "check: sql-injection\nexceptions: {require-until: true, max-days: 90}\n",
    ));
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(
        parsed.rules[0].exceptions,
        Some(ExceptionPolicy { require_until: true, max_days: Some(90) })
    );
}

#[test]
fn section_exceptions_reach_topic_rules() {
    let text = "# Policy\n\n## Secrets\n\n```guardian\nexceptions: {max-days: 30}\n```\n";
    let parsed = parse(text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let secret = parsed.rules.iter().find(|rule| rule.id == "hardcoded-secret");
    assert_eq!(
        secret.and_then(|rule| rule.exceptions),
        Some(ExceptionPolicy { require_until: false, max_days: Some(30) })
    );
}

#[test]
fn comma_pattern_quick_fix() {
    let text = "---\ninclusion: fileMatch\nfileMatchPattern: \"*.py, *.pyi\"\n---\n# Policy\n";
    let parsed = parse(text);
    let problem = parsed
        .problems
        .iter()
        .find(|problem| problem.code == "comma-separated-pattern");
    let fix = problem.and_then(|problem| problem.fix.clone());
    let Some(fix) = fix else {
        panic!("expected a quick fix, problems: {:?}", parsed.problems);
    };
    let mut fixed = text.to_owned();
    fixed.replace_range(fix.range.clone(), &fix.replacement);
    insta::assert_snapshot!(fixed, @r#"
    ---
    inclusion: fileMatch
    fileMatchPattern:
      - "*.py"
      - "*.pyi"
    ---
    # Policy
    "#);
    assert!(parse(&fixed).problems.is_empty());
}

#[test]
fn unbound_requirement_hint() {
    let text = "# Policy\n\nEveryone must read this.\n\n## Logging\n\nLogs must never contain personal data.\n\n## Style\n\nPrefer short functions.\n";
    let parsed = parse(text);
    assert_eq!(problem_summary(&parsed.problems), vec![("unbound-requirement", 4, Severity::Hint)]);

    let manual = format!("---\ninclusion: manual\n---\n{text}");
    assert!(parse(&manual).problems.is_empty(), "manual documents are reference only");
}

#[test]
fn requirement_bound_by_subsection_is_fine() {
    let text = "# Policy\n\n## Injection\n\nQueries must be parameterized.\n\n### SQL\n\n```guardian\ncheck: sql-injection\n```\n";
    assert!(parse(text).problems.is_empty());
}

#[test]
fn check_document_collects_codes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = "---\ninclusion: fileMatch\nfileMatchPattern: \"no-such-dir/**/*.py\"\n---\n# Policy\n\nSee #[[file:missing.txt]].\n\n```guardian\ncheck: sql-injektion\n```\n";
    let problems = check_document(Path::new("doc.md"), text, Origin::Workspace, Some(root), KNOWN_CHECKS);
    let codes: Vec<&str> = problems.iter().map(|problem| problem.code).collect();
    assert_eq!(codes, vec!["unmatched-pattern", "broken-file-reference", "unknown-check"]);
}

#[test]
fn explain_lists_bindings() {
    let organization = DocumentSource {
        path: "org/standards.md".into(),
        origin: Origin::Organization,
        text: "# Org\n\n## SQL\n\n```guardian\ncheck: sql-injection\nseverity: error\n```\n".to_owned(),
    };
    let workspace = DocumentSource {
        path: ".kiro/steering/team.md".into(),
        origin: Origin::Workspace,
        text: "# Team\n\n## Database queries\n\n```guardian\ncheck: sql-injection\nseverity: info\nfiles: 'src/**'\n```\n".to_owned(),
    };
    let policy = load_sources(vec![organization, workspace], KNOWN_CHECKS);
    let weakened: Vec<&str> = policy.problems.iter().map(|problem| problem.code).collect();
    assert_eq!(weakened, vec!["weakened-organization-rule"]);

    let explained = explain(&policy);
    let sql: Vec<_> = explained
        .iter()
        .filter(|binding| binding.rule == "sql-injection" && binding.active)
        .collect();
    assert_eq!(sql.len(), 2);
    assert_eq!(sql[0].section, "Team › Database queries", "most specific first");
    assert_eq!(sql[0].files, vec!["src/**".to_owned()]);
    assert_eq!(sql[0].severity, None, "the lowered severity is ignored");
    assert!(sql[0].notes.iter().any(|note| note.contains("may not lower")), "{:?}", sql[0].notes);
    assert_eq!(sql[1].section, "Org › SQL");
    assert_eq!(sql[1].binding, BindingKind::Block);

    let bundled_sql = explained
        .iter()
        .find(|binding| binding.rule == "sql-injection" && !binding.active);
    assert!(bundled_sql.is_some_and(|binding| binding.document.starts_with("bundled:")));

    let json = serde_json::to_string(&explained[0]).unwrap_or_default();
    assert!(json.contains("\"rule_kind\":\"check\""), "{json}");
}
