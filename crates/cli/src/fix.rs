//! `guardian check --fix` and `--diff`: applies the rewrite fixes of the
//! findings to a file, in rounds, and writes the result atomically or shows
//! it as a unified diff.
//!
//! A round takes the first rewrite fix of each finding in position order and
//! skips any fix whose edits overlap an edit already chosen (identical edits,
//! such as two fixes that both add `import os`, count once). The new text is
//! analyzed again and the next round fixes what is left, up to
//! [`MAX_ROUNDS`]. A round that would add syntax errors to the file is
//! dropped, so `--fix` never breaks code that parsed. Secrets stay masked in
//! diffs: string literals under `hardcoded-secret` findings are masked on
//! both sides before diffing.

use std::io::Write;
use std::path::Path;

use guardian_analysis::{Date, Document, Edit, Finding, FixKind, Policy, apply_edits};

use crate::check::{self, FileReport, SourceText};
use crate::output::{display_path, mask_secret_findings};

/// Maximum rounds of fixing per file. Each round re-analyzes the text, so a
/// fix that lost an overlap, or that appears only after another fix, gets its
/// turn in the next round. The limit stops fixes that never settle.
// NOTE: five is an estimate; every file in the project's fixtures settles in one round.
pub const MAX_ROUNDS: usize = 5;

/// A file after its fixes, with the findings that remain.
pub struct FixedFile {
    /// The re-analyzed file.
    pub report: FileReport,
    /// How many findings had a fix applied.
    pub fixed: usize,
    /// The text before any fix, with secrets masked, present when a fix changed the file.
    pub masked_original: Option<String>,
    /// The file text before any fix, present when a fix changed the file.
    pub original: Option<String>,
    /// The reason fixing stopped early, printed as a warning.
    pub warning: Option<String>,
}

/// Fixes one analyzed file in memory; the caller writes or diffs the result.
///
/// Because the report keeps no syntax tree, this parses the original text
/// again to count its syntax errors, and every round parses its new text from scratch.
pub fn fix_file(report: FileReport, today: Date) -> FixedFile {
    let original = report.source.text().to_owned();
    let masked_original = mask_secrets(&original, &report.findings, &report.relative_path, &report.policy, today);
    let FileReport { path, relative_path, source: _, mut findings, policy } = report;

    let mut text = original.clone();
    let mut original_errors = None;
    let mut fixed = 0;
    let mut warning = None;

    let mut rounds = 0;
    for _round in 0..MAX_ROUNDS {
        let selection = select_edits(&findings);
        if selection.edits.is_empty() {
            break;
        }

        let new_text = apply_edits(&text, &selection.edits);
        if new_text == text {
            break;
        }

        let document = Document::new(new_text);
        let Some(new_findings) = check::analyze_document(&document, &relative_path, &policy, today) else {
            warning = Some("the analysis failed on the fixed text; kept the last good version".to_owned());
            break;
        };
        let allowed_errors = *original_errors.get_or_insert_with(|| syntax_error_count(&Document::new(original.clone())));
        if syntax_error_count(&document) > allowed_errors {
            warning = Some("a fix would add a syntax error; kept the last good version".to_owned());
            tracing::warn!(path = %path.display(), "dropped a fix round that adds syntax errors");
            break;
        }

        fixed += selection.fixed_findings;
        rounds += 1;
        text = document.text().to_owned();
        findings = new_findings;
    }
    tracing::debug!(path = %path.display(), rounds, fixed, "fixes applied");

    let changed = text != original;
    let report = FileReport { path, relative_path, source: SourceText::new(text), findings, policy };
    FixedFile {
        report,
        fixed,
        masked_original: changed.then_some(masked_original),
        original: changed.then_some(original),
        warning,
    }
}

