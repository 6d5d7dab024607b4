//! Custom rule kinds (`calls:` with `arguments:`, `query:`, `regex:`) and
//! exception handling: unknown rule ids, unused suppressions, exception limits.

mod common;

use common::{analyze_with_policy, policy_from_markdown};
use guardian_analysis::{Finding, analyze_text, apply_edits};
use std::path::Path;

fn document(block: &str) -> String {
    format!("# Team Policy\n\n## Custom rules\n\n```guardian\n{block}```\n")
}

/// Returns `(rule, finding text, message)` for each finding of `source` analyzed as `app.py`.
fn findings(block: &str, source: &str) -> Vec<(String, String, String)> {
    let policy = policy_from_markdown(&document(block));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);
    render(source, &analyze_with_policy(source, &policy, Path::new("app.py")))
}

/// Renders the findings of custom rules and suppressions; built-in checks that
/// the bundled document binds are left out.
fn render(source: &str, findings: &[Finding]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .filter(|finding| guardian_analysis::check_info(&finding.rule).is_none())
        .map(|finding| (finding.rule.clone(), source[finding.range.clone()].to_owned(), finding.message.clone()))
        .collect()
}

const VERIFY_RULE: &str = "id: no-unverified-get\ncalls: [requests.get]\narguments: {verify: false}\n";

#[test]
fn calls_arguments_match_literal() {
    let source = "import requests\nrequests.get(url, verify=False)\n";
    let found = findings(VERIFY_RULE, source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "no-unverified-get");
    assert_eq!(found[0].1, "verify=False");
    assert!(found[0].2.contains("verify=False"), "{}", found[0].2);
}

#[test]
fn calls_arguments_other_value_is_clean() {
    for source in [
        "import requests\nrequests.get(url, verify=True)\n",
        "import requests\nrequests.get(url)\n",
        "import requests\nrequests.post(url, verify=False)\n",
    ] {
        assert!(findings(VERIFY_RULE, source).is_empty(), "{source}");
    }
}

#[test]
fn calls_string_argument_by_content() {
    let block = "id: no-md5-new\ncalls: hashlib.new\narguments: {usedforsecurity: 'x'}\n";
    assert_eq!(findings(block, "import hashlib\nhashlib.new('md5', usedforsecurity=\"x\")\n").len(), 1);
}

