//! How the policy shapes findings: severity, citations, message overrides,
//! `files:` globs, disabled rules, custom `calls:` rules and the catalog.

mod common;

use std::path::Path;

use common::{analyze_with_policy, policy_from_markdown};
use guardian_analysis::{Severity, catalog, check_info};

const WEAK_HASH: &str = "import hashlib\nhashlib.md5(b\"x\")\n";

#[test]
fn severity_is_highest_and_all_sections_are_cited() {
    let policy = policy_from_markdown(
        "# Org\n\n## Hashing\n\n```guardian\ncheck: weak-crypto\nseverity: info\n```\n\n## Passwords at rest\n\n```guardian\ncheck: weak-crypto\nseverity: error\n```\n",
    );
    let findings = analyze_with_policy(WEAK_HASH, &policy, Path::new("app.py"));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, Severity::Error);

    let citations: Vec<String> = findings[0].citations.iter().map(|citation| policy.citation(*citation)).collect();
    assert_eq!(citations, ["Org › Hashing", "Org › Passwords at rest"]);
}

#[test]
fn rule_message_overrides_default() {
    let policy = policy_from_markdown("# Org\n\n## Hashing\n\n```guardian\ncheck: weak-crypto\nmessage: use the crypto team's hashing helper\n```\n");
    let findings = analyze_with_policy(WEAK_HASH, &policy, Path::new("app.py"));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].message, "use the crypto team's hashing helper");
}

#[test]
fn files_globs_narrow_a_rule() {
    let policy = policy_from_markdown("# Org\n\n## Hashing\n\n```guardian\ncheck: weak-crypto\nfiles: [\"services/**/*.py\"]\n```\n");
    let inside = analyze_with_policy(WEAK_HASH, &policy, Path::new("services/api/app.py"));
    let outside = analyze_with_policy(WEAK_HASH, &policy, Path::new("scripts/tool.py"));
    assert_eq!(inside.iter().filter(|finding| finding.rule == "weak-crypto").count(), 1);
    assert_eq!(outside.iter().filter(|finding| finding.rule == "weak-crypto").count(), 0);
}

#[test]
fn severity_off_disables_a_check() {
    let policy = policy_from_markdown("# Org\n\n## Hashing\n\n```guardian\ncheck: weak-crypto\nseverity: off\n```\n");
    let findings = analyze_with_policy(WEAK_HASH, &policy, Path::new("app.py"));
    assert!(findings.iter().all(|finding| finding.rule != "weak-crypto"), "{findings:?}");
}

#[test]
fn custom_calls_rule_resolves_aliases() {
    let policy = policy_from_markdown(
        "# Org\n\n## Serialization\n\n```guardian\nid: no-pickle\ncalls: [pickle.loads, marshal.loads]\nseverity: warning\n```\n",
    );
    let source = "from pickle import loads as l\nimport marshal as m\nl(data)\nm.loads(data)\njson.loads(data)\n";
    let findings: Vec<_> = analyze_with_policy(source, &policy, Path::new("app.py"))
        .into_iter()
        .filter(|finding| finding.rule == "no-pickle")
        .collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(&source[findings[0].range.clone()], "l");
    assert!(findings[0].message.contains("`pickle.loads`"), "{}", findings[0].message);
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(policy.citation(findings[0].citations[0]), "Org › Serialization");
}

#[test]
fn topic_heading_binds_a_check() {
    let policy = policy_from_markdown("# Org\n\n## Cryptography\n\nUse strong algorithms only.\n");
    let findings = analyze_with_policy(WEAK_HASH, &policy, Path::new("app.py"));
    let cited: Vec<String> = findings.iter().flat_map(|finding| finding.citations.iter().map(|citation| policy.citation(*citation))).collect();
    assert!(cited.contains(&"Org › Cryptography".to_owned()), "{cited:?}");
}

#[test]
fn catalog_lists_every_check_with_documentation() {
    let names: Vec<&str> = catalog().iter().map(|check| check.name).collect();
    assert_eq!(
        names,
        [
            "hardcoded-secret",
            "sql-injection",
            "command-injection",
            "template-injection",
            "weak-crypto",
            "tls-verification-disabled",
            "debug-enabled",
            "deserialization",
            "code-injection",
            "insecure-random",
            "xxe",
            "path-traversal",
            "ssrf",
            "insecure-tempfile",
            "bind-all-interfaces",
            "jwt-verification-disabled",
            "weak-permissions",
            "request-without-timeout",
        ]
    );
    for check in catalog() {
        for heading in ["## What it does", "## Why it matters", "## Example", "## Use instead", "## Known problems", "## References"] {
            assert!(check.documentation.contains(heading), "{} lacks {heading}", check.name);
        }
        assert!(check.documentation.contains("CWE-"), "{} cites no CWE", check.name);
        assert!(!check.topics.is_empty(), "{} has no topics", check.name);
        assert!(check.topics.iter().all(|topic| *topic == topic.to_lowercase()), "{} topics must be lowercase", check.name);
    }
    assert_eq!(check_info("sql-injection").map(|check| check.name), Some("sql-injection"));
    assert!(check_info("no-such-check").is_none());
}
