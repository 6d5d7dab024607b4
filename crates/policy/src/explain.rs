//! Explaining a policy: which section binds each rule and why, for
//! `guardian policy explain`, and which check name sits under a cursor in a
//! steering document, for hover.

use crate::model::{Binding, Inclusion, Origin, Policy, Rule, RuleKind, Severity};
use crate::sections::RULE_BLOCK_INFO;
use std::ops::Range;

/// How a rule came to be bound, in serializable form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum BindingKind {
    /// A fenced `guardian` block in the section.
    Block,
    /// The section heading names one of the check's topics.
    Topic { word: String },
}

/// One binding of a rule to a policy section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BindingExplanation {
    /// The check name or custom rule id.
    pub rule: String,
    /// `check`, `calls`, `query` or `regex`.
    pub rule_kind: &'static str,
    /// The steering document's path, or `bundled:NAME`.
    pub document: String,
    pub origin: Origin,
    /// The section citation, e.g. `Standards › Injection › SQL`.
    pub section: String,
    /// Zero-based line of the section heading.
    pub heading_line: u32,
    pub binding: BindingKind,
    /// The rule's `files:` globs; empty means every file the document applies to.
    pub files: Vec<String>,
    /// The document's `fileMatchPattern` globs, when it has `inclusion: fileMatch`.
    pub file_match: Vec<String>,
    /// The severity the section writes; `None` means the check's default.
    pub severity: Option<Severity>,
    /// Whether the binding takes part in analysis.
    pub active: bool,
    /// Why a binding is inactive, or what layering changed about it.
    pub notes: Vec<String>,
}

/// Lists every binding of the policy: the effective rules in policy order,
/// then the rules that layering left out.
pub fn explain(policy: &Policy) -> Vec<BindingExplanation> {
    let effective = policy.rules.iter().map(|rule| (rule, true));
    let superseded = policy.superseded.iter().map(|rule| (rule, false));

    effective
        .chain(superseded)
        .filter_map(|(rule, active)| explain_rule(policy, rule, active))
        .collect()
}

fn explain_rule(policy: &Policy, rule: &Rule, active: bool) -> Option<BindingExplanation> {
    let document = policy.get_document(rule.section)?;
    let section = policy.get_section(rule.section)?;

    let binding = match &rule.binding {
        Binding::Block => BindingKind::Block,
        Binding::Topic { topic } => BindingKind::Topic {
            word: topic.clone(),
        },
    };
    let file_match = match &document.inclusion {
        Inclusion::FileMatch { patterns } => patterns.clone(),
        _ => Vec::new(),
    };
    let mut notes = rule.notes.clone();
    if rule.severity == Some(Severity::Off) {
        notes.push("disabled with `severity: off`".to_owned());
    }

    Some(BindingExplanation {
        rule: rule.id.clone(),
        rule_kind: rule_kind_name(&rule.kind),
        document: document.path.display().to_string(),
        origin: document.origin,
        section: policy.citation(rule.section),
        heading_line: section.heading_line,
        binding,
        files: rule.file_patterns.clone(),
        file_match,
        severity: rule.severity,
        active,
        notes,
    })
}

fn rule_kind_name(kind: &RuleKind) -> &'static str {
    match kind {
        RuleKind::Check { .. } => "check",
        RuleKind::Calls { .. } => "calls",
        RuleKind::Query { .. } => "query",
        RuleKind::Regex { .. } => "regex",
    }
}

/// Returns the check name written after `check:` on the line under `offset`,
/// when that line is inside a fenced `guardian` block and `offset` is on the
/// name (or on the `check` key).
pub fn check_at(document_text: &str, offset: usize) -> Option<&str> {
    let mut offset = offset.min(document_text.len());
    while !document_text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = line_containing(document_text, offset);
    if !is_inside_rule_block(document_text, line.start) {
        return None;
    }

    let line_text = &document_text[line.clone()];
    let key_start = line_text.find("check:")?;
    let before_key = line_text[..key_start].trim();
    let is_key_position = before_key.is_empty() || before_key == "-";
    if !is_key_position {
        return None;
    }

    let value_start = key_start + "check:".len();
    let value_with_comment = &line_text[value_start..];
    let value_end = value_with_comment.find(" #").unwrap_or(value_with_comment.len());
    let raw_value = &value_with_comment[..value_end];
    let name = raw_value.trim().trim_matches(|character| character == '"' || character == '\'');
    if name.is_empty() {
        return None;
    }

    let cursor_in_line = offset - line.start;
    let on_key_or_name = cursor_in_line >= line_text.len() - line_text.trim_start().len()
        && cursor_in_line <= value_start + value_end;
    on_key_or_name.then_some(name)
}

/// Returns the byte range of the line that contains `offset`, without its line break.
fn line_containing(text: &str, offset: usize) -> Range<usize> {
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[offset..]
        .find('\n')
        .map_or(text.len(), |newline| offset + newline);
    let end = if text[start..end].ends_with('\r') { end - 1 } else { end };
    start..end
}

/// Returns whether the line starting at `line_start` lies inside an open
/// ```` ```guardian ```` fence, by scanning fences from the top of the text.
fn is_inside_rule_block(text: &str, line_start: usize) -> bool {
    let mut open_fence: Option<(char, usize, bool)> = None;
    for line in text[..line_start].lines() {
        let trimmed = line.trim_start();
        let fence_char = trimmed.chars().next().filter(|character| *character == '`' || *character == '~');
        let Some(fence_char) = fence_char else {
            continue;
        };
        let fence_length = trimmed.chars().take_while(|character| *character == fence_char).count();
        if fence_length < 3 {
            continue;
        }
        let info = trimmed[fence_length..].trim();
        match open_fence {
            None => open_fence = Some((fence_char, fence_length, info == RULE_BLOCK_INFO)),
            Some((open_char, open_length, _)) if open_char == fence_char && fence_length >= open_length && info.is_empty() => {
                open_fence = None;
            }
            Some(_) => {}
        }
    }
    open_fence.is_some_and(|(_, _, is_rule_block)| is_rule_block)
}

#[cfg(test)]
mod tests {
    use super::check_at;

    const DOCUMENT: &str = "# Rules\n\ncheck: not-in-a-block\n\n```guardian\n- check: sql-injection  # injection\n  severity: error\n- check: \"weak-crypto\"\n```\n\n```python\ncheck: python-text\n```\n";

    fn check_under(needle: &str, shift: usize) -> Option<&'static str> {
        let offset = DOCUMENT.find(needle).map(|start| start + shift)?;
        check_at(DOCUMENT, offset)
    }

    #[test]
    fn check_at_name_in_block() {
        assert_eq!(check_under("sql-injection", 0), Some("sql-injection"));
        assert_eq!(check_under("sql-injection", 13), Some("sql-injection"), "end of the name");
        assert_eq!(check_under("check: sql", 2), Some("sql-injection"), "on the key");
        assert_eq!(check_under("weak-crypto", 3), Some("weak-crypto"), "quoted name");
    }

    #[test]
    fn check_at_ignores_other_places() {
        assert_eq!(check_under("not-in-a-block", 0), None, "prose outside a block");
        assert_eq!(check_under("python-text", 0), None, "another code block");
        assert_eq!(check_under("severity: error", 3), None, "another key");
        assert_eq!(check_under("# injection", 4), None, "the trailing comment");
        assert_eq!(check_at(DOCUMENT, DOCUMENT.len() + 10), None, "offset past the end");
    }
}
