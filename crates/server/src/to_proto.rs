//! Conversions from Guardian's internal types to LSP types: byte ranges to
//! ranges in the negotiated encoding, findings and steering document problems
//! to diagnostics, fixes to workspace edits.

use std::collections::HashMap;
use std::ops::Range;

use guardian_analysis::{Document, Edit, Finding, PositionEncoding, Severity};
use guardian_policy::PolicyProblem;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentChanges,
    Location, NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, PositionEncodingKind, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};

use crate::markdown_text::MarkdownText;
use crate::policy_state::LoadedPolicy;

/// The `source` of every Guardian diagnostic.
pub const DIAGNOSTIC_SOURCE: &str = "guardian";

pub fn position_encoding_kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
    }
}

pub fn position(document: &Document, offset: usize, encoding: PositionEncoding) -> lsp::Position {
    let line_col = document.line_col(offset, encoding);
    lsp::Position::new(line_col.line, line_col.column)
}

pub fn range(document: &Document, range: &Range<usize>, encoding: PositionEncoding) -> lsp::Range {
    lsp::Range::new(position(document, range.start, encoding), position(document, range.end, encoding))
}

/// Converts a byte range of a steering document's text to a range in the negotiated encoding.
pub fn markdown_range(text: &MarkdownText, range: &Range<usize>, encoding: PositionEncoding) -> lsp::Range {
    let start = text.line_col(range.start, encoding);
    let end = text.line_col(range.end, encoding);
    lsp::Range::new(lsp::Position::new(start.line, start.column), lsp::Position::new(end.line, end.column))
}

/// Converts a steering document problem to a diagnostic on the document's
/// text, or `None` for a problem whose severity is `Off`.
pub fn problem_diagnostic(problem: &PolicyProblem, text: &MarkdownText, encoding: PositionEncoding) -> Option<Diagnostic> {
    Some(Diagnostic {
        range: markdown_range(text, &problem.range, encoding),
        severity: Some(severity(problem.severity)?),
        code: Some(NumberOrString::String(problem.code.to_string())),
        source: Some(DIAGNOSTIC_SOURCE.to_string()),
        message: problem.message.clone(),
        ..Diagnostic::default()
    })
}

/// Maps a severity; `Off` has no diagnostic severity because it never produces a diagnostic.
pub fn severity(severity: Severity) -> Option<DiagnosticSeverity> {
    match severity {
        Severity::Off => None,
        Severity::Hint => Some(DiagnosticSeverity::HINT),
        Severity::Info => Some(DiagnosticSeverity::INFORMATION),
        Severity::Warning => Some(DiagnosticSeverity::WARNING),
        Severity::Error => Some(DiagnosticSeverity::ERROR),
    }
}

/// The inputs of a diagnostic conversion: the analyzed document, its URI, the policy and the encoding.
pub struct DiagnosticContext<'a> {
    pub document: &'a Document,
    pub uri: &'a Uri,
    pub policy: &'a LoadedPolicy,
    pub encoding: PositionEncoding,
}

/// Converts a finding to a diagnostic, or `None` for a finding whose severity is `Off`.
pub fn diagnostic(finding: &Finding, context: &DiagnosticContext<'_>) -> Option<Diagnostic> {
    let severity = severity(finding.severity)?;
    let first_citation = finding.citations.first().copied();

    let message = match first_citation.and_then(|id| context.policy.citation(id)) {
        Some(citation) => format!("{} ({citation})", finding.message),
        None => finding.message.clone(),
    };
    let code_description = first_citation
        .and_then(|id| context.policy.document_uri(id))
        .map(|href| CodeDescription { href: href.clone() });

    Some(Diagnostic {
        range: range(context.document, &finding.range, context.encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(finding.rule.clone())),
        code_description,
        source: Some(DIAGNOSTIC_SOURCE.to_string()),
        message,
        related_information: Some(related_information(finding, context)),
        tags: None,
        data: None,
    })
}

