//! The shared detection corpus: every `# expect:` marker for a category this
//! crate implements must be found, and `clean` lines must stay clean.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use guardian_analysis::catalog;

/// One file's scoring against its markers, for the implemented categories.
#[derive(Default)]
struct Score {
    found: usize,
    missed: Vec<String>,
    clean_violated: Vec<String>,
}

fn score_file(path: &Path, relative: &str, scores: &mut BTreeMap<String, Score>) {
    let Ok(source) = std::fs::read_to_string(path) else {
        return;
    };
    let implemented: Vec<&str> = catalog().iter().map(|check| check.name).collect();
    let findings = common::analyze_with_policy(&source, &common::all_checks_policy(), Path::new(relative));

    for (index, line) in source.lines().enumerate() {
        let Some(expected) = line.split("# expect:").nth(1).map(str::trim) else {
            continue;
        };
        let on_line: Vec<&str> = findings
            .iter()
            .filter(|finding| common::line_of(&source, finding.range.start) == index)
            .filter(|finding| implemented.contains(&finding.rule.as_str()))
            .map(|finding| finding.rule.as_str())
            .collect();
        let location = format!("{relative}:{}", index + 1);

        if expected == "clean" {
            for rule in on_line {
                scores.entry(rule.to_owned()).or_default().clean_violated.push(location.clone());
            }
            continue;
        }
        if !implemented.contains(&expected) {
            continue;
        }
        let score = scores.entry(expected.to_owned()).or_default();
        if on_line.contains(&expected) {
            score.found += 1;
        } else {
            score.missed.push(format!("{location} (found {on_line:?})"));
        }
    }
}

#[test]
fn shared_cases_markers() {
    let Some(root) = common::shared_data("cases/python") else {
        return;
    };
    let mut files: Vec<_> = walk_python_files(&root);
    files.sort();

    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap_or(path).to_string_lossy().replace('\\', "/");
        score_file(path, &relative, &mut scores);
    }

    let mut report = String::new();
    for (rule, score) in &scores {
        let expected = score.found + score.missed.len();
        report.push_str(&format!("{rule}: found {}/{expected}, clean violated {}\n", score.found, score.clean_violated.len()));
        for missed in &score.missed {
            report.push_str(&format!("  missed {missed}\n"));
        }
        for violated in &score.clean_violated {
            report.push_str(&format!("  clean violated {violated}\n"));
        }
    }
    eprintln!("{report}");

    for (rule, score) in &scores {
        let expected = score.found + score.missed.len();
        assert_eq!(score.found, expected, "{rule}: expected findings were missed\n{report}");
        assert!(score.clean_violated.is_empty(), "{rule}: clean lines have findings\n{report}");
    }
}

fn walk_python_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "py") {
                files.push(path);
            }
        }
    }
    files
}
