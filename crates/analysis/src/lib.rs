//! Python analysis: incremental parsing, the check catalog, findings and fixes.
//!
//! The analysis crate turns a parsed [`Document`] plus a [`Policy`] into
//! [`Finding`]s. It speaks byte offsets and knows nothing about LSP, files on
//! disk or output formats, so the language server and `guardian check` share
//! it and can never disagree. Analysis never fails on broken code: tree-sitter
//! recovers from syntax errors and the checks read whatever parsed.

mod document;
mod finding;
mod line_index;

pub use document::{Document, EditError};
pub use finding::{Edit, Finding, Fix, FixKind, Related};
pub use guardian_policy::{Policy, SectionId, Severity};
pub use line_index::{LineCol, LineIndex, PositionEncoding};

use std::path::Path;

/// User documentation and policy metadata for one built-in check.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// The rule id, e.g. `sql-injection`.
    pub name: &'static str,
    /// One line for `guardian rules`.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters, example, use instead, references.
    pub documentation: &'static str,
    /// Words a section heading may use to bind this check.
    pub topics: &'static [&'static str],
    pub default_severity: Severity,
}

/// Returns every built-in check.
pub fn catalog() -> &'static [CheckInfo] {
    &[]
}

/// Returns the catalog in the shape the policy loader needs.
pub fn known_checks() -> Vec<guardian_policy::KnownCheck> {
    catalog()
        .iter()
        .map(|check| guardian_policy::KnownCheck { name: check.name, topics: check.topics })
        .collect()
}

/// Analyzes one document under a policy.
///
/// `path` is the file's path relative to the workspace root, with `/`
/// separators; `files:` and `fileMatchPattern` globs are matched against it.
pub fn analyze(document: &Document, path: &Path, policy: &Policy) -> Vec<Finding> {
    let _ = (document, path, policy);
    Vec::new()
}
