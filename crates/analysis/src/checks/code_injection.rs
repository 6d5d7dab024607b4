//! `code-injection`: non-constant text run as Python (`eval`, `exec`, an
//! interactive interpreter's `runsource`).

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "code-injection",
    summary: "Non-constant text run as Python code",
    documentation: DOCUMENTATION,
    topics: &["code injection", "eval", "exec", "dynamic code"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// `eval`, `exec` and the interactive interpreter's methods.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["eval", "exec", "runsource", "runcode"]);

const DOCUMENTATION: &str = r#"# code-injection

## What it does

Reports `eval` and `exec` (also through `builtins` under any alias) whose
code argument is not a constant string, and `runsource`/`runcode` on an
interpreter from the `code` module. Code built only from literals and
module constants is clean. When untrusted data reaches the code, the finding
points at where it entered the function.

## Why it matters

`eval` and `exec` run whatever Python they are given with the privileges of
the service. Restricting `__builtins__` does not make it safe: object
introspection reaches `os` and `subprocess` again.

## Example

```python
result = eval(request.args["expr"])
```

## Use instead

```python
value = ast.literal_eval(request.args["value"])
```

Parse data with `ast.literal_eval` or `json.loads`, and map operator names
to functions with a dictionary instead of building code.

## Known problems

A non-constant argument is reported even when it comes from a trusted file.
`compile` alone is not reported, only the `exec` or `eval` that runs it.

## References

- CWE-94: Improper Control of Generation of Code ('Code Injection')
- CWE-95: Eval Injection
- Bandit B307, B102
- Ruff S307, S102
"#;

/// Callees that run their first argument as Python code.
const CODE_RUNNERS: &[&str] = &["eval", "exec", "builtins.eval", "builtins.exec", "__builtins__.eval", "__builtins__.exec"];

/// Interpreter methods of the `code` module that run source text.
const INTERPRETER_METHODS: &[&str] = &["runsource", "runcode"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    if !runs_code(context, call, function) {
        return;
    }
    let arguments = Arguments::of(call, context.source);
    let Some(code) = arguments.first_or_keyword("source").or_else(|| arguments.keyword("expression")) else {
        return;
    };
    if context.values.is_constant(code) {
        return;
    }

    let name = syntax::last_name(function, context.source).unwrap_or("eval");
    let untrusted = context.values.untrusted_source(code);
    let message = match &untrusted {
        Some(_) => format!("code injection: untrusted data reaches `{name}`; parse data with `ast.literal_eval` or `json.loads` instead"),
        None => format!("possible code injection: `{name}` runs a non-constant string; parse data with `ast.literal_eval` or `json.loads` instead"),
    };
    let mut related = super::taint_related(untrusted.as_ref());
    if related.is_empty() {
        related = context.value_origin_related(code);
    }
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes: Vec::new(), related });
}

fn runs_code(context: &Context<'_>, call: Node<'_>, function: Node<'_>) -> bool {
    if let Some(callee) = context.callee(call) {
        if CODE_RUNNERS.contains(&callee.as_str()) {
            return true;
        }
    }
    let method = (function.kind() == "attribute").then(|| syntax::last_name(function, context.source)).flatten();
    method.is_some_and(|method| INTERPRETER_METHODS.contains(&method)) && context.imports.imports_module("code")
}
