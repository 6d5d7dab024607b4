//! `guardian rules`: lists the built-in checks of the analysis catalog and
//! prints the documentation of one of them (`guardian rules explain NAME`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use guardian_analysis::{CheckInfo, Severity, catalog};

use crate::output::{ignore_broken_pipe, severity_label};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: Option<RulesCommand>,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Print the documentation of one check: what it finds, why, and what to use instead.
    Explain {
        /// The check name, as `guardian rules` lists it (e.g. `sql-injection`).
        name: String,
    },
}

/// Runs `guardian rules` or `guardian rules explain NAME`.
pub fn run(arguments: &RulesArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();

    let written = match &arguments.command {
        None => write_catalog(&mut out, catalog()),
        Some(RulesCommand::Explain { name }) => {
            let check = find_check(catalog(), name)?;
            write_explanation(&mut out, check)
        }
    };

    ignore_broken_pipe(written).context("failed to write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Looks a check up by name, suggesting the closest name when there is no exact match.
fn find_check<'a>(checks: &'a [CheckInfo], name: &str) -> anyhow::Result<&'a CheckInfo> {
    if let Some(check) = checks.iter().find(|check| check.name == name) {
        return Ok(check);
    }

    match closest_name(checks, name) {
        Some(suggestion) => bail!(
            "unknown check `{name}`; did you mean `{suggestion}`? Run `guardian rules` to list every check"
        ),
        None => bail!("unknown check `{name}`; run `guardian rules` to list every check"),
    }
}

/// Returns the check name most similar to `name`, if any is similar enough to suggest.
fn closest_name<'a>(checks: &'a [CheckInfo], name: &str) -> Option<&'a str> {
    const MINIMUM_SIMILARITY: f64 = 0.7;

    checks
        .iter()
        .map(|check| (check.name, strsim::jaro_winkler(check.name, name)))
        .filter(|(_, similarity)| *similarity >= MINIMUM_SIMILARITY)
        .max_by(|left, right| left.1.total_cmp(&right.1))
        .map(|(candidate, _)| candidate)
}

fn write_catalog(out: &mut impl Write, checks: &[CheckInfo]) -> std::io::Result<()> {
    let name_width = checks.iter().map(|check| check.name.len()).max().unwrap_or(0);
    let severity_width = "warning".len();

    for check in checks {
        writeln!(
            out,
            "{name:<name_width$}  {severity:<severity_width$}  {summary}",
            name = check.name,
            severity = default_severity_label(check.default_severity),
            summary = check.summary,
        )?;
    }
    Ok(())
}

/// Writes a check's documentation with its default severity and topics under the title.
///
/// The documentation opens with its own `# NAME` heading; one is written when it does not.
fn write_explanation(out: &mut impl Write, check: &CheckInfo) -> std::io::Result<()> {
    let documentation = check.documentation.trim();
    let own_heading = format!("# {}", check.name);
    let body = documentation.strip_prefix(own_heading.as_str()).unwrap_or(documentation).trim_start();

    writeln!(out, "{own_heading}")?;
    writeln!(out)?;
    writeln!(out, "Default severity: {}", default_severity_label(check.default_severity))?;
    if !check.topics.is_empty() {
        writeln!(out, "Bound by sections about: {}", check.topics.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "{body}")?;
    Ok(())
}

fn default_severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Off => "off",
        other => severity_label(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKS: &[CheckInfo] = &[
        CheckInfo {
            name: "sql-injection",
            summary: "SQL built from strings",
            documentation: "",
            topics: &[],
            default_severity: Severity::Error,
        },
        CheckInfo {
            name: "command-injection",
            summary: "shell commands built from strings",
            documentation: "",
            topics: &[],
            default_severity: Severity::Error,
        },
    ];

    #[test]
    fn closest_name_suggests_near_miss() {
        assert_eq!(closest_name(CHECKS, "sql-injections"), Some("sql-injection"));
        assert_eq!(closest_name(CHECKS, "comand-injection"), Some("command-injection"));
    }

    #[test]
    fn closest_name_skips_unrelated_words() {
        assert_eq!(closest_name(CHECKS, "xyz"), None);
    }

    #[test]
    fn find_check_error_names_suggestion() {
        let error = find_check(CHECKS, "sql-injektion").err().map(|error| error.to_string());
        let message = error.unwrap_or_default();
        assert!(message.contains("unknown check `sql-injektion`"), "{message}");
        assert!(message.contains("did you mean `sql-injection`"), "{message}");
    }
}
