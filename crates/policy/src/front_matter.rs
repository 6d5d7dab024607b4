//! Kiro-style YAML front matter: `inclusion`, `fileMatchPattern`, `name`, `description`.
//!
//! Front matter is optional. Missing, empty or invalid front matter means
//! `inclusion: always`. Invalid front matter and common mistakes (an unknown
//! `inclusion`, a comma-separated pattern, `auto` without `name` or
//! `description`) are reported as problems.

use crate::globs::{OneOrMany, compile_globs, has_top_level_comma};
use crate::line_index::LineIndex;
use crate::model::{Inclusion, Severity};
use crate::model::ProblemFix;
use crate::problems::{ProblemSink, codes};
use crate::yaml_errors::{yaml_error_line, yaml_error_reason};
use globset::GlobSet;

/// What the front matter of one document decides.
#[derive(Debug)]
pub(crate) struct FrontMatter {
    pub(crate) inclusion: Inclusion,
    /// Compiled `fileMatchPattern`; `None` unless `inclusion: fileMatch`.
    pub(crate) file_match: Option<GlobSet>,
    /// Byte offset where the Markdown body starts, after the closing `---`.
    pub(crate) body_start: usize,
}

#[derive(Debug, Default, serde::Deserialize)]
struct RawFrontMatter {
    inclusion: Option<String>,
    #[serde(rename = "fileMatchPattern")]
    file_match_pattern: Option<OneOrMany>,
    name: Option<String>,
    description: Option<String>,
}

/// The YAML text between the `---` lines and where things are.
struct Delimited<'a> {
    yaml: &'a str,
    /// Zero-based document line of the first YAML line.
    first_yaml_line: u32,
    body_start: usize,
}

/// Reads the front matter at the top of `text`, if any.
pub(crate) fn parse_front_matter(
    text: &str,
    line_index: &LineIndex,
    problems: &mut ProblemSink,
) -> FrontMatter {
    let always = FrontMatter {
        inclusion: Inclusion::Always,
        file_match: None,
        body_start: 0,
    };

    let Some(delimited) = find_front_matter(text, line_index, problems) else {
        return always;
    };
    let body_start = delimited.body_start;

    let raw = match parse_yaml(&delimited, problems) {
        Some(raw) => raw,
        None => {
            return FrontMatter {
                body_start,
                ..always
            };
        }
    };

    let key_line = |key: &str| find_key_line(&delimited, key);
    let inclusion = decide_inclusion(&raw, &key_line, problems);
    let file_match = match &inclusion {
        Inclusion::FileMatch { patterns } => Some(compile_file_match(
            patterns,
            key_line("fileMatchPattern"),
            problems,
        )),
        _ => None,
    };

    FrontMatter {
        inclusion,
        file_match,
        body_start,
    }
}

/// Finds the `---` delimited block at the very top of the document.
fn find_front_matter<'a>(
    text: &'a str,
    line_index: &LineIndex,
    problems: &mut ProblemSink,
) -> Option<Delimited<'a>> {
    let content_start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut lines = split_lines_with_offsets(&text[content_start..], content_start);

    let (_, first_line) = lines.next()?;
    if first_line.trim_end() != "---" {
        return None;
    }
    let yaml_start = content_start + first_line.len();

    for (offset, line) in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Some(Delimited {
                yaml: &text[yaml_start..offset],
                first_yaml_line: line_index.line_of(yaml_start),
                body_start: offset + line.len(),
            });
        }
    }

    problems.at_line(
        0,
        Severity::Error,
        codes::UNCLOSED_FRONT_MATTER,
        "front matter opened with `---` is never closed; add a `---` line after the last front-matter key".to_owned(),
    );
    None
}

