//! The keyword prefilter: one pass over a file's bytes that decides which
//! checks can possibly report in it, before anything is parsed.
//!
//! Every check declares a [`Trigger`]: words that any code it reports must
//! contain, such as `execute` for SQL injection or `pickle` for unsafe
//! deserialization. The words come from what the check matches: the last
//! part of a resolved call name always appears in the file, in the call or
//! in the import that binds it, and so do keyword names and literal values.
//! One Aho-Corasick automaton over every check's words finds which words a
//! file contains; a check whose trigger is not satisfied is switched off for
//! that file, and a file where no check, custom rule or suppression comment
//! can apply is never parsed at all.
//!
//! A trigger must never be narrower than its check: a missing word means a
//! missed finding. Matching is ASCII case-insensitive; trigger words are
//! written in lowercase. A test runs every fixture with and without the
//! prefilter and compares the findings.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::checks::CheckId;

/// Words that code a check reports must contain.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trigger {
    /// At least one of the words.
    Any(&'static [&'static str]),
    /// At least one word of every group.
    All(&'static [&'static [&'static str]]),
    /// Either of two triggers.
    Either(&'static Trigger, &'static Trigger),
}

impl Trigger {
    /// Returns whether the words found in a file satisfy the trigger.
    fn is_satisfied(&self, found: &FoundWords) -> bool {
        match self {
            Trigger::Any(words) => found.any(words),
            Trigger::All(groups) => groups.iter().all(|words| found.any(words)),
            Trigger::Either(left, right) => left.is_satisfied(found) || right.is_satisfied(found),
        }
    }

    fn collect_words(&self, words: &mut Vec<&'static str>) {
        match self {
            Trigger::Any(any) => words.extend_from_slice(any),
            Trigger::All(groups) => groups.iter().for_each(|group| words.extend_from_slice(group)),
            Trigger::Either(left, right) => {
                left.collect_words(words);
                right.collect_words(words);
            }
        }
    }
}

/// Words that mark a suppression comment, which must be read (and may be
/// reported as unused or invalid) even when no check applies.
const SUPPRESSION_WORDS: &[&str] = &["guardian"];

/// The words of every built-in trigger, and the automaton that finds them.
struct Vocabulary {
    words: Vec<&'static str>,
    automaton: AhoCorasick,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut words = Vec::new();
    for check in CheckId::ALL {
        check.trigger().collect_words(&mut words);
    }
    words.extend_from_slice(SUPPRESSION_WORDS);
    words.sort_unstable();
    words.dedup();

    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&words)
        .expect("the trigger words are a small fixed set");
    Vocabulary { words, automaton }
});

/// The trigger words that occur in one file.
pub(crate) struct FoundWords {
    found: Vec<bool>,
}

impl FoundWords {
    /// Scans `text` once for every trigger word, overlapping matches included.
    pub fn scan(text: &str) -> Self {
        let vocabulary = &*VOCABULARY;
        let mut found = vec![false; vocabulary.words.len()];
        let mut remaining = found.len();
        for matched in vocabulary.automaton.find_overlapping_iter(text) {
            let slot = &mut found[matched.pattern().as_usize()];
            if !*slot {
                *slot = true;
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        Self { found }
    }

    /// Returns whether any of `words` occurs; a word outside the vocabulary counts as present.
    fn any(&self, words: &[&str]) -> bool {
        words.iter().any(|word| self.contains(word))
    }

    pub fn contains(&self, word: &str) -> bool {
        match VOCABULARY.words.binary_search(&word) {
            Ok(index) => self.found[index],
            Err(_) => true,
        }
    }

    /// Returns which trigger words were found, one flag per word of the vocabulary.
    pub fn fingerprint(&self) -> &[bool] {
        &self.found
    }

    /// Returns whether `check` can report anything in the scanned text.
    pub fn may_trigger(&self, check: CheckId) -> bool {
        check.trigger().is_satisfied(self)
    }

    /// Returns whether the text may hold a suppression comment.
    pub fn may_hold_suppression(&self) -> bool {
        self.any(SUPPRESSION_WORDS)
    }
}

/// Returns whether the last part of any of the qualified `names` occurs in
/// `text`, ignoring ASCII case: a `calls:` rule can match only then.
pub(crate) fn mentions_any_call(text: &str, names: &[String]) -> bool {
    let last_parts: Vec<&str> = names.iter().filter_map(|name| name.rsplit('.').next()).filter(|part| !part.is_empty()).collect();
    if last_parts.len() != names.len() {
        return true;
    }
    let Ok(automaton) = AhoCorasickBuilder::new().ascii_case_insensitive(true).build(&last_parts) else {
        return true;
    };
    automaton.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_triggers_on_its_own_words_only() {
        let empty = FoundWords::scan("x = 1\n");
        for check in CheckId::ALL {
            assert!(!empty.may_trigger(check), "{} triggers on code without any of its words", check.info().name);
        }
    }

    #[test]
    fn trigger_words_are_lowercase_and_trimmed() {
        for word in &VOCABULARY.words {
            assert_eq!(*word, word.trim().to_ascii_lowercase(), "trigger word `{word}` must be lowercase without spaces around it");
            assert!(!word.is_empty());
        }
    }

    #[test]
    fn words_match_ignoring_case() {
        let found = FoundWords::scan("import PICKLE\n");
        assert!(found.may_trigger(CheckId::Deserialization));
    }

    #[test]
    fn all_groups_must_match() {
        let sink_only = FoundWords::scan("open(name)\n");
        assert!(!sink_only.may_trigger(CheckId::PathTraversal));

        let sink_and_source = FoundWords::scan("open(request.args['name'])\n");
        assert!(sink_and_source.may_trigger(CheckId::PathTraversal));
    }

    #[test]
    fn suppression_comments_are_found() {
        assert!(FoundWords::scan("x = 1  # Guardian: ignore[sql-injection]\n").may_hold_suppression());
        assert!(!FoundWords::scan("x = 1  # noqa\n").may_hold_suppression());
    }

    #[test]
    fn call_rules_match_on_the_last_name_part() {
        let names = vec!["subprocess.run".to_owned()];
        assert!(mentions_any_call("from subprocess import run as go\ngo()\n", &names));
        assert!(!mentions_any_call("print('hello')\n", &names));
    }
}
