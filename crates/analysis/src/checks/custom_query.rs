//! Custom `query:` rules: a tree-sitter query over the Python tree. The
//! `@finding` capture is the reported range; other captures fill `{name}`
//! placeholders in the rule's message and fix template.
//!
//! A pathological query cannot stall analysis: the cursor keeps at most
//! [`MATCH_LIMIT`] in-progress matches, each rule reports at most
//! [`MAX_FINDINGS_PER_RULE`] findings, and a progress callback stops the
//! query after [`QUERY_TIME_BUDGET`].

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use guardian_policy::{FixTemplate, RuleQuery};
use tree_sitter::{QueryCursor, QueryCursorOptions, QueryMatch, StreamingIterator};

use super::{Context, RawFinding};
use crate::fixes;
use crate::{Edit, Fix, FixKind};

/// The maximum number of in-progress matches the query cursor keeps.
pub(crate) const MATCH_LIMIT: u32 = 256;
/// The maximum number of findings one query rule reports in one file.
pub(crate) const MAX_FINDINGS_PER_RULE: usize = 1_000;
/// The wall-clock time one query may run on one file before it is stopped.
pub(crate) const QUERY_TIME_BUDGET: Duration = Duration::from_millis(250);

/// A `query:` rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct QueryRule {
    pub id: String,
    pub query: RuleQuery,
    pub message: Option<String>,
    pub fix: Option<FixTemplate>,
}

/// Runs every query rule over the tree.
pub(crate) fn run(context: &Context<'_>, rules: &[QueryRule]) -> Vec<RawFinding> {
    let mut findings = Vec::new();
    for rule in rules {
        run_rule(context, rule, &mut findings);
    }
    findings
}

fn run_rule(context: &Context<'_>, rule: &QueryRule, findings: &mut Vec<RawFinding>) {
    let query = &rule.query.query;
    let mut cursor = QueryCursor::new();
    cursor.set_match_limit(MATCH_LIMIT);

    let deadline = Instant::now() + QUERY_TIME_BUDGET;
    let mut timed_out = false;
    let mut stop_after_budget = |_: &tree_sitter::QueryCursorState| {
        if Instant::now() < deadline {
            return ControlFlow::Continue(());
        }
        timed_out = true;
        ControlFlow::Break(())
    };
    let options = QueryCursorOptions::new().progress_callback(&mut stop_after_budget);
    let mut matches = cursor.matches_with_options(query, context.root, context.source.as_bytes(), options);

    let mut reported = 0;
    while let Some(found) = matches.next() {
        if reported >= MAX_FINDINGS_PER_RULE {
            tracing::warn!(rule = %rule.id, limit = MAX_FINDINGS_PER_RULE, "query rule reached its finding limit; later matches are not reported");
            break;
        }
        if let Some(finding) = finding_of(context, rule, found) {
            findings.push(finding);
            reported += 1;
        }
    }
    drop(matches);

    if timed_out {
        tracing::warn!(rule = %rule.id, budget_ms = QUERY_TIME_BUDGET.as_millis(), "query rule stopped after its time budget; findings may be missing");
    }
    if cursor.did_exceed_match_limit() {
        tracing::debug!(rule = %rule.id, limit = MATCH_LIMIT, "query rule exceeded the match limit; some matches may be missing");
    }
}

fn finding_of(context: &Context<'_>, rule: &QueryRule, found: &QueryMatch<'_, '_>) -> Option<RawFinding> {
    let finding_node = found
        .captures()
        .iter()
        .find(|capture| capture.index == rule.query.finding_capture)?
        .node;
    let capture_text = |name: &str| -> Option<&str> {
        let index = rule.query.query.capture_index_for_name(name)?;
        let capture = found.captures().iter().find(|capture| capture.index == index)?;
        Some(context.text(capture.node))
    };

    let message = match &rule.message {
        Some(template) => fill_template(template, |name| capture_text(name).map(shorten_for_message)),
        None => format!("code matches the query of rule `{}`; see the cited policy section", rule.id),
    };
    let fixes = rule
        .fix
        .as_ref()
        .map(|template| {
            let replacement = fill_template(&template.replace, |name| capture_text(name).map(str::to_owned));
            template_fix(context, finding_node.byte_range(), replacement, template.import.as_deref())
        })
        .into_iter()
        .collect();

    Some(RawFinding { rule: rule.id.clone(), range: finding_node.byte_range(), message, fixes, related: Vec::new() })
}

/// Replaces each `{name}` for which `value_of` returns a value; other text stays as written.
pub(crate) fn fill_template(template: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after_open = &rest[open + 1..];
        let replaced = after_open.find('}').and_then(|close| Some((value_of(&after_open[..close])?, close)));
        match replaced {
            Some((value, close)) => {
                filled.push_str(&value);
                rest = &after_open[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after_open;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// Shortens captured text for a message, so a captured secret never appears in full.
///
/// Text of up to 24 characters that is not a string literal appears as is.
/// A string literal keeps its quote and first four characters; other long text
/// keeps its first twelve characters.
pub(crate) fn shorten_for_message(text: &str) -> String {
    let single_line = text.lines().next().unwrap_or("");
    let is_string_literal = single_line.trim_start_matches(['r', 'R', 'b', 'B', 'u', 'U', 'f', 'F']).starts_with(['"', '\'']);
    let kept = match (is_string_literal, single_line.chars().count()) {
        (true, length) if length > 6 => 5,
        (false, length) if length > 24 || single_line.len() != text.len() => 12,
        _ => return single_line.to_owned(),
    };
    let prefix: String = single_line.chars().take(kept).collect();
    format!("{prefix}…")
}

/// Replaces `range` with `replacement` and adds `import` when the module lacks it.
fn template_fix(context: &Context<'_>, range: std::ops::Range<usize>, replacement: String, import: Option<&str>) -> Fix {
    let title = format!("Replace with `{}`", shorten_for_message(&replacement));
    let mut edits = vec![Edit { range, replacement }];
    let missing_import = import.filter(|import| !fixes::has_import_line(context.root, context.source, import));
    if let Some(import) = missing_import {
        edits.push(fixes::add_import(context.root, context.source, context.imports, import));
    }
    Fix { title, kind: FixKind::Rewrite, edits }
}
