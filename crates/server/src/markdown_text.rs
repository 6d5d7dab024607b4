//! The text of an open steering document: a Markdown string and its line
//! index, kept in step under incremental edits. Unlike a Python
//! [`Document`](guardian_analysis::Document), it has no syntax tree, because
//! the policy crate reparses the whole Markdown text on every check.

/// Markdown text and its line index.
pub use guardian_analysis::IndexedText as MarkdownText;

#[cfg(test)]
mod tests {
    use guardian_analysis::{EditError, LineCol, LineIndex, PositionEncoding};

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
