//! Check options end to end: an `options:` map in a steering document
//! reaches the check and changes what it reports or fixes, rules merge their
//! options most specific first, and unknown keys or values of the wrong type
//! are policy problems on the line that wrote them.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{analyze_with_policy, line_of, policy_from_markdown};
use guardian_analysis::{FixKind, OptionKind, Policy, apply_edits, catalog, check_info, known_checks};
use guardian_policy::{DocumentSource, Origin, load_sources};

const REQUESTS: &str = r#"import requests


def rates(currency):
    return requests.get(f"https://rates.example/{currency}").json()


def charge(url, payload):
    return requests.post(url, json=payload, timeout=None)
"#;

const SECRETS: &str = r#"TEST_PASSWORD = "Fj3kq9Zr2mXw7Lp"
test_password = "Qm8vT2nRk5Wz1Hs"
DB_PASSWORD = "Vb6yN4cJx8Pq3Gd"
"#;

/// Renders the findings of `rule` under `policy`, each with its rewrite fixes applied.
fn render_fixes(source: &str, policy: &Policy, rule: &str) -> String {
    let findings = analyze_with_policy(source, policy, Path::new("app.py"));
    let mut rendered = String::new();
    for finding in findings.iter().filter(|finding| finding.rule == rule) {
        let line = line_of(source, finding.range.start) + 1;
        let _ = writeln!(rendered, "{line}: {} {}", finding.rule, finding.message);
        for fix in finding.fixes.iter().filter(|fix| fix.kind == FixKind::Rewrite) {
            let _ = writeln!(rendered, "--- fix: {}\n{}", fix.title, apply_edits(source, &fix.edits));
        }
    }
    rendered
}

fn timeout_policy(options: &str) -> String {
    format!("# HTTP\n\n## Outbound calls\n\n```guardian\ncheck: request-without-timeout\n{options}```\n")
}

fn secret_policy(options: &str) -> String {
    format!("# Secrets\n\n## Credentials in code\n\n```guardian\ncheck: hardcoded-secret\n{options}```\n")
}

/// Returns the zero-based line of the first line of `markdown` that contains `needle`.
fn line_containing(markdown: &str, needle: &str) -> u32 {
    let index = markdown.lines().position(|line| line.contains(needle));
    let index = index.unwrap_or_else(|| panic!("`{needle}` is not in the document"));
    u32::try_from(index).expect("the test document is short")
}

fn secret_lines(policy: &Policy) -> Vec<usize> {
    analyze_with_policy(SECRETS, policy, Path::new("app.py"))
        .iter()
        .filter(|finding| finding.rule == "hardcoded-secret")
        .map(|finding| line_of(SECRETS, finding.range.start) + 1)
        .collect()
}

#[test]
fn timeout_option_sets_the_seconds_the_fix_inserts() {
    let policy = policy_from_markdown(&timeout_policy("options:\n  timeout: 10\n"));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);

    insta::assert_snapshot!(render_fixes(REQUESTS, &policy, "request-without-timeout"));
}

#[test]
fn decimal_timeout_is_inserted() {
    let policy = policy_from_markdown(&timeout_policy("options:\n  timeout: 2.5\n"));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);

    let rendered = render_fixes(REQUESTS, &policy, "request-without-timeout");
    assert!(rendered.contains("timeout=2.5).json()"), "{rendered}");
    assert!(rendered.contains("json=payload, timeout=2.5)"), "{rendered}");
}

#[test]
fn timeout_defaults_to_thirty_seconds_without_options() {
    let policy = policy_from_markdown(&timeout_policy(""));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);

    insta::assert_snapshot!(render_fixes(REQUESTS, &policy, "request-without-timeout"));
}

#[test]
fn most_specific_rule_wins() {
    let organization = DocumentSource {
        path: PathBuf::from("/etc/guardian/steering/http.md"),
        origin: Origin::Organization,
        text: timeout_policy("options:\n  timeout: 60\n"),
    };
    let workspace = DocumentSource {
        path: PathBuf::from(".guardian/steering/http.md"),
        origin: Origin::Workspace,
        text: timeout_policy("options:\n  timeout: 10\n"),
    };
    let policy = load_sources(vec![organization, workspace], &known_checks());
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);

    let rendered = render_fixes(REQUESTS, &policy, "request-without-timeout");
    assert!(rendered.contains("timeout=10).json()"), "{rendered}");
    assert!(!rendered.contains("timeout=60"), "{rendered}");
}

#[test]
fn less_specific_rule_fills_gaps() {
    let organization = DocumentSource {
        path: PathBuf::from("/etc/guardian/steering/http.md"),
        origin: Origin::Organization,
        text: timeout_policy("options:\n  timeout: 45\n"),
    };
    let workspace = DocumentSource {
        path: PathBuf::from(".guardian/steering/http.md"),
        origin: Origin::Workspace,
        text: timeout_policy(""),
    };
    let policy = load_sources(vec![organization, workspace], &known_checks());

    let rendered = render_fixes(REQUESTS, &policy, "request-without-timeout");
    assert!(rendered.contains("timeout=45).json()"), "{rendered}");
}

