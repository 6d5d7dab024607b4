//! Parsing and validating the YAML inside a fenced `guardian` block.
//!
//! A block holds one rule (a mapping) or a list of rules. Each rule has
//! exactly one of `check:` (a built-in check), `calls:` (fully qualified
//! function names, optionally narrowed by `arguments:`), `query:` (a
//! tree-sitter query over Python) or `regex:` (a regular expression over file
//! text), plus optional `id`, `severity`, `message`, `files`, `fix`,
//! `options` (for `check:`) and `exceptions`. A mapping with only
//! `exceptions:` sets limits on recorded exceptions for its whole section.
//!
//! A YAML error costs the whole block. A rule that is valid YAML but wrong
//! (unknown check, missing id, bad glob, invalid regex or query) costs only
//! that rule. An unknown key costs nothing but a warning.

use crate::globs::{OneOrMany, compile_globs};
use crate::model::{
    ArgumentMatcher, Binding, CheckOption, ExceptionPolicy, FixTemplate, KnownCheck, Rule, RuleKind,
    RuleQuery, RuleRegex, RuleValue, SectionId, Severity,
};
use crate::problems::{ProblemSink, codes};
use crate::sections::RuleBlockSource;
use crate::yaml_errors::{yaml_error_line, yaml_error_reason};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The keys a rule may use.
const KNOWN_KEYS: &[&str] = &[
    "check",
    "calls",
    "query",
    "regex",
    "id",
    "severity",
    "message",
    "files",
    "fix",
    "options",
    "arguments",
    "exceptions",
];

/// The maximum edit distance for a "did you mean" suggestion; shorter names allow less.
const MAX_SUGGESTION_DISTANCE: usize = 3;

/// The maximum size of a compiled `regex:` rule, so a pattern such as
/// `\w{1000}{1000}` is rejected instead of using gigabytes of memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The capture of a `query:` rule that marks the reported range.
pub const FINDING_CAPTURE: &str = "finding";

/// The rules of one block and the section-wide exception limits it sets.
#[derive(Debug, Default)]
pub(crate) struct BlockRules {
    pub(crate) rules: Vec<Rule>,
    pub(crate) section_exceptions: Option<ExceptionPolicy>,
}

/// Parses one block into rules bound to `section`, recording problems.
pub(crate) fn parse_rule_block(
    block: &RuleBlockSource,
    section: SectionId,
    known_checks: &[KnownCheck],
    problems: &mut ProblemSink,
) -> BlockRules {
    if block.content.trim().is_empty() {
        problems.at_range(
            block.range.clone(),
            Severity::Warning,
            codes::EMPTY_BLOCK,
            "empty `guardian` block binds nothing; add a rule such as `check: sql-injection`"
                .to_owned(),
        );
        return BlockRules::default();
    }

    let raw_rules = match serde_saphyr::from_str::<RawBlock>(&block.content) {
        Ok(RawBlock(rules)) => rules,
        Err(error) => {
            let line = yaml_error_line(&error, block.first_content_line);
            let reason = yaml_error_reason(&error);
            problems.at_line(
                line,
                Severity::Error,
                codes::INVALID_YAML,
                format!("invalid `guardian` block, so none of its rules load: {reason}"),
            );
            return BlockRules::default();
        }
    };

    let context = BlockContext {
        block,
        section,
        known_checks,
    };
    let mut block_rules = BlockRules::default();
    for raw in raw_rules {
        if raw.is_section_exceptions() {
            let limits = raw.exceptions.as_ref().map(|exceptions| exceptions.value);
            block_rules.section_exceptions = match (block_rules.section_exceptions, limits) {
                (Some(earlier), Some(limits)) => Some(earlier.stricter(limits)),
                (earlier, limits) => earlier.or(limits),
            };
            continue;
        }
        if let Some(rule) = context.validate(raw, problems) {
            block_rules.rules.push(rule);
        }
    }
    block_rules
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

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExceptions {
    #[serde(default)]
    require_until: bool,
    max_days: Option<u32>,
}

/// A scalar written as a value of `arguments:` or `options:`.
struct RawValue(RuleValue);

impl<'de> serde::Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl Visitor<'_> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a scalar: true, false, null, a number or a string")
    }

    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::Bool(value)))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::Integer(value)))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawValue, E> {
        i64::try_from(value)
            .map(|value| RawValue(RuleValue::Integer(value)))
            .map_err(|_| E::custom(format!("integer {value} is too large")))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::Float(value)))
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::String(value.to_owned())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::Null))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue(RuleValue::Null))
    }
}

