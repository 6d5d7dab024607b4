//! `request-without-timeout`: an HTTP client call that can wait forever.

use crate::semantic::syntax::fields;
use guardian_policy::{CheckOption, OptionKind, RuleValue, Severity};
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{CheckId, Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::semantic::ValueOrigin;
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "request-without-timeout",
    summary: "HTTP requests that can wait forever",
    documentation: DOCUMENTATION,
    topics: &["timeout", "timeouts", "http client timeouts"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// Only `requests` and `httpx` calls are reported.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["requests", "httpx"]);

/// The options a `check: request-without-timeout` rule accepts.
pub(crate) const OPTIONS: &[CheckOption] = &[CheckOption {
    name: TIMEOUT,
    description: "The timeout in seconds that the fix inserts; 30 when not set.",
    kind: OptionKind::PositiveNumber,
}];

const TIMEOUT: &str = "timeout";

const DOCUMENTATION: &str = r#"# request-without-timeout

## What it does

Reports `requests` calls (`get`, `post`, `put`, `patch`, `delete`, `head`,
`options`, `request`, also on a `requests.Session`) without a `timeout`
argument, and any `requests` or `httpx` call or client with `timeout=None`,
also when `None` comes through a local variable.

## Why it matters

`requests` waits forever by default. A slow or malicious server holds the
worker until the pool is exhausted and the service stops answering.

## Example

```python
rate = requests.get(f"{CURRENCY_API}/rates/{currency}").json()
```

## Use instead

```python
rate = requests.get(f"{CURRENCY_API}/rates/{currency}", timeout=10).json()
```

The fix adds `timeout=30` (seconds), or replaces `timeout=None` with it;
adjust the number to the service, or set it with the `timeout` option.

## Options

- `timeout` (a number of seconds greater than zero, default 30): the timeout
  that the fix inserts. It changes only the fix: a call with any timeout
  other than `None` is not reported.

```guardian
check: request-without-timeout
options:
  timeout: 10
```

## Known problems

A session whose adapter sets a default timeout is still reported when the
call has none. `urllib.request.urlopen` without a timeout is not reported.
httpx calls without `timeout` are clean because httpx has a 5 second default.
Test code (`tests/`, `test/`, `test_*.py`, `*_test.py`, `tests.py`,
`conftest.py`) is not checked: a missing timeout there stalls a test run,
not a service, and tests usually talk to a local test server.

## References

- CWE-400: Uncontrolled Resource Consumption
- CWE-1088: Synchronous Access of Remote Resource without Timeout
- Bandit B113
- Ruff S113
"#;

/// The timeout the fix inserts, in seconds, when the policy sets none.
const DEFAULT_TIMEOUT_SECONDS: u32 = 30;

/// `requests` functions and session methods that send a request.
const REQUEST_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options", "request"];

/// httpx functions and clients whose `timeout=None` disables the default.
const HTTPX_CALLS: &[&str] =
    &["get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "Client", "AsyncClient"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    // A test that hangs fails the test run; it starves no deployed service.
    if super::is_test_file(context.path) {
        return;
    }
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let Some(client) = client_of(context, call, function) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);
    let has_keyword_splat = arguments.all.iter().any(|argument| argument.kind() == "dictionary_splat");

    match arguments.keyword_argument("timeout") {
        Some((value, _)) => {
            if context.values.assigned_value(value).kind() != "none" {
                return;
            }
            let message = format!("request without timeout: `timeout=None` lets this {client} call wait forever; set a timeout in seconds");
            let seconds = timeout_seconds(context);
            let fix = Fix {
                title: format!("Set `timeout={seconds}` (seconds)"),
                kind: FixKind::Rewrite,
                edits: vec![Edit { range: value.byte_range(), replacement: seconds }],
            };
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: value.byte_range(), message, fixes: vec![fix], related: Vec::new() });
        }
        None => {
            if client != Client::Requests || has_keyword_splat {
                return;
            }
            let message = "request without timeout: `requests` waits forever by default; pass `timeout=` in seconds".to_owned();
            let fixes = add_timeout_fix(call, &timeout_seconds(context)).into_iter().collect();
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes, related: Vec::new() });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Requests,
    Httpx,
}

impl std::fmt::Display for Client {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Client::Requests => "requests",
            Client::Httpx => "httpx",
        })
    }
}

