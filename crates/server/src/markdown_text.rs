//! The text of an open steering document: a Markdown string and its line
//! index, kept in step under incremental edits. Unlike a Python
//! [`Document`](guardian_analysis::Document), it has no syntax tree, because
//! the policy crate reparses the whole Markdown text on every check.

use std::ops::Range;

use guardian_analysis::{EditError, LineCol, LineIndex, PositionEncoding};

/// Markdown text and its line index.
#[derive(Debug, Clone)]
pub struct MarkdownText {
    text: String,
    line_index: LineIndex,
}

impl MarkdownText {
    pub fn new(text: String) -> Self {
        let line_index = LineIndex::new(&text);
        Self { text, line_index }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Converts a byte offset to a line and column; see [`LineIndex::line_col`].
    pub fn line_col(&self, offset: usize, encoding: PositionEncoding) -> LineCol {
        self.line_index.line_col(&self.text, offset, encoding)
    }

    /// Replaces `range` with `new_text`, rejecting a range outside the text or inside a UTF-8 character.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        let in_bounds = range.start <= range.end && range.end <= self.text.len();
        if !in_bounds {
            return Err(EditError::OutOfBounds { start: range.start, end: range.end, len: self.text.len() });
        }
        let on_char_boundaries = self.text.is_char_boundary(range.start) && self.text.is_char_boundary(range.end);
        if !on_char_boundaries {
            return Err(EditError::NotCharBoundary { start: range.start, end: range.end });
        }

        self.text.replace_range(range.clone(), new_text);
        let new_end = range.start + new_text.len();
        self.line_index.apply_edit(&self.text, range, new_end);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_line_index_in_step() {
        let mut text = MarkdownText::new("# Title\r\n\nbody é\n".to_string());
        text.edit(9..9, "new line\n").expect("edit fits");
        text.edit(0..2, "").expect("edit fits");

        assert_eq!(text.text(), "Title\r\nnew line\n\nbody é\n");
        assert_eq!(text.line_index(), &LineIndex::new(text.text()));
        assert_eq!(text.line_col(text.text().len() - 1, PositionEncoding::Utf16), LineCol { line: 3, column: 6 });
    }

    #[test]
    fn edit_rejects_ranges_that_do_not_fit() {
        let mut text = MarkdownText::new("é".to_string());
        assert_eq!(text.edit(1..2, "x"), Err(EditError::NotCharBoundary { start: 1, end: 2 }));
        assert_eq!(text.edit(0..3, "x"), Err(EditError::OutOfBounds { start: 0, end: 3, len: 2 }));
        assert_eq!(text.text(), "é", "a rejected edit leaves the text unchanged");
    }
}
