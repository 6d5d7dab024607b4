//! Topic binding, layering of documents and the bundled fallback.

mod common;

use common::{KNOWN_CHECKS, parse, render_policy_rules, render_problems};
use guardian_policy::{Binding, DocumentSource, Origin, Policy, Severity, load_sources};
use std::path::{Path, PathBuf};

fn source(path: &str, origin: Origin, text: &str) -> DocumentSource {
    DocumentSource {
        path: PathBuf::from(path),
        origin,
        text: text.to_owned(),
    }
}

fn load(sources: Vec<DocumentSource>) -> Policy {
    load_sources(sources, KNOWN_CHECKS)
}

fn citations_for(policy: &Policy, check: &str) -> Vec<String> {
    policy
        .rules_for_check(check)
        .map(|rule| policy.citation(rule.section))
        .collect()
}

#[test]
fn heading_topic_binds_check() {
    let parsed = parse("# Standards\n\n## Handling Passwords\n\nNever log them.\n");
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(parsed.rules[0].id, "hardcoded-secret");
    assert_eq!(
        parsed.rules[0].binding,
        Binding::Topic {
            topic: "passwords".to_owned()
        }
    );
    assert_eq!(parsed.rules[0].section.section, 1);
}

#[test]
fn topic_binding_reads_heading_not_prose() {
    let parsed = parse(
        "# Standards\n\n## Authentication\n\nPasswords are hashed with a secret pepper and SQL is fine.\n",
    );
    assert!(parsed.rules.is_empty());
}

#[test]
fn topic_rule_points_at_heading() {
    let text = "# Standards\n\n## 4. Cryptography\n\nUse SHA-256.\n";
    let parsed = parse(text);
    assert_eq!(
        &text[parsed.rules[0].block_range.clone()],
        "## 4. Cryptography"
    );
}

#[test]
fn block_in_section_suppresses_its_topic_binding() {
    let parsed = parse(
        "# S\n\n## Secrets\n\n```guardian\ncheck: hardcoded-secret\nseverity: warning\n```\n",
    );
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(parsed.rules[0].binding, Binding::Block);
}

#[test]
fn topic_binding_needs_whole_words() {
    let parsed =
        parse("# S\n\n## Shellfish allergies\n\n## Templating engines\n\n## Debugging tips\n");
    assert!(
        parsed.rules.is_empty(),
        "{:?}",
        parsed.rules.iter().map(|rule| &rule.id).collect::<Vec<_>>()
    );
}

#[test]
fn one_heading_can_bind_several_checks() {
    let parsed = parse("# S\n\n## SQL and shell commands\n");
    let ids: Vec<&str> = parsed.rules.iter().map(|rule| rule.id.as_str()).collect();
    assert_eq!(ids, vec!["sql-injection", "command-injection"]);
}

#[test]
fn bundled_is_fallback_for_unbound_checks() {
    let policy = load(vec![source(
        "ws/.kiro/steering/secrets.md",
        Origin::Workspace,
        "# Team rules\n\n## Secrets\n",
    )]);

    assert_eq!(
        citations_for(&policy, "hardcoded-secret"),
        vec!["Team rules › Secrets"]
    );
    assert_eq!(
        citations_for(&policy, "sql-injection"),
        vec!["Secure Coding Standard for Python Services › SQL queries"]
    );
    for check in KNOWN_CHECKS {
        assert!(
            policy.rules_for_check(check.name).next().is_some(),
            "{} has a citation",
            check.name
        );
    }
}

#[test]
fn no_documents_uses_bundled_for_everything() {
    let policy = load(Vec::new());
    assert!(
        policy.problems.is_empty(),
        "{}",
        render_problems(&policy.problems)
    );
    insta::assert_snapshot!(render_policy_rules(&policy));
}

#[test]
fn severity_off_disables_check() {
    let policy = load(vec![source(
        "ws.md",
        Origin::Workspace,
        "# T\n\n## Debug\n\n```guardian\ncheck: debug-enabled\nseverity: off\n```\n",
    )]);
    let rules: Vec<_> = policy.rules_for_check("debug-enabled").collect();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].severity, Some(Severity::Off));
}

#[test]
fn most_specific_citation_first() {
    let file_match =
        "---\ninclusion: fileMatch\nfileMatchPattern: \"api/**\"\n---\n# API rules\n\n## SQL\n";
    let policy = load(vec![
        source(
            "org/standards.md",
            Origin::Organization,
            "# Org standards\n\n## SQL\n",
        ),
        source(
            "ws/a.md",
            Origin::Workspace,
            "# Workspace rules\n\n## SQL\n",
        ),
        source("ws/b.md", Origin::Workspace, file_match),
    ]);
    assert_eq!(
        citations_for(&policy, "sql-injection"),
        vec![
            "API rules › SQL",
            "Workspace rules › SQL",
            "Org standards › SQL"
        ]
    );
}

