//! The keyword prefilter: one pass over a file's bytes that decides which
//! checks can possibly report in it, before anything is parsed.
//!
//! Every check declares a [`Trigger`]: words that any code it reports must
//! contain, such as `execute` for SQL injection or `pickle` for unsafe
//! deserialization. The words come from what the check matches: the last
//! part of a resolved call name always appears in the file, in the call or
//! in the import that binds it, and so do keyword names and literal values.
//! One Aho-Corasick automaton over every check's words finds which words a
//! file contains. A check whose trigger is not satisfied is switched off for
//! that file, and a file where no check, custom rule or suppression comment
//! can apply is never parsed at all.
//!
//! A trigger must never be narrower than its check: a missing word means a
//! missed finding. Matching is ASCII case-insensitive; trigger words are
//! written in lowercase. Checks read string values after Python joins
//! adjacent literals (`"pass" "word"`) and drops backslash-newlines, so the
//! scan also covers the joined bodies of such literals (see
//! [`joined_literals`]). A test runs every fixture with and without the
//! prefilter and compares the findings.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

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

    // A DFA searches fastest; with about a hundred short words it stays small.
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::Standard)
        .build(&words)
        .expect("the trigger words are a small fixed set");
    Vocabulary { words, automaton }
});

/// The trigger words that occur in one file.
#[derive(Debug, Clone)]
pub(crate) struct FoundWords {
    found: Vec<bool>,
}

impl FoundWords {
    /// Returns an empty set, which [`FoundWords::add`] fills part by part.
    pub fn none() -> Self {
        Self {
            found: vec![false; VOCABULARY.words.len()],
        }
    }

    /// Scans `text` once for every trigger word, overlapping matches
    /// included, and the joined bodies of its split string literals.
    pub fn scan(text: &str) -> Self {
        let mut found = Self::none();
        found.scan_more(text);
        for joined in joined_literals(text) {
            found.scan_more(&joined);
        }
        found
    }

    /// Adds the words found in another part of the same file.
    pub fn add(&mut self, other: &FoundWords) {
        for (found, other) in self.found.iter_mut().zip(&other.found) {
            *found |= *other;
        }
    }

    fn scan_more(&mut self, text: &str) {
        for matched in VOCABULARY.automaton.find_overlapping_iter(text) {
            self.found[matched.pattern().as_usize()] = true;
        }
    }

    /// Returns whether any of `words` occurs; a word outside the vocabulary counts as present.
    fn any(&self, words: &[&str]) -> bool {
        words.iter().any(|word| self.contains(word))
    }

