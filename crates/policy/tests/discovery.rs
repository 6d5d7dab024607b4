//! Finding steering documents on disk.

mod common;

use common::{KNOWN_CHECKS, render_problems};
use guardian_policy::{LoadOptions, Origin, Policy, load_with_home};
use std::fs;
use std::path::Path;

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("test paths have a parent"))
        .expect("create test folder");
    fs::write(path, text).expect("write test file");
}

fn options(
    workspace: Option<&Path>,
    organization: &[&Path],
    include_user_global: bool,
) -> LoadOptions {
    LoadOptions {
        workspace_root: workspace.map(Path::to_path_buf),
        steering_paths: organization.iter().map(|path| path.to_path_buf()).collect(),
        include_user_global,
        known_checks: KNOWN_CHECKS.to_vec(),
    }
}

fn origins_and_names(policy: &Policy) -> Vec<(Origin, String)> {
    policy
        .documents
        .iter()
        .map(|document| {
            let name = document
                .path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            (document.origin, name)
        })
        .collect()
}

#[test]
fn discovery_finds_every_folder_in_order() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let workspace = temp.path().join("ws");
    let organization = temp.path().join("org");
    let home = temp.path().join("home");

    write(&workspace.join(".kiro/steering/b.md"), "# B\n");
    write(&workspace.join(".kiro/steering/a.md"), "# A\n");
    write(&workspace.join(".kiro/steering/notes.txt"), "not markdown");
    write(&workspace.join(".guardian/steering/g.md"), "# G\n");
    write(&organization.join("org.md"), "# Org\n");
    write(&home.join(".kiro/steering/user.md"), "# User\n");

    let policy = load_with_home(
        &options(Some(&workspace), &[&organization], true),
        Some(&home),
    );
    assert!(
        policy.problems.is_empty(),
        "{}",
        render_problems(&policy.problems)
    );
    assert_eq!(
        origins_and_names(&policy),
        vec![
            (Origin::Organization, "org.md".to_owned()),
            (Origin::Workspace, "g.md".to_owned()),
            (Origin::Workspace, "a.md".to_owned()),
            (Origin::Workspace, "b.md".to_owned()),
            (Origin::User, "user.md".to_owned()),
            (Origin::Bundled, "bundled:security-standards.md".to_owned()),
        ]
    );
}

#[test]
fn user_folder_skipped_unless_requested() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let home = temp.path().join("home");
    write(&home.join(".kiro/steering/user.md"), "# User\n");

    let policy = load_with_home(&options(None, &[], false), Some(&home));
    assert_eq!(
        origins_and_names(&policy),
        vec![(Origin::Bundled, "bundled:security-standards.md".to_owned())]
    );
}

#[test]
fn missing_workspace_folders_are_silent() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let policy = load_with_home(&options(Some(temp.path()), &[], false), None);
    assert!(policy.problems.is_empty());
    assert_eq!(policy.documents.len(), 1);
}

#[test]
fn missing_organization_folder_is_reported() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let missing = temp.path().join("no-such-folder");
    let policy = load_with_home(&options(None, &[&missing], false), None);
    assert_eq!(policy.problems.len(), 1);
    assert!(
        policy.problems[0]
            .message
            .starts_with("cannot read steering folder"),
        "{}",
        policy.problems[0].message
    );
    assert_eq!(policy.problems[0].path, missing);
}

#[test]
fn unreadable_document_is_a_problem_not_an_error() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let workspace = temp.path();
    write(
        &workspace.join(".kiro/steering/good.md"),
        "# Good\n\n## Secrets\n",
    );
    write(&workspace.join(".kiro/steering/binary.md"), "");
    fs::write(
        workspace.join(".kiro/steering/binary.md"),
        [0xff, 0xfe, 0x00, 0x80],
    )
    .expect("write binary file");

    let policy = load_with_home(&options(Some(workspace), &[], false), None);
    assert_eq!(
        policy.problems.len(),
        1,
        "{}",
        render_problems(&policy.problems)
    );
    assert!(policy.problems[0].path.ends_with("binary.md"));
    assert!(
        policy.problems[0]
            .message
            .starts_with("cannot read steering document")
    );
    assert_eq!(policy.rules_for_check("hardcoded-secret").count(), 1);
    assert_eq!(
        policy.citation(
            policy
                .rules_for_check("hardcoded-secret")
                .next()
                .expect("bound")
                .section
        ),
        "Good › Secrets"
    );
}

#[test]
fn file_match_pattern_matching_nothing_is_reported() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let workspace = temp.path();
    write(&workspace.join("api/users.py"), "");
    write(&workspace.join("build/generated.py"), "");
    write(&workspace.join(".gitignore"), "build/\n");
    let front_matter = "---\ninclusion: fileMatch\nfileMatchPattern:\n  - \"api/**/*.py\"\n  - \"build/**/*.py\"\n  - \"apps/**/*.py\"\n---\n# API\n";
    write(&workspace.join(".kiro/steering/api.md"), front_matter);

    let policy = load_with_home(&options(Some(workspace), &[], false), None);
    let lines: Vec<u32> = policy.problems.iter().map(|problem| problem.line).collect();
    assert_eq!(lines, vec![4, 5], "{}", render_problems(&policy.problems));
    assert!(
        policy.problems[0]
            .message
            .contains("`build/**/*.py` matches no file"),
        "{}",
        policy.problems[0].message
    );
    assert!(
        policy.problems[1]
            .message
            .contains("`apps/**/*.py` matches no file"),
        "{}",
        policy.problems[1].message
    );
}

#[test]
fn same_folder_reached_twice_loads_once() {
    let temp = tempfile::tempdir().expect("temporary folder");
    let workspace = temp.path();
    write(&workspace.join(".kiro/steering/rules.md"), "# Rules\n");

    let policy = load_with_home(&options(Some(workspace), &[], true), Some(workspace));
    let names = origins_and_names(&policy);
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], (Origin::Workspace, "rules.md".to_owned()));
}
