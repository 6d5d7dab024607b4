//! The shared detection corpus: every `# expect:` marker must name a category
//! this crate implements and must be found, and `clean` lines must stay clean.
//!
//! With `GUARDIAN_FINDINGS_JSON=PATH`, the marker test also writes every
//! finding as `[{"path","line","category"}]`, the input of the corpus's
//! `score.py`, to PATH.

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

/// One finding in the shape `score.py` reads.
#[derive(serde::Serialize)]
struct ScoredFinding {
    path: String,
    line: usize,
    category: String,
}

fn score_file(path: &Path, relative: &str, scores: &mut BTreeMap<String, Score>, all_findings: &mut Vec<ScoredFinding>) {
    let Ok(source) = std::fs::read_to_string(path) else {
        return;
    };
    let implemented: Vec<&str> = catalog().iter().map(|check| check.name).collect();
    let findings = common::analyze_with_policy(&source, &common::all_checks_policy(), Path::new(relative));
    all_findings.extend(findings.iter().map(|finding| ScoredFinding {
        path: format!("python/{relative}"),
        line: common::line_of(&source, finding.range.start) + 1,
        category: finding.rule.clone(),
    }));

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
            scores.entry(expected.to_owned()).or_default().missed.push(format!("{location} (category not implemented)"));
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
#[allow(clippy::print_stderr, reason = "the per-category report helps when a marker is missed")]
fn shared_cases_markers() {
    let Some(root) = common::shared_data("cases/python") else {
        return;
    };
    let mut files: Vec<_> = walk_python_files(&root);
    files.sort();

    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut all_findings = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap_or(path).to_string_lossy().replace('\\', "/");
        score_file(path, &relative, &mut scores, &mut all_findings);
    }
    if let Ok(output) = std::env::var("GUARDIAN_FINDINGS_JSON") {
        let json = serde_json::to_string_pretty(&all_findings).expect("findings serialize to JSON");
        std::fs::write(&output, json).unwrap_or_else(|error| panic!("failed to write findings to {output}: {error}"));
    }
    let categories_in_corpus = scores.len();
    assert!(categories_in_corpus >= 18, "expected markers for all 18 categories, scored {categories_in_corpus}");

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

/// Applies every rewrite fix offered on the shared corpus, one at a time, and
/// checks that the result still parses and has fewer findings of that rule.
#[test]
fn shared_cases_fixes_parse_and_resolve() {
    let Some(root) = common::shared_data("cases/python") else {
        return;
    };
    let policy = common::all_checks_policy();
    let mut applied = 0;

    for path in walk_python_files(&root) {
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let relative = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let findings = common::analyze_with_policy(&source, &policy, Path::new(&relative));

        for finding in &findings {
            for fix in finding.fixes.iter().filter(|fix| fix.kind == guardian_analysis::FixKind::Rewrite) {
                let fixed = guardian_analysis::apply_edits(&source, &fix.edits);
                let document = guardian_analysis::Document::new(fixed.clone());
                assert!(
                    !document.tree().root_node().has_error(),
                    "{relative}: fix `{}` for {} produced invalid Python",
                    fix.title,
                    finding.rule
                );

                let before = findings.iter().filter(|other| other.rule == finding.rule).count();
                let after = common::analyze_with_policy(&fixed, &policy, Path::new(&relative))
                    .iter()
                    .filter(|other| other.rule == finding.rule)
                    .count();
                assert!(after < before, "{relative}: fix `{}` did not remove its {} finding", fix.title, finding.rule);
                applied += 1;
            }
        }
    }
    assert!(applied >= 20, "expected many fixes on the shared corpus, applied {applied}");
}

/// Analyzes every prefix of the corpus files cut at regular offsets, which
/// leaves unterminated strings, calls and blocks, and checks that nothing
/// panics and every finding range lies inside the text.
#[test]
fn truncated_sources_never_panic() {
    let Some(root) = common::shared_data("cases/python") else {
        return;
    };
    for path in walk_python_files(&root) {
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let cut_points = (0..source.len()).step_by(211).filter(|offset| source.is_char_boundary(*offset));
        for cut in cut_points {
            let prefix = &source[..cut];
            for finding in common::analyze_source(prefix) {
                assert!(finding.range.end <= prefix.len(), "{}: range past the end at cut {cut}", path.display());
                for fix in &finding.fixes {
                    let _ = guardian_analysis::apply_edits(prefix, &fix.edits);
                }
            }
        }
    }
}
