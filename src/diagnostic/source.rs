use std::path::{Path, PathBuf};

/// A loaded input file: its path, its text and an index of line starts, so that renderers
/// can turn byte spans into line and column numbers.
#[derive(Debug, PartialEq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
    /// Where the text sits in the file named by `path` when it is an excerpt (a query inside a
    /// YAML block scalar): lines before it, and the indentation of each of its lines.
    origin: Origin,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    pub lines_before: usize,
    pub indent: usize,
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
            origin: Origin::default(),
        }
    }

    /// An excerpt of a larger file (e.g. a query in a YAML block scalar): positions are reported
    /// where the excerpt sits in that file.
    pub fn excerpt(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        origin: Origin,
    ) -> SourceFile {
        SourceFile {
            origin,
            ..SourceFile::new(path, text)
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The display form of the path, as the user gave it.
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// Line and column (in the file named by `path`) of a byte offset, clamped to the text and
    /// to a character boundary.
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let local = self.local_line_column(offset);
        LineColumn {
            line: local.line + self.origin.lines_before,
            column: local.column + self.origin.indent,
        }
    }

    fn local_line_column(&self, offset: usize) -> LineColumn {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let line_start = self.line_starts[line_index];
        LineColumn {
            line: line_index + 1,
            column: self.text[line_start..offset].chars().count() + 1,
        }
    }

    /// The text of the line holding a byte offset, without its line break, and the 1-based
    /// column of the offset within that text.
    pub fn line_at(&self, offset: usize) -> (&str, usize) {
        let local = self.local_line_column(offset);
        let start = self.line_starts[local.line - 1];
        let end = self
            .line_starts
            .get(local.line)
            .copied()
            .unwrap_or(self.text.len());
        (
            self.text[start..end].trim_end_matches(['\n', '\r']),
            local.column,
        )
    }

    /// The byte offset where a 1-based line of this text starts, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// The text of a 1-based line of this text (without its line break), if it exists.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}
