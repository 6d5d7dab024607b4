//! Recorded exceptions: `# guardian: ignore[RULE] reason="…" until=YYYY-MM-DD`
//! comments, read from the syntax tree's comment nodes so text inside a string
//! literal never suppresses anything.
//!
//! A trailing suppression comment applies to findings that start on its own
//! line. A comment on a line of its own applies to findings that start on the
//! next line or inside the statement that starts there. A suppression without a reason, or with a malformed
//! date, suppresses nothing and is reported as `invalid-suppression`. The
//! unedited placeholder reason of a recorded exception counts as no reason.
//! A suppression whose `until` date has passed stops suppressing and is
//! reported as `expired-suppression`.

use std::ops::{Range, RangeInclusive};
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::checks::RawFinding;
use crate::fixes::REASON_PLACEHOLDER;

/// The rule id of a suppression comment that cannot be used.
pub const INVALID_SUPPRESSION: &str = "invalid-suppression";
/// The rule id of a suppression comment whose `until` date has passed.
pub const EXPIRED_SUPPRESSION: &str = "expired-suppression";
/// The rule id of a suppression comment that suppresses no finding.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

const SYNTAX_HINT: &str = "# guardian: ignore[RULE] reason=\"why this is safe\" until=YYYY-MM-DD";

static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#\s*guardian\s*:\s*ignore\b(?<rest>.*)$").expect("the pattern is a valid literal")
});
static RULES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[(?<rules>[^\]]*)\]").expect("the pattern is a valid literal"));
static REASON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\breason\s*=\s*"(?<reason>[^"]*)""#).expect("the pattern is a valid literal"));
static UNTIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\buntil\s*=\s*(?<date>\S+)").expect("the pattern is a valid literal"));

/// One usable suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    /// Zero-based line of the comment.
    pub line: usize,
    /// Whether code precedes the comment on its line (a trailing comment).
    pub trailing: bool,
    pub rules: Vec<String>,
    /// Byte range of the comment.
    pub range: Range<usize>,
    /// The `until=` date, when written.
    pub until: Option<Date>,
}

impl Suppression {
    /// Returns whether this suppresses `rule` for a finding on `finding_line` inside a
    /// statement whose lines (its header, for a compound statement) are `statement_lines`.
    ///
    /// A trailing comment covers its own line and, because formatters move
    /// trailing comments, any line of the statement. A comment on its own line
    /// covers the line below it and the statement that starts there.
    pub fn covers(&self, rule: &str, finding_line: usize, statement_lines: &RangeInclusive<usize>) -> bool {
        let names_rule = self.rules.iter().any(|suppressed| suppressed == rule);
        let same_line = finding_line == self.line;
        let within_statement = self.trailing && statement_lines.contains(&self.line);
        let line_above =
            !self.trailing && (finding_line == self.line + 1 || *statement_lines.start() == self.line + 1);
        names_rule && (same_line || within_statement || line_above)
    }
}

/// Parses a comment; `Ok(None)` for an ordinary comment.
pub(crate) fn parse(
    comment: &str,
    range: Range<usize>,
    line: usize,
    trailing: bool,
    today: Date,
) -> Result<Option<Suppression>, RawFinding> {
    let Some(directive) = DIRECTIVE.captures(comment.trim_end()) else {
        return Ok(None);
    };
    let rest = directive.name("rest").map_or("", |rest| rest.as_str()).trim_start();
    let problem = |message: String, rule: &str| RawFinding {
        rule: rule.to_owned(),
        range: range.clone(),
        message,
        fixes: Vec::new(),
        related: Vec::new(),
    };

    let Some(rules) = RULES.captures(rest) else {
        let message = format!("this suppression names no rule; write it as `{SYNTAX_HINT}`");
        return Err(problem(message, INVALID_SUPPRESSION));
    };
    let rules: Vec<String> = rules["rules"]
        .split(',')
        .map(str::trim)
        .filter(|rule| !rule.is_empty())
        .map(str::to_owned)
        .collect();
    if rules.is_empty() {
        let message = format!("this suppression names no rule; write it as `{SYNTAX_HINT}`");
        return Err(problem(message, INVALID_SUPPRESSION));
    }

    let reason = REASON.captures(rest).map(|captures| captures["reason"].trim().to_owned());
    let reason_given = reason.as_deref().is_some_and(|reason| !reason.is_empty() && reason != REASON_PLACEHOLDER);
    if !reason_given {
        let message = format!(
            "a suppression needs a reason and suppresses nothing without one; write it as `{SYNTAX_HINT}`"
        );
        return Err(problem(message, INVALID_SUPPRESSION));
    }

    let mut until_date = None;
    if let Some(until) = UNTIL.captures(rest) {
        let written = &until["date"];
        let Ok(date) = written.parse::<Date>() else {
            let message = format!("invalid `until` date `{written}` in a suppression; use YYYY-MM-DD");
            return Err(problem(message, INVALID_SUPPRESSION));
        };
        if date < today {
            let message = format!(
                "this suppression of {} expired on {date} and no longer applies; fix the finding or renew the exception",
                rules.join(", ")
            );
            return Err(problem(message, EXPIRED_SUPPRESSION));
        }
        until_date = Some(date);
    }

    Ok(Some(Suppression { line, trailing, rules, range, until: until_date }))
}

