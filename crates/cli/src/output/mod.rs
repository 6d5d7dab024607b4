//! Presentation shared by the output formats of `guardian check`:
//! positions for people (1-based lines, 1-based columns in characters),
//! citations, display paths, severity counts and secret masking.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use std::ops::Range;
use std::path::Path;

use guardian_analysis::{Finding, Policy, PositionEncoding, SectionId, Severity};
use guardian_policy::PolicyProblem;

use crate::check::{Report, SourceText};

/// The rule whose findings point at a secret; its source text is masked in code frames.
const SECRET_RULE: &str = "hardcoded-secret";

/// Characters of a masked string literal that stay visible, so a reader can tell secrets apart.
const VISIBLE_SECRET_PREFIX: usize = 3;

/// A position for people: 1-based line and 1-based column counted in Unicode characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A cited policy section, resolved for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The document title.
    pub document: String,
    /// `Document › heading › subheading`.
    pub section: String,
    /// The steering document path, shown relative to the current directory when inside it.
    pub path: String,
    /// 1-based line of the section heading.
    pub line: usize,
}

/// Finding counts by severity, plus how many files were read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
    pub files_checked: usize,
    pub files_with_findings: usize,
    pub files_skipped: usize,
}

impl Counts {
    pub fn of(report: &Report) -> Self {
        let mut counts = Counts {
            files_checked: report.files.len() + report.clean_file_count,
            files_skipped: report.skipped.len(),
            ..Counts::default()
        };

        for file in &report.files {
            if !file.findings.is_empty() {
                counts.files_with_findings += 1;
            }
            for finding in &file.findings {
                match finding.severity {
                    Severity::Error => counts.errors += 1,
                    Severity::Warning => counts.warnings += 1,
                    Severity::Info => counts.infos += 1,
                    Severity::Hint => counts.hints += 1,
                    Severity::Off => {}
                }
            }
        }
        counts
    }

    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos + self.hints
    }
}

pub use text::plural;

/// Returns whether `guardian check` shows a policy problem next to its findings.
///
/// Warnings and errors only: hints (such as a section that binds no rule) are
/// for the security team, and `guardian policy check` lists them. Problems in
/// the bundled default document are left out too, since no user can edit it.
pub fn shows_policy_problem(problem: &PolicyProblem) -> bool {
    let in_bundled_document = problem.path.to_string_lossy().starts_with("bundled:");
    problem.severity >= Severity::Warning && !in_bundled_document
}

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
        Severity::Hint => "hint",
        Severity::Off => "off",
    }
}

/// Treats a closed stdout pipe (`guardian check | head`) as a normal end of output.
pub fn ignore_broken_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Shows `path` relative to `current_directory` when it lies inside it, else unchanged.
pub fn display_path(path: &Path, current_directory: &Path) -> String {
    let relative = path.strip_prefix(current_directory).unwrap_or(path);
    relative.display().to_string()
}

/// Converts a byte offset into a position for people; offsets past the end clamp to the end.
pub fn position(source: &SourceText, offset: usize) -> Position {
    let text = source.text();
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_col = source.line_index().line_col(text, offset, PositionEncoding::Utf8);

    let column_bytes = usize::try_from(line_col.column).unwrap_or(usize::MAX).min(offset);
    let line_start = floor_char_boundary(text, offset - column_bytes);
    let column_characters = text[line_start..offset].chars().count();

    Position {
        line: usize::try_from(line_col.line).unwrap_or(usize::MAX).saturating_add(1),
        column: column_characters + 1,
    }
}

/// Resolves every section a finding cites.
pub fn citations(finding: &Finding, policy: &Policy, current_directory: &Path) -> Vec<Citation> {
    finding
        .citations
        .iter()
        .filter(|id| section_exists(policy, **id))
        .map(|id| citation(policy, *id, current_directory))
        .collect()
}

fn citation(policy: &Policy, id: SectionId, current_directory: &Path) -> Citation {
    let document = policy.document(id);
    let section = policy.section(id);

    Citation {
        document: document.title.clone(),
        section: policy.citation(id),
        path: display_path(&document.path, current_directory),
        line: usize::try_from(section.heading_line).unwrap_or(usize::MAX).saturating_add(1),
    }
}

/// Guards against a citation that points outside the policy, which would panic on indexing.
fn section_exists(policy: &Policy, id: SectionId) -> bool {
    policy
        .documents
        .get(id.document)
        .is_some_and(|document| id.section < document.sections.len())
}

