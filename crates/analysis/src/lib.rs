//! Python analysis: incremental parsing, the check catalog, findings and fixes.
//!
//! The analysis crate turns a parsed [`Document`] plus a [`Policy`] into
//! [`Finding`]s. It speaks byte offsets and knows nothing about LSP, files on
//! disk or output formats, so the language server and `guardian check` share
//! it and can never disagree. Analysis never fails on broken code: tree-sitter
//! recovers from syntax errors and the checks read whatever parsed.

mod checks;
mod document;
mod engine;
mod finding;
mod fixes;
mod incremental;
mod line_index;
mod prefilter;
mod semantic;
mod suppression;

pub use document::{Document, EditBatch, EditError};
pub use engine::AnalyzeOptions;
pub use incremental::IncrementalAnalysis;
pub use finding::{Edit, Finding, Fix, FixKind, Related, apply_edits};
pub use jiff::civil::Date;
pub use suppression::{EXPIRED_SUPPRESSION, INVALID_SUPPRESSION, UNUSED_SUPPRESSION};
pub use guardian_policy::{CheckOption, OptionKind, Policy, SectionId, Severity};
pub use line_index::{IndexedText, LineCol, LineIndex, PositionEncoding};

use std::path::Path;

/// User documentation and policy metadata for one built-in check.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// The rule id, e.g. `sql-injection`.
    pub name: &'static str,
    /// One line for `guardian rules`.
    pub summary: &'static str,
    /// Markdown with fixed headings: what it does, why it matters, example,
    /// use instead, known problems, references.
    pub documentation: &'static str,
    /// Words a section heading may use to bind this check.
    pub topics: &'static [&'static str],
    pub default_severity: Severity,
}

impl CheckInfo {
    /// Returns the options the check reads from a rule's `options:` map,
    /// which its documentation describes under `## Options`.
    pub fn options(&self) -> &'static [CheckOption] {
        checks::CheckId::from_name(self.name).map_or(&[], checks::CheckId::options)
    }
}

/// Returns every built-in check.
pub fn catalog() -> &'static [CheckInfo] {
    static CATALOG: std::sync::LazyLock<Vec<CheckInfo>> =
        std::sync::LazyLock::new(|| checks::CheckId::ALL.iter().map(|check| *check.info()).collect());
    &CATALOG
}

/// Returns the catalog entry of the check called `name`.
pub fn check_info(name: &str) -> Option<&'static CheckInfo> {
    checks::CheckId::from_name(name).map(checks::CheckId::info)
}

/// Returns the catalog in the shape the policy loader needs.
pub fn known_checks() -> Vec<guardian_policy::KnownCheck> {
    catalog()
        .iter()
        .map(|check| guardian_policy::KnownCheck { name: check.name, topics: check.topics, options: check.options() })
        .collect()
}

/// Analyzes one document under a policy.
///
/// `path` is the file's path relative to the workspace root, with `/`
/// separators; `files:` and `fileMatchPattern` globs are matched against it.
/// Findings are sorted by position. Besides the policy's rules, unusable
/// suppression comments are reported as [`INVALID_SUPPRESSION`] and
/// [`EXPIRED_SUPPRESSION`] findings, which cite no section.
pub fn analyze(document: &Document, path: &Path, policy: &Policy) -> Vec<Finding> {
    analyze_with(document, path, policy, &AnalyzeOptions::default())
}

/// Analyzes one document under a policy, with explicit options such as the date.
pub fn analyze_with(document: &Document, path: &Path, policy: &Policy, options: &AnalyzeOptions) -> Vec<Finding> {
    engine::analyze_tree(document.text(), document.tree(), path, policy, options)
}

/// Analyzes Python source text that has not been parsed yet.
///
/// Gives the same findings as [`analyze_with`] on a [`Document`] of the same
/// text. It parses only when the keyword prefilter finds that a check, a
/// custom rule or a suppression comment can apply, so a batch run such as
/// `guardian check` skips parsing the files without any trigger word.
pub fn analyze_source(text: &str, path: &Path, policy: &Policy, options: &AnalyzeOptions) -> Vec<Finding> {
    engine::analyze_source(text, path, policy, options)
}

/// Runs the policy's `regex:` rules over a file that is not Python.
///
/// `path` is relative to the workspace root, as for [`analyze`]; only rules
/// whose `files:` and document scope match it run. Findings cite their
/// sections and carry the rules' fixes; suppression comments are not read.
pub fn analyze_text(path: &Path, text: &str, policy: &Policy) -> Vec<Finding> {
    engine::analyze_non_python_text(text, path, policy)
}

/// Analyzes source text together with the tree-sitter tree parsed from it.
///
/// For callers that parse themselves; `tree` must come from exactly `source`.
pub fn analyze_parsed(
    source: &str,
    tree: &tree_sitter::Tree,
    path: &Path,
    policy: &Policy,
    options: &AnalyzeOptions,
) -> Vec<Finding> {
    engine::analyze_tree(source, tree, path, policy, options)
}
