//! Turning serde-saphyr errors into a document line and a short reason.
//!
//! serde-saphyr reports one-based lines relative to the YAML text it parsed.
//! That text is a slice of the Markdown document, so the line is shifted here.
//! The reason leaves out serde-saphyr's "at line N, column M" suffix, which
//! would name the line inside the slice.

use serde_saphyr::{MessageFormatter, UserMessageFormatter};

/// Converts the one-based line of a YAML error into a zero-based document line.
///
/// An error without a location is placed on the first YAML line.
pub(crate) fn yaml_error_line(error: &serde_saphyr::Error, first_yaml_line: u32) -> u32 {
    let yaml_line = error
        .location()
        .map_or(1, |location| location.line())
        .max(1);
    let offset_in_yaml = u32::try_from(yaml_line - 1).unwrap_or(0);
    first_yaml_line.saturating_add(offset_in_yaml)
}

/// Returns the error's message for people, without snippet or location.
pub(crate) fn yaml_error_reason(error: &serde_saphyr::Error) -> String {
    UserMessageFormatter
        .format_message(error.without_snippet())
        .into_owned()
}
