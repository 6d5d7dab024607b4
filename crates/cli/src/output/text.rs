//! The text format of `guardian check`, for people: one header line per
//! finding (`path:line:col: severity[rule] message`), a code frame with a
//! caret underline, the cited policy sections, the available fix, and a
//! summary line. Colors are written as ANSI styles; the caller's stream strips
//! them when color is off.

use std::io::Write;
use std::ops::Range;

use anstyle::{AnsiColor, Style};
use guardian_analysis::{Finding, FixKind, Severity};

use super::{Counts, citations, display_path, mask_secret_findings, masks_source, position, severity_label};
use crate::check::{FileReport, Report};

/// Code frames longer than this show their first lines and an ellipsis.
const MAX_FRAME_LINES: usize = 5;

const PATH_STYLE: Style = Style::new().bold();
const GUTTER_STYLE: Style = AnsiColor::Blue.on_default().bold();
const NOTE_STYLE: Style = Style::new().bold();

/// Writes the whole report.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    for file in &report.files {
        for finding in &file.findings {
            write_finding(out, file, finding, report)?;
        }
    }
    write_summary(out, &Counts::of(report))
}

fn write_finding(out: &mut impl Write, file: &FileReport, finding: &Finding, report: &Report) -> std::io::Result<()> {
    let path = display_path(&file.path, &report.current_directory);
    let start = position(&file.source, finding.range.start);
    let severity_style = severity_style(finding.severity);

    writeln!(
        out,
        "{PATH_STYLE}{path}:{line}:{column}:{PATH_STYLE:#} {severity_style}{severity}[{rule}]{severity_style:#} {message}",
        line = start.line,
        column = start.column,
        severity = severity_label(finding.severity),
        rule = finding.rule,
        message = finding.message,
    )?;

    let gutter_width = gutter_width(file, finding);
    write_frame(out, file, finding, gutter_width)?;
    write_notes(out, file, finding, report, gutter_width)?;
    writeln!(out)
}

