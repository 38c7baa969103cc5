//! Suppressions: which diagnostics the user asked not to see.
//!
//! Three levels, all by check code:
//! - `siemc check --ignore CODE` (everywhere);
//! - `siemc.toml`, found by searching upward from each checked file to the repository root
//!   (the directory holding `.git`): `[check] ignore = [...]` for every file under it, and
//!   `[[check.overrides]] paths = ["glob", ...] ignore = [...]` for files whose path relative
//!   to the `siemc.toml` matches a glob (`*` stays within a folder, `**` crosses folders);
//! - an inline YAML comment `# siemc: ignore CODE[, CODE...]` on the line the diagnostic points
//!   at, or on the rule's first line (or the comment lines right above it). Comments are not
//!   in the YAML tree: the line is found from the diagnostic's span.

use super::lints;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

lints! { Structure;
    /// An inline `# siemc: ignore CODE` comment names a code that is not a check.
    ///
    /// Why: a misspelled code suppresses nothing, so the diagnostic the author meant to
    /// silence keeps failing the build (or a later one slips through unnoticed).
    ///
    /// Example: `Image: x  # siemc: ignore unknwon-key`
    UNKNOWN_SUPPRESSION = "unknown-suppression", Warning;

    /// `siemc.toml` is not valid: a TOML syntax error, an unknown key, or a code that is not
    /// a check.
    ///
    /// Why: a broken configuration would silently suppress nothing (or everything). Exit code 2.
    ///
    /// Example:
    /// ```toml
    /// [check]
    /// ignore = ["unkown-key"]
    /// ```
    INVALID_CONFIG = "invalid-config", Error;
}

