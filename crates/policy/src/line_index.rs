//! Byte offset to zero-based line conversion for one steering document.

use std::ops::Range;

/// The byte offset of every line start in a text.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    line_starts: Vec<usize>,
    text_len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(offset, _)| offset + 1));
        Self {
            line_starts,
            text_len: text.len(),
        }
    }

    /// Returns the zero-based line that contains `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(insertion) => insertion.saturating_sub(1),
        };
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// Returns the end-exclusive line range covered by a byte range.
    ///
    /// A range that ends right after a newline does not cover the next line.
    pub(crate) fn lines_of(&self, range: &Range<usize>) -> Range<u32> {
        let start = self.line_of(range.start);
        if range.is_empty() {
            return start..start;
        }
        let ends_at_line_start = self.line_starts.binary_search(&range.end).is_ok();
        let end = if ends_at_line_start {
            self.line_of(range.end)
        } else {
            self.line_of(range.end - 1).saturating_add(1)
        };
        start..end.max(start)
    }

    /// Returns the byte range of a zero-based line, without its line break.
    pub(crate) fn line_range(&self, line: u32, text: &str) -> Range<usize> {
        let index = usize::try_from(line).unwrap_or(usize::MAX);
        let Some(&start) = self.line_starts.get(index) else {
            return self.text_len..self.text_len;
        };
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text_len, |next| next - 1);
        let end = if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
            end - 1
        } else {
            end
        };
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn line_of_offsets() {
        let index = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(index.line_of(0), 0);
        assert_eq!(index.line_of(2), 0);
        assert_eq!(index.line_of(3), 1);
        assert_eq!(index.line_of(6), 2);
        assert_eq!(index.line_of(7), 3);
        assert_eq!(index.line_of(9), 3);
    }

    #[test]
    fn lines_of_ranges() {
        let text = "ab\ncd\n\nef";
        let index = LineIndex::new(text);
        assert_eq!(index.lines_of(&(0..3)), 0..1);
        assert_eq!(index.lines_of(&(0..6)), 0..2);
        assert_eq!(index.lines_of(&(3..9)), 1..4);
        assert_eq!(index.lines_of(&(9..9)), 3..3);
    }

    #[test]
    fn line_range_strips_line_break() {
        let text = "ab\r\ncd\nef";
        let index = LineIndex::new(text);
        assert_eq!(index.line_range(0, text), 0..2);
        assert_eq!(index.line_range(1, text), 4..6);
        assert_eq!(index.line_range(2, text), 7..9);
        assert_eq!(index.line_range(7, text), 9..9);
    }
}