    /// Returns whether the text contains `word`. A word that no trigger
    /// declares was not searched for, so it counts as present.
    pub fn contains(&self, word: &str) -> bool {
        match VOCABULARY.words.binary_search(&word) {
            Ok(index) => self.found[index],
            Err(_) => {
                debug_assert!(
                    false,
                    "`{word}` is not a trigger word, so the prefilter did not look for it"
                );
                true
            }
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
/// `text`: a `calls:` rule can match only then.
pub(crate) fn mentions_any_call(text: &str, names: &[String]) -> bool {
    names.iter().any(|name| {
        let last_part = name.rsplit('.').next().unwrap_or(name);
        last_part.is_empty() || memchr::memmem::find(text.as_bytes(), last_part.as_bytes()).is_some()
    })
}

/// Returns the values that Python builds from split string literals: each
/// run of adjacent literals joined (`"pa" "ss"` is `pass`), and each literal
/// with a backslash-newline inside, without it. Only the bodies are kept,
/// without prefixes and quotes; escapes stay as written.
///
/// The bodies of f-strings and t-strings with a replacement field are
/// scanned again the same way, so literals split inside `{…}` are joined.
///
/// NOTE: this is a lexer for string boundaries only. A replacement field that
/// reuses the f-string's own quote (allowed since Python 3.12) ends the
/// literal early here, and the rest of that line is read as code.
pub(crate) fn joined_literals(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut joined = Vec::new();
    let mut run: Vec<std::ops::Range<usize>> = Vec::new();
    let mut position = 0;

    while position < bytes.len() {
        match bytes[position] {
            b'#' => {
                position = memchr::memchr(b'\n', &bytes[position..]).map_or(bytes.len(), |offset| position + offset)
            }
            b'\'' | b'"' => {
                let body = string_body(bytes, position);
                let inner = text.get(body.clone()).unwrap_or("");
                if is_formatted(bytes, position) && inner.contains('{') {
                    joined.extend(joined_literals(inner));
                }
                position = body.end + closing_length(bytes, position, body.end);
                run.push(body);
                if !next_is_literal(bytes, position) {
                    flush_run(text, &mut run, &mut joined);
                }
            }
            _ => position += 1,
        }
    }
    flush_run(text, &mut run, &mut joined);
    joined
}

/// Returns whether the literal whose opening quote is at `quote` has an `f` or `t` prefix.
fn is_formatted(bytes: &[u8], quote: usize) -> bool {
    let prefix = bytes[..quote].iter().rev().take_while(|byte| byte.is_ascii_alphabetic()).take(3);
    prefix.into_iter().any(|byte| matches!(byte, b'f' | b'F' | b't' | b'T'))
}

/// Keeps a finished run of literals when it was split: several literals, or one with a backslash-newline.
fn flush_run(text: &str, run: &mut Vec<std::ops::Range<usize>>, joined: &mut Vec<String>) {
    let bodies: Vec<&str> = run.drain(..).map(|body| text.get(body).unwrap_or("")).collect();
    let continued = bodies
        .iter()
        .any(|body| body.contains("\\\n") || body.contains("\\\r\n"));
    if bodies.len() > 1 || continued {
        joined.push(bodies.concat().replace("\\\r\n", "").replace("\\\n", ""));
    }
}

/// Returns the body range of the literal whose opening quote is at `quote`.
fn string_body(bytes: &[u8], quote: usize) -> std::ops::Range<usize> {
    let delimiter = bytes[quote];
    let triple = bytes.get(quote + 1) == Some(&delimiter) && bytes.get(quote + 2) == Some(&delimiter);
    let start = if triple { quote + 3 } else { quote + 1 };
    let mut position = start;
    while position < bytes.len() {
        match bytes[position] {
            b'\\' => position += 2,
            b'\n' if !triple => return start..position,
            byte if byte == delimiter => {
                let closes = !triple
                    || (bytes.get(position + 1) == Some(&delimiter) && bytes.get(position + 2) == Some(&delimiter));
                if closes {
                    return start..position;
                }
                position += 1;
            }
            _ => position += 1,
        }
    }
    start..bytes.len().min(position)
}

/// Returns the length of the closing quotes at `end`: three, one, or none for an unterminated literal.
fn closing_length(bytes: &[u8], quote: usize, end: usize) -> usize {
    let delimiter = bytes[quote];
    let triple =
        bytes.get(quote + 1) == Some(&delimiter) && bytes.get(quote + 2) == Some(&delimiter) && end >= quote + 3;
    match bytes.get(end) {
        Some(byte) if *byte == delimiter => {
            if triple {
                3
            } else {
                1
            }
        }
        _ => 0,
    }
}

/// Returns whether another literal follows, separated only by whitespace,
/// line breaks, backslash-newlines and comments, and an optional prefix.
fn next_is_literal(bytes: &[u8], mut position: usize) -> bool {
    loop {
        match bytes.get(position) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'\x0c') => position += 1,
            Some(b'\\') if matches!(bytes.get(position + 1), Some(b'\n' | b'\r')) => position += 2,
            Some(b'#') => {
                position = memchr::memchr(b'\n', &bytes[position..]).map_or(bytes.len(), |offset| position + offset);
            }
            _ => break,
        }
    }
    let prefix = bytes[position.min(bytes.len())..]
        .iter()
        .take(3)
        .take_while(|byte| {
            matches!(
                byte,
                b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F' | b't' | b'T'
            )
        })
        .count();
    matches!(bytes.get(position + prefix), Some(b'\'' | b'"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_triggers_on_its_own_words_only() {
        let empty = FoundWords::scan("x = 1\n");
        for check in CheckId::ALL {
            assert!(
                !empty.may_trigger(check),
                "{} triggers on code without any of its words",
                check.info().name
            );
        }
    }

    #[test]
    fn trigger_words_are_lowercase_and_trimmed() {
        for word in &VOCABULARY.words {
            assert_eq!(
                *word,
                word.trim().to_ascii_lowercase(),
                "trigger word `{word}` must be lowercase without spaces around it"
            );
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
    fn split_literals_are_joined() {
        assert_eq!(joined_literals("AWS = \"AK\" \"IA12\"\n"), vec!["AKIA12".to_owned()]);
        assert_eq!(
            joined_literals("x = (\n    'pa'  # part\n    b'ss'\n)\n"),
            vec!["pass".to_owned()]
        );
        assert_eq!(joined_literals("x = \"AK\\\nIA\"\n"), vec!["AKIA".to_owned()]);
        assert_eq!(
            joined_literals("x = \"\"\"doc \" string\"\"\"\ny = ''\n"),
            Vec::<String>::new()
        );
        assert_eq!(joined_literals("a = 'x' if b else 'y'\n"), Vec::<String>::new());
    }

    #[test]
    fn literals_split_inside_replacement_fields_are_joined() {
        assert_eq!(joined_literals("x = f\"{'AK' 'IA12'}\"\n"), vec!["AKIA12".to_owned()]);
    }

    #[test]
    fn split_trigger_words_are_found() {
        let found = FoundWords::scan("import hashlib\nhashlib.new(\"m\" \"d5\")\n");
        assert!(found.may_trigger(CheckId::WeakCrypto));
    }

    #[test]
    fn call_rules_match_on_the_last_name_part() {
        let names = vec!["subprocess.run".to_owned()];
        assert!(mentions_any_call("from subprocess import run as go\ngo()\n", &names));
        assert!(!mentions_any_call("print('hello')\n", &names));
    }
}
