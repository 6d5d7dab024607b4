//! The GitHub Actions format of `guardian check`: one workflow command per
//! finding (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`),
//! which GitHub shows as an annotation on the pull request diff, then the
//! summary line as a plain log line.
//!
//! Escaping follows the rules of the Actions toolkit (`@actions/core`,
//! `command.ts`): in the message, `%`, `\r` and `\n` become `%25`, `%0D` and
//! `%0A`; property values also escape `:` and `,` as `%3A` and `%2C`.
//! Info and hint findings become `notice` annotations.

use std::io::Write;

use guardian_analysis::Severity;

use super::{Counts, citations, display_path, position, shows_policy_problem, text};
use crate::check::Report;

/// Writes one workflow command per finding and per policy problem, then the summary.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    for file in &report.files {
        let path = display_path(&file.path, &report.current_directory);

        for finding in &file.findings {
            let start = position(&file.source, finding.range.start);
            let end = position(&file.source, finding.range.end);

            let mut message = finding.message.clone();
            for citation in citations(finding, &file.policy, &report.current_directory) {
                message.push_str(&format!("\nPolicy: {} ({}:{})", citation.section, citation.path, citation.line));
            }

            let properties = [
                ("file", path.clone()),
                ("line", start.line.to_string()),
                ("col", start.column.to_string()),
                ("endLine", end.line.to_string()),
                ("endColumn", end.column.to_string()),
                ("title", format!("guardian {}", finding.rule)),
            ];
            write_command(out, command_name(finding.severity), &properties, &message)?;
        }
    }

    for problem in report.policy_problems.iter().filter(|problem| shows_policy_problem(problem)) {
        let properties = [
            ("file", display_path(&problem.path, &report.current_directory)),
            ("line", (u64::from(problem.line) + 1).to_string()),
            ("title", format!("guardian policy {}", problem.code)),
        ];
        write_command(out, command_name(problem.severity), &properties, &problem.message)?;
    }

    text::write_summary(out, &Counts::of(report))
}

/// Writes `::name key=value,…::message` with every part escaped.
fn write_command(out: &mut impl Write, name: &str, properties: &[(&str, String)], message: &str) -> std::io::Result<()> {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    writeln!(out, "::{name} {}::{}", properties.join(","), escape_data(message))
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint | Severity::Off => "notice",
    }
}

/// Escapes a command's message.
fn escape_data(value: &str) -> String {
    value.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property value, which also must not contain the `:` and `,` delimiters.
fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_first() {
        assert_eq!(escape_data("100%\r\nnext"), "100%25%0D%0Anext");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn property_escapes_delimiters() {
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    }

    #[test]
    fn command_joins_properties() {
        let mut out = Vec::new();
        let properties = [("file", "dir,1/a:b.py".to_owned()), ("line", "3".to_owned())];
        write_command(&mut out, "error", &properties, "bad: 50%\nfix it").expect("write to a vector");
        assert_eq!(String::from_utf8_lossy(&out), "::error file=dir%2C1/a%3Ab.py,line=3::bad: 50%25%0Afix it\n");
    }
}
