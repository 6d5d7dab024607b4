//! The bundled steering document compiled into the binary.

mod common;

use common::{KNOWN_CHECKS, render_problems};
use guardian_policy::{Binding, Inclusion, Origin, bundled_sources, parse_document};

#[test]
fn bundled_document_loads_cleanly() {
    let sources = bundled_sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(
        sources[0].path.to_str(),
        Some("bundled:security-standards.md")
    );
    assert_eq!(sources[0].origin, Origin::Bundled);

    let parsed = parse_document(
        &sources[0].path,
        sources[0].origin,
        &sources[0].text,
        KNOWN_CHECKS,
    );
    assert!(
        parsed.problems.is_empty(),
        "{}",
        render_problems(&parsed.problems)
    );
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert_eq!(
        parsed.document.title,
        "Secure Coding Standard for Python Services"
    );
}

#[test]
fn bundled_document_binds_every_check_by_block() {
    let source = &bundled_sources()[0];
    let parsed = parse_document(&source.path, source.origin, &source.text, KNOWN_CHECKS);

    for check in KNOWN_CHECKS {
        let block_rules = parsed
            .rules
            .iter()
            .filter(|rule| rule.id == check.name && rule.binding == Binding::Block)
            .count();
        assert_eq!(
            block_rules, 1,
            "{} is bound by exactly one block",
            check.name
        );
    }
    assert!(
        parsed
            .rules
            .iter()
            .all(|rule| rule.binding == Binding::Block),
        "no heading in the bundled document binds a second check by topic"
    );
}

#[test]
fn bundled_secret_rule_has_environment_fix() {
    let source = &bundled_sources()[0];
    let parsed = parse_document(&source.path, source.origin, &source.text, KNOWN_CHECKS);
    let secret = parsed
        .rules
        .iter()
        .find(|rule| rule.id == "hardcoded-secret")
        .expect("the secret rule loads");
    let fix = secret.fix.as_ref().expect("the secret rule has a fix");
    assert_eq!(fix.replace, "os.environ[\"{name}\"]");
    assert_eq!(fix.import.as_deref(), Some("import os"));
}

#[test]
fn bundled_exception_syntax_is_documented() {
    let text = &bundled_sources()[0].text;
    assert!(text.contains("# guardian: ignore[sql-injection] reason=\""));
    assert!(text.contains("until=2027-03-31"));
}
