//! Parsing and validating the YAML inside a fenced `guardian` block.
//!
//! A block holds one rule (a mapping) or a list of rules. Each rule has
//! exactly one of `check:` (a built-in check) or `calls:` (fully qualified
//! function names), plus optional `id`, `severity`, `message`, `files` and
//! `fix`. A YAML error costs the whole block. A rule that is valid YAML but
//! wrong (unknown check, missing id, bad glob) costs only that rule. An
//! unknown key costs nothing but a warning.

use crate::globs::{OneOrMany, compile_globs};
use crate::model::{Binding, FixTemplate, KnownCheck, Rule, RuleKind, SectionId, Severity};
use crate::problems::ProblemSink;
use crate::sections::RuleBlockSource;
use crate::yaml_errors::{yaml_error_line, yaml_error_reason};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// The keys a rule may use.
const KNOWN_KEYS: &[&str] = &[
    "check", "calls", "id", "severity", "message", "files", "fix",
];

/// The maximum edit distance for a "did you mean" suggestion; shorter names allow less.
const MAX_SUGGESTION_DISTANCE: usize = 3;

/// Parses one block into rules bound to `section`, recording problems.
pub(crate) fn parse_rule_block(
    block: &RuleBlockSource,
    section: SectionId,
    known_checks: &[KnownCheck],
    problems: &mut ProblemSink,
) -> Vec<Rule> {
    if block.content.trim().is_empty() {
        problems.at_range(
            block.range.clone(),
            Severity::Warning,
            "empty `guardian` block binds nothing; add a rule such as `check: sql-injection`"
                .to_owned(),
        );
        return Vec::new();
    }

    let raw_rules = match serde_saphyr::from_str::<RawBlock>(&block.content) {
        Ok(RawBlock(rules)) => rules,
        Err(error) => {
            let line = yaml_error_line(&error, block.first_content_line);
            let reason = yaml_error_reason(&error);
            problems.at_line(
                line,
                Severity::Error,
                format!("invalid `guardian` block, so none of its rules load: {reason}"),
            );
            return Vec::new();
        }
    };

    let context = BlockContext {
        block,
        section,
        known_checks,
    };
    raw_rules
        .into_iter()
        .filter_map(|raw| context.validate(raw, problems))
        .collect()
}

/// A value with the one-based YAML line of its key.
#[derive(Debug)]
struct Keyed<T> {
    value: T,
    line: u64,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFix {
    replace: String,
    import: Option<String>,
}

/// One rule as written, before validation.
#[derive(Debug, Default)]
struct RawRule {
    /// One-based YAML line of the rule's first key.
    line: u64,
    check: Option<Keyed<String>>,
    calls: Option<Keyed<OneOrMany>>,
    id: Option<Keyed<String>>,
    severity: Option<Keyed<String>>,
    message: Option<Keyed<String>>,
    files: Option<Keyed<OneOrMany>>,
    fix: Option<Keyed<RawFix>>,
    unknown_keys: Vec<Keyed<String>>,
}

/// A block's rules; a single mapping is a list of one.
struct RawBlock(Vec<RawRule>);

impl<'de> serde::Deserialize<'de> for RawBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawBlockVisitor)
    }
}

struct RawBlockVisitor;

impl<'de> Visitor<'de> for RawBlockVisitor {
    type Value = RawBlock;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a rule (a mapping with `check:` or `calls:`) or a list of rules")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawBlock, A::Error> {
        RawRuleVisitor
            .visit_map(map)
            .map(|rule| RawBlock(vec![rule]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<RawBlock, A::Error> {
        let mut rules = Vec::new();
        while let Some(rule) = sequence.next_element::<RawRule>()? {
            rules.push(rule);
        }
        Ok(RawBlock(rules))
    }
}

impl<'de> serde::Deserialize<'de> for RawRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawRuleVisitor)
    }
}

struct RawRuleVisitor;

