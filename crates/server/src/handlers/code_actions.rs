//! Code actions: each finding's rewrite (preferred), "record an exception"
//! and "open the policy section", plus `source.fixAll.guardian`. In a
//! steering document: each policy problem's quick fix (preferred).
//!
//! Findings are recomputed from the current document, so an action is never
//! built from stale diagnostics.

use std::ops::Range;
use std::sync::Arc;

use guardian_analysis::{Edit, Finding, Fix, FixKind};
use guardian_policy::PolicyProblem;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command, Diagnostic,
    TextEdit,
};

use crate::from_proto;
use crate::guard;
use crate::handlers::{commands, diagnostics};
use crate::session::{Session, Snapshot, SteeringSnapshot};
use crate::to_proto::{self, DiagnosticContext};

/// Returns the code action kind that applies every safe fix in a document.
pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.guardian")
}

pub async fn code_action(session: &Arc<Session>, params: CodeActionParams) -> jsonrpc::Result<Option<CodeActionResponse>> {
    let requested_kinds = RequestedKinds::from_only(params.context.only.as_deref());
    if let Some(snapshot) = session.steering_snapshot(&params.text_document.uri) {
        return steering_code_actions(snapshot, params.range, requested_kinds).await.map(Some);
    }
    let Some(snapshot) = session.snapshot(&params.text_document.uri) else {
        return Ok(None);
    };

    let encoding = snapshot.config.encoding;
    let text = snapshot.document.text();
    let requested = ordered(from_proto::byte_range(text, snapshot.document.line_index(), params.range, encoding));

    let actions = guard::blocking("code actions", move || {
        let findings = diagnostics::findings(&snapshot);
        build_actions(&snapshot, &findings, &requested, requested_kinds)
    })
    .await?;

    Ok(Some(actions))
}

/// Returns the quick fixes of the steering document problems that touch the requested range.
async fn steering_code_actions(
    snapshot: SteeringSnapshot,
    range: tower_lsp_server::ls_types::Range,
    requested_kinds: RequestedKinds,
) -> jsonrpc::Result<CodeActionResponse> {
    if !requested_kinds.quick_fixes {
        return Ok(Vec::new());
    }
    let text = &snapshot.text;
    let requested = ordered(from_proto::byte_range(text.text(), text.line_index(), range, snapshot.config.encoding));

    let actions = guard::blocking("steering code actions", move || {
        let problems = diagnostics::steering_problems(&snapshot);
        problems
            .iter()
            .filter(|problem| intersects(&problem.range, &requested))
            .filter_map(|problem| problem_fix_action(&snapshot, problem))
            .map(CodeActionOrCommand::CodeAction)
            .collect()
    })
    .await?;
    Ok(actions)
}

/// Builds the preferred quick fix for a problem that has one.
fn problem_fix_action(snapshot: &SteeringSnapshot, problem: &PolicyProblem) -> Option<CodeAction> {
    let fix = problem.fix.as_ref()?;
    let encoding = snapshot.config.encoding;
    let diagnostic = to_proto::problem_diagnostic(problem, &snapshot.text, encoding)?;

    let text_edit = TextEdit::new(to_proto::markdown_range(&snapshot.text, &fix.range, encoding), fix.replacement.clone());
    let edit = to_proto::workspace_edit_from_text_edits(
        &snapshot.uri,
        snapshot.version,
        vec![text_edit],
        snapshot.config.workspace_edit_shape,
    );
    Some(CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(edit),
        is_preferred: Some(true),
        ..CodeAction::default()
    })
}

/// The action families selected by the request's `only` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RequestedKinds {
    quick_fixes: bool,
    fix_all: bool,
}

impl RequestedKinds {
    /// Selects each action family whose kind equals a requested kind or starts with it followed by a dot.
    fn from_only(only: Option<&[CodeActionKind]>) -> Self {
        let Some(only) = only else {
            return Self { quick_fixes: true, fix_all: true };
        };
        let selects = |kind: &CodeActionKind| {
            only.iter().any(|requested| is_kind_or_parent(requested.as_str(), kind.as_str()))
        };
        Self { quick_fixes: selects(&CodeActionKind::QUICKFIX), fix_all: selects(&fix_all_kind()) }
    }
}

