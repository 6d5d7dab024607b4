//! Hover: over a finding, show its rule, message and the cited policy section's text.

use std::fmt::Write;
use std::sync::Arc;

use guardian_analysis::Finding;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::from_proto;
use crate::guard;
use crate::handlers::diagnostics;
use crate::policy_state::LoadedPolicy;
use crate::session::{Session, Snapshot};
use crate::to_proto;

pub async fn hover(session: &Arc<Session>, params: HoverParams) -> jsonrpc::Result<Option<Hover>> {
    let position_params = params.text_document_position_params;
    let Some(snapshot) = session.snapshot(&position_params.text_document.uri) else {
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

/// Formats one finding: rule id, message, then the first cited section's title, prose and document path.
fn finding_markdown(policy: &LoadedPolicy, finding: &Finding) -> String {
    let mut markdown = format!("**guardian: `{}`**\n\n{}\n", finding.rule, finding.message);

    let cited = finding.citations.first().and_then(|&id| Some((policy.citation(id)?, policy.section(id)?)));
    if let Some((citation, (document, section))) = cited {
        let _ = write!(markdown, "\n**{citation}**\n");
        if !section.prose.trim().is_empty() {
            let _ = write!(markdown, "\n{}\n", section.prose.trim());
        }
        let _ = write!(markdown, "\n_{}_", document.path.display());
    }
    markdown
}