/// Yields each line with its line break, and the byte offset where it starts.
fn split_lines_with_offsets(text: &str, base: usize) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(base, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

fn parse_yaml(delimited: &Delimited, problems: &mut ProblemSink) -> Option<RawFrontMatter> {
    if delimited.yaml.trim().is_empty() {
        return Some(RawFrontMatter::default());
    }

    match serde_saphyr::from_str::<RawFrontMatter>(delimited.yaml) {
        Ok(raw) => Some(raw),
        Err(error) => {
            let line = yaml_error_line(&error, delimited.first_yaml_line);
            let reason = yaml_error_reason(&error);
            problems.at_line(
                line,
                Severity::Error,
                codes::INVALID_YAML,
                format!("invalid front matter, so the document is treated as `inclusion: always`: {reason}"),
            );
            None
        }
    }
}

/// Returns the zero-based document line where `key:` is written, else the first YAML line.
fn find_key_line(delimited: &Delimited, key: &str) -> u32 {
    let prefix = format!("{key}:");
    let position = delimited
        .yaml
        .lines()
        .position(|line| line.trim_start().starts_with(&prefix));
    let offset = position
        .and_then(|index| u32::try_from(index).ok())
        .unwrap_or(0);
    delimited.first_yaml_line.saturating_add(offset)
}

fn decide_inclusion(
    raw: &RawFrontMatter,
    key_line: &dyn Fn(&str) -> u32,
    problems: &mut ProblemSink,
) -> Inclusion {
    let Some(value) = raw.inclusion.as_deref() else {
        return Inclusion::Always;
    };

    match value.trim().to_ascii_lowercase().as_str() {
        "always" => Inclusion::Always,
        "manual" => Inclusion::Manual,
        "filematch" => file_match_inclusion(raw, key_line, problems),
        "auto" => auto_inclusion(raw, key_line, problems),
        _ => {
            problems.at_line(
                key_line("inclusion"),
                Severity::Warning,
                codes::UNKNOWN_INCLUSION,
                format!(
                    "unknown inclusion `{value}`, so the document is treated as `always`; use always, fileMatch, auto or manual"
                ),
            );
            Inclusion::Always
        }
    }
}

fn file_match_inclusion(
    raw: &RawFrontMatter,
    key_line: &dyn Fn(&str) -> u32,
    problems: &mut ProblemSink,
) -> Inclusion {
    let patterns = raw.file_match_pattern.clone().unwrap_or_default().0;
    if patterns.is_empty() {
        problems.at_line(
            key_line("inclusion"),
            Severity::Warning,
            codes::MISSING_FILE_MATCH_PATTERN,
            "`inclusion: fileMatch` without `fileMatchPattern` applies to no file; add `fileMatchPattern: \"**/*.py\"`"
                .to_owned(),
        );
    }
    Inclusion::FileMatch { patterns }
}

fn auto_inclusion(
    raw: &RawFrontMatter,
    key_line: &dyn Fn(&str) -> u32,
    problems: &mut ProblemSink,
) -> Inclusion {
    let missing: Vec<&str> = [("name", &raw.name), ("description", &raw.description)]
        .into_iter()
        .filter(|(_, value)| value.as_deref().is_none_or(|text| text.trim().is_empty()))
        .map(|(key, _)| key)
        .collect();

    if !missing.is_empty() {
        problems.at_line(
            key_line("inclusion"),
            Severity::Warning,
            codes::AUTO_WITHOUT_NAME,
            format!(
                "`inclusion: auto` needs `name` and `description`; missing: {}",
                missing.join(", ")
            ),
        );
    }

    Inclusion::Auto {
        name: raw.name.clone(),
        description: raw.description.clone(),
    }
}

fn compile_file_match(patterns: &[String], line: u32, problems: &mut ProblemSink) -> GlobSet {
    for pattern in patterns
        .iter()
        .filter(|pattern| has_top_level_comma(pattern))
    {
        let fix = comma_pattern_fix(problems, line, pattern);
        problems.push(
            problems.line_range(line),
            Severity::Warning,
            codes::COMMA_SEPARATED_PATTERN,
            format!(
                "fileMatchPattern `{pattern}` is one glob containing a comma, so it matches only paths with that comma; write a YAML list of globs instead"
            ),
            fix,
        );
    }

    let (set, invalid) = compile_globs(patterns);
    for glob in invalid {
        problems.at_line(
            line,
            Severity::Error,
            codes::INVALID_GLOB,
            format!(
                "invalid glob `{}` in fileMatchPattern: {}",
                glob.pattern, glob.reason
            ),
        );
    }
    set
}

/// Returns an edit that rewrites `fileMatchPattern: "a, b"` on `line` as a YAML list.
///
/// Only a pattern written on the key's own line is rewritten; a pattern inside
/// a YAML list gets no fix.
fn comma_pattern_fix(problems: &ProblemSink, line: u32, pattern: &str) -> Option<ProblemFix> {
    let line_range = problems.line_range(line);
    let line_text = problems.text().get(line_range.clone())?;
    let key_end = line_text.find("fileMatchPattern:")? + "fileMatchPattern:".len();
    let value = line_text[key_end..].trim();
    let unquoted = value.trim_matches(|character| character == '"' || character == '\'');
    if unquoted != pattern {
        return None;
    }

    let items: Vec<String> = split_top_level_commas(pattern)
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .map(|item| format!("  - \"{}\"", item.replace('"', "\\\"")))
        .collect();
    let replacement = format!("fileMatchPattern:\n{}", items.join("\n"));
    let indentation = line_text.len() - line_text.trim_start().len();

    Some(ProblemFix {
        range: line_range.start + indentation..line_range.end,
        replacement,
        title: "Write the patterns as a YAML list".to_owned(),
    })
}

/// Splits a pattern at commas outside `{a,b}` alternation braces.
fn split_top_level_commas(pattern: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0_usize;
    let mut start = 0;
    for (offset, character) in pattern.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&pattern[start..offset]);
                start = offset + 1;
            }
            _ => {}
        }
    }
    items.push(&pattern[start..]);
    items
}
