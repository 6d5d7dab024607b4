//! A Python source document with its line index and syntax tree.
//!
//! [`Document`] keeps the text, its [`LineIndex`] and a tree-sitter tree in
//! step. Edits are byte ranges of the current text. Each one is validated and
//! applied to the text, the line index and the old tree, and then the tree is
//! reparsed incrementally. Parsers are created per parse, so a document is
//! `Send + Sync` and cheap to clone for a background analysis (the tree is
//! reference-counted, only the text is copied).
//!
//! The tree is parsed on first use and can be released again with
//! [`Document::release_tree`]. A tree takes about 40 times the memory of its
//! text (measured with heaptrack on generated 1,000-line files, tree-sitter
//! 0.27), so a language server with many open documents keeps trees only for
//! the documents being edited.

use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{InputEdit, Parser, Point, Tree};

use crate::line_index::{LineCol, LineIndex, PositionEncoding};

/// The largest text that is parsed. tree-sitter counts bytes in `u32`, so a
/// larger document gets the tree of an empty file and produces no findings.
const MAX_PARSED_BYTES: usize = u32::MAX as usize;

/// An edit that does not fit the document's current text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("edit range {start}..{end} is outside the document of {len} bytes")]
    OutOfBounds { start: usize, end: usize, len: usize },
    #[error("edit range {start}..{end} splits a UTF-8 character")]
    NotCharBoundary { start: usize, end: usize },
}

/// Text, line index and tree-sitter tree, kept in step under incremental edits.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    line_index: LineIndex,
    /// Empty until [`Document::tree`] parses the text, and again after [`Document::release_tree`].
    tree: OnceLock<Tree>,
}

impl Document {
    /// Creates a document whose tree is parsed from scratch on first use.
    pub fn new(text: String) -> Self {
        let line_index = LineIndex::new(&text);
        Self { text, line_index, tree: OnceLock::new() }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Returns the syntax tree, parsing the text from scratch first if the document has none.
    pub fn tree(&self) -> &tree_sitter::Tree {
        self.tree.get_or_init(|| parse(&self.text, None))
    }

    /// Whether the document has a parsed tree, so [`Document::tree`] returns without parsing.
    pub fn has_tree(&self) -> bool {
        self.tree.get().is_some()
    }

    /// Drops the syntax tree to free its memory.
    ///
    /// The next [`Document::tree`] call or edit parses the text again from
    /// scratch, so release only trees that are not expected to be needed soon.
    /// Clones of the document made earlier keep their own reference to the tree.
    pub fn release_tree(&mut self) {
        self.tree = OnceLock::new();
    }

    /// Converts a byte offset to a line and column; see [`LineIndex::line_col`].
    pub fn line_col(&self, offset: usize, encoding: PositionEncoding) -> LineCol {
        self.line_index.line_col(&self.text, offset, encoding)
    }

    /// Converts a line and column to a byte offset; see [`LineIndex::offset`].
    pub fn offset(&self, position: LineCol, encoding: PositionEncoding) -> usize {
        self.line_index.offset(&self.text, position, encoding)
    }

    /// Replaces `range` with `new_text` and reparses incrementally.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        self.apply_edits([(range, new_text)])
    }

    /// Applies edits in order, each against the text left by the previous one, then reparses once.
    ///
    /// This is the shape of an LSP `didChange` with several content changes.
    /// If an edit does not fit, the edits before it stay applied, the tree is
    /// reparsed for them, and the error is returned. The document is then
    /// consistent but no longer matches what the caller expected.
    pub fn apply_edits<'a>(
        &mut self,
        edits: impl IntoIterator<Item = (Range<usize>, &'a str)>,
    ) -> Result<(), EditError> {
        let mut batch = self.begin_edits();
        for (range, new_text) in edits {
            batch.edit(range, new_text)?;
        }
        Ok(())
    }

