//! Collecting [`PolicyProblem`]s for one document, with lines computed from byte ranges.
//!
//! Every problem carries a stable code; the constants here list them all, so
//! the server and the CLI can match on a code without parsing messages.

use crate::line_index::LineIndex;
use crate::model::{PolicyProblem, ProblemFix, Severity};
use std::ops::Range;
use std::path::Path;

/// Stable problem codes, one per kind of mistake in a steering document.
pub mod codes {
    pub const INVALID_YAML: &str = "invalid-yaml";
    pub const UNCLOSED_FRONT_MATTER: &str = "unclosed-front-matter";
    pub const UNKNOWN_INCLUSION: &str = "unknown-inclusion";
    pub const MISSING_FILE_MATCH_PATTERN: &str = "missing-file-match-pattern";
    pub const AUTO_WITHOUT_NAME: &str = "auto-without-name-or-description";
    pub const COMMA_SEPARATED_PATTERN: &str = "comma-separated-pattern";
    pub const INVALID_GLOB: &str = "invalid-glob";
    pub const UNMATCHED_PATTERN: &str = "unmatched-pattern";
    pub const BROKEN_FILE_REFERENCE: &str = "broken-file-reference";
    pub const EMPTY_BLOCK: &str = "empty-block";
    pub const UNKNOWN_KEY: &str = "unknown-key";
    pub const UNKNOWN_CHECK: &str = "unknown-check";
    pub const UNKNOWN_OPTION: &str = "unknown-option";
    pub const INVALID_OPTION: &str = "invalid-option";
    pub const INVALID_RULE: &str = "invalid-rule";
    pub const INVALID_SEVERITY: &str = "invalid-severity";
    pub const INVALID_REGEX: &str = "invalid-regex";
    pub const INVALID_QUERY: &str = "invalid-query";
    pub const WEAKENED_ORGANIZATION_RULE: &str = "weakened-organization-rule";
    pub const UNREADABLE_STEERING: &str = "unreadable-steering";
    pub const UNBOUND_REQUIREMENT: &str = "unbound-requirement";
}

/// The problems found in one document so far.
pub(crate) struct ProblemSink<'a> {
    path: &'a Path,
    text: &'a str,
    line_index: &'a LineIndex,
    pub(crate) problems: Vec<PolicyProblem>,
}

impl<'a> ProblemSink<'a> {
    pub(crate) fn new(path: &'a Path, text: &'a str, line_index: &'a LineIndex) -> Self {
        Self {
            path,
            text,
            line_index,
            problems: Vec::new(),
        }
    }

    /// Records a problem that covers a byte range; its line is the range's first line.
    pub(crate) fn at_range(
        &mut self,
        range: Range<usize>,
        severity: Severity,
        code: &'static str,
        message: String,
    ) {
        self.push(range, severity, code, message, None);
    }

    /// Records a problem that covers one whole zero-based line.
    pub(crate) fn at_line(&mut self, line: u32, severity: Severity, code: &'static str, message: String) {
        let range = self.line_index.line_range(line, self.text);
        self.push(range, severity, code, message, None);
    }

    /// Records a problem with an edit that resolves it.
    pub(crate) fn push(
        &mut self,
        range: Range<usize>,
        severity: Severity,
        code: &'static str,
        message: String,
        fix: Option<ProblemFix>,
    ) {
        tracing::warn!(path = %self.path.display(), offset = range.start, code, %message, "steering document problem");
        let line = self.line_index.line_of(range.start);
        self.problems.push(PolicyProblem {
            path: self.path.to_path_buf(),
            line,
            range,
            severity,
            message,
            code,
            fix,
        });
    }

    /// Returns the byte range of one whole zero-based line.
    pub(crate) fn line_range(&self, line: u32) -> Range<usize> {
        self.line_index.line_range(line, self.text)
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }
}
