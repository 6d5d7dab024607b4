//! The SARIF 2.1.0 format of `guardian check`, for code-scanning dashboards,
//! built with the `serde-sarif` types.
//!
//! One run with one tool. `tool.driver.rules` lists every rule that fired,
//! documented from the check catalog (or from the steering document for
//! custom rules). Each result carries its location relative to `%SRCROOT%`
//! (the current directory), the cited policy sections as related locations,
//! a partial fingerprint that survives unrelated edits, and the rewrite fixes
//! as artifact changes. Columns count Unicode code points, which the run
//! declares in `columnKind`. Secrets stay masked: messages come masked from
//! the analysis, fix replacements never contain the secret, and the
//! fingerprint hashes the masked line.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use guardian_analysis::{Finding, FixKind, Policy, Severity, check_info};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_sarif::sarif;
use sha2::{Digest, Sha256};

use super::{citations, frame_text, masks_source, position};
use crate::check::{FileReport, Report, SourceText};

/// The base id that result URIs are relative to; GitHub code scanning resolves it to the checkout.
pub const SOURCE_ROOT: &str = "%SRCROOT%";

/// The key of Guardian's partial fingerprint; the version changes if the hashed input ever does.
pub const FINGERPRINT_KEY: &str = "guardianLineHash/v1";

/// Characters escaped in a URI path segment (RFC 3986 `pchar` minus `/`, which separates segments).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Writes the whole report as one pretty-printed SARIF log and a newline.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let log = sarif_log(report);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Builds the SARIF log of a report.
pub fn sarif_log(report: &Report) -> sarif::Sarif {
    let rule_ids = fired_rule_ids(report);
    let rule_indexes: HashMap<&str, i64> = rule_ids
        .iter()
        .enumerate()
        .map(|(index, id)| (id.as_str(), i64::try_from(index).unwrap_or(i64::MAX)))
        .collect();

    let descriptors = rule_ids.iter().map(|id| rule_descriptor(id, report)).collect::<Vec<_>>();
    let driver = sarif::ToolComponent::builder()
        .name("guardian")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();

    let mut results = Vec::new();
    for file in &report.files {
        results.extend(file_results(file, report, &rule_indexes));
    }

    let run = sarif::Run::builder()
        .tool(sarif::Tool::from(driver))
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .results(results)
        .build();

    sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version("2.1.0")
        .runs(vec![run])
        .build()
}

