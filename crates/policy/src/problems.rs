//! Collecting [`PolicyProblem`]s for one document, with lines computed from byte ranges.

use crate::line_index::LineIndex;
use crate::model::{PolicyProblem, Severity};
use std::ops::Range;
use std::path::Path;

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
    pub(crate) fn at_range(&mut self, range: Range<usize>, severity: Severity, message: String) {
        tracing::warn!(path = %self.path.display(), offset = range.start, %message, "steering document problem");
        let line = self.line_index.line_of(range.start);
        self.problems.push(PolicyProblem {
            path: self.path.to_path_buf(),
            line,
            range,
            severity,
            message,
        });
    }

    /// Records a problem that covers one whole zero-based line.
    pub(crate) fn at_line(&mut self, line: u32, severity: Severity, message: String) {
        let range = self.line_index.line_range(line, self.text);
        self.at_range(range, severity, message);
    }
}
