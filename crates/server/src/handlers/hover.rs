//! Hover: over a finding, show its rule, message and the cited policy
//! section's Markdown text with a link to its steering document; over a
//! `check:` name in a steering document, show that check's documentation.

use std::fmt::Write;
use std::sync::Arc;

use guardian_analysis::Finding;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::from_proto;
use crate::guard;
use crate::handlers::diagnostics;
use crate::policy_state::LoadedPolicy;
use crate::session::{Session, Snapshot, SteeringSnapshot};
use crate::to_proto;

/// The largest section text shown in a hover, in bytes; a longer section is cut at a line break.
const MAX_SECTION_BYTES: usize = 8 * 1024;

pub async fn hover(session: &Arc<Session>, params: HoverParams) -> jsonrpc::Result<Option<Hover>> {
    let position_params = params.text_document_position_params;
    let uri = &position_params.text_document.uri;
    if let Some(snapshot) = session.steering_snapshot(uri) {
        return Ok(check_hover(&snapshot, position_params.position));
    }
    let Some(snapshot) = session.snapshot(uri) else {
        return Ok(None);
    };

    let document = &snapshot.document;
    let offset = from_proto::offset(document.text(), document.line_index(), position_params.position, snapshot.config.encoding);

    let hover = guard::blocking("hover", move || {
        let findings = diagnostics::findings(&snapshot);
        hover_at(&snapshot, &findings, offset)
    })
    .await?;
    Ok(hover)
}

/// Shows the catalog documentation of the built-in check named under the cursor, if any.
fn check_hover(snapshot: &SteeringSnapshot, position: tower_lsp_server::ls_types::Position) -> Option<Hover> {
    let text = snapshot.text.text();
    let encoding = snapshot.config.encoding;
    let offset = from_proto::offset(text, snapshot.text.line_index(), position, encoding);

    let name = guardian_policy::check_at(text, offset)?;
    let info = guardian_analysis::check_info(name)?;

    // `check_at` returns a slice of `text`, so its address gives its byte offset.
    let name_start = name.as_ptr().addr() - text.as_ptr().addr();
    let name_range = name_start..name_start + name.len();

    let value = format!("**guardian check: `{}`**\n\n{}\n\n---\n\n{}", info.name, info.summary, info.documentation.trim());
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
        range: Some(to_proto::markdown_range(&snapshot.text, &name_range, encoding)),
    })
}

fn hover_at(snapshot: &Snapshot, findings: &[Finding], offset: usize) -> Option<Hover> {
    let under_cursor: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.range.start <= offset && offset <= finding.range.end)
        .filter(|finding| to_proto::severity(finding.severity).is_some())
        .collect();
    let first = under_cursor.first()?;

    let sections: Vec<String> = under_cursor.iter().map(|finding| finding_markdown(&snapshot.policy, finding)).collect();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: sections.join("\n\n---\n\n") }),
        range: Some(to_proto::range(&snapshot.document, &first.range, snapshot.config.encoding)),
    })
}

/// Formats one finding: rule id, message, then the first cited section's
/// citation, its Markdown text below the heading (subsections and rule
/// blocks included) and a link to its steering document.
fn finding_markdown(policy: &LoadedPolicy, finding: &Finding) -> String {
    let mut markdown = format!("**guardian: `{}`**\n\n{}\n", finding.rule, finding.message);

    let Some(&id) = finding.citations.first() else {
        return markdown;
    };
    let (Some(citation), Some((document, section))) = (policy.citation(id), policy.section(id)) else {
        return markdown;
    };

    let _ = write!(markdown, "\n**{citation}**\n");
    let body = document.text.get(section.heading_range.end..section.range.end).unwrap_or_default().trim();
    if !body.is_empty() {
        let _ = write!(markdown, "\n{}\n", truncated_at_line(body, MAX_SECTION_BYTES));
    }

    let path = document.path.display();
    match policy.document_uri(id) {
        Some(uri) => {
            let _ = write!(markdown, "\n_Source: [{path}]({}#L{})_", uri.as_str(), section.heading_line + 1);
        }
        None => {
            let _ = write!(markdown, "\n_Source: {path}_");
        }
    }
    markdown
}

/// Cuts `text` at the last line break within `max_bytes`, and appends a note that it was cut.
fn truncated_at_line(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind('\n').unwrap_or(cut);
    format!("{}\n\n_(The section continues in the document.)_", text[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::truncated_at_line;

    #[test]
    fn truncation_cuts_at_line_break() {
        assert_eq!(truncated_at_line("short", 10), "short");
        assert_eq!(
            truncated_at_line("first line\nsecond line\n", 15),
            "first line\n\n_(The section continues in the document.)_"
        );
        assert_eq!(truncated_at_line("ééééé", 3), "é\n\n_(The section continues in the document.)_");
    }
}