pub const CONFIG_FILE_NAME: &str = "siemc.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    check: Option<CheckSection>,
    /// Sigma filter files or directories (relative to the `siemc.toml`) that compile, check,
    /// test and export apply.
    #[serde(default)]
    filters: Vec<toml::Spanned<String>>,
    /// `profile = "sentinel-asim"` or a list (one per target): the built-in profile(s) that
    /// compile, check, test and export use when `--profile` is not given.
    profile: Option<toml::Spanned<ProfileSetting>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ProfileSetting {
    One(String),
    Several(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSection {
    #[serde(default)]
    ignore: Vec<toml::Spanned<String>>,
    #[serde(default)]
    overrides: Vec<OverrideSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideSection {
    paths: Vec<toml::Spanned<String>>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<String>>,
}

/// A loaded `siemc.toml`.
#[derive(Debug)]
pub struct Config {
    /// The directory holding the file: override globs are relative to it.
    root: PathBuf,
    ignore: Vec<String>,
    overrides: Vec<(GlobSet, Vec<String>)>,
    /// `filters = [...]`, resolved against the file's directory.
    pub filters: Vec<PathBuf>,
    /// The `profile` setting: names with their spans.
    pub profiles: Vec<(String, Span)>,
}

impl Config {
    /// Parses a `siemc.toml`; every problem is an `invalid-config` diagnostic in that file.
    pub fn parse(file: &Arc<SourceFile>) -> Result<Config, Vec<Diagnostic>> {
        let parsed: ConfigFile = toml::from_str(&file.text).map_err(|error| {
            let span = error.span().map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
            vec![
                INVALID_CONFIG
                    .at(file, span, format!("invalid siemc.toml: {}", error.message()), "")
                    .with_help("siemc.toml holds `profile = \"NAME\"`, `filters = [\"path\", ...]`, `[check]` with `ignore = [\"code\", ...]` and `[[check.overrides]]` with `paths` and `ignore`"),
            ]
        })?;
        let mut problems = Vec::new();
        let profiles = match &parsed.profile {
            None => Vec::new(),
            Some(setting) => {
                let span = setting.span();
                let span = Span::new(span.start, span.end);
                match setting.get_ref() {
                    ProfileSetting::One(name) => vec![(name.clone(), span)],
                    ProfileSetting::Several(names) => {
                        names.iter().map(|name| (name.clone(), span)).collect()
                    }
                }
            }
        };
        let check = parsed.check.unwrap_or(CheckSection {
            ignore: Vec::new(),
            overrides: Vec::new(),
        });
        let ignore = codes(file, &check.ignore, &mut problems);
        let mut overrides = Vec::new();
        for section in &check.overrides {
            let mut builder = GlobSetBuilder::new();
            for pattern in &section.paths {
                match glob(pattern.get_ref()) {
                    Ok(glob) => {
                        builder.add(glob);
                    }
                    Err(error) => problems.push(
                        INVALID_CONFIG
                            .at(
                                file,
                                spanned(pattern),
                                format!("invalid glob: {}", error.kind()),
                                "",
                            )
                            .with_help("globs look like `rules/legacy/**` or `**/*_test.yml`"),
                    ),
                }
            }
            let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
            overrides.push((set, codes(file, &section.ignore, &mut problems)));
        }
        let root = file
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut filters = Vec::new();
        for path in &parsed.filters {
            let resolved = root.join(path.get_ref());
            if resolved.exists() {
                filters.push(resolved);
            } else {
                problems.push(
                    INVALID_CONFIG
                        .at(
                            file,
                            spanned(path),
                            format!("filter path `{}` does not exist", path.get_ref()),
                            "no such file or directory",
                        )
                        .with_help("filter paths are relative to the directory of siemc.toml"),
                );
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
            root,
            ignore,
            overrides,
            filters,
            profiles,
        })
    }

    /// Whether `code` is ignored for the file at `path` (absolute).
    pub fn ignores(&self, path: &Path, code: &str) -> bool {
        if self.ignore.iter().any(|c| c == code) {
            return true;
        }
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        self.overrides
            .iter()
            .any(|(globs, codes)| codes.iter().any(|c| c == code) && globs.is_match(relative))
    }
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern.trim_start_matches("./"))
        .literal_separator(true)
        .build()
}

fn spanned(value: &toml::Spanned<String>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

/// The codes of an `ignore` list; unknown ones are reported.
fn codes(
    file: &Arc<SourceFile>,
    list: &[toml::Spanned<String>],
    problems: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut out = Vec::new();
    for code in list {
        if super::find(code.get_ref()).is_some() {
            out.push(code.get_ref().clone());
        } else {
            problems.push(
                INVALID_CONFIG
                    .at(
                        file,
                        spanned(code),
                        format!("`{}` is not a check code", code.get_ref()),
                        "unknown code",
                    )
                    .with_help(did_you_mean(code.get_ref())),
            );
        }
    }
    out
}

/// "did you mean" over the catalogue, or where to find the codes.
pub fn did_you_mean(code: &str) -> String {
    match crate::text::closest(code, super::catalogue().map(|l| l.code)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            "`siemc check --explain CODE` documents a code; the README lists them all".to_string()
        }
    }
}

/// `siemc.toml` files by directory, each loaded once.
#[derive(Default)]
pub struct ConfigCache {
    by_directory: HashMap<PathBuf, Option<Arc<Config>>>,
    /// Problems of the configuration files met (usage errors).
    pub problems: Vec<Diagnostic>,
}

impl ConfigCache {
    /// The `siemc.toml` that applies to a checked file: the nearest one in its directory or
    /// above, up to the repository root.
    pub fn for_file(&mut self, path: &Path) -> Option<Arc<Config>> {
        let absolute = std::path::absolute(path).ok()?;
        let mut visited = Vec::new();
        let mut found = None;
        for directory in absolute.ancestors().skip(1) {
            if let Some(cached) = self.by_directory.get(directory) {
                found = cached.clone();
                break;
            }
            visited.push(directory.to_path_buf());
            let candidate = directory.join(CONFIG_FILE_NAME);
            if candidate.is_file() {
                found = self.load(&candidate);
                break;
            }
            if directory.join(".git").exists() {
                break;
            }
        }
        for directory in visited {
            self.by_directory.insert(directory, found.clone());
        }
        found
    }

    fn load(&mut self, path: &Path) -> Option<Arc<Config>> {
        let file = match crate::rule::read_source(path) {
            Ok(file) => file,
            Err(diagnostic) => {
                self.problems.push(Diagnostic {
                    code: INVALID_CONFIG.code,
                    ..diagnostic
                });
                return None;
            }
        };
        match Config::parse(&file) {
            Ok(config) => Some(Arc::new(config)),
            Err(problems) => {
                self.problems.extend(problems);
                None
            }
        }
    }
}

/// The `siemc.toml` of a directory (the nearest one in it or above, up to the repository root),
/// parsed, with its file (for diagnostics that point into it).
pub fn config_for_directory(
    directory: &Path,
) -> Result<Option<(Arc<SourceFile>, Config)>, Vec<Diagnostic>> {
    let Ok(absolute) = std::path::absolute(directory) else {
        return Ok(None);
    };
    for directory in absolute.ancestors() {
        let candidate = directory.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            let file = crate::rule::read_source(&candidate).map_err(|d| vec![d])?;
            let config = Config::parse(&file)?;
            return Ok(Some((file, config)));
        }
        if directory.join(".git").exists() {
            break;
        }
    }
    Ok(None)
}

/// Whether an inline comment suppresses `diagnostic`: `# siemc: ignore CODE` on the line its
/// primary span starts on, or on the first line of its YAML document (or the comment lines
/// right above it). Unknown codes in the comments read are reported into `problems`.
pub fn inline_ignores(
    diagnostic: &Diagnostic,
    document_starts: &[usize],
    problems: &mut Vec<Diagnostic>,
) -> bool {
    let (Some(file), Some(span)) = (&diagnostic.file, diagnostic.primary_span()) else {
        return false;
    };
    let mut lines = vec![file.line_column(span.start).line];
    if let Some(start) = document_starts.iter().rev().find(|&&s| s <= span.start) {
        let first = file.line_column(*start).line;
        lines.push(first);
        let mut above = first;
        while above > 1 {
            above -= 1;
            let text = file.line_text(above).unwrap_or_default().trim();
            if !text.starts_with('#') {
                break;
            }
            lines.push(above);
        }
    }
    let mut suppressed = false;
    for line in lines {
        for (offset, code) in comment_codes(file.line_text(line).unwrap_or_default()) {
            if code == diagnostic.code {
                suppressed = true;
            } else if super::find(code).is_none() {
                let start = file.line_start(line).unwrap_or(0) + offset;
                let span = Span::new(start, start + code.len());
                let mut diagnostic = UNKNOWN_SUPPRESSION
                    .at(
                        file,
                        span,
                        format!("`{code}` is not a check code"),
                        "suppresses nothing",
                    )
                    .with_help(did_you_mean(code));
                if let Some(s) = crate::text::closest(code, super::catalogue().map(|l| l.code)) {
                    diagnostic = diagnostic.with_rename(span, code, s);
                }
                problems.push(diagnostic);
            }
        }
    }
    suppressed
}

/// The codes of a `# siemc: ignore A, B` comment in a line, with their byte offsets.
fn comment_codes(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (hash, _) in line.match_indices('#') {
        if hash > 0 && !line[..hash].ends_with(char::is_whitespace) {
            continue;
        }
        let after = &line[hash + 1..];
        let Some(rest) = after.trim_start().strip_prefix("siemc:") else {
            continue;
        };
        let Some(list) = rest.trim_start().strip_prefix("ignore") else {
            continue;
        };
        let list_offset = line.len() - list.len();
        let mut position = 0;
        for piece in list.split([',', ' ', '\t']) {
            if !piece.is_empty() {
                out.push((list_offset + position, piece));
            }
            position += piece.len() + 1;
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_codes_with_offsets() {
        let line = "    Image: x  # siemc: ignore unknown-key, null-in-list";
        let codes = comment_codes(line);
        let names: Vec<&str> = codes.iter().map(|(_, c)| *c).collect();
        assert_eq!(names, ["unknown-key", "null-in-list"]);
        for (offset, code) in codes {
            assert_eq!(&line[offset..offset + code.len()], code);
        }
        assert!(comment_codes("url: 'http://x/#siemc: ignore a'").is_empty());
    }

    #[test]
    fn config_overrides_match_relative_globs() {
        let file = Arc::new(SourceFile::new(
            "/repo/siemc.toml",
            "[check]\nignore = [\"invalid-id\"]\n[[check.overrides]]\npaths = [\"rules/legacy/**\"]\nignore = [\"unknown-key\"]\n",
        ));
        let config = Config::parse(&file).unwrap();
        assert!(config.ignores(Path::new("/repo/rules/a.yml"), "invalid-id"));
        assert!(config.ignores(Path::new("/repo/rules/legacy/x/a.yml"), "unknown-key"));
        assert!(!config.ignores(Path::new("/repo/rules/a.yml"), "unknown-key"));
    }

    #[test]
    fn config_problems_have_spans() {
        let file = Arc::new(SourceFile::new(
            "siemc.toml",
            "[check]\nignore = [\"unkown-key\"]\n",
        ));
        let problems = Config::parse(&file).unwrap_err();
        let span = problems[0].primary_span().unwrap();
        assert_eq!(&file.text[span.start..span.end], "\"unkown-key\"");
        assert!(problems[0].help.as_deref().unwrap().contains("unknown-key"));
        let file = Arc::new(SourceFile::new("siemc.toml", "[chekc]\n"));
        assert_eq!(Config::parse(&file).unwrap_err()[0].code, "invalid-config");
    }
}
