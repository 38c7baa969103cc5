//! Open documents and the rule files of the workspace folder.
//!
//! Open documents hold the editor's text (it wins over the file on disk); workspace files are
//! read once at start-up, only for their ids and names (what correlation rules refer to), and
//! read again when a document is closed or the client reports a change on disk.

use super::position::LineIndex;
use crate::diagnostic::SourceFile;
use crate::lint::Identity;
use crate::rule::{self, RuleDocument};
use lsp_types::Uri;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// One open document, at its latest version.
pub struct Document {
    pub uri: Uri,
    /// The file path of a `file:` URI; other URIs (`untitled:`) use the URI text.
    pub path: PathBuf,
    pub version: i32,
    pub text: String,
    pub index: LineIndex,
    /// Changes not checked yet.
    pub dirty: bool,
    /// What the last check found.
    pub analysis: Option<super::analysis::Analysis>,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let path = uri_to_path(&uri);
        Document {
            index: LineIndex::new(&text),
            uri,
            path,
            version,
            text,
            dirty: true,
            analysis: None,
        }
    }

    /// Replaces the text (a full-document change).
    pub fn set_text(&mut self, text: String) {
        self.index = LineIndex::new(&text);
        self.text = text;
        self.dirty = true;
    }

    /// Applies an incremental change: `range` (LSP positions of the current text) becomes `text`.
    pub fn edit(&mut self, range: lsp_types::Range, text: &str) {
        let start = self.index.offset(&self.text, range.start);
        let end = self.index.offset(&self.text, range.end).max(start);
        self.text.replace_range(start..end, text);
        self.index = LineIndex::new(&self.text);
        self.dirty = true;
    }

    /// The text as a source file named by the document's path (what the checker reads).
    pub fn source(&self) -> Arc<SourceFile> {
        Arc::new(SourceFile::new(&self.path, self.text.clone()))
    }

    pub fn identities(&self) -> &[Identity] {
        self.analysis
            .as_ref()
            .map_or(&[], |a| a.identities.as_slice())
    }
}

/// The rule files of the workspace folders that are not open, with their ids and names.
#[derive(Default)]
pub struct Workspace {
    pub roots: Vec<PathBuf>,
    files: HashMap<PathBuf, Vec<Identity>>,
}

impl Workspace {
    /// Reads every rule file under the roots (on all cores) for its identities.
    pub fn scan(roots: Vec<PathBuf>) -> Workspace {
        let (paths, _) = rule::collect_rule_paths(&roots);
        let read: Vec<(PathBuf, Vec<Identity>)> =
            crate::compile::parallel_map(&paths, |path| (path.clone(), read_identities(path)));
        Workspace {
            roots,
            files: read.into_iter().collect(),
        }
    }

    /// Reads one file again (it changed on disk, or its editor closed).
    pub fn refresh(&mut self, path: &Path) {
        if path.is_file() && rule::is_rule_file_name(path) {
            self.files.insert(path.to_path_buf(), read_identities(path));
        } else {
            self.files.remove(path);
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Identities of the files whose path `skip` does not accept.
    pub fn identities<'a>(
        &'a self,
        skip: impl Fn(&Path) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Identity> + 'a {
        self.files
            .iter()
            .filter(move |(path, _)| !skip(path))
            .flat_map(|(_, identities)| identities.iter())
    }
}

fn read_identities(path: &Path) -> Vec<Identity> {
    let Ok(file) = rule::read_source(path) else {
        return Vec::new();
    };
    identities_of(&file)
}

/// The id and name of each document of a rule file.
pub fn identities_of(file: &Arc<SourceFile>) -> Vec<Identity> {
    let (documents, _) = rule::load_rule_file(file);
    documents
        .iter()
        .map(|document| {
            let meta = match document {
                RuleDocument::Detection(rule) => &rule.meta,
                RuleDocument::Correlation(correlation) => &correlation.meta,
                RuleDocument::Filter(filter) => &filter.meta,
            };
            Identity {
                file: Arc::clone(file),
                id: meta.id.clone(),
                name: meta.name.clone(),
            }
        })
        .collect()
}

/// The path of a `file:` URI (percent-decoded); other URIs are kept as their text.
pub fn uri_to_path(uri: &Uri) -> PathBuf {
    let text = uri.as_str();
    let Some(rest) = text.strip_prefix("file://") else {
        return PathBuf::from(text);
    };
    // `file://host/path`: the authority (empty or `localhost`) ends at the first `/`.
    let path = match rest.find('/') {
        Some(slash) => &rest[slash..],
        None => rest,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    PathBuf::from(percent_decode(path))
}

/// The `file:` URI of a path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = std::path::absolute(path).ok()?;
    let mut text = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(value) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/rules dir/règle #1.yml");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(
            uri.as_str(),
            "file:///tmp/rules%20dir/r%C3%A8gle%20%231.yml"
        );
        assert_eq!(uri_to_path(&uri), path);
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&untitled), Path::new("untitled:Untitled-1"));
    }
}
