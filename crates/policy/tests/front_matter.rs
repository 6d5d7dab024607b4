//! Kiro front matter: inclusion modes, fileMatchPattern forms and reported mistakes.

mod common;

use common::{parse, render_problems};
use guardian_policy::{Inclusion, Severity};
use std::path::Path;

const BODY: &str = "# Title\n\n## Secrets\n\n```guardian\ncheck: hardcoded-secret\n```\n";

fn with_front_matter(front_matter: &str) -> String {
    format!("---\n{front_matter}---\n\n{BODY}")
}

#[test]
fn missing_front_matter_is_always() {
    let parsed = parse(BODY);
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert!(parsed.document.file_match.is_none());
    assert!(parsed.problems.is_empty());
    assert!(parsed.document.applies_to(Path::new("any/file.py")));
}

#[test]
fn empty_front_matter_is_always() {
    let parsed = parse(&with_front_matter(""));
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert!(parsed.problems.is_empty());
    assert_eq!(parsed.document.title, "Title");
}

#[test]
fn invalid_front_matter_is_always_with_problem() {
    let parsed = parse(&with_front_matter(
        "inclusion: always\nfileMatchPattern: [unclosed\n",
    ));
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].severity, Severity::Error);
    assert!(
        parsed.problems[0]
            .message
            .starts_with("invalid front matter"),
        "{}",
        parsed.problems[0].message
    );
    assert!(
        (1..=3).contains(&parsed.problems[0].line),
        "line {}",
        parsed.problems[0].line
    );
    assert_eq!(parsed.rules.len(), 1, "the body still loads");
}

#[test]
fn unclosed_front_matter_is_reported() {
    let parsed = parse("---\ninclusion: manual\n\n# Title\n");
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn always_inclusion() {
    let parsed = parse(&with_front_matter("inclusion: always\n"));
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert!(parsed.problems.is_empty());
    assert_eq!(parsed.rules.len(), 1);
}

#[test]
fn manual_inclusion_binds_nothing() {
    let parsed = parse(&with_front_matter("inclusion: manual\n"));
    assert_eq!(parsed.document.inclusion, Inclusion::Manual);
    assert!(parsed.rules.is_empty());
    assert!(!parsed.document.applies_to(Path::new("app.py")));
}

#[test]
fn manual_document_blocks_are_still_validated() {
    let parsed = parse("---\ninclusion: manual\n---\n\n```guardian\ncheck: sql-injections\n```\n");
    assert!(parsed.rules.is_empty());
    assert_eq!(parsed.problems.len(), 1);
}

#[test]
fn auto_inclusion_is_enforced() {
    let parsed = parse(&with_front_matter(
        "inclusion: auto\nname: python-security\ndescription: Python rules\n",
    ));
    assert_eq!(
        parsed.document.inclusion,
        Inclusion::Auto {
            name: Some("python-security".to_owned()),
            description: Some("Python rules".to_owned())
        }
    );
    assert!(parsed.problems.is_empty());
    assert_eq!(parsed.rules.len(), 1);
    assert!(parsed.document.applies_to(Path::new("app.py")));
}

#[test]
fn auto_without_name_is_reported() {
    let parsed = parse(&with_front_matter(
        "inclusion: auto\ndescription: Python rules\n",
    ));
    assert_eq!(parsed.rules.len(), 1);
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn unknown_inclusion_is_always_with_problem() {
    let parsed = parse(&with_front_matter("name: x\ninclusion: sometimes\n"));
    assert_eq!(parsed.document.inclusion, Inclusion::Always);
    assert_eq!(parsed.rules.len(), 1);
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn file_match_single_pattern() {
    let parsed = parse(&with_front_matter(
        "inclusion: fileMatch\nfileMatchPattern: \"src/**/*.py\"\n",
    ));
    assert_eq!(
        parsed.document.inclusion,
        Inclusion::FileMatch {
            patterns: vec!["src/**/*.py".to_owned()]
        }
    );
    assert!(parsed.problems.is_empty());
    assert!(parsed.document.applies_to(Path::new("src/app/views.py")));
    assert!(!parsed.document.applies_to(Path::new("tests/test_views.py")));
}

#[test]
fn file_match_pattern_list() {
    let parsed = parse(&with_front_matter(
        "inclusion: fileMatch\nfileMatchPattern:\n  - \"api/**/*.py\"\n  - \"jobs/*.py\"\n",
    ));
    assert_eq!(
        parsed.document.inclusion,
        Inclusion::FileMatch {
            patterns: vec!["api/**/*.py".to_owned(), "jobs/*.py".to_owned()]
        }
    );
    assert!(parsed.problems.is_empty());
    assert!(parsed.document.applies_to(Path::new("api/v1/users.py")));
    assert!(parsed.document.applies_to(Path::new("jobs/nightly.py")));
    assert!(!parsed.document.applies_to(Path::new("web/app.py")));
}

#[test]
fn file_match_comma_separated_is_one_glob() {
    let parsed = parse(&with_front_matter(
        "inclusion: fileMatch\nfileMatchPattern: \"*.py,*.pyi\"\n",
    ));
    assert_eq!(
        parsed.document.inclusion,
        Inclusion::FileMatch {
            patterns: vec!["*.py,*.pyi".to_owned()]
        }
    );
    assert!(!parsed.document.applies_to(Path::new("app.py")));
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn file_match_brace_alternation() {
    let parsed = parse(&with_front_matter(
        "inclusion: fileMatch\nfileMatchPattern: \"*.{py,pyi}\"\n",
    ));
    assert!(parsed.problems.is_empty());
    assert!(parsed.document.applies_to(Path::new("stubs/app.pyi")));
}

#[test]
fn file_match_without_pattern_matches_nothing() {
    let parsed = parse(&with_front_matter("inclusion: fileMatch\n"));
    assert!(!parsed.document.applies_to(Path::new("app.py")));
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, 1);
}

#[test]
fn file_match_invalid_glob_is_reported() {
    let parsed = parse(&with_front_matter(
        "inclusion: fileMatch\nfileMatchPattern: [\"src/[\", \"*.py\"]\n",
    ));
    assert!(parsed.document.applies_to(Path::new("app.py")));
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].severity, Severity::Error);
    assert_eq!(parsed.problems[0].line, 2);
}