    /// Starts a batch of edits that reparses once, when the batch is dropped.
    ///
    /// Use it when each edit's byte range must be computed against the text
    /// left by the previous edit, as for LSP positions.
    pub fn begin_edits(&mut self) -> EditBatch<'_> {
        EditBatch { document: self, edited: false }
    }

    /// Replaces the whole text and parses it from scratch.
    pub fn replace_text(&mut self, text: String) {
        *self = Self::new(text);
    }

    fn apply_edit_without_reparse(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        self.validate(&range)?;

        let start_position = tree_sitter_point(&self.text, range.start);
        let old_end_position = tree_sitter_point(&self.text, range.end);

        self.text.replace_range(range.clone(), new_text);
        let new_end = range.start + new_text.len();
        let new_end_position = advance_point(start_position, new_text);

        self.line_index.apply_edit(&self.text, range.clone(), new_end);
        if let Some(tree) = self.tree.get_mut() {
            tree.edit(&InputEdit {
                start_byte: range.start,
                old_end_byte: range.end,
                new_end_byte: new_end,
                start_position,
                old_end_position,
                new_end_position,
            });
        }
        Ok(())
    }

    fn validate(&self, range: &Range<usize>) -> Result<(), EditError> {
        let in_bounds = range.start <= range.end && range.end <= self.text.len();
        if !in_bounds {
            return Err(EditError::OutOfBounds { start: range.start, end: range.end, len: self.text.len() });
        }

        let on_char_boundaries = self.text.is_char_boundary(range.start) && self.text.is_char_boundary(range.end);
        if !on_char_boundaries {
            return Err(EditError::NotCharBoundary { start: range.start, end: range.end });
        }
        Ok(())
    }
}

/// Edits applied to a [`Document`]'s text and line index, with one reparse when dropped.
///
/// While the batch lives, only the text and line index are exposed, because
/// the tree is reparsed only at the end. The reparse is incremental when the
/// document had a tree and from scratch otherwise, so an edited document
/// always ends with a tree.
pub struct EditBatch<'a> {
    document: &'a mut Document,
    edited: bool,
}

impl EditBatch<'_> {
    pub fn text(&self) -> &str {
        &self.document.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.document.line_index
    }

    /// Converts a line and column of the current text to a byte offset; see [`LineIndex::offset`].
    pub fn offset(&self, position: LineCol, encoding: PositionEncoding) -> usize {
        self.document.offset(position, encoding)
    }

    /// Replaces `range` of the current text with `new_text`; the reparse waits for the drop.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), EditError> {
        self.document.apply_edit_without_reparse(range, new_text)?;
        self.edited = true;
        Ok(())
    }
}

impl Drop for EditBatch<'_> {
    fn drop(&mut self) {
        if self.edited {
            let old_tree = self.document.tree.take();
            let new_tree = parse(&self.document.text, old_tree.as_ref());
            self.document.tree = OnceLock::from(new_tree);
        }
    }
}

/// Parses Python text, reusing `old_tree` (already edited) when given.
pub(crate) fn parse(text: &str, old_tree: Option<&Tree>) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter ABI");

    let (source, old_tree) = if text.len() > MAX_PARSED_BYTES {
        tracing::warn!(bytes = text.len(), "document is too large to parse; analyzing it as empty");
        ("", None)
    } else {
        (text, old_tree)
    };

    parser.parse(source, old_tree).expect("a parser with a language and no cancellation flag returns a tree")
}

/// Returns the tree-sitter point of a byte offset: rows count `\n` only, columns are bytes.
///
/// tree-sitter's lexer starts a new row at `\n` alone, so a lone `\r` does
/// not start a row here although it starts a line in [`LineIndex`].
// NOTE: this scans the text before `offset` once per edit; it is memchr-like
// fast, but still linear in the document size.
fn tree_sitter_point(text: &str, offset: usize) -> Point {
    advance_point(Point { row: 0, column: 0 }, &text[..offset])
}