/// Returns `line` with the string literals inside `masked` (a byte range within the line) masked.
///
/// Only findings of the secret rule are masked, so other code frames show the source as it is.
pub fn frame_text(line: &str, masked: Option<Range<usize>>) -> String {
    let Some(range) = masked else {
        return line.to_owned();
    };
    let start = floor_char_boundary(line, range.start.min(line.len()));
    let end = floor_char_boundary(line, range.end.min(line.len())).max(start);

    let mut result = String::with_capacity(line.len());
    result.push_str(&line[..start]);
    result.push_str(&mask_string_literals(&line[start..end]));
    result.push_str(&line[end..]);
    result
}

/// Returns whether the source text under a finding must be masked before it is printed.
pub fn masks_source(finding: &Finding) -> bool {
    finding.rule == SECRET_RULE
}

/// Replaces the characters of quoted strings after the first few with `*`, keeping the length.
///
/// The scan is lexical: it follows `'` and `"` quotes and backslash escapes, so a
/// secret in any string literal of the range is hidden. Quote state carries across
/// lines, so the body of a triple-quoted key is masked too. Each masked character
/// becomes as many `*` as it has UTF-8 bytes, and line breaks stay, so byte offsets
/// and line numbers computed on the original text still hold on the result.
fn mask_string_literals(text: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut open_quote: Option<char> = None;
    let mut visible_left = 0;
    let mut escaped = false;

    for character in text.chars() {
        match open_quote {
            None => {
                if character == '"' || character == '\'' {
                    open_quote = Some(character);
                    visible_left = VISIBLE_SECRET_PREFIX;
                }
                result.push(character);
            }
            Some(quote) => {
                let closes = character == quote && !escaped;
                escaped = character == '\\' && !escaped;

                if closes {
                    open_quote = None;
                    result.push(character);
                } else if character == '\n' || character == '\r' {
                    result.push(character);
                } else if visible_left > 0 {
                    visible_left -= 1;
                    result.push(character);
                } else {
                    result.extend(std::iter::repeat_n('*', character.len_utf8()));
                }
            }
        }
    }
    result
}

/// Returns `text` with the string literals inside every secret finding's range masked.
///
/// The result has the same length in bytes and the same lines as `text`, so
/// frames and diffs built from it line up with positions computed on `text`.
pub fn mask_secret_findings<'a>(text: &str, findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let mut masked = text.to_owned();
    for finding in findings.into_iter().filter(|finding| masks_source(finding)) {
        let start = floor_char_boundary(text, finding.range.start.min(text.len()));
        let end = floor_char_boundary(text, finding.range.end.min(text.len())).max(start);
        let replacement = mask_string_literals(&text[start..end]);
        masked.replace_range(start..end, &replacement);
    }
    masked
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_covers_multi_line_literals() {
        let text = "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretmaterial\n-----END RSA PRIVATE KEY-----\"\"\"\nx = 1\n";
        let finding = secret_finding(6..text.len() - 7);

        let masked = mask_secret_findings(text, [&finding]);

        assert_eq!(masked.len(), text.len());
        assert_eq!(masked.lines().count(), text.lines().count());
        assert!(!masked.contains("MIIEpAIBAAKCAQEAsecretmaterial"), "{masked}");
        assert!(!masked.contains("END RSA"), "{masked}");
        assert!(masked.ends_with("\nx = 1\n"), "{masked}");
    }

    #[test]
    fn mask_keeps_byte_offsets_for_non_ascii() {
        let text = "PASSWORD = \"pässwörd-géheim\"\n";
        let finding = secret_finding(11..text.len() - 1);

        let masked = mask_secret_findings(text, [&finding]);

        assert_eq!(masked.len(), text.len());
        assert!(!masked.contains("géheim"), "{masked}");
    }

    fn secret_finding(range: Range<usize>) -> Finding {
        Finding {
            rule: SECRET_RULE.to_owned(),
            range,
            severity: guardian_analysis::Severity::Error,
            message: String::new(),
            citations: Vec::new(),
            fixes: Vec::new(),
            related: Vec::new(),
        }
    }

    #[test]
    fn mask_keeps_prefix_and_length() {
        let masked = mask_string_literals(r#"KEY = "sk_live_abcdef""#);
        assert_eq!(masked, r#"KEY = "sk_***********""#);
    }

    #[test]
    fn mask_handles_escaped_quote() {
        let masked = mask_string_literals(r#""ab\"cdef" + x"#);
        assert_eq!(masked, r#""ab\*****" + x"#);
    }

    #[test]
    fn frame_text_masks_only_range() {
        let line = r#"a = "public"; b = "secretvalue""#;
        let start = line.find("b =").unwrap_or(0);
        let framed = frame_text(line, Some(start..line.len()));
        assert_eq!(framed, r#"a = "public"; b = "sec********""#);
    }

    #[test]
    fn frame_text_without_mask_is_unchanged() {
        assert_eq!(frame_text("x = 'abc'", None), "x = 'abc'");
    }
}