#[test]
fn calls_fix_replaces_callee() {
    let block = "id: no-pickle\ncalls: pickle.loads\nfix: {replace: json.loads, import: import json}\n";
    let source = "import pickle\ndata = pickle.loads(blob)\n";
    let policy = policy_from_markdown(&document(block));
    let found = analyze_with_policy(source, &policy, Path::new("app.py"));
    let custom = found.iter().find(|finding| finding.rule == "no-pickle");
    let Some(rewrite) = custom.and_then(|finding| finding.fixes.first()) else {
        panic!("expected a no-pickle finding with a fix: {found:?}");
    };
    insta::assert_snapshot!(apply_edits(source, &rewrite.edits), @r"
    import pickle
    import json
    data = json.loads(blob)
    ");
}

const QUERY_RULE: &str = "id: no-eval-of-name\nquery: |\n  (call\n    function: (identifier) @function (#eq? @function \"eval\")\n    arguments: (argument_list (identifier) @argument)) @finding\nmessage: \"`{function}` runs `{argument}` as code\"\nfix: {replace: \"ast.literal_eval({argument})\", import: import ast}\n";

#[test]
fn query_reports_finding_capture() {
    let source = "value = eval(user_input)\nsafe = eval('1 + 1')\n";
    let found = findings(QUERY_RULE, source);
    assert_eq!(
        found,
        vec![("no-eval-of-name".to_owned(), "eval(user_input)".to_owned(), "`eval` runs `user_input` as code".to_owned())]
    );
}

#[test]
fn query_fix_fills_captures() {
    let source = "value = eval(user_input)\n";
    let policy = policy_from_markdown(&document(QUERY_RULE));
    let found = analyze_with_policy(source, &policy, Path::new("app.py"));
    // The bundled code-injection check reports the same call, so pick the custom rule's finding.
    let Some(custom) = found.iter().find(|finding| finding.rule == "no-eval-of-name") else {
        panic!("no finding of the query rule in {found:?}");
    };
    insta::assert_snapshot!(apply_edits(source, &custom.fixes[0].edits), @r"
    import ast
    value = ast.literal_eval(user_input)
    ");
}

#[test]
fn query_message_masks_long_string() {
    let block = "id: literal-key\nquery: '(assignment right: (string) @value) @finding'\nmessage: \"literal {value}\"\n";
    let found = findings(block, "key = \"sk_live_0123456789abcdef\"\n");
    assert_eq!(found[0].2, "literal \"sk_l…");
}

const REGEX_RULE: &str = "id: no-latest-tag\nregex: 'image:\\s*(?<image>\\S+):latest'\nfiles: ['**/*.yaml']\nmessage: \"pin {image} to a digest\"\n";

#[test]
fn regex_over_non_python_file() {
    let policy = policy_from_markdown(&document(REGEX_RULE));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);
    let text = "services:\n  web:\n    image: nginx:latest\n";
    let found = analyze_text(Path::new("deploy/compose.yaml"), text, &policy);
    assert_eq!(render(text, &found), vec![("no-latest-tag".to_owned(), "image: nginx:latest".to_owned(), "pin nginx to a digest".to_owned())]);
    assert!(!found[0].citations.is_empty());

    let elsewhere = analyze_text(Path::new("notes.txt"), text, &policy);
    assert!(elsewhere.is_empty(), "`files:` limits the rule to YAML files");
}

#[test]
fn regex_in_python_file() {
    let block = "id: no-todo-security\nregex: 'TODO\\(security\\)'\n";
    let found = findings(block, "x = 1  # TODO(security) check this\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "TODO(security)");
}

#[test]
fn suppression_of_unknown_rule_reported() {
    let source = "import requests\nrequests.get(url)  # guardian: ignore[no-such-rule] reason=\"x\"\n";
    let found = findings(VERIFY_RULE, source);
    let rules: Vec<&str> = found.iter().map(|finding| finding.0.as_str()).collect();
    assert!(rules.contains(&"invalid-suppression"), "{found:?}");
    assert!(found.iter().any(|finding| finding.2.contains("`no-such-rule`")));
}

#[test]
fn unused_suppression_reported() {
    let source = "import requests\nrequests.get(url)  # guardian: ignore[no-unverified-get] reason=\"internal host\"\n";
    let found = findings(VERIFY_RULE, source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "unused-suppression");
}

#[test]
fn trailing_suppression_on_statement_last_line() {
    let source = "import requests\nrequests.get(\n    url,\n    verify=False,\n)  # guardian: ignore[no-unverified-get] reason=\"test server\"\n";
    assert!(findings(VERIFY_RULE, source).is_empty());
}

#[test]
fn suppression_word_in_string_suppresses_nothing() {
    let source = "import requests\nrequests.get(url, verify=False, note=\"# guardian: ignore[no-unverified-get] reason='x'\")\n";
    let found = findings(VERIFY_RULE, source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "no-unverified-get");
}

fn limited(block_extra: &str) -> String {
    format!("{VERIFY_RULE}exceptions: {block_extra}\n")
}

#[test]
fn exception_limits_require_until() {
    let block = limited("{require-until: true}");
    let without_until = "import requests\nrequests.get(url, verify=False)  # guardian: ignore[no-unverified-get] reason=\"lab\"\n";
    let found = findings(&block, without_until);
    let rules: Vec<&str> = found.iter().map(|finding| finding.0.as_str()).collect();
    assert_eq!(rules, vec!["no-unverified-get", "invalid-suppression"], "{found:?}");

    let with_until = "import requests\nrequests.get(url, verify=False)  # guardian: ignore[no-unverified-get] reason=\"lab\" until=2026-07-01\n";
    assert!(findings(&block, with_until).is_empty());
}

#[test]
fn exception_limits_max_days() {
    let block = limited("{max-days: 90}");
    let too_far = "import requests\nrequests.get(url, verify=False)  # guardian: ignore[no-unverified-get] reason=\"lab\" until=2027-01-01\n";
    let found = findings(&block, too_far);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|finding| finding.2.contains("more than 90 days")), "{found:?}");

    let within = "import requests\nrequests.get(url, verify=False)  # guardian: ignore[no-unverified-get] reason=\"lab\" until=2026-08-01\n";
    assert!(findings(&block, within).is_empty());
}

#[test]
fn section_exceptions_bind_subsections() {
    let markdown = "# Team Policy\n\n## Transport\n\n```guardian\nexceptions: {require-until: true}\n```\n\n### Requests\n\n```guardian\nid: no-unverified-get\ncalls: [requests.get]\narguments: {verify: false}\n```\n";
    let policy = policy_from_markdown(markdown);
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);
    let source = "import requests\nrequests.get(url, verify=False)  # guardian: ignore[no-unverified-get] reason=\"lab\"\n";
    let found = render(source, &analyze_with_policy(source, &policy, Path::new("app.py")));
    let rules: Vec<&str> = found.iter().map(|finding| finding.0.as_str()).collect();
    assert_eq!(rules, vec!["no-unverified-get", "invalid-suppression"], "{found:?}");
}
