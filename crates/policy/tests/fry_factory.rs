//! The Fry Factory example's steering folder, loaded from disk as a workspace.

mod common;

use common::{KNOWN_CHECKS, render_policy_rules, render_problems, render_sections, shared_folder};
use guardian_policy::{Binding, LoadOptions, Policy, RuleKind, load};
use std::path::Path;

fn load_fry_factory() -> Option<Policy> {
    let root = shared_folder("examples/fry-factory")?;
    let options = LoadOptions {
        workspace_root: Some(root),
        steering_paths: Vec::new(),
        include_user_global: false,
        known_checks: KNOWN_CHECKS.to_vec(),
    };
    Some(load(&options))
}

fn binding_of(policy: &Policy, check: &str) -> Vec<(String, Binding)> {
    policy
        .rules_for_check(check)
        .map(|rule| (policy.citation(rule.section), rule.binding.clone()))
        .collect()
}

#[test]
fn fry_factory_loads_without_problems() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    assert!(
        policy.problems.is_empty(),
        "{}",
        render_problems(&policy.problems)
    );

    let file_names: Vec<String> = policy
        .documents
        .iter()
        .map(|document| {
            document
                .path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        file_names,
        vec![
            "documentation.md",
            "security-standards.md",
            "threat-modeling.md",
            "bundled:security-standards.md"
        ]
    );
}

#[test]
fn fry_factory_block_bindings() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    for (check, section) in [
        (
            "hardcoded-secret",
            "Fry Factory Security Standards › 2. Secrets Management",
        ),
        (
            "sql-injection",
            "Fry Factory Security Standards › 3. Injection Prevention › 3.1 SQL",
        ),
        (
            "command-injection",
            "Fry Factory Security Standards › 3. Injection Prevention › 3.2 Operating system commands",
        ),
        (
            "template-injection",
            "Fry Factory Security Standards › 3. Injection Prevention › 3.3 Templates",
        ),
    ] {
        assert_eq!(
            binding_of(&policy, check),
            vec![(section.to_owned(), Binding::Block)],
            "{check}"
        );
    }
}

#[test]
fn fry_factory_topic_bindings() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    for (check, section, topic) in [
        (
            "weak-crypto",
            "Fry Factory Security Standards › 4. Cryptography",
            "cryptography",
        ),
        (
            "tls-verification-disabled",
            "Fry Factory Security Standards › 5. Transport Security",
            "transport security",
        ),
        (
            "debug-enabled",
            "Fry Factory Security Standards › 6. Deployment Configuration",
            "deployment",
        ),
    ] {
        let expected = vec![(
            section.to_owned(),
            Binding::Topic {
                topic: topic.to_owned(),
            },
        )];
        assert_eq!(binding_of(&policy, check), expected, "{check}");
    }
}

#[test]
fn fry_factory_unbound_check_falls_back_to_bundled() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    assert_eq!(
        binding_of(&policy, "deserialization"),
        vec![(
            "Secure Coding Standard for Python Services › Deserialization".to_owned(),
            Binding::Block
        )]
    );
}

#[test]
fn fry_factory_other_documents_bind_nothing() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    for rule in &policy.rules {
        let path = &policy.document(rule.section).path;
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert_ne!(
            name, "threat-modeling.md",
            "{} is bound by a manual document",
            rule.id
        );
        assert_ne!(
            name, "documentation.md",
            "{} is bound by a document without security topics",
            rule.id
        );
    }
}

#[test]
fn fry_factory_custom_rules() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    let custom: Vec<(&str, &RuleKind, String)> = policy
        .custom_rules()
        .map(|rule| (rule.id.as_str(), &rule.kind, policy.citation(rule.section)))
        .collect();

    assert_eq!(custom.len(), 2);
    assert_eq!(custom[0].0, "no-markup-from-request");
    assert_eq!(
        custom[0].1,
        &RuleKind::Calls {
            names: vec!["markupsafe.Markup".to_owned(), "flask.Markup".to_owned()],
            arguments: Vec::new(),
        }
    );
    assert_eq!(
        custom[0].2,
        "Fry Factory Security Standards › 3. Injection Prevention › 3.3 Templates"
    );
    assert_eq!(custom[1].0, "no-unsafe-deserialization");
    assert_eq!(
        custom[1].2,
        "Fry Factory Security Standards › 7. Approved Libraries"
    );
}

#[test]
fn fry_factory_effective_rules() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    insta::assert_snapshot!(render_policy_rules(&policy));
}

#[test]
fn fry_factory_rules_apply_to_app() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    let applicable = policy.rules_for_path(Path::new("app.py")).count();
    assert_eq!(applicable, policy.rules.len());
}

#[test]
fn fry_factory_standards_sections() {
    let Some(policy) = load_fry_factory() else {
        return;
    };
    let standards = policy
        .documents
        .iter()
        .find(|document| document.title == "Fry Factory Security Standards")
        .expect("the standards document loads");
    insta::assert_snapshot!(render_sections(&standards.sections));
}
