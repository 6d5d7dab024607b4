//! Every accepted rule-block shape and every malformed one.

mod common;

use common::{parse, render_problems, render_rules};
use guardian_policy::{RuleKind, Severity};
use std::path::Path;

fn document_with_block(block: &str) -> String {
    format!("# Standards\n\n## Rules\n\n```guardian\n{block}```\n\nAfter the block.\n")
}

/// Zero-based line of the block's first content line in [`document_with_block`].
const FIRST_CONTENT_LINE: u32 = 5;

#[test]
fn single_mapping_rule() {
    let parsed = parse(&document_with_block(
        "check: sql-injection\nseverity: warning\nmessage: Bind parameters.\n",
    ));
    assert!(
        parsed.problems.is_empty(),
        "{}",
        render_problems(&parsed.problems)
    );
    insta::assert_snapshot!(render_rules(&parsed.rules));
}

#[test]
fn list_of_rules() {
    let block = "\
- check: template-injection
  severity: error
- id: no-markup-from-request
  calls: [markupsafe.Markup, flask.Markup]
  message: Markup() turns off escaping.
  severity: warning
";
    let parsed = parse(&document_with_block(block));
    assert!(
        parsed.problems.is_empty(),
        "{}",
        render_problems(&parsed.problems)
    );
    insta::assert_snapshot!(render_rules(&parsed.rules));
}

#[test]
fn calls_as_string() {
    let parsed = parse(&document_with_block("id: no-eval\ncalls: builtins.eval\n"));
    assert!(parsed.problems.is_empty());
    assert_eq!(
        parsed.rules[0].kind,
        RuleKind::Calls {
            names: vec!["builtins.eval".to_owned()],
            arguments: Vec::new(),
        }
    );
}

#[test]
fn calls_as_list() {
    let parsed = parse(&document_with_block(
        "id: no-pickle\ncalls:\n  - pickle.loads\n  - pickle.load\n",
    ));
    assert!(parsed.problems.is_empty());
    assert_eq!(
        parsed.rules[0].kind,
        RuleKind::Calls {
            names: vec!["pickle.loads".to_owned(), "pickle.load".to_owned()],
            arguments: Vec::new(),
        }
    );
    assert_eq!(parsed.rules[0].id, "no-pickle");
}

#[test]
fn fix_template() {
    let block = "check: hardcoded-secret\nfix:\n  replace: vault.read(\"{name}\")\n  import: from company import vault\n";
    let parsed = parse(&document_with_block(block));
    assert!(parsed.problems.is_empty());
    let fix = parsed.rules[0].fix.as_ref().expect("the rule has a fix");
    assert_eq!(fix.replace, "vault.read(\"{name}\")");
    assert_eq!(fix.import.as_deref(), Some("from company import vault"));
}

#[test]
fn files_globs_narrow_rule() {
    let parsed = parse(&document_with_block(
        "check: debug-enabled\nfiles: [\"app/**/*.py\", \"wsgi.py\"]\n",
    ));
    assert!(parsed.problems.is_empty());
    let rule = &parsed.rules[0];
    assert!(rule.applies_to(Path::new("app/main.py")));
    assert!(rule.applies_to(Path::new("wsgi.py")));
    assert!(!rule.applies_to(Path::new("tests/test_main.py")));
}

#[test]
fn files_as_string() {
    let parsed = parse(&document_with_block(
        "check: debug-enabled\nfiles: \"app/**\"\n",
    ));
    assert!(parsed.problems.is_empty());
    assert!(parsed.rules[0].applies_to(Path::new("app/x.py")));
    assert!(!parsed.rules[0].applies_to(Path::new("lib/x.py")));
}

#[test]
fn every_severity_parses() {
    for (written, expected) in [
        ("error", Severity::Error),
        ("warning", Severity::Warning),
        ("info", Severity::Info),
        ("hint", Severity::Hint),
        ("off", Severity::Off),
    ] {
        let parsed = parse(&document_with_block(&format!(
            "check: weak-crypto\nseverity: {written}\n"
        )));
        assert!(parsed.problems.is_empty(), "severity {written}");
        assert_eq!(
            parsed.rules[0].severity,
            Some(expected),
            "severity {written}"
        );
    }
}

#[test]
fn block_rule_range_is_whole_block() {
    let text = document_with_block("check: sql-injection\n");
    let parsed = parse(&text);
    let block_text = &text[parsed.rules[0].block_range.clone()];
    assert!(block_text.starts_with("```guardian"));
    assert!(block_text.trim_end().ends_with("```"));
}

#[test]
fn other_code_blocks_are_ignored() {
    let parsed = parse("# T\n\n```yaml\ncheck: sql-injection\n```\n\n```\ncheck: nothing\n```\n");
    assert!(parsed.rules.is_empty());
    assert!(parsed.problems.is_empty());
}

#[test]
fn info_string_with_attributes() {
    let parsed = parse("# T\n\n```guardian title=\"rules\"\ncheck: sql-injection\n```\n");
    assert_eq!(parsed.rules.len(), 1);
}

/// Parses one malformed block and returns its problems as text, checking the rest of the document loads.
fn malformed(block: &str) -> (String, Vec<u32>) {
    let text = format!(
        "{}\n## Later\n\n```guardian\ncheck: weak-crypto\n```\n",
        document_with_block(block)
    );
    let parsed = parse(&text);
    assert!(
        parsed.rules.iter().any(|rule| rule.id == "weak-crypto"),
        "the block after the malformed one still loads"
    );
    let lines = parsed.problems.iter().map(|problem| problem.line).collect();
    (render_problems(&parsed.problems), lines)
}