/// Returns whether `requested` is `kind` or one of its dot-separated parents.
fn is_kind_or_parent(requested: &str, kind: &str) -> bool {
    kind == requested || kind.strip_prefix(requested).is_some_and(|rest| rest.starts_with('.'))
}

fn build_actions(snapshot: &Snapshot, findings: &[Finding], requested: &Range<usize>, requested_kinds: RequestedKinds) -> CodeActionResponse {
    let context = DiagnosticContext {
        document: &snapshot.document,
        uri: &snapshot.uri,
        policy: &snapshot.policy,
        encoding: snapshot.config.encoding,
    };
    let mut actions = Vec::new();

    if requested_kinds.quick_fixes {
        for finding in findings.iter().filter(|finding| intersects(&finding.range, requested)) {
            let Some(diagnostic) = to_proto::diagnostic(finding, &context) else {
                continue;
            };
            actions.extend(quick_fixes(snapshot, finding, &diagnostic));
        }
    }

    if requested_kinds.fix_all {
        actions.extend(fix_all(snapshot, findings).map(CodeActionOrCommand::CodeAction));
    }
    actions
}

fn quick_fixes(snapshot: &Snapshot, finding: &Finding, diagnostic: &Diagnostic) -> Vec<CodeActionOrCommand> {
    let mut actions: Vec<CodeActionOrCommand> = finding
        .fixes
        .iter()
        .map(|fix| CodeActionOrCommand::CodeAction(fix_action(snapshot, fix, diagnostic)))
        .collect();

    if let Some(open_section) = open_policy_action(snapshot, finding, diagnostic) {
        actions.push(CodeActionOrCommand::CodeAction(open_section));
    }
    actions
}

/// Builds the action for one fix. A rewrite is the preferred action, a recorded exception never is.
fn fix_action(snapshot: &Snapshot, fix: &Fix, diagnostic: &Diagnostic) -> CodeAction {
    let edits: Vec<&Edit> = fix.edits.iter().collect();
    let is_rewrite = fix.kind == FixKind::Rewrite;

    CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(workspace_edit(snapshot, &edits)),
        is_preferred: Some(is_rewrite),
        ..CodeAction::default()
    }
}

