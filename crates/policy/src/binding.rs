//! Topic binding: a section whose heading names a check's topic binds that check.
//!
//! Matching is deliberately conservative: only the heading text counts, never
//! the prose. Matching is case-insensitive on whole words. A word may differ
//! from the topic's word by a plural `s`, `es` or `y`/`ies` in either direction.

use crate::model::{Binding, KnownCheck, Rule, RuleKind, Section, SectionId};

/// Returns the topic rules for one section, skipping checks its own blocks already bind.
pub(crate) fn topic_rules(
    section: &Section,
    id: SectionId,
    known_checks: &[KnownCheck],
    block_rules: &[Rule],
) -> Vec<Rule> {
    // The synthetic root section (level 0) has no heading of its own to read.
    let is_root = section.level == 0;
    let Some(heading) = section.title_path.last().filter(|_| !is_root) else {
        return Vec::new();
    };
    let heading_words = words(heading);

    known_checks
        .iter()
        .filter(|check| !binds_by_block(block_rules, id, check.name))
        .filter_map(|check| {
            let topic = matching_topic(&heading_words, check.topics)?;
            Some(Rule {
                id: check.name.to_owned(),
                kind: RuleKind::Check {
                    name: check.name.to_owned(),
                },
                severity: None,
                message: None,
                files: None,
                file_patterns: Vec::new(),
                fix: None,
                options: Default::default(),
                exceptions: None,
                section: id,
                binding: Binding::Topic {
                    topic: topic.to_owned(),
                },
                block_range: section.heading_range.clone(),
                notes: Vec::new(),
            })
        })
        .collect()
}

/// Returns the topic that the heading names: the longest, then one written exactly
/// as in the heading (not only up to a plural), then the first listed.
pub(crate) fn matching_topic<'a>(heading_words: &[String], topics: &[&'a str]) -> Option<&'a str> {
    topics
        .iter()
        .copied()
        .rev()
        .filter(|topic| contains_phrase(heading_words, &words(topic), same_word))
        .max_by_key(|topic| {
            let topic_words = words(topic);
            let is_exact =
                contains_phrase(heading_words, &topic_words, |left, right| left == right);
            (topic_words.len(), is_exact)
        })
}

fn binds_by_block(block_rules: &[Rule], id: SectionId, check_name: &str) -> bool {
    block_rules.iter().any(|rule| {
        let same_section = rule.section == id;
        let same_check = matches!(&rule.kind, RuleKind::Check { name } if name == check_name);
        same_section && same_check
    })
}

/// Splits text into lowercase words of letters and digits.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_phrase(
    heading_words: &[String],
    phrase: &[String],
    word_matches: fn(&str, &str) -> bool,
) -> bool {
    if phrase.is_empty() || phrase.len() > heading_words.len() {
        return false;
    }
    heading_words.windows(phrase.len()).any(|window| {
        window
            .iter()
            .zip(phrase)
            .all(|(word, topic_word)| word_matches(word, topic_word))
    })
}

/// Compares two words, tolerating a plural `s`, `es` or `y`/`ies` on either side.
fn same_word(left: &str, right: &str) -> bool {
    let is_plural_of = |plural: &str, singular: &str| {
        let adds_suffix = plural
            .strip_prefix(singular)
            .is_some_and(|suffix| suffix == "s" || suffix == "es");
        let y_to_ies = singular
            .strip_suffix('y')
            .is_some_and(|stem| plural.strip_suffix("ies") == Some(stem));
        adds_suffix || y_to_ies
    };
    left == right || is_plural_of(left, right) || is_plural_of(right, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_TOPICS: &[&str] = &[
        "secret",
        "secrets",
        "credential",
        "password",
        "api key",
        "api keys",
        "token",
    ];

    fn topic_for(heading: &str, topics: &[&'static str]) -> Option<&'static str> {
        matching_topic(&words(heading), topics)
    }

    #[test]
    fn heading_names_topic() {
        assert_eq!(
            topic_for("2. Secrets Management", SECRET_TOPICS),
            Some("secrets")
        );
        assert_eq!(topic_for("Credentials", SECRET_TOPICS), Some("credential"));
        assert_eq!(topic_for("Secret", SECRET_TOPICS), Some("secret"));
        assert_eq!(
            topic_for("Handling API Keys", SECRET_TOPICS),
            Some("api keys")
        );
        assert_eq!(
            topic_for("Passwords and tokens", SECRET_TOPICS),
            Some("password")
        );
    }

    #[test]
    fn heading_needs_whole_words() {
        assert_eq!(topic_for("Secretariat duties", SECRET_TOPICS), None);
        assert_eq!(topic_for("Tokenization", SECRET_TOPICS), None);
        assert_eq!(topic_for("API design", SECRET_TOPICS), None);
        assert_eq!(topic_for("Key rotation", SECRET_TOPICS), None);
    }

    #[test]
    fn longest_topic_wins() {
        let topics = &["sql", "sql injection", "database query"];
        assert_eq!(
            topic_for("Preventing SQL injection", topics),
            Some("sql injection")
        );
        assert_eq!(topic_for("3.1 SQL", topics), Some("sql"));
        assert_eq!(
            topic_for("Database queries", topics),
            Some("database query")
        );
    }
}