/// Returns the point reached after `text`, starting at `start`.
fn advance_point(start: Point, text: &str) -> Point {
    let bytes = text.as_bytes();
    let newline_count = bytes.iter().filter(|&&byte| byte == b'\n').count();

    match bytes.iter().rposition(|&byte| byte == b'\n') {
        Some(last_newline) => Point { row: start.row + newline_count, column: bytes.len() - last_newline - 1 },
        None => Point { row: start.row, column: start.column + bytes.len() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small xorshift generator, so the random-edit test is reproducible without a dependency.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            let bound = u64::try_from(bound.max(1)).unwrap_or(u64::MAX);
            usize::try_from(self.next() % bound).unwrap_or(0)
        }
    }

    fn floor_boundary(text: &str, mut offset: usize) -> usize {
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Creates a document and parses its tree, so that the next edit reparses incrementally.
    fn parsed(text: impl Into<String>) -> Document {
        let document = Document::new(text.into());
        document.tree();
        document
    }

    fn assert_same_as_fresh(document: &Document, context: &str) {
        let fresh = Document::new(document.text().to_string());
        assert_eq!(document.line_index(), fresh.line_index(), "line index after {context}");
        assert_eq!(
            document.tree().root_node().to_sexp(),
            fresh.tree().root_node().to_sexp(),
            "tree after {context}"
        );
        assert_eq!(
            document.tree().root_node().end_position(),
            fresh.tree().root_node().end_position(),
            "tree end point after {context}"
        );
    }

    #[test]
    fn new_parses_python() {
        let document = Document::new("x = 1\n".to_string());
        assert_eq!(
            document.tree().root_node().to_sexp(),
            "(module (expression_statement (assignment left: (identifier) right: (integer))))"
        );
        assert_eq!(document.line_index().line_count(), 2);
    }

    #[test]
    fn edit_rejects_ranges_that_do_not_fit() {
        let text = "é = 1\n";
        let cases: &[(Range<usize>, EditError)] = &[
            (0..99, EditError::OutOfBounds { start: 0, end: 99, len: 7 }),
            (8..8, EditError::OutOfBounds { start: 8, end: 8, len: 7 }),
            (#[allow(clippy::reversed_empty_ranges)] (3..2), EditError::OutOfBounds { start: 3, end: 2, len: 7 }),
            (1..2, EditError::NotCharBoundary { start: 1, end: 2 }),
            (0..1, EditError::NotCharBoundary { start: 0, end: 1 }),
        ];
        for (range, expected) in cases {
            let mut document = Document::new(text.to_string());
            assert_eq!(document.edit(range.clone(), "x"), Err(expected.clone()), "range {range:?}");
            assert_eq!(document.text(), text, "text unchanged after {range:?}");
        }
    }

    #[test]
    fn edit_at_end_of_file() {
        let mut document = parsed("x = 1".to_string());
        document.edit(5..5, "\ny = 2\n").expect("edit at the end fits");
        assert_eq!(document.text(), "x = 1\ny = 2\n");
        assert_same_as_fresh(&document, "appending at the end");

        document.edit(6..12, "").expect("deleting the last line fits");
        assert_eq!(document.text(), "x = 1\n");
        assert_same_as_fresh(&document, "deleting the last line");
    }

    #[test]
    fn apply_edits_applies_in_order() {
        let mut document = parsed("a = 1\n".to_string());
        let edits = [(0..1, "bb"), (0..0, "c"), (8..8, "z = 3\n")];
        document.apply_edits(edits).expect("every edit fits");
        assert_eq!(document.text(), "cbb = 1\nz = 3\n");
        assert_same_as_fresh(&document, "three edits");
    }

    #[test]
    fn apply_edits_stops_at_first_bad_edit() {
        let mut document = parsed("a = 1\n".to_string());
        let edits = [(0..1, "b"), (50..60, "x"), (0..0, "never")];
        let result = document.apply_edits(edits);
        assert_eq!(result, Err(EditError::OutOfBounds { start: 50, end: 60, len: 6 }));
        assert_eq!(document.text(), "b = 1\n");
        assert_same_as_fresh(&document, "a partly applied batch");
    }

    #[test]
    fn edit_points_after_crlf_and_cr() {
        let mut document = parsed("def f():\r\n    return 1\rx = 2\n".to_string());
        document.edit(14..20, "yield").expect("edit fits");
        assert_same_as_fresh(&document, "an edit after a CRLF");

        let identifier = document.tree().root_node().descendant_for_byte_range(14, 14).expect("a node at offset 14");
        assert_eq!(identifier.start_position(), Point { row: 1, column: 4 });
    }

    #[test]
    fn random_edits_match_fresh_parse() {
        let fragments = [
            "", "x", "é", "😀", "e\u{301}", "\n", "\r\n", "\r", "\t", "(", ")", "[", "]", ":", "'", "\"", "def f(a):\n    ",
            "return a\n", "if x:\n    pass\n", "import os\n", "cursor.execute(f\"SELECT {x}\")\n", "  ", "#", "\"\"\"",
        ];
        let mut random = Xorshift(0x9E37_79B9_7F4A_7C15);
        let mut document = parsed("import sqlite3\n\ndef f(x):\r\n    return x\n".to_string());
        let mut expected_text = document.text().to_string();

        for round in 0..400 {
            let batch_size = 1 + random.below(3);
            let mut batch = Vec::new();
            for _ in 0..batch_size {
                let start = floor_boundary(&expected_text, random.below(expected_text.len() + 1));
                let end = floor_boundary(&expected_text, (start + random.below(8)).min(expected_text.len()));
                let replacement = fragments[random.below(fragments.len())];
                expected_text.replace_range(start..end, replacement);
                batch.push((start..end, replacement));
            }

            document.apply_edits(batch.clone()).expect("generated edits fit");
            assert_eq!(document.text(), expected_text, "text after round {round}");
            assert_same_as_fresh(&document, &format!("round {round}, batch {batch:?}"));
        }
    }

    #[test]
    fn tree_is_parsed_on_first_use() {
        let document = Document::new("x = 1\n".to_string());
        assert!(!document.has_tree(), "a new document has no tree");

        let root_kind = document.tree().root_node().kind();
        assert_eq!(root_kind, "module");
        assert!(document.has_tree(), "tree() keeps the parsed tree");
    }

    #[test]
    fn released_tree_is_parsed_again() {
        let mut document = Document::new("def f():\n    return 1\n".to_string());
        let parsed = document.tree().root_node().to_sexp();

        document.release_tree();
        assert!(!document.has_tree(), "release_tree() drops the tree");
        assert_eq!(document.tree().root_node().to_sexp(), parsed);
    }

    #[test]
    fn edit_without_tree_parses_from_scratch() {
        let mut document = Document::new("x = 1\n".to_string());
        document.edit(4..5, "2\ny = 3").expect("edit fits");
        assert!(document.has_tree(), "an edit leaves a tree");
        assert_same_as_fresh(&document, "an edit to a document without a tree");

        document.release_tree();
        document.edit(0..1, "z").expect("edit fits");
        assert!(document.has_tree(), "an edit after release_tree() leaves a tree");
        assert_eq!(document.text(), "z = 2\ny = 3\n");
        assert_same_as_fresh(&document, "an edit after release_tree()");
    }

    #[test]
    fn clone_keeps_tree_after_release() {
        let mut document = Document::new("import os\n".to_string());
        let expected = document.tree().root_node().to_sexp();
        let snapshot = document.clone();

        document.release_tree();
        assert!(snapshot.has_tree(), "the clone keeps its tree");
        assert_eq!(snapshot.tree().root_node().to_sexp(), expected);
    }

    #[test]
    fn deep_nesting_parses_without_overflow() {
        let depth = 100_000;
        let texts = [
            format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
            format!("x = {}\n", "[".repeat(depth)),
            "if x:\n".repeat(2_000) + "pass\n",
        ];
        for text in texts {
            let mut document = parsed(text);
            assert!(document.tree().root_node().child_count() > 0);
            document.edit(0..1, "y").expect("edit fits");
            assert!(document.tree().root_node().child_count() > 0);
        }
    }

    #[test]
    fn arbitrary_bytes_parse_without_panic() {
        let texts = ["\u{0}\u{1}\u{ffff}", "\"\"\"", "def (((", "\r\r\r\n\n", "😀😀😀", "\u{feff}x = 1"];
        for text in texts {
            let document = Document::new(text.to_string());
            assert_eq!(document.tree().root_node().end_byte(), text.len(), "text {text:?}");
        }
    }
}
