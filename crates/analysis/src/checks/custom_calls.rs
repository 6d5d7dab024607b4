//! Custom `calls:` rules: a call whose callee, resolved through imports and
//! aliases, is one of the rule's qualified names.

use tree_sitter::Node;

use super::{Context, RawFinding};

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(callee) = context.callee(call) else {
        return;
    };
    let Some(function) = call.child_by_field_name("function") else {
        return;
    };

    for rule in &context.settings.calls_rules {
        if !rule.names.contains(&callee) {
            continue;
        }
        findings.push(RawFinding {
            rule: rule.id.clone(),
            range: function.byte_range(),
            message: format!("call to `{callee}`, which the policy restricts; use the approved alternative or record an exception"),
            fixes: Vec::new(),
            related: Vec::new(),
        });
    }
}