/// Returns the ids of every rule with a finding, sorted, so `ruleIndex` is stable.
fn fired_rule_ids(report: &Report) -> Vec<String> {
    let mut ids: Vec<String> = report
        .files
        .iter()
        .flat_map(|file| &file.findings)
        .map(|finding| finding.rule.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Documents one rule: from the check catalog for built-in checks, else from the policy rule that binds it.
fn rule_descriptor(id: &str, report: &Report) -> sarif::ReportingDescriptor {
    if let Some(check) = check_info(id) {
        return sarif::ReportingDescriptor::builder()
            .id(id)
            .name(id)
            .short_description(plain_text(check.summary))
            .full_description(plain_text(&first_paragraph(check.documentation)))
            .help(markdown_text(check.documentation))
            .default_configuration(configuration(check.default_severity))
            .properties(security_tags())
            .build();
    }

    let first_finding = report.files.iter().flat_map(|file| file.findings.iter().map(move |finding| (file, finding)))
        .find(|(_, finding)| finding.rule == id);
    let Some((file, finding)) = first_finding else {
        return sarif::ReportingDescriptor::builder().id(id).build();
    };

    let summary = custom_rule_summary(id, &file.policy);
    let sections: Vec<String> = citations(finding, &file.policy, &report.current_directory)
        .into_iter()
        .map(|citation| citation.section)
        .collect();
    let description = if sections.is_empty() {
        summary.clone()
    } else {
        format!("{summary}. Bound by the policy section {}.", sections.join("; "))
    };

    sarif::ReportingDescriptor::builder()
        .id(id)
        .name(id)
        .short_description(plain_text(&summary))
        .full_description(plain_text(&description))
        .help(plain_text(&description))
        .default_configuration(configuration(finding.severity))
        .properties(security_tags())
        .build()
}

/// Describes a rule that is not in the catalog: its `message:` from the policy, else a generic line.
fn custom_rule_summary(id: &str, policy: &Policy) -> String {
    let message = policy
        .rules
        .iter()
        .find(|rule| rule.id == id)
        .and_then(|rule| rule.message.clone());
    message.unwrap_or_else(|| format!("Custom rule `{id}` from the steering documents"))
}

fn file_results(file: &FileReport, report: &Report, rule_indexes: &HashMap<&str, i64>) -> Vec<sarif::Result> {
    let artifact = artifact_location(&file.path, &report.current_directory);
    let mut fingerprints = FingerprintCounter::default();

    file.findings
        .iter()
        .map(|finding| {
            let fingerprint = fingerprints.next(finding, &file.source, &artifact.uri);
            sarif_result(file, finding, report, rule_indexes, &artifact, fingerprint)
        })
        .collect()
}

/// A file's location as SARIF writes it: a URI and the base it is relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ArtifactUri {
    uri: String,
    base: Option<&'static str>,
}

impl ArtifactUri {
    fn to_sarif(&self) -> sarif::ArtifactLocation {
        match self.base {
            Some(base) => sarif::ArtifactLocation::builder().uri(self.uri.clone()).uri_base_id(base).build(),
            None => sarif::ArtifactLocation::builder().uri(self.uri.clone()).build(),
        }
    }
}

fn sarif_result(
    file: &FileReport,
    finding: &Finding,
    report: &Report,
    rule_indexes: &HashMap<&str, i64>,
    artifact: &ArtifactUri,
    fingerprint: String,
) -> sarif::Result {
    let cited = citations(finding, &file.policy, &report.current_directory);
    let message = if cited.is_empty() {
        finding.message.clone()
    } else {
        let sections: Vec<&str> = cited.iter().map(|citation| citation.section.as_str()).collect();
        format!("{} (policy: {})", finding.message, sections.join("; "))
    };

    let location = sarif::Location::builder()
        .physical_location(physical_location(artifact, region(&file.source, &finding.range)))
        .build();

    let mut builder_fixes = Vec::new();
    for fix in finding.fixes.iter().filter(|fix| fix.kind == FixKind::Rewrite) {
        let replacements = fix
            .edits
            .iter()
            .map(|edit| {
                sarif::Replacement::builder()
                    .deleted_region(region(&file.source, &edit.range))
                    .inserted_content(sarif::ArtifactContent::builder().text(edit.replacement.clone()).build())
                    .build()
            })
            .collect::<Vec<_>>();
        let change = sarif::ArtifactChange::builder()
            .artifact_location(artifact.to_sarif())
            .replacements(replacements)
            .build();
        builder_fixes.push(
            sarif::Fix::builder()
                .description(sarif::Message::from(fix.title.as_str()))
                .artifact_changes(vec![change])
                .build(),
        );
    }

    let related = related_locations(file, finding, report, artifact);
    let partial_fingerprints = BTreeMap::from([(FINGERPRINT_KEY.to_owned(), fingerprint)]);

    let mut result = sarif::Result::builder()
        .rule_id(finding.rule.clone())
        .level(result_level(finding.severity))
        .message(sarif::Message::from(message.as_str()))
        .locations(vec![location])
        .partial_fingerprints(partial_fingerprints)
        .build();
    result.rule_index = rule_indexes.get(finding.rule.as_str()).copied();
    result.fixes = (!builder_fixes.is_empty()).then_some(builder_fixes);
    result.related_locations = (!related.is_empty()).then_some(related);
    result
}

/// Lists the cited policy sections (steering file and heading line), then the finding's own related places.
fn related_locations(file: &FileReport, finding: &Finding, report: &Report, artifact: &ArtifactUri) -> Vec<sarif::Location> {
    let mut locations = Vec::new();

    let cited_ids = finding.citations.iter().filter(|id| super::section_exists(&file.policy, **id));
    for (citation, id) in citations(finding, &file.policy, &report.current_directory).into_iter().zip(cited_ids) {
        let document_path = &file.policy.document(*id).path;
        let message = sarif::Message::from(format!("Policy section: {}", citation.section).as_str());
        let line = i64::try_from(citation.line).unwrap_or(i64::MAX);

        let mut location = sarif::Location::builder().message(message).build();
        if !is_bundled(document_path) {
            let steering = artifact_location(document_path, &report.current_directory);
            let heading = sarif::Region::builder().start_line(line).build();
            location.physical_location = Some(physical_location(&steering, heading));
        }
        locations.push(location);
    }

    for place in &finding.related {
        let location = sarif::Location::builder()
            .message(sarif::Message::from(place.message.as_str()))
            .physical_location(physical_location(artifact, region(&file.source, &place.range)))
            .build();
        locations.push(location);
    }

    for (index, location) in locations.iter_mut().enumerate() {
        location.id = Some(i64::try_from(index).unwrap_or(i64::MAX));
    }
    locations
}

fn physical_location(artifact: &ArtifactUri, region: sarif::Region) -> sarif::PhysicalLocation {
    sarif::PhysicalLocation::builder().artifact_location(artifact.to_sarif()).region(region).build()
}

/// Converts a byte range into a SARIF region: 1-based lines and columns, the end column exclusive.
fn region(source: &SourceText, range: &Range<usize>) -> sarif::Region {
    let start = position(source, range.start);
    let end = position(source, range.end);
    sarif::Region::builder()
        .start_line(to_i64(start.line))
        .start_column(to_i64(start.column))
        .end_line(to_i64(end.line))
        .end_column(to_i64(end.column))
        .build()
}

/// Returns the URI of a file: relative to `%SRCROOT%` inside the current directory, else an absolute `file://` URI.
fn artifact_location(path: &Path, current_directory: &Path) -> ArtifactUri {
    let absolute = normalize(&current_directory.join(path));

    match absolute.strip_prefix(current_directory) {
        Ok(relative) => ArtifactUri { uri: encode_path(relative), base: Some(SOURCE_ROOT) },
        Err(_) => ArtifactUri { uri: format!("file://{}", encode_path(&absolute)), base: None },
    }
}

/// Removes `.` and resolves `..` lexically, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    normalized
}

