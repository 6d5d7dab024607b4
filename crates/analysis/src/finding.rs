//! Findings and the fixes attached to them.

use std::ops::Range;

use guardian_policy::{SectionId, Severity};

/// One violation of a rule at a byte range of a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// The check name or custom rule id.
    pub rule: String,
    pub range: Range<usize>,
    pub severity: Severity,
    /// What was found and what to do, without the citation. Secrets are masked.
    pub message: String,
    /// The sections that bind this rule, most specific first.
    #[serde(skip)]
    pub citations: Vec<SectionId>,
    pub fixes: Vec<Fix>,
    /// Other places that explain the finding, such as where a tainted value came from.
    pub related: Vec<Related>,
}

/// A secondary location attached to a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Related {
    pub range: Range<usize>,
    pub message: String,
}

/// A set of edits that resolves a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    pub title: String,
    pub kind: FixKind,
    /// Non-overlapping edits against the analyzed text.
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// Rewrites the code so it complies; the preferred action.
    Rewrite,
    /// Adds a `# guardian: ignore[RULE] reason="…"` comment.
    RecordException,
}

/// Replaces a byte range with new text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// Applies non-overlapping edits to `text` and returns the new text.
///
/// Edits are applied from the last to the first, so every range refers to the
/// original text. An edit whose range is out of bounds or overlaps the next
/// one is skipped rather than corrupting the result.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));

    let mut result = text.to_owned();
    let mut next_start = text.len();
    for edit in sorted.into_iter().rev() {
        let fits = edit.range.start <= edit.range.end
            && edit.range.end <= next_start
            && text.is_char_boundary(edit.range.start)
            && text.is_char_boundary(edit.range.end);
        if !fits {
            tracing::warn!(start = edit.range.start, end = edit.range.end, "skipped an edit that does not fit the text");
            continue;
        }
        result.replace_range(edit.range.clone(), &edit.replacement);
        next_start = edit.range.start;
    }
    result
}
