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
