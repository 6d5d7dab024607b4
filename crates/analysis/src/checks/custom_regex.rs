//! Custom `regex:` rules: a regular expression over a file's text. Each match
//! is a finding; named groups fill `{name}` placeholders in the rule's message
//! and fix template, and `{0}` stands for the whole match.
//!
//! The policy crate compiled each pattern with a size limit, and the regex
//! crate matches in linear time, so a pattern cannot stall analysis. Each
//! rule reports at most [`MAX_FINDINGS_PER_RULE`] findings per file.

use guardian_policy::{FixTemplate, RuleRegex};

use super::RawFinding;
use super::custom_query::{fill_template, shorten_for_message};
use crate::{Edit, Fix, FixKind};

/// The maximum number of findings one regex rule reports in one file.
pub(crate) const MAX_FINDINGS_PER_RULE: usize = 1_000;

/// A `regex:` rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct RegexRule {
    pub id: String,
    pub regex: RuleRegex,
    pub message: Option<String>,
    pub fix: Option<FixTemplate>,
}

/// Runs every regex rule over `text`.
pub(crate) fn run(text: &str, rules: &[RegexRule]) -> Vec<RawFinding> {
    let mut findings = Vec::new();
    for rule in rules {
        for captures in rule.regex.regex.captures_iter(text).take(MAX_FINDINGS_PER_RULE) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if whole.is_empty() {
                continue;
            }
            let group_text = |name: &str| -> Option<&str> {
                let group = match name.parse::<usize>() {
                    Ok(index) => captures.get(index),
                    Err(_) => captures.name(name),
                };
                group.map(|group| group.as_str())
            };

            let message = match &rule.message {
                Some(template) => fill_template(template, |name| group_text(name).map(shorten_for_message)),
                None => format!("text matches the pattern of rule `{}`; see the cited policy section", rule.id),
            };
            let fixes = rule
                .fix
                .as_ref()
                .map(|template| {
                    let replacement = fill_template(&template.replace, |name| group_text(name).map(str::to_owned));
                    Fix {
                        title: format!("Replace with `{}`", shorten_for_message(&replacement)),
                        kind: FixKind::Rewrite,
                        edits: vec![Edit { range: whole.range(), replacement }],
                    }
                })
                .into_iter()
                .collect();

            findings.push(RawFinding { rule: rule.id.clone(), range: whole.range(), message, fixes, related: Vec::new() });
        }
    }
    findings
}