fn open_policy_action(snapshot: &Snapshot, finding: &Finding, diagnostic: &Diagnostic) -> Option<CodeAction> {
    let section = *finding.citations.first()?;
    let citation = snapshot.policy.citation(section)?;
    let location = snapshot.policy.heading_location(section, snapshot.config.encoding)?;
    let argument = serde_json::to_value(location).ok()?;

    Some(CodeAction {
        title: format!("Open policy section: {citation}"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        command: Some(Command {
            title: format!("Open policy section: {citation}"),
            command: commands::OPEN_POLICY.to_string(),
            arguments: Some(vec![argument]),
        }),
        ..CodeAction::default()
    })
}

/// Applies every rewrite whose edits do not overlap an already chosen one, in document order.
fn fix_all(snapshot: &Snapshot, findings: &[Finding]) -> Option<CodeAction> {
    let edits = non_overlapping_rewrites(findings);
    if edits.is_empty() {
        return None;
    }

    Some(CodeAction {
        title: "Apply all Guardian fixes".to_string(),
        kind: Some(fix_all_kind()),
        edit: Some(workspace_edit(snapshot, &edits)),
        ..CodeAction::default()
    })
}

/// Chooses the first rewrite of each finding, skipping any that overlaps a chosen edit.
///
/// An edit identical to a chosen one (such as the same `import os` added by
/// two secret fixes) is shared rather than treated as a conflict.
fn non_overlapping_rewrites(findings: &[Finding]) -> Vec<&Edit> {
    let mut rewrites: Vec<&Fix> = findings
        .iter()
        .filter_map(|finding| finding.fixes.iter().find(|fix| fix.kind == FixKind::Rewrite))
        .collect();
    rewrites.sort_by_key(|fix| fix.edits.iter().map(|edit| edit.range.start).min());

    let mut chosen: Vec<&Edit> = Vec::new();
    for fix in rewrites {
        let new_edits: Vec<&Edit> = fix.edits.iter().filter(|edit| !chosen.contains(edit)).collect();
        let conflicts = new_edits.iter().any(|edit| chosen.iter().any(|taken| edits_conflict(edit, taken)));
        if !conflicts {
            chosen.extend(new_edits);
        }
    }
    chosen.sort_by_key(|edit| (edit.range.start, edit.range.end));
    chosen
}

/// Two edits conflict when their ranges overlap, or both insert at the same offset (their order would be ambiguous).
fn edits_conflict(first: &Edit, second: &Edit) -> bool {
    let overlap = first.range.start < second.range.end && second.range.start < first.range.end;
    let same_start = first.range.start == second.range.start;
    overlap || same_start
}

fn workspace_edit(snapshot: &Snapshot, edits: &[&Edit]) -> tower_lsp_server::ls_types::WorkspaceEdit {
    to_proto::workspace_edit(
        &snapshot.uri,
        snapshot.version,
        &snapshot.document,
        edits,
        snapshot.config.encoding,
        snapshot.config.workspace_edit_shape,
    )
}

/// Returns whether two byte ranges touch; an empty request range at a finding's end still selects it.
fn intersects(finding: &Range<usize>, requested: &Range<usize>) -> bool {
    finding.start <= requested.end && requested.start <= finding.end
}

fn ordered(range: Range<usize>) -> Range<usize> {
    range.start.min(range.end)..range.start.max(range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    use guardian_policy::Severity;

    fn edit(range: Range<usize>, replacement: &str) -> Edit {
        Edit { range, replacement: replacement.to_string() }
    }

    fn finding_with_fixes(fixes: Vec<Fix>) -> Finding {
        Finding {
            rule: "rule".to_string(),
            range: 0..1,
            severity: Severity::Error,
            message: "message".to_string(),
            citations: Vec::new(),
            fixes,
            related: Vec::new(),
        }
    }

    fn rewrite(edits: Vec<Edit>) -> Fix {
        Fix { title: "fix".to_string(), kind: FixKind::Rewrite, edits }
    }

    #[test]
    fn fix_all_skips_overlapping_rewrites() {
        let import = edit(0..0, "import os\n");
        let findings = [
            finding_with_fixes(vec![rewrite(vec![import.clone(), edit(10..20, "os.environ[\"A\"]")])]),
            finding_with_fixes(vec![rewrite(vec![import.clone(), edit(30..40, "os.environ[\"B\"]")])]),
            finding_with_fixes(vec![rewrite(vec![edit(15..25, "overlaps the first")])]),
            finding_with_fixes(vec![Fix {
                title: "exception".to_string(),
                kind: FixKind::RecordException,
                edits: vec![edit(50..50, "  # guardian: ignore")],
            }]),
        ];

        let chosen: Vec<Edit> = non_overlapping_rewrites(&findings).into_iter().cloned().collect();
        assert_eq!(chosen, vec![import, edit(10..20, "os.environ[\"A\"]"), edit(30..40, "os.environ[\"B\"]")]);
    }

    #[test]
    fn only_selects_action_families() {
        let cases: &[(Option<&[&str]>, RequestedKinds)] = &[
            (None, RequestedKinds { quick_fixes: true, fix_all: true }),
            (Some(&["quickfix"]), RequestedKinds { quick_fixes: true, fix_all: false }),
            (Some(&["source"]), RequestedKinds { quick_fixes: false, fix_all: true }),
            (Some(&["source.fixAll"]), RequestedKinds { quick_fixes: false, fix_all: true }),
            (Some(&["source.fixAll.guardian"]), RequestedKinds { quick_fixes: false, fix_all: true }),
            (Some(&["source.organizeImports"]), RequestedKinds { quick_fixes: false, fix_all: false }),
            (Some(&["source.fix"]), RequestedKinds { quick_fixes: false, fix_all: false }),
            (Some(&[""]), RequestedKinds { quick_fixes: false, fix_all: false }),
        ];
        for (only, expected) in cases {
            let kinds: Option<Vec<CodeActionKind>> =
                only.map(|kinds| kinds.iter().map(|kind| CodeActionKind::from(kind.to_string())).collect());
            assert_eq!(RequestedKinds::from_only(kinds.as_deref()), *expected, "only {only:?}");
        }
    }

    #[test]
    fn intersects_includes_touching_ranges() {
        assert!(intersects(&(5..10), &(10..10)));
        assert!(intersects(&(5..10), &(5..5)));
        assert!(intersects(&(5..10), &(0..20)));
        assert!(!intersects(&(5..10), &(11..12)));
        assert!(!intersects(&(5..10), &(0..4)));
    }
}