/// An `options:` value: a scalar or a list of scalars.
struct RawOptionValue(RuleValue);

impl<'de> serde::Deserialize<'de> for RawOptionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawOptionValueVisitor)
    }
}

struct RawOptionValueVisitor;

impl<'de> Visitor<'de> for RawOptionValueVisitor {
    type Value = RawOptionValue;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a scalar or a list of scalars")
    }

    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<RawOptionValue, E> {
        RawValueVisitor.visit_bool(value).map(|RawValue(value)| RawOptionValue(value))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawOptionValue, E> {
        RawValueVisitor.visit_i64(value).map(|RawValue(value)| RawOptionValue(value))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawOptionValue, E> {
        RawValueVisitor.visit_u64(value).map(|RawValue(value)| RawOptionValue(value))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<RawOptionValue, E> {
        RawValueVisitor.visit_f64(value).map(|RawValue(value)| RawOptionValue(value))
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawOptionValue, E> {
        RawValueVisitor.visit_str(value).map(|RawValue(value)| RawOptionValue(value))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<RawOptionValue, E> {
        Ok(RawOptionValue(RuleValue::Null))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<RawOptionValue, E> {
        Ok(RawOptionValue(RuleValue::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<RawOptionValue, A::Error> {
        let mut items = Vec::new();
        while let Some(RawValue(item)) = sequence.next_element::<RawValue>()? {
            items.push(item);
        }
        Ok(RawOptionValue(RuleValue::List(items)))
    }
}

/// An `options:` mapping in written order, each value with the line of its key.
struct RawOptions(Vec<(String, Keyed<RuleValue>)>);

impl<'de> serde::Deserialize<'de> for RawOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawOptionsVisitor)
    }
}

struct RawOptionsVisitor;

impl<'de> Visitor<'de> for RawOptionsVisitor {
    type Value = RawOptions;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a mapping from option names to values, such as `timeout: 10`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawOptions, A::Error> {
        let mut options = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let line = key.referenced.line();
            let RawOptionValue(value) = map.next_value()?;
            options.push((key.value, Keyed { value, line }));
        }
        Ok(RawOptions(options))
    }
}

impl std::fmt::Debug for RawOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_list().entries(self.0.iter().map(|(key, value)| (key, &value.value))).finish()
    }
}

/// A mapping from names to scalars, in written order.
struct RawValueMap(Vec<(String, RuleValue)>);

impl<'de> serde::Deserialize<'de> for RawValueMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, RawValue>::deserialize(deserializer)?;
        Ok(RawValueMap(
            map.into_iter().map(|(key, RawValue(value))| (key, value)).collect(),
        ))
    }
}

/// One rule as written, before validation.
#[derive(Debug, Default)]
struct RawRule {
    /// One-based YAML line of the rule's first key.
    line: u64,
    check: Option<Keyed<String>>,
    calls: Option<Keyed<OneOrMany>>,
    query: Option<Keyed<String>>,
    regex: Option<Keyed<String>>,
    id: Option<Keyed<String>>,
    severity: Option<Keyed<String>>,
    message: Option<Keyed<String>>,
    files: Option<Keyed<OneOrMany>>,
    fix: Option<Keyed<RawFix>>,
    options: Option<Keyed<RawOptions>>,
    arguments: Option<Keyed<RawValueMap>>,
    exceptions: Option<Keyed<ExceptionPolicy>>,
    unknown_keys: Vec<Keyed<String>>,
}

impl RawRule {
    /// Returns whether the mapping only sets `exceptions:` and so applies to its section.
    fn is_section_exceptions(&self) -> bool {
        let has_kind = self.check.is_some()
            || self.calls.is_some()
            || self.query.is_some()
            || self.regex.is_some();
        self.exceptions.is_some() && !has_kind
    }
}