/// Today's date in UTC, read once per analysis.
pub(crate) fn today_utc() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::constant(2026, 6, 1)
    }

    fn parse_comment(comment: &str) -> Result<Option<Suppression>, RawFinding> {
        parse(comment, 0..comment.len(), 3, false, today())
    }

    #[test]
    fn valid_suppression_lists_rules() {
        let parsed = parse_comment(r#"# guardian: ignore[sql-injection, weak-crypto] reason="allowlisted table""#);
        let suppression = parsed.ok().flatten();
        assert_eq!(
            suppression.map(|suppression| suppression.rules),
            Some(vec!["sql-injection".to_owned(), "weak-crypto".to_owned()])
        );
    }

    #[test]
    fn ordinary_comment_is_not_a_suppression() {
        assert!(matches!(parse_comment("# just a note about guardian"), Ok(None)));
    }

    #[test]
    fn missing_reason_is_invalid() {
        let placeholder = format!("# guardian: ignore[sql-injection] reason=\"{REASON_PLACEHOLDER}\"");
        for comment in ["# guardian: ignore[sql-injection]", r#"# guardian: ignore[sql-injection] reason="  ""#, placeholder.as_str()] {
            let error = parse_comment(comment).err();
            assert_eq!(error.as_ref().map(|error| error.rule.as_str()), Some(INVALID_SUPPRESSION), "{comment}");
            assert!(error.is_some_and(|error| error.message.contains("reason")), "{comment}");
        }
    }

    #[test]
    fn missing_rule_list_is_invalid() {
        let error = parse_comment(r#"# guardian: ignore reason="x""#).err();
        assert_eq!(error.map(|error| error.rule), Some(INVALID_SUPPRESSION.to_owned()));
    }

    #[test]
    fn until_date_expires() {
        let future = parse_comment(r#"# guardian: ignore[weak-crypto] reason="etag only" until=2026-06-01"#);
        assert!(matches!(future, Ok(Some(_))), "the expiry day itself still suppresses");

        let past = parse_comment(r#"# guardian: ignore[weak-crypto] reason="etag only" until=2026-05-31"#);
        assert_eq!(past.err().map(|error| error.rule), Some(EXPIRED_SUPPRESSION.to_owned()));
    }

    #[test]
    fn malformed_until_date_is_invalid() {
        let parsed = parse_comment(r#"# guardian: ignore[weak-crypto] reason="etag only" until=2026-02-30"#);
        assert_eq!(parsed.err().map(|error| error.rule), Some(INVALID_SUPPRESSION.to_owned()));
    }

    #[test]
    fn coverage_by_line() {
        let rules = vec!["sql-injection".to_owned()];
        let above = Suppression { line: 3, trailing: false, rules: rules.clone(), range: 0..1, until: None };
        assert!(above.covers("sql-injection", 4, &(4..=4)));
        assert!(above.covers("sql-injection", 6, &(4..=7)), "a finding later in the statement below");
        assert!(above.covers("sql-injection", 3, &(3..=3)));
        assert!(!above.covers("sql-injection", 5, &(5..=5)));
        assert!(!above.covers("weak-crypto", 4, &(4..=4)));

        let trailing = Suppression { line: 3, trailing: true, rules, range: 0..1, until: None };
        assert!(trailing.covers("sql-injection", 3, &(3..=3)));
        assert!(trailing.covers("sql-injection", 2, &(1..=3)), "a trailing comment on the statement's last line");
        assert!(!trailing.covers("sql-injection", 4, &(4..=4)), "a trailing comment does not cover the next statement");
    }
}
