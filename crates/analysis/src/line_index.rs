//! Byte offsets to lines and columns, in UTF-8 or UTF-16 code units.
//!
//! A [`LineIndex`] stores the byte offset of every line start. Lines end at
//! `\n`, `\r\n` or a lone `\r`, as in the Language Server Protocol. Columns are
//! computed on demand by scanning one line, so the index costs one `usize` per
//! line, not one entry per byte. The index does not own the text: every method
//! takes the text it was built from.

use std::ops::Range;

/// The unit that columns are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionEncoding {
    Utf8,
    Utf16,
}

/// A zero-based line and a column in some [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// The byte offset of every line start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Sorted, starts with 0, one entry per line.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend((1..=bytes.len()).filter(|&offset| is_line_start(bytes, offset)));
        Self { line_starts }
    }

    /// Converts a byte offset to a line and column; offsets past the end clamp to the end.
    ///
    /// An offset inside a UTF-8 character moves back to the character's
    /// start, and an offset inside a line break moves back to the end of the
    /// line's content.
    pub fn line_col(&self, text: &str, offset: usize, encoding: PositionEncoding) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let content = self.line_content_range(text, line);
        let offset = offset.min(content.end);

        let column = column_width(&text[content.start..offset], encoding);
        LineCol { line: saturating_u32(line), column: saturating_u32(column) }
    }

    /// Converts a line and column to a byte offset, clamping past a line's end.
    ///
    /// Lines past the last line clamp to the end of the text. A column inside
    /// a character (the second half of a UTF-16 surrogate pair, or the middle
    /// of a UTF-8 sequence) moves back to the character's start.
    pub fn offset(&self, text: &str, position: LineCol, encoding: PositionEncoding) -> usize {
        let line = position.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }

        let content = self.line_content_range(text, line);
        let target_column = position.column as usize;
        let mut column = 0;
        for (index, character) in text[content.clone()].char_indices() {
            let next_column = column + char_width(character, encoding);
            if next_column > target_column {
                return content.start + index;
            }
            column = next_column;
        }
        content.end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Returns the zero-based line that contains a byte offset, clamped to the last line.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// Returns the byte offset where `line` starts, or `None` past the last line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// Returns the byte range of a line's content, without its line break.
    ///
    /// A line past the last line yields the empty range at the end of the text.
    pub fn line_content_range(&self, text: &str, line: usize) -> Range<usize> {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len()..text.len();
        };
        let Some(&next_start) = self.line_starts.get(line + 1) else {
            return start..text.len();
        };

        let bytes = text.as_bytes();
        let ends_with_crlf = next_start >= start + 2 && &bytes[next_start - 2..next_start] == b"\r\n";
        let break_length = if ends_with_crlf { 2 } else { 1 };
        start..next_start - break_length
    }

    /// Updates the index after `old_range` of the old text was replaced, giving `new_text`.
    ///
    /// `new_end` is where the replacement ends in `new_text`. Only the lines
    /// touching the edit are rescanned; line starts after it are shifted.
    pub fn apply_edit(&mut self, new_text: &str, old_range: Range<usize>, new_end: usize) {
        let bytes = new_text.as_bytes();

        // A line start at `p` depends on the bytes at `p - 1` and `p`, so the
        // starts in `old_range.start..=old_range.end` may change; the ones
        // before stay and the ones after move by the length difference.
        let first_changed = self.line_starts.partition_point(|&start| start < old_range.start).max(1);
        let first_after = self.line_starts.partition_point(|&start| start <= old_range.end).max(first_changed);

        let rescan_start = old_range.start.max(1);
        let recomputed: Vec<usize> =
            (rescan_start..=new_end).filter(|&offset| is_line_start(bytes, offset)).collect();

        for start in &mut self.line_starts[first_after..] {
            *start = *start - old_range.end + new_end;
        }
        self.line_starts.splice(first_changed..first_after, recomputed);
    }
}

/// Returns whether a line starts at `offset`, that is, right after a line break.
fn is_line_start(bytes: &[u8], offset: usize) -> bool {
    let Some(previous) = offset.checked_sub(1).and_then(|index| bytes.get(index)) else {
        return false;
    };

    match previous {
        b'\n' => true,
        b'\r' => bytes.get(offset) != Some(&b'\n'),
        _ => false,
    }
}