/// Links each cited section's heading, then each of the finding's related places in the same document.
fn related_information(finding: &Finding, context: &DiagnosticContext<'_>) -> Vec<DiagnosticRelatedInformation> {
    let sections = finding.citations.iter().filter_map(|&id| {
        let location = context.policy.heading_location(id, context.encoding)?;
        let citation = context.policy.citation(id)?;
        Some(DiagnosticRelatedInformation { location, message: format!("policy: {citation}") })
    });

    let related_places = finding.related.iter().map(|related| DiagnosticRelatedInformation {
        location: Location::new(context.uri.clone(), range(context.document, &related.range, context.encoding)),
        message: related.message.clone(),
    });

    sections.chain(related_places).collect()
}

pub fn text_edit(document: &Document, edit: &Edit, encoding: PositionEncoding) -> TextEdit {
    TextEdit::new(range(document, &edit.range, encoding), edit.replacement.clone())
}

/// How to shape a workspace edit for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceEditShape {
    /// `documentChanges` with the document version, so a stale edit is rejected by the client.
    VersionedDocumentChanges,
    /// Plain `changes`, for clients without `documentChanges` support.
    Changes,
}

/// Builds a workspace edit that applies `edits` to one document at `version`.
pub fn workspace_edit(
    uri: &Uri,
    version: i32,
    document: &Document,
    edits: &[&Edit],
    encoding: PositionEncoding,
    shape: WorkspaceEditShape,
) -> WorkspaceEdit {
    let text_edits: Vec<TextEdit> = edits.iter().map(|edit| text_edit(document, edit, encoding)).collect();
    workspace_edit_from_text_edits(uri, version, text_edits, shape)
}

