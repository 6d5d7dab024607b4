//! Reporting `fileMatchPattern` globs that match no file in the workspace.
//!
//! Such a document never applies, which is almost always a mistake in the
//! pattern (a wrong folder name, a path relative to the wrong root). The
//! workspace is walked once, honoring `.gitignore`, and the walk stops as
//! soon as every pattern has matched a file.

use crate::line_index::LineIndex;
use crate::model::{Inclusion, Origin, PolicyProblem, Severity, SteeringDocument};
use globset::{Glob, GlobMatcher};
use std::path::Path;

/// One pattern that has not matched a file yet.
struct PendingPattern {
    document: usize,
    pattern: String,
    matcher: GlobMatcher,
}

/// Returns a problem for each `fileMatchPattern` of a non-bundled document that matches no workspace file.
///
/// NOTE: a pattern that matches nothing costs a walk of the whole workspace (minus ignored files).
pub fn unmatched_pattern_problems(
    documents: &[SteeringDocument],
    workspace_root: &Path,
) -> Vec<PolicyProblem> {
    let mut pending = pending_patterns(documents);
    if pending.is_empty() {
        return Vec::new();
    }

    let walk = ignore::WalkBuilder::new(workspace_root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();

    for entry in walk.flatten() {
        let is_file = entry
            .file_type()
            .is_some_and(|file_type| file_type.is_file());
        let Ok(relative) = entry.path().strip_prefix(workspace_root) else {
            continue;
        };
        if is_file {
            pending.retain(|pattern| !pattern.matcher.is_match(relative));
        }
        if pending.is_empty() {
            return Vec::new();
        }
    }

    pending
        .iter()
        .map(|pattern| unmatched_problem(&documents[pattern.document], &pattern.pattern))
        .collect()
}

fn pending_patterns(documents: &[SteeringDocument]) -> Vec<PendingPattern> {
    let mut pending = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let Inclusion::FileMatch { patterns } = &document.inclusion else {
            continue;
        };
        if document.origin == Origin::Bundled {
            continue;
        }
        for pattern in patterns {
            // Invalid globs were already reported while parsing the front matter.
            if let Ok(glob) = Glob::new(pattern) {
                pending.push(PendingPattern {
                    document: index,
                    pattern: pattern.clone(),
                    matcher: glob.compile_matcher(),
                });
            }
        }
    }
    pending
}

fn unmatched_problem(document: &SteeringDocument, pattern: &str) -> PolicyProblem {
    let line_index = LineIndex::new(&document.text);
    let offset = document.text.find(pattern).unwrap_or(0);
    let line = line_index.line_of(offset);
    let message = format!(
        "fileMatchPattern `{pattern}` matches no file in the workspace, so this document applies to no file; write the pattern relative to the workspace root"
    );
    tracing::warn!(path = %document.path.display(), %pattern, "fileMatchPattern matches no file");

    PolicyProblem {
        path: document.path.clone(),
        line,
        range: line_index.line_range(line, &document.text),
        severity: Severity::Warning,
        message,
        code: crate::problems::codes::UNMATCHED_PATTERN,
        fix: None,
    }
}
