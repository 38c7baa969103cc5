//! Byte offsets (siemc's spans) to LSP positions and back.
//!
//! LSP counts lines split at `\n`, `\r\n` or `\r`, and columns in UTF-16 code units (the
//! protocol's default encoding); siemc's spans are byte offsets into UTF-8 text. A
//! [`LineIndex`] is built once per document version and converts both ways.

use lsp_types::{Position, Range};

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// Lines holding a non-ASCII byte (elsewhere a column is a byte count: long ASCII
    /// lines convert in constant time).
    non_ascii: Vec<bool>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut non_ascii = vec![false];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i + 2);
                    i += 1;
                }
                b'\r' => line_starts.push(i + 1),
                byte => {
                    if byte >= 0x80 {
                        *non_ascii.last_mut().expect("one line at least") = true;
                    }
                    i += 1;
                    continue;
                }
            }
            non_ascii.push(false);
            i += 1;
        }
        LineIndex {
            line_starts,
            non_ascii,
            len: text.len(),
        }
    }

    /// The LSP position of a byte offset (clamped to the text and to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line];
        let character: usize = if self.non_ascii[line] {
            text[start..offset].chars().map(char::len_utf16).sum()
        } else {
            offset - start
        };
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of an LSP position. A column past the end of its line is the line's
    /// end (before the line break), a line past the end is the end of the text, and a column
    /// inside a surrogate pair is the start of that character (LSP says to clamp).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.line_starts.get(line) else {
            return text.len();
        };
        let end = self.line_content_end(text, line);
        if !self.non_ascii[line] {
            return (start + position.character as usize).min(end);
        }
        let mut units = 0usize;
        for (index, c) in text[start..end].char_indices() {
            let next = units + c.len_utf16();
            if next > position.character as usize {
                return start + index;
            }
            units = next;
        }
        end
    }

    /// The byte offset where a line's content ends (before `\n`, `\r\n` or `\r`).
    fn line_content_end(&self, text: &str, line: usize) -> usize {
        let next = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len());
        let content = &text[self.line_starts[line]..next];
        next - (content.len() - content.trim_end_matches(['\n', '\r']).len())
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        // `é` is 2 bytes and 1 unit; `😀` is 4 bytes and 2 units.
        let text = "a: é😀x\nb: y\r\nc\rd";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position::new(0, 6));
        assert_eq!(index.offset(text, Position::new(0, 6)), x);
        let y = text.find('y').unwrap();
        assert_eq!(index.position(text, y), Position::new(1, 3));
        assert_eq!(
            index.position(text, text.find('d').unwrap()),
            Position::new(3, 0)
        );
        // Inside the surrogate pair: the start of the emoji.
        let emoji = text.find('😀').unwrap();
        assert_eq!(index.offset(text, Position::new(0, 5)), emoji);
        // Past the end of a line: its end, before `\r\n`.
        assert_eq!(index.offset(text, Position::new(1, 99)), y + 1);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        // An offset inside a character is clamped to its start.
        assert_eq!(index.position(text, emoji + 1), Position::new(0, 4));
    }

    #[test]
    fn offsets_and_positions_round_trip() {
        let text = "tïtle: ünïcode — ✓\n  x: 'ﬁ𝔘'\n";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            assert_eq!(index.offset(text, index.position(text, offset)), offset);
        }
    }
}