fn column_width(line_prefix: &str, encoding: PositionEncoding) -> usize {
    match encoding {
        PositionEncoding::Utf8 => line_prefix.len(),
        PositionEncoding::Utf16 => line_prefix.chars().map(char::len_utf16).sum(),
    }
}

fn char_width(character: char, encoding: PositionEncoding) -> usize {
    match encoding {
        PositionEncoding::Utf8 => character.len_utf8(),
        PositionEncoding::Utf16 => character.len_utf16(),
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Converts to `u32` for protocol positions; a line or column past `u32::MAX` saturates.
fn saturating_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A text and its line index, kept in step under edits: a document without
/// a syntax tree, for steering documents in the editor and for report output.
#[derive(Debug, Clone)]
pub struct IndexedText {
    text: String,
    line_index: LineIndex,
}

impl IndexedText {
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
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Result<(), crate::EditError> {
        let in_bounds = range.start <= range.end && range.end <= self.text.len();
        if !in_bounds {
            return Err(crate::EditError::OutOfBounds { start: range.start, end: range.end, len: self.text.len() });
        }
        let on_char_boundaries = self.text.is_char_boundary(range.start) && self.text.is_char_boundary(range.end);
        if !on_char_boundaries {
            return Err(crate::EditError::NotCharBoundary { start: range.start, end: range.end });
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

    use PositionEncoding::{Utf16, Utf8};

    fn position(line: u32, column: u32) -> LineCol {
        LineCol { line, column }
    }

    #[test]
    fn line_starts_for_each_line_break() {
        let cases: &[(&str, &[usize])] = &[
            ("", &[0]),
            ("a", &[0]),
            ("a\n", &[0, 2]),
            ("a\nb", &[0, 2]),
            ("a\r\nb", &[0, 3]),
            ("a\rb", &[0, 2]),
            ("a\r", &[0, 2]),
            ("\r\n\r\n", &[0, 2, 4]),
            ("\n\r", &[0, 1, 2]),
            ("\r\r\n", &[0, 1, 3]),
            ("a\n\nb", &[0, 2, 3]),
        ];
        for (text, expected) in cases {
            let index = LineIndex::new(text);
            assert_eq!(index.line_starts, *expected, "text {text:?}");
        }
    }

    #[test]
    fn line_col_converts_offsets() {
        // (text, byte offset, expected UTF-8 position, expected UTF-16 position)
        let cases: &[(&str, usize, LineCol, LineCol)] = &[
            ("abc", 0, position(0, 0), position(0, 0)),
            ("abc", 3, position(0, 3), position(0, 3)),
            ("abc", 99, position(0, 3), position(0, 3)),
            ("a\nbc", 3, position(1, 1), position(1, 1)),
            ("a\nbc", 2, position(1, 0), position(1, 0)),
            // é is two UTF-8 bytes and one UTF-16 unit.
            ("é = 1", 2, position(0, 2), position(0, 1)),
            // The emoji is four UTF-8 bytes and a UTF-16 surrogate pair.
            ("x = '😀' + y", 9, position(0, 9), position(0, 7)),
            // e + combining acute accent: two characters, three bytes.
            ("e\u{301}x", 3, position(0, 3), position(0, 2)),
            ("\tx", 1, position(0, 1), position(0, 1)),
            ("a\r\nb", 3, position(1, 0), position(1, 0)),
            ("a\r\nb", 4, position(1, 1), position(1, 1)),
            // Offsets inside a CRLF clamp to the end of the line's content.
            ("a\r\nb", 2, position(0, 1), position(0, 1)),
            ("a\rb", 2, position(1, 0), position(1, 0)),
            // An offset inside a UTF-8 sequence moves back to its start.
            ("😀", 2, position(0, 0), position(0, 0)),
            ("a\n", 2, position(1, 0), position(1, 0)),
            ("", 5, position(0, 0), position(0, 0)),
        ];
        for &(text, offset, utf8, utf16) in cases {
            let index = LineIndex::new(text);
            assert_eq!(index.line_col(text, offset, Utf8), utf8, "UTF-8, text {text:?} offset {offset}");
            assert_eq!(index.line_col(text, offset, Utf16), utf16, "UTF-16, text {text:?} offset {offset}");
        }
    }

    #[test]
    fn offset_converts_positions() {
        // (text, position, encoding, expected byte offset)
        let cases: &[(&str, LineCol, PositionEncoding, usize)] = &[
            ("abc", position(0, 2), Utf8, 2),
            ("abc", position(0, 2), Utf16, 2),
            ("a\nbc", position(1, 1), Utf16, 3),
            ("é = 1", position(0, 1), Utf16, 2),
            ("é = 1", position(0, 2), Utf8, 2),
            ("x = '😀' + y", position(0, 7), Utf16, 9),
            ("x = '😀' + y", position(0, 9), Utf8, 9),
            // The middle of a surrogate pair moves back to the emoji's start.
            ("x = '😀' + y", position(0, 6), Utf16, 5),
            // The middle of a UTF-8 sequence moves back to the character's start.
            ("x = '😀' + y", position(0, 7), Utf8, 5),
            ("e\u{301}x", position(0, 2), Utf16, 3),
            ("\tx", position(0, 1), Utf16, 1),
            // Columns past the end of a line clamp before the line break.
            ("ab\ncd", position(0, 10), Utf16, 2),
            ("ab\r\ncd", position(0, 10), Utf8, 2),
            ("ab\rcd", position(0, 10), Utf8, 2),
            ("ab\r\ncd", position(1, 1), Utf8, 5),
            // Lines past the end clamp to the end of the text.
            ("ab\ncd", position(5, 0), Utf8, 5),
            ("ab\n", position(1, 0), Utf8, 3),
            ("ab\n", position(1, 4), Utf16, 3),
            ("", position(0, 3), Utf16, 0),
        ];
        for &(text, position, encoding, expected) in cases {
            let index = LineIndex::new(text);
            assert_eq!(index.offset(text, position, encoding), expected, "text {text:?} {position:?} {encoding:?}");
        }
    }

    #[test]
    fn offset_and_line_col_round_trip() {
        let text = "déf f():\r\n\treturn '😀e\u{301}'\rx = 1\n\ny";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            let at_line_break = matches!(text.as_bytes()[offset], b'\n') && offset > 0 && text.as_bytes()[offset - 1] == b'\r';
            if at_line_break {
                continue;
            }
            for encoding in [Utf8, Utf16] {
                let position = index.line_col(text, offset, encoding);
                assert_eq!(index.offset(text, position, encoding), offset, "offset {offset} {encoding:?}");
            }
        }
    }

    #[test]
    fn line_content_range_excludes_line_breaks() {
        let text = "ab\r\ncd\ref\ngh";
        let index = LineIndex::new(text);
        let contents: Vec<&str> = (0..index.line_count()).map(|line| &text[index.line_content_range(text, line)]).collect();
        assert_eq!(contents, ["ab", "cd", "ef", "gh"]);
        assert_eq!(index.line_content_range(text, 9), text.len()..text.len());
    }

    #[test]
    fn apply_edit_matches_fresh_index() {
        // (old text, replaced range, replacement)
        let cases: &[(&str, Range<usize>, &str)] = &[
            ("abc", 3..3, "\n"),
            ("abc\n", 4..4, "d"),
            ("abc\n", 4..4, "\r\n"),
            ("a\nb\nc", 0..5, ""),
            ("a\nb\nc", 0..0, "\n\n"),
            ("a\nb\nc", 1..3, "x\ry"),
            // Inserting `\n` after a lone `\r` turns it into one CRLF break.
            ("a\rb", 2..2, "\n"),
            // Deleting the `\n` of a CRLF leaves a lone `\r` break.
            ("a\r\nb", 2..3, ""),
            // Inserting between `\r` and `\n` splits a CRLF into two breaks.
            ("a\r\nb", 2..2, "x"),
            // A replacement that ends in `\r` before an existing `\n`.
            ("a\nb", 1..1, "\r"),
            ("a\r", 2..2, "\n"),
            ("\r\n", 0..1, ""),
            ("x\n", 0..2, "😀\r\n😀"),
        ];
        for (old_text, range, replacement) in cases {
            let mut new_text = old_text.to_string();
            new_text.replace_range(range.clone(), replacement);

            let mut index = LineIndex::new(old_text);
            index.apply_edit(&new_text, range.clone(), range.start + replacement.len());

            assert_eq!(index, LineIndex::new(&new_text), "{old_text:?} {range:?} {replacement:?}");
        }
    }
}