impl std::fmt::Debug for RawValueMap {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_list().entries(&self.0).finish()
    }
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
                "check" => rule.check = Some(keyed(&mut map, line)?),
                "calls" => rule.calls = Some(keyed(&mut map, line)?),
                "query" => rule.query = Some(keyed(&mut map, line)?),
                "regex" => rule.regex = Some(keyed(&mut map, line)?),
                "id" => rule.id = Some(keyed(&mut map, line)?),
                "severity" => rule.severity = Some(keyed(&mut map, line)?),
                "message" => rule.message = Some(keyed(&mut map, line)?),
                "files" => rule.files = Some(keyed(&mut map, line)?),
                "fix" => rule.fix = Some(keyed(&mut map, line)?),
                "options" => rule.options = Some(keyed(&mut map, line)?),
                "arguments" => rule.arguments = Some(keyed(&mut map, line)?),
                "exceptions" => {
                    let raw: Keyed<RawExceptions> = keyed(&mut map, line)?;
                    rule.exceptions = Some(Keyed {
                        value: ExceptionPolicy {
                            require_until: raw.value.require_until,
                            max_days: raw.value.max_days,
                        },
                        line,
                    });
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

/// Reads the value of the current key, remembering the key's line.
fn keyed<'de, A: MapAccess<'de>, T: serde::Deserialize<'de>>(
    map: &mut A,
    line: u64,
) -> Result<Keyed<T>, A::Error> {
    Ok(Keyed {
        value: map.next_value()?,
        line,
    })
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
        let options = self.validate_options(&raw, &kind, problems);
        self.report_misplaced_keys(&raw, &kind, problems);
        if let RuleKind::Query { query } = &kind {
            self.report_unknown_placeholders(&raw, query, problems);
        }

        Some(Rule {
            id,
            kind,
            severity,
            message: raw.message.map(|message| message.value),
            files,
            file_patterns: raw.files.map(|files| files.value.0).unwrap_or_default(),
            fix: raw.fix.map(|fix| FixTemplate {
                replace: fix.value.replace,
                import: fix.value.import,
            }),
            options,
            exceptions: raw.exceptions.map(|exceptions| exceptions.value),
            section: self.section,
            binding: Binding::Block,
            block_range: self.block.range.clone(),
            notes: Vec::new(),
        })
    }

    fn report_unknown_keys(&self, raw: &RawRule, problems: &mut ProblemSink) {
        for key in &raw.unknown_keys {
            let message = match suggestion(&key.value, KNOWN_KEYS.iter().copied()) {
                Some(closest) => format!(
                    "unknown key `{}` is ignored; did you mean `{closest}`?",
                    key.value
                ),
                None => format!(
                    "unknown key `{}` is ignored; rule keys are {}",
                    key.value,
                    KNOWN_KEYS.join(", ")
                ),
            };
            problems.at_line(
                self.document_line(key.line),
                Severity::Warning,
                codes::UNKNOWN_KEY,
                message,
            );
        }
    }

    /// Reports keys that the rule's kind does not read: `arguments:` outside
    /// `calls:`, `fix: import` on a `regex:` rule.
    fn report_misplaced_keys(&self, raw: &RawRule, kind: &RuleKind, problems: &mut ProblemSink) {
        let is_calls = matches!(kind, RuleKind::Calls { .. });
        if let Some(arguments) = raw.arguments.as_ref().filter(|_| !is_calls) {
            problems.at_line(
                self.document_line(arguments.line),
                Severity::Warning,
                codes::UNKNOWN_KEY,
                "`arguments:` applies only to `calls:` rules and is ignored here".to_owned(),
            );
        }

        let is_regex = matches!(kind, RuleKind::Regex { .. });
        let regex_import = raw.fix.as_ref().filter(|fix| is_regex && fix.value.import.is_some());
        if let Some(fix) = regex_import {
            problems.at_line(
                self.document_line(fix.line),
                Severity::Warning,
                codes::UNKNOWN_KEY,
                "`fix: import` is ignored on a `regex:` rule, which may match any file format"
                    .to_owned(),
            );
        }
    }

    /// Decides between the rule kinds and returns the rule id with its kind.
    fn validate_kind(
        &self,
        raw: &RawRule,
        problems: &mut ProblemSink,
    ) -> Option<(String, RuleKind)> {
        let written: Vec<(&str, u64)> = [
            ("check", raw.check.as_ref().map(|key| key.line)),
            ("calls", raw.calls.as_ref().map(|key| key.line)),
            ("query", raw.query.as_ref().map(|key| key.line)),
            ("regex", raw.regex.as_ref().map(|key| key.line)),
        ]
        .into_iter()
        .filter_map(|(key, line)| Some((key, line?)))
        .collect();

        if written.len() > 1 {
            let keys: Vec<String> = written.iter().map(|(key, _)| format!("`{key}:`")).collect();
            problems.at_line(
                self.document_line(written[0].1),
                Severity::Error,
                codes::INVALID_RULE,
                format!(
                    "a rule has {}, so it does not load; write one rule per kind",
                    keys.join(" and ")
                ),
            );
            return None;
        }

        if let Some(check) = &raw.check {
            return self.validate_check(check, raw.id.as_ref(), problems);
        }
        if let Some(calls) = &raw.calls {
            let id = self.custom_rule_id("calls", calls.line, raw.id.as_ref(), problems)?;
            let kind = self.validate_calls(calls, raw.arguments.as_ref(), problems)?;
            return Some((id, kind));
        }
        if let Some(query) = &raw.query {
            let id = self.custom_rule_id("query", query.line, raw.id.as_ref(), problems)?;
            let kind = self.validate_query(query, problems)?;
            return Some((id, kind));
        }
        if let Some(regex) = &raw.regex {
            let id = self.custom_rule_id("regex", regex.line, raw.id.as_ref(), problems)?;
            let kind = self.validate_regex(regex, problems)?;
            return Some((id, kind));
        }

        problems.at_line(
            self.document_line(raw.line.max(1)),
            Severity::Error,
            codes::INVALID_RULE,
            "a rule needs one of `check:` (a built-in check), `calls:` (functions to flag), `query:` (a tree-sitter query) or `regex:` (a text pattern), so it does not load"
                .to_owned(),
        );
        None
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
            problems.at_line(
                self.document_line(check.line),
                Severity::Error,
                codes::UNKNOWN_CHECK,
                message,
            );
            return None;
        }

        if let Some(id) = id.filter(|id| id.value != name) {
            problems.at_line(
                self.document_line(id.line),
                Severity::Warning,
                codes::INVALID_RULE,
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

    /// Returns the `id` of a custom rule, which must exist and must not name a built-in check.
    fn custom_rule_id(
        &self,
        kind_key: &str,
        kind_line: u64,
        id: Option<&Keyed<String>>,
        problems: &mut ProblemSink,
    ) -> Option<String> {
        let line = self.document_line(kind_line);
        let Some(id) = id.map(|id| id.value.trim()).filter(|id| !id.is_empty()) else {
            problems.at_line(
                line,
                Severity::Error,
                codes::INVALID_RULE,
                format!(
                    "a `{kind_key}:` rule needs an `id`, such as `id: no-pickle-loads`, so it does not load"
                ),
            );
            return None;
        };

        if self.known_checks.iter().any(|known| known.name == id) {
            problems.at_line(
                line,
                Severity::Error,
                codes::INVALID_RULE,
                format!("custom rule id `{id}` is the name of a built-in check; choose another id"),
            );
            return None;
        }
        Some(id.to_owned())
    }

    fn validate_calls(
        &self,
        calls: &Keyed<OneOrMany>,
        arguments: Option<&Keyed<RawValueMap>>,
        problems: &mut ProblemSink,
    ) -> Option<RuleKind> {
        let names: Vec<String> = calls
            .value
            .0
            .iter()
            .map(|name| name.trim().to_owned())
            .collect();

        if names.is_empty() || names.iter().any(String::is_empty) {
            problems.at_line(
                self.document_line(calls.line),
                Severity::Error,
                codes::INVALID_RULE,
                "`calls:` needs at least one non-empty function name, such as `pickle.loads`"
                    .to_owned(),
            );
            return None;
        }

        let arguments = arguments
            .map(|arguments| {
                arguments
                    .value
                    .0
                    .iter()
                    .map(|(keyword, value)| ArgumentMatcher {
                        keyword: keyword.trim().to_owned(),
                        value: value.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();

        Some(RuleKind::Calls { names, arguments })
    }

    fn validate_query(&self, query: &Keyed<String>, problems: &mut ProblemSink) -> Option<RuleKind> {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let compiled = match tree_sitter::Query::new(&language, &query.value) {
            Ok(compiled) => compiled,
            Err(error) => {
                let line = self.query_error_line(query, error.row);
                problems.at_line(
                    line,
                    Severity::Error,
                    codes::INVALID_QUERY,
                    format!(
                        "invalid tree-sitter query, so the rule does not load: {} at column {}",
                        query_error_reason(&error),
                        error.column + 1
                    ),
                );
                return None;
            }
        };

        let finding_capture = compiled
            .capture_names()
            .iter()
            .position(|name| *name == FINDING_CAPTURE)
            .and_then(|index| u32::try_from(index).ok());
        let Some(finding_capture) = finding_capture else {
            problems.at_line(
                self.document_line(query.line),
                Severity::Error,
                codes::INVALID_QUERY,
                "the query has no `@finding` capture, so the rule does not load; add `@finding` after the node to report"
                    .to_owned(),
            );
            return None;
        };

        Some(RuleKind::Query {
            query: RuleQuery {
                source: query.value.clone(),
                query: Arc::new(compiled),
                finding_capture,
            },
        })
    }

    /// Maps a zero-based row inside the query text to a document line.
    ///
    /// A block scalar (`query: |`) starts on the line after the key; a value
    /// written on the key's line starts there.
    fn query_error_line(&self, query: &Keyed<String>, row: usize) -> u32 {
        let key_line_index = usize::try_from(query.line.saturating_sub(1)).unwrap_or(0);
        let key_line = self.block.content.lines().nth(key_line_index).unwrap_or("");
        let after_key = key_line
            .split_once("query:")
            .map_or("", |(_, value)| value.trim());
        let is_block_scalar = after_key.starts_with('|') || after_key.starts_with('>');
        let first_query_line = self.document_line(query.line) + u32::from(is_block_scalar);
        first_query_line.saturating_add(u32::try_from(row).unwrap_or(0))
    }

    fn validate_regex(&self, regex: &Keyed<String>, problems: &mut ProblemSink) -> Option<RuleKind> {
        let compiled = regex::RegexBuilder::new(&regex.value)
            .size_limit(REGEX_SIZE_LIMIT)
            .multi_line(true)
            .build();
        match compiled {
            Ok(compiled) => Some(RuleKind::Regex {
                regex: RuleRegex { regex: compiled },
            }),
            Err(error) => {
                problems.at_line(
                    self.document_line(regex.line),
                    Severity::Error,
                    codes::INVALID_REGEX,
                    format!(
                        "invalid regex, so the rule does not load: {}",
                        regex_error_reason(&error)
                    ),
                );
                None
            }
        }
    }

    /// Validates `options:` keys and value types against the options the check declares.
    fn validate_options(
        &self,
        raw: &RawRule,
        kind: &RuleKind,
        problems: &mut ProblemSink,
    ) -> BTreeMap<String, RuleValue> {
        let Some(options) = &raw.options else {
            return BTreeMap::new();
        };
        let line = self.document_line(options.line);
        let RuleKind::Check { name } = kind else {
            problems.at_line(
                line,
                Severity::Warning,
                codes::UNKNOWN_OPTION,
                "`options:` applies only to `check:` rules and is ignored here".to_owned(),
            );
            return BTreeMap::new();
        };
        let declared = self
            .known_checks
            .iter()
            .find(|known| known.name == name)
            .map_or(&[][..], |known| known.options);

        let mut accepted = BTreeMap::new();
        for (key, value) in &options.value.0 {
            let key_line = self.document_line(value.line);
            let Some(option) = declared.iter().find(|option| option.name == key) else {
                self.report_unknown_option(key, name, declared, key_line, problems);
                continue;
            };
            match option.kind.accept(&value.value) {
                Some(accepted_value) => {
                    accepted.insert(key.clone(), accepted_value);
                }
                None => problems.at_line(
                    key_line,
                    Severity::Error,
                    codes::INVALID_OPTION,
                    format!(
                        "option `{key}` of `{name}` must be {}, not `{}`, so the default applies",
                        option.kind.expected(),
                        value.value
                    ),
                ),
            }
        }
        accepted
    }

    fn report_unknown_option(
        &self,
        key: &str,
        name: &str,
        declared: &[CheckOption],
        line: u32,
        problems: &mut ProblemSink,
    ) {
        let names = declared.iter().map(|option| option.name);
        let message = match (declared.is_empty(), suggestion(key, names.clone())) {
            (true, _) => format!("unknown option `{key}` is ignored: `{name}` takes no options"),
            (false, Some(closest)) => {
                format!("unknown option `{key}` for `{name}` is ignored; did you mean `{closest}`?")
            }
            (false, None) => format!(
                "unknown option `{key}` for `{name}` is ignored; its options are {}",
                names.collect::<Vec<_>>().join(", ")
            ),
        };
        problems.at_line(line, Severity::Warning, codes::UNKNOWN_OPTION, message);
    }

    /// Reports `{name}` placeholders in `message:` or `fix:` that name no capture of the query.
    fn report_unknown_placeholders(&self, raw: &RawRule, query: &RuleQuery, problems: &mut ProblemSink) {
        let captures = query.query.capture_names();
        let message = raw.message.as_ref().map(|message| (message.value.as_str(), message.line));
        let fix = raw.fix.as_ref().map(|fix| (fix.value.replace.as_str(), fix.line));

        for (template, line) in message.into_iter().chain(fix) {
            for placeholder in placeholders(template) {
                if captures.contains(&placeholder) {
                    continue;
                }
                problems.at_line(
                    self.document_line(line),
                    Severity::Warning,
                    codes::INVALID_RULE,
                    format!(
                        "placeholder `{{{placeholder}}}` names no capture of the query and is left as written; captures are {}",
                        captures.iter().map(|name| format!("@{name}")).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
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
                    codes::INVALID_SEVERITY,
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
                codes::INVALID_GLOB,
                format!(
                    "invalid glob `{}` in `files:`, so rule `{id}` does not load: {}",
                    glob.pattern, glob.reason
                ),
            );
        }

        invalid.is_empty().then_some(Some(set))
    }
}

/// Returns the names inside `{…}` placeholders of a template, e.g. `name` in `{name}`.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after_open = &rest[open + 1..];
        let Some(close) = after_open.find('}') else {
            break;
        };
        let name = &after_open[..close];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|character| character.is_alphanumeric() || character == '_' || character == '.');
        if is_name {
            names.push(name);
        }
        rest = &after_open[close + 1..];
    }
    names
}

/// Returns tree-sitter's reason for a query error on one line.
fn query_error_reason(error: &tree_sitter::QueryError) -> String {
    let kind = match error.kind {
        tree_sitter::QueryErrorKind::Syntax => "syntax error",
        tree_sitter::QueryErrorKind::NodeType => "unknown node type",
        tree_sitter::QueryErrorKind::Field => "unknown field",
        tree_sitter::QueryErrorKind::Capture => "unknown capture",
        tree_sitter::QueryErrorKind::Predicate => "invalid predicate",
        tree_sitter::QueryErrorKind::Structure => "impossible pattern",
        tree_sitter::QueryErrorKind::Language => "language mismatch",
    };
    let detail = error.message.lines().next().unwrap_or("").trim();
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} `{detail}`")
    }
}

/// Returns the regex crate's reason without the multi-line pattern excerpt.
fn regex_error_reason(error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled pattern exceeds the size limit of {limit} bytes; simplify it")
        }
        other => other
            .to_string()
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .map_or_else(|| "unknown error".to_owned(), |line| line.trim().to_owned()),
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