#[test]
fn ignore_names_skips_listed_names() {
    let without_options = policy_from_markdown(&secret_policy(""));
    assert_eq!(secret_lines(&without_options), vec![1, 2, 3]);

    let policy = policy_from_markdown(&secret_policy("options:\n  ignore-names: [TEST_PASSWORD]\n"));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);
    // Names compare without regard to case, so `test_password` is ignored too.
    assert_eq!(secret_lines(&policy), vec![3]);
}

#[test]
fn ignore_names_accepts_a_single_name() {
    let policy = policy_from_markdown(&secret_policy("options:\n  ignore-names: DB_PASSWORD\n"));
    assert!(policy.problems.is_empty(), "{:?}", policy.problems);

    assert_eq!(secret_lines(&policy), vec![1, 2]);
}

#[test]
fn unknown_option_key_is_reported() {
    let markdown = timeout_policy("options:\n  timeout: 10\n  timout_seconds: 5\n");
    let policy = policy_from_markdown(&markdown);

    let problems: Vec<_> = policy.problems.iter().filter(|problem| problem.code == "unknown-option").collect();
    assert_eq!(problems.len(), 1, "{:?}", policy.problems);
    assert_eq!(problems[0].line, line_containing(&markdown, "timout_seconds"));
    assert!(problems[0].message.contains("its options are timeout"), "{}", problems[0].message);

    // The known option still applies.
    let rendered = render_fixes(REQUESTS, &policy, "request-without-timeout");
    assert!(rendered.contains("timeout=10).json()"), "{rendered}");
}

#[test]
fn option_on_optionless_check_is_reported() {
    let markdown = "# Crypto\n\n## Hashing\n\n```guardian\ncheck: weak-crypto\noptions:\n  strict: true\n```\n";
    let policy = policy_from_markdown(markdown);

    let problem = policy.problems.iter().find(|problem| problem.code == "unknown-option");
    let problem = problem.unwrap_or_else(|| panic!("no unknown-option problem in {:?}", policy.problems));
    assert_eq!(problem.line, line_containing(markdown, "strict"));
    assert!(problem.message.contains("takes no options"), "{}", problem.message);
}

#[test]
fn timeout_wrong_type_keeps_default() {
    for value in ["ten", "0", "-5", "[10]", "true", "null"] {
        let markdown = timeout_policy(&format!("options:\n  timeout: {value}\n"));
        let policy = policy_from_markdown(&markdown);

        let problems: Vec<_> = policy.problems.iter().filter(|problem| problem.code == "invalid-option").collect();
        assert_eq!(problems.len(), 1, "timeout: {value} gave {:?}", policy.problems);
        assert_eq!(problems[0].line, line_containing(&markdown, "timeout:"));
        assert_eq!(problems[0].severity, guardian_policy::Severity::Error);
        assert!(problems[0].message.contains("greater than zero"), "{}", problems[0].message);

        let rendered = render_fixes(REQUESTS, &policy, "request-without-timeout");
        assert!(rendered.contains("timeout=30).json()"), "timeout: {value} gave {rendered}");
    }
}

#[test]
fn ignore_names_wrong_type_is_reported() {
    for value in ["5", "[TEST_PASSWORD, 7]", "true"] {
        let markdown = secret_policy(&format!("options:\n  ignore-names: {value}\n"));
        let policy = policy_from_markdown(&markdown);

        let problems: Vec<_> = policy
            .problems
            .iter()
            .filter(|problem| problem.code == "invalid-option")
            .collect();
        assert_eq!(problems.len(), 1, "ignore-names: {value} gave {:?}", policy.problems);
        assert_eq!(problems[0].line, line_containing(&markdown, "ignore-names:"));
        assert!(problems[0].message.contains("a list of names"), "{}", problems[0].message);
    }

    let markdown = secret_policy("options:\n  ignore-names: 5\n");
    let policy = policy_from_markdown(&markdown);
    assert_eq!(secret_lines(&policy), vec![1, 2, 3]);
}

#[test]
fn options_are_declared_and_documented() {
    let known = known_checks();
    let timeout = known.iter().find(|check| check.name == "request-without-timeout").map(|check| check.options);
    assert_eq!(timeout.map(|options| options.iter().map(|option| option.name).collect::<Vec<_>>()), Some(vec!["timeout"]));
    let secret = check_info("hardcoded-secret").map(|check| check.options());
    assert_eq!(secret.map(|options| options[0].kind), Some(OptionKind::StringList));

    for check in catalog() {
        let options = check.options();
        let documented = check.documentation.split("\n## Options\n").nth(1).unwrap_or("");
        assert_eq!(documented.is_empty(), options.is_empty(), "{} and its `## Options`", check.name);
        for option in options {
            assert!(documented.contains(&format!("`{}`", option.name)), "{} does not document `{}`", check.name, option.name);
        }
    }
}