/// Writes the source lines of the finding with a caret underline under its range.
fn write_frame(out: &mut impl Write, file: &FileReport, finding: &Finding, gutter_width: usize) -> std::io::Result<()> {
    let masked_text;
    let text = if masks_source(finding) {
        masked_text = mask_secret_findings(file.source.text(), [finding]);
        masked_text.as_str()
    } else {
        file.source.text()
    };
    let lines = frame_lines(text, &finding.range);
    let first_line = position(&file.source, finding.range.start).line;
    let severity_style = severity_style(finding.severity);
    let blank = "";

    writeln!(out, "{GUTTER_STYLE}{blank:gutter_width$} |{GUTTER_STYLE:#}")?;
    for (index, line_range) in lines.iter().enumerate() {
        if index == MAX_FRAME_LINES - 1 && lines.len() > MAX_FRAME_LINES {
            writeln!(out, "{GUTTER_STYLE}{blank:gutter_width$} |{GUTTER_STYLE:#} ...")?;
            break;
        }

        let line = &text[line_range.clone()];
        let underline = underline_range(line_range, &finding.range);
        let number = first_line + index;
        writeln!(out, "{GUTTER_STYLE}{number:>gutter_width$} |{GUTTER_STYLE:#} {line}")?;

        let padding: String = line[..underline.start]
            .chars()
            .map(|character| if character == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(line[underline.clone()].chars().count().max(1));
        writeln!(out, "{GUTTER_STYLE}{blank:gutter_width$} |{GUTTER_STYLE:#} {padding}{severity_style}{carets}{severity_style:#}")?;
    }
    Ok(())
}

fn write_notes(
    out: &mut impl Write,
    file: &FileReport,
    finding: &Finding,
    report: &Report,
    gutter_width: usize,
) -> std::io::Result<()> {
    let blank = "";

    for citation in citations(finding, &file.policy, &report.current_directory) {
        writeln!(
            out,
            "{blank:gutter_width$} {NOTE_STYLE}= policy:{NOTE_STYLE:#} {} ({}:{})",
            citation.section, citation.path, citation.line
        )?;
    }
    for fix in finding.fixes.iter().filter(|fix| fix.kind == FixKind::Rewrite) {
        writeln!(out, "{blank:gutter_width$} {NOTE_STYLE}= fix:{NOTE_STYLE:#} {}", fix.title)?;
    }
    Ok(())
}

/// Writes the one-line summary that closes the text and GitHub formats.
pub fn write_summary(out: &mut impl Write, counts: &Counts) -> std::io::Result<()> {
    let checked = plural(counts.files_checked, "file", "files");
    let skipped = if counts.files_skipped > 0 {
        format!(", {} skipped", plural(counts.files_skipped, "file", "files"))
    } else {
        String::new()
    };

    if counts.findings() == 0 {
        return writeln!(out, "No findings in {checked}{skipped}.");
    }
    writeln!(
        out,
        "Found {findings} in {with_findings} of {checked}{skipped}: {errors}, {warnings}, {infos}, {hints}.",
        findings = plural(counts.findings(), "finding", "findings"),
        with_findings = counts.files_with_findings,
        errors = plural(counts.errors, "error", "errors"),
        warnings = plural(counts.warnings, "warning", "warnings"),
        infos = plural(counts.infos, "info", "infos"),
        hints = plural(counts.hints, "hint", "hints"),
    )
}

/// Returns the byte ranges (without line endings) of the lines a finding's range touches.
fn frame_lines(text: &str, range: &Range<usize>) -> Vec<Range<usize>> {
    let start = range.start.min(text.len());
    let end = range.end.clamp(start, text.len());
    let first_line_start = text[..floor(text, start)].rfind('\n').map_or(0, |newline| newline + 1);

    let mut lines = Vec::new();
    let mut line_start = first_line_start;
    loop {
        let line_end_with_newline = text[line_start..].find('\n').map_or(text.len(), |newline| line_start + newline + 1);
        let content_end = trim_line_ending(text, line_start, line_end_with_newline);
        lines.push(line_start..content_end);

        let range_continues = end > line_end_with_newline;
        if !range_continues || line_end_with_newline >= text.len() {
            break;
        }
        line_start = line_end_with_newline;
    }
    lines
}

/// Returns the part of `finding` inside `line`, relative to the line start.
fn underline_range(line: &Range<usize>, finding: &Range<usize>) -> Range<usize> {
    let start = finding.start.clamp(line.start, line.end);
    let end = finding.end.clamp(start, line.end);
    (start - line.start)..(end - line.start)
}

fn trim_line_ending(text: &str, line_start: usize, line_end: usize) -> usize {
    let line = &text[line_start..line_end];
    let trimmed = line.strip_suffix('\n').unwrap_or(line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    line_start + trimmed.len()
}

fn gutter_width(file: &FileReport, finding: &Finding) -> usize {
    let last_line = position(&file.source, finding.range.end).line;
    last_line.to_string().len()
}

fn floor(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Info => AnsiColor::Blue.on_default().bold(),
        Severity::Hint | Severity::Off => AnsiColor::Cyan.on_default().bold(),
    }
}

pub fn plural(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 { format!("{count} {singular}") } else { format!("{count} {plural}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lines_single_line() {
        let text = "a = 1\nb = f(x)\nc = 3\n";
        let start = text.find("f(x)").unwrap_or(0);
        let lines = frame_lines(text, &(start..start + 4));
        assert_eq!(lines.len(), 1);
        assert_eq!(&text[lines[0].clone()], "b = f(x)");
    }

    #[test]
    fn frame_lines_span_and_strip_crlf() {
        let text = "x = (\r\n  1 +\r\n  2)\r\nend\r\n";
        let end = text.find("2)").unwrap_or(0) + 2;
        let lines = frame_lines(text, &(0..end));
        let shown: Vec<&str> = lines.iter().map(|line| &text[line.clone()]).collect();
        assert_eq!(shown, vec!["x = (", "  1 +", "  2)"]);
    }

    #[test]
    fn frame_lines_range_at_end_of_text() {
        let text = "x = 1";
        let lines = frame_lines(text, &(5..5));
        assert_eq!(lines, vec![0..5]);
    }

    #[test]
    fn underline_clamps_to_line() {
        assert_eq!(underline_range(&(10..20), &(5..15)), 0..5);
        assert_eq!(underline_range(&(10..20), &(12..40)), 2..10);
    }
}