impl<'de> Visitor<'de> for RawRuleVisitor {
    type Value = RawRule;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a rule: a mapping with `check:` or `calls:`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRule, A::Error> {
        let mut rule = RawRule::default();

        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let line = key.referenced.line();
            if rule.line == 0 {
                rule.line = line;
            }

            match key.value.as_str() {
                "check" => {
                    rule.check = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "calls" => {
                    rule.calls = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "id" => {
                    rule.id = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "severity" => {
                    rule.severity = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "message" => {
                    rule.message = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "files" => {
                    rule.files = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                "fix" => {
                    rule.fix = Some(Keyed {
                        value: map.next_value()?,
                        line,
                    })
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    rule.unknown_keys.push(Keyed {
                        value: key.value,
                        line,
                    });
                }
            }
        }

        Ok(rule)
    }
}

/// The block a rule came from, with the section and catalog that validation reads.
struct BlockContext<'a> {
    block: &'a RuleBlockSource,
    section: SectionId,
    known_checks: &'a [KnownCheck],
}

impl BlockContext<'_> {
    /// Converts a one-based YAML line to a zero-based document line.
    fn document_line(&self, yaml_line: u64) -> u32 {
        let offset = u32::try_from(yaml_line.saturating_sub(1)).unwrap_or(0);
        self.block.first_content_line.saturating_add(offset)
    }

    /// Turns a raw rule into a [`Rule`], or records why it cannot load.
    fn validate(&self, raw: RawRule, problems: &mut ProblemSink) -> Option<Rule> {
        self.report_unknown_keys(&raw, problems);

        let (id, kind) = self.validate_kind(&raw, problems)?;
        let severity = self.validate_severity(&raw, problems)?;
        let files = self.validate_files(&raw, &id, problems)?;

        Some(Rule {
            id,
            kind,
            severity,
            message: raw.message.map(|message| message.value),
            files,
            fix: raw.fix.map(|fix| FixTemplate {
                replace: fix.value.replace,
                import: fix.value.import,
            }),
            section: self.section,
            binding: Binding::Block,
            block_range: self.block.range.clone(),
        })
    }

    fn report_unknown_keys(&self, raw: &RawRule, problems: &mut ProblemSink) {
        for key in &raw.unknown_keys {
            let message = match key.value.as_str() {
                "query" | "regex" | "options" => {
                    format!(
                        "`{}:` is not supported by this version of Guardian and is ignored",
                        key.value
                    )
                }
                _ => match suggestion(&key.value, KNOWN_KEYS.iter().copied()) {
                    Some(closest) => format!(
                        "unknown key `{}` is ignored; did you mean `{closest}`?",
                        key.value
                    ),
                    None => format!(
                        "unknown key `{}` is ignored; rule keys are {}",
                        key.value,
                        KNOWN_KEYS.join(", ")
                    ),
                },
            };
            problems.at_line(self.document_line(key.line), Severity::Warning, message);
        }
    }

    /// Decides between `check:` and `calls:` and returns the rule id with its kind.
    fn validate_kind(
        &self,
        raw: &RawRule,
        problems: &mut ProblemSink,
    ) -> Option<(String, RuleKind)> {
        match (&raw.check, &raw.calls) {
            (Some(check), None) => self.validate_check(check, raw.id.as_ref(), problems),
            (None, Some(calls)) => self.validate_calls(calls, raw.id.as_ref(), problems),
            (Some(check), Some(_)) => {
                problems.at_line(
                    self.document_line(check.line),
                    Severity::Error,
                    "a rule has both `check:` and `calls:`, so it does not load; split it into two rules".to_owned(),
                );
                None
            }
            (None, None) => {
                problems.at_line(
                    self.document_line(raw.line.max(1)),
                    Severity::Error,
                    "a rule needs `check:` (a built-in check) or `calls:` (functions to flag), so it does not load"
                        .to_owned(),
                );
                None
            }
        }
    }

    fn validate_check(
        &self,
        check: &Keyed<String>,
        id: Option<&Keyed<String>>,
        problems: &mut ProblemSink,
    ) -> Option<(String, RuleKind)> {
        let name = check.value.trim();
        let is_known = self.known_checks.iter().any(|known| known.name == name);
        if !is_known {
            let message = match suggestion(name, self.known_checks.iter().map(|known| known.name)) {
                Some(closest) => format!("unknown check `{name}`; did you mean `{closest}`?"),
                None => {
                    format!("unknown check `{name}`; `guardian rules` lists the built-in checks")
                }
            };
            problems.at_line(self.document_line(check.line), Severity::Error, message);
            return None;
        }

        if let Some(id) = id.filter(|id| id.value != name) {
            problems.at_line(
                self.document_line(id.line),
                Severity::Warning,
                format!(
                    "`id: {}` is ignored: a `check:` rule is identified by its check name `{name}`",
                    id.value
                ),
            );
        }

        Some((
            name.to_owned(),
            RuleKind::Check {
                name: name.to_owned(),
            },
        ))
    }

    fn validate_calls(
        &self,
        calls: &Keyed<OneOrMany>,
        id: Option<&Keyed<String>>,
        problems: &mut ProblemSink,
    ) -> Option<(String, RuleKind)> {
        let line = self.document_line(calls.line);
        let names: Vec<String> = calls
            .value
            .0
            .iter()
            .map(|name| name.trim().to_owned())
            .collect();

        if names.is_empty() || names.iter().any(String::is_empty) {
            problems.at_line(
                line,
                Severity::Error,
                "`calls:` needs at least one non-empty function name, such as `pickle.loads`"
                    .to_owned(),
            );
            return None;
        }

        let Some(id) = id.map(|id| id.value.trim()).filter(|id| !id.is_empty()) else {
            problems.at_line(
                line,
                Severity::Error,
                "a `calls:` rule needs an `id`, such as `id: no-pickle-loads`, so it does not load"
                    .to_owned(),
            );
            return None;
        };

        if self.known_checks.iter().any(|known| known.name == id) {
            problems.at_line(
                line,
                Severity::Error,
                format!("custom rule id `{id}` is the name of a built-in check; choose another id"),
            );
            return None;
        }

        Some((id.to_owned(), RuleKind::Calls { names }))
    }

    /// Returns `Some(None)` when no severity is written and `None` when it is invalid.
    fn validate_severity(
        &self,
        raw: &RawRule,
        problems: &mut ProblemSink,
    ) -> Option<Option<Severity>> {
        let Some(written) = &raw.severity else {
            return Some(None);
        };

        match parse_severity(&written.value) {
            Some(severity) => Some(Some(severity)),
            None => {
                problems.at_line(
                    self.document_line(written.line),
                    Severity::Error,
                    format!("invalid severity `{}`, so the rule does not load; use error, warning, info, hint or off", written.value),
                );
                None
            }
        }
    }

    /// Returns `Some(None)` when no `files:` is written and `None` when a glob is invalid.
    fn validate_files(
        &self,
        raw: &RawRule,
        id: &str,
        problems: &mut ProblemSink,
    ) -> Option<Option<globset::GlobSet>> {
        let Some(files) = &raw.files else {
            return Some(None);
        };

        let (set, invalid) = compile_globs(&files.value.0);
        for glob in &invalid {
            problems.at_line(
                self.document_line(files.line),
                Severity::Error,
                format!(
                    "invalid glob `{}` in `files:`, so rule `{id}` does not load: {}",
                    glob.pattern, glob.reason
                ),
            );
        }

        invalid.is_empty().then_some(Some(set))
    }
}

/// Parses a severity name as written in a rule block.
pub fn parse_severity(text: &str) -> Option<Severity> {
    match text.trim().to_ascii_lowercase().as_str() {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        "hint" => Some(Severity::Hint),
        "off" => Some(Severity::Off),
        _ => None,
    }
}

/// Returns the candidate closest to a misspelled name, if one is close enough.
fn suggestion<'a>(written: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let max_distance = (written.chars().count() / 3).clamp(1, MAX_SUGGESTION_DISTANCE);
    candidates
        .map(|candidate| (strsim::damerau_levenshtein(written, candidate), candidate))
        .filter(|(distance, _)| *distance <= max_distance)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}