/// Builds a workspace edit that applies already converted `text_edits` to one document at `version`.
pub fn workspace_edit_from_text_edits(uri: &Uri, version: i32, text_edits: Vec<TextEdit>, shape: WorkspaceEditShape) -> WorkspaceEdit {
    match shape {
        WorkspaceEditShape::VersionedDocumentChanges => {
            let text_document = OptionalVersionedTextDocumentIdentifier { uri: uri.clone(), version: Some(version) };
            let edits = text_edits.into_iter().map(OneOf::Left).collect();
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit { text_document, edits }])),
                ..WorkspaceEdit::default()
            }
        }
        WorkspaceEditShape::Changes => {
            WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), text_edits)])), ..WorkspaceEdit::default() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::str::FromStr;

    use guardian_analysis::{Fix, Related};

    fn test_uri() -> Uri {
        Uri::from_str("file:///work/app.py").expect("test URI is valid")
    }

    fn finding(rule: &str, range: Range<usize>, severity: Severity) -> Finding {
        Finding {
            rule: rule.to_string(),
            range,
            severity,
            message: "possible SQL injection".to_string(),
            citations: Vec::new(),
            fixes: Vec::<Fix>::new(),
            related: Vec::new(),
        }
    }

    #[test]
    fn range_converts_in_both_encodings() {
        let document = Document::new("s = 'é😀'\r\nx = q\rdef f():\n\treturn s\n".to_string());
        // (byte range, UTF-8 range, UTF-16 range) as (line, column) pairs.
        let cases = [
            (4..12, ((0, 4), (0, 12)), ((0, 4), (0, 9))),
            // The emoji alone: four UTF-8 bytes, two UTF-16 units.
            (7..11, ((0, 7), (0, 11)), ((0, 6), (0, 8))),
            (14..19, ((1, 0), (1, 5)), ((1, 0), (1, 5))),
            (20..23, ((2, 0), (2, 3)), ((2, 0), (2, 3))),
            (30..38, ((3, 1), (3, 9)), ((3, 1), (3, 9))),
            // A range ending inside the CRLF clamps to the end of line 0.
            (11..13, ((0, 11), (0, 12)), ((0, 8), (0, 9))),
            (35..999, ((3, 6), (4, 0)), ((3, 6), (4, 0))),
        ];
        for (bytes, utf8, utf16) in cases {
            for (encoding, ((start_line, start_column), (end_line, end_column))) in
                [(PositionEncoding::Utf8, utf8), (PositionEncoding::Utf16, utf16)]
            {
                let expected = lsp::Range::new(
                    lsp::Position::new(start_line, start_column),
                    lsp::Position::new(end_line, end_column),
                );
                assert_eq!(range(&document, &bytes, encoding), expected, "bytes {bytes:?} {encoding:?}");
            }
        }
    }

    #[test]
    fn severity_maps_every_level() {
        assert_eq!(severity(Severity::Off), None);
        assert_eq!(severity(Severity::Hint), Some(DiagnosticSeverity::HINT));
        assert_eq!(severity(Severity::Info), Some(DiagnosticSeverity::INFORMATION));
        assert_eq!(severity(Severity::Warning), Some(DiagnosticSeverity::WARNING));
        assert_eq!(severity(Severity::Error), Some(DiagnosticSeverity::ERROR));
    }

    #[test]
    fn diagnostic_without_citation_keeps_message() {
        let document = Document::new("q = 'é' + x\n".to_string());
        let policy = LoadedPolicy::default();
        let uri = test_uri();
        let context = DiagnosticContext { document: &document, uri: &uri, policy: &policy, encoding: PositionEncoding::Utf16 };

        let mut found = finding("sql-injection", 4..8, Severity::Warning);
        found.related.push(Related { range: 10..11, message: "x comes from the request".to_string() });
        let diagnostic = diagnostic(&found, &context).expect("warnings produce diagnostics");

        assert_eq!(diagnostic.message, "possible SQL injection");
        assert_eq!(diagnostic.code, Some(NumberOrString::String("sql-injection".to_string())));
        assert_eq!(diagnostic.source.as_deref(), Some("guardian"));
        assert_eq!(diagnostic.range, lsp::Range::new(lsp::Position::new(0, 4), lsp::Position::new(0, 7)));
        assert_eq!(diagnostic.code_description, None);
        let related = diagnostic.related_information.expect("related information is always set");
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].location.range, lsp::Range::new(lsp::Position::new(0, 9), lsp::Position::new(0, 10)));
    }

    #[test]
    fn diagnostic_skips_off_findings() {
        let document = Document::new("x = 1\n".to_string());
        let policy = LoadedPolicy::default();
        let uri = test_uri();
        let context = DiagnosticContext { document: &document, uri: &uri, policy: &policy, encoding: PositionEncoding::Utf8 };
        assert_eq!(diagnostic(&finding("any", 0..1, Severity::Off), &context), None);
    }

    #[test]
    fn workspace_edit_shapes() {
        let document = Document::new("a = '😀'\nb = 2\n".to_string());
        let edit = Edit { range: 15..16, replacement: "3".to_string() };
        let uri = test_uri();

        let versioned = workspace_edit(&uri, 7, &document, &[&edit], PositionEncoding::Utf16, WorkspaceEditShape::VersionedDocumentChanges);
        let Some(DocumentChanges::Edits(document_edits)) = versioned.document_changes else {
            panic!("expected document changes, got {versioned:?}");
        };
        assert_eq!(document_edits[0].text_document.version, Some(7));
        let expected_edit = TextEdit::new(lsp::Range::new(lsp::Position::new(1, 4), lsp::Position::new(1, 5)), "3".to_string());
        assert_eq!(document_edits[0].edits, vec![OneOf::Left(expected_edit.clone())]);

        let plain = workspace_edit(&uri, 7, &document, &[&edit], PositionEncoding::Utf16, WorkspaceEditShape::Changes);
        assert_eq!(plain.changes, Some(HashMap::from([(uri, vec![expected_edit])])));
    }

}