/// Percent-encodes each path segment and joins them with `/`; an absolute path keeps its leading `/`.
fn encode_path(path: &Path) -> String {
    let mut segments = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir => segments.push(String::new()),
            Component::Normal(segment) => {
                let segment = segment.to_string_lossy();
                segments.push(utf8_percent_encode(&segment, PATH_SEGMENT).to_string());
            }
            Component::Prefix(prefix) => segments.push(prefix.as_os_str().to_string_lossy().into_owned()),
            Component::CurDir | Component::ParentDir => {
                segments.push(component.as_os_str().to_string_lossy().into_owned());
            }
        }
    }
    segments.join("/")
}

fn is_bundled(path: &Path) -> bool {
    path.to_string_lossy().starts_with("bundled:")
}

/// Computes partial fingerprints for the findings of one file, in order.
///
/// The hash covers the rule, the file URI and the finding's first line with
/// whitespace collapsed (secrets masked), so moving code or re-indenting it
/// keeps the fingerprint. Identical lines get an occurrence suffix (`:2`, `:3`),
/// as GitHub does for its own line hashes.
#[derive(Default)]
struct FingerprintCounter {
    occurrences: HashMap<String, usize>,
}

impl FingerprintCounter {
    fn next(&mut self, finding: &Finding, source: &SourceText, uri: &str) -> String {
        let line = line_text(source.text(), finding.range.start);
        let masked_range = masks_source(finding).then_some(0..line.len());
        let normalized = frame_text(line, masked_range).split_whitespace().collect::<Vec<_>>().join(" ");

        let mut hasher = Sha256::new();
        hasher.update(finding.rule.as_bytes());
        hasher.update([0]);
        hasher.update(uri.as_bytes());
        hasher.update([0]);
        hasher.update(normalized.as_bytes());
        let hash = format!("{:x}", hasher.finalize());

        let occurrence = self.occurrences.entry(hash.clone()).or_insert(0);
        *occurrence += 1;
        format!("{hash}:{occurrence}")
    }
}

/// Returns the line that contains `offset`, without its line ending.
fn line_text(text: &str, offset: usize) -> &str {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |newline| offset + newline);
    text[start..end].trim_end_matches('\r')
}

/// The first prose paragraph of a catalog documentation text, headings skipped.
fn first_paragraph(documentation: &str) -> String {
    let mut lines = Vec::new();
    for line in documentation.lines() {
        let line = line.trim();
        let is_heading = line.starts_with('#');
        if line.is_empty() || is_heading {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line);
    }
    lines.join(" ")
}

fn result_level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info | Severity::Hint => sarif::ResultLevel::Note,
        Severity::Off => sarif::ResultLevel::None,
    }
}

fn configuration(severity: Severity) -> sarif::ReportingConfiguration {
    let level = serde_json::to_value(result_level(severity)).unwrap_or(serde_json::Value::Null);
    sarif::ReportingConfiguration::builder().level(level).build()
}

/// Tags every rule as a security rule, which GitHub code scanning uses to file it under security.
fn security_tags() -> sarif::PropertyBag {
    sarif::PropertyBag::builder().tags(vec!["security".to_owned()]).build()
}

fn plain_text(text: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(text).build()
}

fn markdown_text(markdown: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(markdown).markdown(markdown).build()
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_uses_source_root() {
        let location = artifact_location(Path::new("src/my app.py"), Path::new("/work/project"));
        assert_eq!(location.uri, "src/my%20app.py");
        assert_eq!(location.base, Some(SOURCE_ROOT));
    }

    #[test]
    fn path_outside_root_is_file_uri() {
        let location = artifact_location(Path::new("../other/app.py"), Path::new("/work/project"));
        assert_eq!(location.uri, "file:///work/other/app.py");
        assert_eq!(location.base, None);
    }

    #[test]
    fn first_paragraph_skips_headings() {
        let documentation = "# name\n\n## What it does\n\nReports a thing\nthat is bad.\n\nMore.\n";
        assert_eq!(first_paragraph(documentation), "Reports a thing that is bad.");
    }

    #[test]
    fn line_text_strips_crlf() {
        let text = "a = 1\r\nb = 2\r\n";
        assert_eq!(line_text(text, 8), "b = 2");
    }
}