#[test]
fn workspace_cannot_disable_organization_rule() {
    let policy = load(vec![
        source(
            "org.md",
            Origin::Organization,
            "# Org\n\n```guardian\ncheck: sql-injection\nseverity: error\n```\n",
        ),
        source(
            "ws.md",
            Origin::Workspace,
            "# WS\n\n```guardian\ncheck: sql-injection\nseverity: off\n```\n",
        ),
    ]);
    let severities: Vec<_> = policy
        .rules_for_check("sql-injection")
        .map(|rule| rule.severity)
        .collect();
    assert_eq!(severities, vec![None, Some(Severity::Error)]);
    insta::assert_snapshot!(render_problems(&policy.problems));
}

#[test]
fn workspace_may_raise_organization_severity() {
    let policy = load(vec![
        source(
            "org.md",
            Origin::Organization,
            "# Org\n\n```guardian\ncheck: weak-crypto\nseverity: warning\n```\n",
        ),
        source(
            "ws.md",
            Origin::Workspace,
            "# WS\n\n```guardian\ncheck: weak-crypto\nseverity: error\n```\n",
        ),
    ]);
    let severities: Vec<_> = policy
        .rules_for_check("weak-crypto")
        .map(|rule| rule.severity)
        .collect();
    assert_eq!(
        severities,
        vec![Some(Severity::Error), Some(Severity::Warning)]
    );
    assert!(policy.problems.is_empty());
}

#[test]
fn custom_rules_from_loaded_documents_only() {
    let policy = load(vec![source(
        "ws.md",
        Origin::Workspace,
        "# WS\n\n```guardian\nid: no-eval\ncalls: builtins.eval\n```\n",
    )]);
    let custom: Vec<&str> = policy.custom_rules().map(|rule| rule.id.as_str()).collect();
    assert_eq!(custom, vec!["no-eval"]);
}

#[test]
fn bundled_custom_rules_apply_without_other_documents() {
    let bundled_with_custom = "# Bundled\n\n```guardian\nid: no-eval\ncalls: builtins.eval\n```\n";
    let alone = load(vec![source(
        "bundled:extra.md",
        Origin::Bundled,
        bundled_with_custom,
    )]);
    assert_eq!(alone.custom_rules().count(), 1);

    let with_workspace = load(vec![
        source("bundled:extra.md", Origin::Bundled, bundled_with_custom),
        source("ws.md", Origin::Workspace, "# WS\n"),
    ]);
    assert_eq!(with_workspace.custom_rules().count(), 0);
}

#[test]
fn manual_document_binds_nothing_in_policy() {
    let policy = load(vec![source(
        "ws.md",
        Origin::Workspace,
        "---\ninclusion: manual\n---\n# Notes\n\n## Secrets\n",
    )]);
    let citations = citations_for(&policy, "hardcoded-secret");
    assert_eq!(
        citations,
        vec!["Secure Coding Standard for Python Services › Secrets and credentials"]
    );
}

#[test]
fn rules_for_path_respects_file_match_and_files() {
    let file_match =
        "---\ninclusion: fileMatch\nfileMatchPattern: \"api/**/*.py\"\n---\n# API\n\n## Secrets\n";
    let with_files = "# WS\n\n```guardian\ncheck: debug-enabled\nfiles: \"app/**\"\n```\n";
    let policy = load(vec![
        source("a.md", Origin::Workspace, file_match),
        source("b.md", Origin::Workspace, with_files),
    ]);

    let ids_for = |path: &str| -> Vec<String> {
        policy
            .rules_for_path(Path::new(path))
            .map(|rule| rule.id.clone())
            .collect()
    };
    assert!(ids_for("api/v1/users.py").contains(&"hardcoded-secret".to_owned()));
    assert!(!ids_for("web/users.py").contains(&"hardcoded-secret".to_owned()));
    assert!(ids_for("app/main.py").contains(&"debug-enabled".to_owned()));
    assert!(!ids_for("web/main.py").contains(&"debug-enabled".to_owned()));
}

#[test]
fn problems_from_every_document_are_kept() {
    let policy = load(vec![
        source("a.md", Origin::Workspace, "```guardian\ncheck: nope\n```\n"),
        source(
            "b.md",
            Origin::Organization,
            "---\ninclusion: weekly\n---\n",
        ),
    ]);
    insta::assert_snapshot!(render_problems(&policy.problems));
}

#[test]
fn lookups_reject_foreign_ids() {
    let policy = load(Vec::new());
    let foreign = guardian_policy::SectionId {
        document: 99,
        section: 0,
    };
    assert!(policy.get_document(foreign).is_none());
    assert!(policy.get_section(foreign).is_none());

    let first = policy.rules[0].section;
    assert!(policy.get_section(first).is_some());
}