#[test]
fn malformed_yaml_points_at_error_line() {
    let (problems, lines) = malformed("check: sql-injection\nseverity: [error\nmessage: x\n");
    assert_eq!(lines.len(), 1, "{problems}");
    assert_eq!(lines[0], FIRST_CONTENT_LINE + 1, "{problems}");
    assert!(problems.contains("invalid `guardian` block"), "{problems}");
    insta::assert_snapshot!(problems);
}

#[test]
fn malformed_yaml_tab_indentation() {
    let (problems, lines) = malformed("- check: sql-injection\n\t severity: error\n");
    assert_eq!(lines.len(), 1, "{problems}");
    assert!(lines[0] >= FIRST_CONTENT_LINE, "{problems}");
    insta::assert_snapshot!(problems);
}

#[test]
fn scalar_block_is_rejected() {
    let (problems, lines) = malformed("sql-injection\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE], "{problems}");
    assert!(problems.contains("invalid `guardian` block"), "{problems}");
}

#[test]
fn unknown_check_suggests_closest() {
    let (problems, lines) = malformed("check: sql-injections\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE]);
    insta::assert_snapshot!(problems);
}

#[test]
fn unknown_check_without_close_match() {
    let (problems, _) = malformed("check: buffer-overflow\n");
    insta::assert_snapshot!(problems);
}

#[test]
fn check_and_calls_together() {
    let (problems, lines) = malformed("check: sql-injection\nid: x\ncalls: [os.system]\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE]);
    insta::assert_snapshot!(problems);
}

#[test]
fn neither_check_nor_calls() {
    let (problems, lines) = malformed("severity: error\nmessage: nothing to bind\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE]);
    insta::assert_snapshot!(problems);
}

#[test]
fn calls_without_id() {
    let (problems, lines) = malformed("severity: error\ncalls: [pickle.loads]\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE + 1]);
    insta::assert_snapshot!(problems);
}

#[test]
fn calls_empty_list() {
    let (problems, _) = malformed("id: nothing\ncalls: []\n");
    insta::assert_snapshot!(problems);
}

#[test]
fn custom_id_shadowing_check_name() {
    let (problems, _) = malformed("id: sql-injection\ncalls: [sqlite3.connect]\n");
    insta::assert_snapshot!(problems);
}

#[test]
fn bad_severity() {
    let (problems, lines) = malformed("check: sql-injection\nseverity: fatal\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE + 1]);
    insta::assert_snapshot!(problems);
}

#[test]
fn bad_glob() {
    let (problems, lines) = malformed("check: sql-injection\nfiles: [\"src/[\"]\n");
    assert_eq!(lines, vec![FIRST_CONTENT_LINE + 1]);
    insta::assert_snapshot!(problems);
}

#[test]
fn unknown_key_keeps_rule() {
    let text = document_with_block("check: sql-injection\nseverty: error\nowner: appsec\n");
    let parsed = parse(&text);
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(parsed.rules[0].id, "sql-injection");
    assert_eq!(
        parsed
            .problems
            .iter()
            .map(|problem| problem.line)
            .collect::<Vec<_>>(),
        vec![6, 7]
    );
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn short_unknown_key_gets_no_far_suggestion() {
    let parsed = parse(&document_with_block(
        "check: sql-injection\nfoo: 1\nchek: x\n",
    ));
    let messages: Vec<&str> = parsed
        .problems
        .iter()
        .map(|problem| problem.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].contains("rule keys are"), "{}", messages[0]);
    assert!(
        messages[1].contains("did you mean `check`?"),
        "{}",
        messages[1]
    );
}

#[test]
fn query_rule_kind_loads() {
    let parsed = parse(&document_with_block("id: raw-sql\nquery: \"(call) @finding\"\n"));
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rules[0].id, "raw-sql");
}

#[test]
fn id_on_check_rule_is_ignored() {
    let parsed = parse(&document_with_block("check: sql-injection\nid: my-sql\n"));
    assert_eq!(parsed.rules[0].id, "sql-injection");
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].severity, Severity::Warning);
}

#[test]
fn fix_with_unknown_key_is_invalid_yaml() {
    let (problems, lines) =
        malformed("check: hardcoded-secret\nfix:\n  replace: x\n  imports: os\n");
    assert_eq!(lines.len(), 1, "{problems}");
    assert_eq!(lines[0], FIRST_CONTENT_LINE + 3, "{problems}");
}

#[test]
fn empty_block_is_reported() {
    let text = "# T\n\n```guardian\n```\n";
    let parsed = parse(text);
    assert!(parsed.rules.is_empty());
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 2);
    assert_eq!(&text[parsed.problems[0].range.clone()], "```guardian\n```");
}

#[test]
fn one_bad_rule_in_list_keeps_the_others() {
    let parsed = parse(&document_with_block(
        "- check: sql-injecton\n- check: command-injection\n",
    ));
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(parsed.rules[0].id, "command-injection");
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, FIRST_CONTENT_LINE);
}

#[test]
fn problem_range_is_the_offending_line() {
    let text = document_with_block("severity: error\ncheck: sql-injections\n");
    let parsed = parse(&text);
    assert_eq!(
        &text[parsed.problems[0].range.clone()],
        "check: sql-injections"
    );
}

#[test]
fn indented_block_in_list_item() {
    let text = "# T\n\n- item\n\n  ```guardian\n  check: sql-injections\n  ```\n";
    let parsed = parse(text);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 5);
}
