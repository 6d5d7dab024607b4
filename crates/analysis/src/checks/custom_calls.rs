//! Custom `calls:` rules: a call whose callee, resolved through imports and
//! aliases, is one of the rule's qualified names and, when the rule lists
//! `arguments:`, passes every listed keyword argument with the listed literal
//! value.

use crate::semantic::syntax::fields;
use tree_sitter::Node;

use super::{CallsRule, Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::Arguments;
use crate::{Edit, Fix, FixKind};

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(callee) = context.callee(call) else {
        return;
    };
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);

    for rule in &context.settings.calls_rules {
        if !rule.names.contains(&callee) {
            continue;
        }
        let Some(reported) = matched_range(context, rule, function, &arguments) else {
            continue;
        };

        let message = rule.message.clone().unwrap_or_else(|| default_message(rule, &callee));
        let fixes = rule
            .fix
            .as_ref()
            .map(|template| callee_fix(context, function, template))
            .into_iter()
            .collect();
        findings.push(RawFinding {
            rule: rule.id.clone(),
            range: reported,
            message,
            fixes,
            related: Vec::new(),
        });
    }
}

/// Returns the range to report when the call matches the rule's `arguments:`:
/// the callee without matchers, else the first matched keyword argument.
fn matched_range(
    context: &Context<'_>,
    rule: &CallsRule,
    function: Node<'_>,
    arguments: &Arguments<'_>,
) -> Option<std::ops::Range<usize>> {
    let mut first_argument = None;
    for matcher in &rule.arguments {
        let (value, whole) = arguments.keyword_argument(&matcher.keyword)?;
        if !matcher.value.matches_python_literal(context.text(value)) {
            return None;
        }
        first_argument.get_or_insert(whole.byte_range());
    }
    Some(first_argument.unwrap_or_else(|| function.byte_range()))
}

fn default_message(rule: &CallsRule, callee: &str) -> String {
    if rule.arguments.is_empty() {
        return format!("call to `{callee}`, which the policy restricts; use the approved alternative or record an exception");
    }
    let written: Vec<String> =
        rule.arguments.iter().map(|matcher| format!("{}={}", matcher.keyword, matcher.value)).collect();
    format!(
        "call to `{callee}` with {}, which the policy restricts; change the argument or record an exception",
        written.join(", ")
    )
}

/// Replaces the callee with the template's text and adds its import when missing.
fn callee_fix(context: &Context<'_>, function: Node<'_>, template: &guardian_policy::FixTemplate) -> Fix {
    let mut edits = vec![Edit { range: function.byte_range(), replacement: template.replace.clone() }];
    let missing_import = template
        .import
        .as_ref()
        .filter(|import| !fixes::has_import_line(context.root, context.source, import));
    if let Some(import) = missing_import {
        edits.push(fixes::add_import(context.root, context.source, context.imports, import));
    }
    Fix { title: format!("Replace with `{}`", template.replace), kind: FixKind::Rewrite, edits }
}
