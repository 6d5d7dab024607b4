//! The bundled steering document against the check catalog: every built-in
//! check must run, and cite a section, in a project without steering documents.

use guardian_analysis::{catalog, known_checks};
use guardian_policy::{Binding, load_sources};

#[test]
fn bundled_policy_binds_every_check_once() {
    let policy = load_sources(Vec::new(), &known_checks());

    for check in catalog() {
        let rules: Vec<_> = policy.rules_for_check(check.name).collect();
        let sections: Vec<String> = rules.iter().map(|rule| policy.citation(rule.section)).collect();
        assert_eq!(rules.len(), 1, "`{}` is bound by {sections:?}", check.name);
        assert_eq!(rules[0].binding, Binding::Block, "`{}` is not bound by a rule block", check.name);
    }
}

#[test]
fn bundled_policy_loads_without_problems() {
    let policy = load_sources(Vec::new(), &known_checks());

    assert!(policy.problems.is_empty(), "{:#?}", policy.problems);
}

#[test]
fn bundled_severities_match_catalog_defaults() {
    let policy = load_sources(Vec::new(), &known_checks());

    for check in catalog() {
        let Some(rule) = policy.rules_for_check(check.name).next() else {
            panic!("`{}` is not bound by the bundled policy", check.name);
        };
        assert_eq!(rule.severity, Some(check.default_severity), "severity of `{}`", check.name);
    }
}