/// Writes the fixed text in place of the file: a temporary file in the same
/// folder, then a rename, so a reader never sees half a file. Fails when the
/// file changed on disk since it was read.
pub fn write_fixed(path: &Path, original: &str, fixed: &str) -> std::io::Result<()> {
    let on_disk = std::fs::read(path)?;
    if on_disk != original.as_bytes() {
        return Err(std::io::Error::other("the file changed on disk while it was being fixed; run again"));
    }

    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new().prefix(".guardian-fix-").tempfile_in(folder)?;
    temporary.write_all(fixed.as_bytes())?;
    temporary.as_file().sync_all()?;

    let permissions = std::fs::metadata(path)?.permissions();
    temporary.as_file().set_permissions(permissions)?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Returns the unified diff of a fixed file, with secrets masked on both sides.
pub fn masked_diff(fixed: &FixedFile, current_directory: &Path, today: Date) -> Option<String> {
    let before = fixed.masked_original.as_deref()?;
    let report = &fixed.report;
    let after = mask_secrets(report.source.text(), &report.findings, &report.relative_path, &report.policy, today);
    let path = display_path(&fixed.report.path, current_directory);

    let diff = similar::TextDiff::from_lines(before, after.as_str());
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    Some(unified)
}

/// The edits chosen for one round and how many findings they fix.
#[derive(Debug, Default, PartialEq, Eq)]
struct Selection {
    edits: Vec<Edit>,
    fixed_findings: usize,
}

/// Chooses the first rewrite fix of each finding whose edits do not conflict with those already chosen.
fn select_edits(findings: &[Finding]) -> Selection {
    let mut selection = Selection::default();

    for finding in findings {
        let Some(fix) = finding.fixes.iter().find(|fix| fix.kind == FixKind::Rewrite) else {
            continue;
        };
        let has_conflict = fix
            .edits
            .iter()
            .any(|edit| selection.edits.iter().any(|chosen| edits_conflict(edit, chosen)));
        if has_conflict || fix.edits.is_empty() {
            continue;
        }

        for edit in &fix.edits {
            if !selection.edits.contains(edit) {
                selection.edits.push(edit.clone());
            }
        }
        selection.fixed_findings += 1;
    }
    selection
}

/// Two edits conflict when their ranges overlap, or when both insert at the
/// same point (their order would be a guess). Identical edits never conflict.
fn edits_conflict(left: &Edit, right: &Edit) -> bool {
    if left == right {
        return false;
    }

    let overlap = left.range.start < right.range.end && right.range.start < left.range.end;
    let both_insert_at_same_point =
        left.range.is_empty() && right.range.is_empty() && left.range.start == right.range.start;
    let insertion_inside = |insertion: &Edit, other: &Edit| {
        insertion.range.is_empty() && other.range.start < insertion.range.start && insertion.range.start < other.range.end
    };
    overlap || both_insert_at_same_point || insertion_inside(left, right) || insertion_inside(right, left)
}

/// Masks every secret in `text`: the reported ones, and the ones a suppression comment hides.
///
/// A suppressed secret is still a secret, and a diff can show its line as
/// context. To find those, the text is analyzed again with the word `guardian`
/// changed to `guardiax`, which disables every suppression comment while
/// keeping each byte offset, so the ranges found apply to `text` unchanged.
fn mask_secrets(text: &str, findings: &[Finding], relative_path: &Path, policy: &Policy, today: Date) -> String {
    let unsuppressed_text = text.replace("guardian", "guardiax");
    let hidden_secrets = check::analyze_text(&unsuppressed_text, relative_path, policy, today).unwrap_or_default();
    mask_secret_findings(text, findings.iter().chain(hidden_secrets.iter()))
}

/// Counts `ERROR` and missing nodes in the syntax tree, visiting only subtrees that contain one.
fn syntax_error_count(document: &Document) -> usize {
    let mut count = 0;
    let mut cursor = document.tree().walk();

    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            count += 1;
        }

        let descends = node.has_error() && cursor.goto_first_child();
        if descends {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit { range: start..end, replacement: replacement.to_owned() }
    }

    #[test]
    fn overlapping_edits_conflict() {
        assert!(edits_conflict(&edit(0, 5, "a"), &edit(4, 8, "b")));
        assert!(!edits_conflict(&edit(0, 5, "a"), &edit(5, 8, "b")));
    }

    #[test]
    fn identical_edits_do_not_conflict() {
        assert!(!edits_conflict(&edit(0, 0, "import os\n"), &edit(0, 0, "import os\n")));
    }

    #[test]
    fn insertions_at_same_point_conflict() {
        assert!(edits_conflict(&edit(3, 3, "a"), &edit(3, 3, "b")));
    }

    #[test]
    fn insertion_inside_replacement_conflicts() {
        assert!(edits_conflict(&edit(4, 4, "x"), &edit(2, 6, "y")));
        assert!(!edits_conflict(&edit(2, 2, "x"), &edit(2, 6, "y")));
    }

    #[test]
    fn syntax_errors_are_counted() {
        assert_eq!(syntax_error_count(&Document::new("x = 1\n".to_owned())), 0);
        assert!(syntax_error_count(&Document::new("x = (\ny = 2\n".to_owned())) > 0);
    }
}
