//! A Python source document with its line index and syntax tree.

use std::ops::Range;

use crate::line_index::LineIndex;

/// An edit that does not fit the document's current text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("edit range {start}..{end} is outside the document of {len} bytes")]
    OutOfBounds { start: usize, end: usize, len: usize },
    #[error("edit range {start}..{end} splits a UTF-8 character")]
    NotCharBoundary { start: usize, end: usize },
}

/// Text, line index and tree-sitter tree, kept in step under incremental edits.
pub struct Document {
    text: String,
    line_index: LineIndex,
    tree: tree_sitter::Tree,
}

impl Document {
    pub fn new(text: String) -> Self {
        let _ = text;
        unimplemented!("document")
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    pub fn tree(&self) -> &tree_sitter::Tree {
        &self.tree
    }

    /// Replaces `range` with `new_text` and reparses incrementally.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        let _ = (range, new_text);
        unimplemented!("document")
    }
}