/// Returns which client library sends this call, if it is a request.
fn client_of(context: &Context<'_>, call: Node<'_>, function: Node<'_>) -> Option<Client> {
    if shadowed_root(context, function) {
        return None;
    }
    if let Some(callee) = context.callee(call) {
        if let Some(method) = callee.strip_prefix("requests.") {
            return REQUEST_METHODS.contains(&method).then_some(Client::Requests);
        }
        if let Some(method) = callee.strip_prefix("httpx.") {
            return HTTPX_CALLS.contains(&method).then_some(Client::Httpx);
        }
    }

    if function.kind() != "attribute" {
        return None;
    }
    let method = syntax::last_name(function, context.source)?;
    if !REQUEST_METHODS.contains(&method) {
        return None;
    }
    let object = function.child_by_field_id(fields().object)?;
    is_requests_session(context, object).then_some(Client::Requests)
}

/// Returns whether the root name of the callee is a local variable or
/// parameter, such as a dictionary called `requests`, rather than the import.
fn shadowed_root(context: &Context<'_>, function: Node<'_>) -> bool {
    if !context.imports.is_imported_root(function, context.source) {
        return false;
    }
    let mut root = syntax::unparenthesize(function);
    while root.kind() == "attribute" {
        let Some(object) = root.child_by_field_id(fields().object) else {
            return false;
        };
        root = syntax::unparenthesize(object);
    }
    root.kind() == "identifier" && matches!(context.values.origin(root), ValueOrigin::Local { .. } | ValueOrigin::Parameter)
}

/// `requests.Session()`, a variable assigned one, or the target of `with requests.Session() as s`.
fn is_requests_session(context: &Context<'_>, object: Node<'_>) -> bool {
    let object = syntax::unparenthesize(object);
    if object.kind() == "identifier" {
        if let Some(value) = with_binding(context, object) {
            return is_session_constructor(context, value);
        }
    }
    is_session_constructor(context, context.values.assigned_value(object))
}

fn is_session_constructor(context: &Context<'_>, value: Node<'_>) -> bool {
    value.kind() == "call"
        && context.callee(value).is_some_and(|callee| matches!(callee.as_str(), "requests.Session" | "requests.session" | "requests.sessions.Session"))
}

/// Returns the value bound to `identifier` by an enclosing `with … as identifier`.
fn with_binding<'tree>(context: &Context<'_>, identifier: Node<'tree>) -> Option<Node<'tree>> {
    let name = context.text(identifier);
    let mut current = identifier.parent();
    while let Some(node) = current {
        if node.kind() == "with_statement" {
            let mut found = None;
            syntax::walk(node, |inner| match inner.kind() {
                "block" => syntax::Walk::SkipChildren,
                "as_pattern" => {
                    let alias = inner.child_by_field_id(fields().alias).map(|alias| context.text(alias).trim());
                    if alias == Some(name) {
                        found = inner.named_child(0);
                    }
                    syntax::Walk::SkipChildren
                }
                _ => syntax::Walk::Descend,
            });
            if found.is_some() {
                return found;
            }
        }
        if node.kind() == "function_definition" {
            return None;
        }
        current = node.parent();
    }
    None
}

/// Returns the timeout the fix inserts: the policy's `timeout` option, else 30.
fn timeout_seconds(context: &Context<'_>) -> String {
    match context.settings.option(CheckId::RequestWithoutTimeout, TIMEOUT) {
        Some(seconds @ (RuleValue::Integer(_) | RuleValue::Float(_))) => seconds.to_string(),
        _ => DEFAULT_TIMEOUT_SECONDS.to_string(),
    }
}

/// Inserts `timeout=<seconds>` before the closing parenthesis of the call.
fn add_timeout_fix(call: Node<'_>, seconds: &str) -> Option<Fix> {
    let list = call.child_by_field_id(fields().arguments).filter(|list| list.kind() == "argument_list")?;
    let close = list.child(list.child_count().checked_sub(1)?).filter(|close| close.kind() == ")")?;

    let mut cursor = list.walk();
    let arguments: Vec<Node<'_>> = list.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect();
    let edit = match arguments.last() {
        None => Edit { range: close.start_byte()..close.start_byte(), replacement: format!("timeout={seconds}") },
        Some(last) => {
            let mut comma_cursor = list.walk();
            let trailing_comma = list.children(&mut comma_cursor).find(|child| child.kind() == "," && child.start_byte() >= last.end_byte());
            match trailing_comma {
                Some(comma) => Edit { range: comma.end_byte()..comma.end_byte(), replacement: format!(" timeout={seconds},") },
                None => Edit { range: last.end_byte()..last.end_byte(), replacement: format!(", timeout={seconds}") },
            }
        }
    };
    Some(Fix { title: format!("Add `timeout={seconds}` (seconds)"), kind: FixKind::Rewrite, edits: vec![edit] })
}
