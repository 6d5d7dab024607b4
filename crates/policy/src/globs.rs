//! Compiling the glob lists of `fileMatchPattern` and a rule's `files:` key.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// One string or a YAML list of strings, as `fileMatchPattern`, `files:` and `calls:` accept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OneOrMany(pub(crate) Vec<String>);

impl<'de> serde::Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

struct OneOrManyVisitor;

impl<'de> Visitor<'de> for OneOrManyVisitor {
    type Value = OneOrMany;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string or a list of strings")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<OneOrMany, E> {
        Ok(OneOrMany(vec![value.to_owned()]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<OneOrMany, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = sequence.next_element::<String>()? {
            items.push(item);
        }
        Ok(OneOrMany(items))
    }
}

/// A glob that failed to compile, with the reason from globset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidGlob {
    pub(crate) pattern: String,
    pub(crate) reason: String,
}

/// Compiles patterns into one set.
///
/// `*` also matches `/` (globset's default), so `*.py` matches `src/app.py`.
/// Invalid patterns are returned separately and left out of the set.
pub(crate) fn compile_globs(patterns: &[String]) -> (GlobSet, Vec<InvalidGlob>) {
    let mut builder = GlobSetBuilder::new();
    let mut invalid = Vec::new();

    for pattern in patterns {
        match Glob::new(pattern) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(error) => invalid.push(InvalidGlob {
                pattern: pattern.clone(),
                reason: error.kind().to_string(),
            }),
        }
    }

    let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
    (set, invalid)
}

/// Returns whether a pattern has a comma outside `{a,b}` alternation braces.
///
/// Such a comma is almost always a list written as one string: the glob then
/// matches only paths that contain that comma.
pub(crate) fn has_top_level_comma(pattern: &str) -> bool {
    let mut depth = 0_usize;
    for character in pattern.chars() {
        match character {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_globs_reports_invalid() {
        let (set, invalid) = compile_globs(&["src/**/*.py".to_owned(), "a[".to_owned()]);
        assert!(set.is_match("src/app/views.py"));
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].pattern, "a[");
    }

    #[test]
    fn top_level_comma_detection() {
        assert!(has_top_level_comma("*.py, *.pyi"));
        assert!(!has_top_level_comma("*.{py,pyi}"));
        assert!(!has_top_level_comma("**/*.py"));
    }
}
