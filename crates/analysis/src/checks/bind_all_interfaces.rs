//! `bind-all-interfaces`: a server or socket listening on every interface.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "bind-all-interfaces",
    summary: "Servers and sockets listening on every network interface",
    documentation: DOCUMENTATION,
    topics: &["bind", "network interfaces", "listening", "all interfaces", "network exposure"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// An all-interfaces address (the empty host and `tcp://*:5555` included)
/// together with a listening call or a `host` argument.
pub(crate) const TRIGGER: Trigger = Trigger::All(&[
    &["0.0.0.0", "::", "0:0:0", "*", "\"\"", "''"],
    &["run", "serve", "bind", "listen", "server", "add_insecure_port", "add_secure_port", "host"],
]);

const DOCUMENTATION: &str = r#"# bind-all-interfaces

## What it does

Reports an all-interfaces address (`0.0.0.0`, `::`, `""` in an address
tuple, `[::]:port`, `tcp://*:port`) given as `host=` to any call (such as
`uvicorn.Config`), or as an address to a call that listens: `run`,
`run_app`, `serve`, `bind`, `listen`, `start_server`, `create_server`,
`add_insecure_port`, `add_secure_port` and server classes such as
`HTTPServer` or `socketserver.TCPServer`. The address may pass through a
local variable or a module constant.

## Why it matters

A service meant for the local machine or a private network becomes
reachable from every network the host is attached to, including ones that
skip the firewall in front of the intended interface.

## Example

```python
app.run(host="0.0.0.0", port=5000)
```

## Use instead

```python
app.run(host=os.environ.get("BIND_HOST", "127.0.0.1"), port=5000)
```

Bind to loopback or to one configured address.

## Known problems

Containers often need `0.0.0.0`; record an exception there. Addresses built
at run time are not evaluated.

## References

- CWE-1327: Binding to an Unrestricted IP Address
- Bandit B104
- Ruff S104
"#;

/// Callee names (the last part) that listen on the address they are given.
const LISTENING_CALLS: &[&str] = &[
    "run",
    "run_app",
    "serve",
    "bind",
    "listen",
    "start_server",
    "create_server",
    "add_insecure_port",
    "add_secure_port",
    "make_server",
    "run_simple",
];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let resolved = context.callee(call);
    let name = resolved.as_deref().and_then(|name| name.rsplit('.').next()).or_else(|| syntax::last_name(function, context.source));
    let Some(name) = name else {
        return;
    };
    let listens = LISTENING_CALLS.contains(&name) || name.ends_with("Server");
    let arguments = Arguments::of(call, context.source);
    let positional = if listens { arguments.positional.iter().copied().take(2).collect() } else { Vec::new() };
    let candidates = arguments.keyword("host").into_iter().chain(positional);
    for argument in candidates {
        if let Some(address) = all_interfaces_address(context, argument) {
            let message = format!("listening on all interfaces: `{address}` exposes the service on every network; bind to `127.0.0.1` or a configured address");
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: argument.byte_range(), message, fixes: Vec::new(), related: context.value_origin_related(argument) });
            return;
        }
    }
}

/// Returns the address text when `argument` is, or names, an all-interfaces address.
fn all_interfaces_address(context: &Context<'_>, argument: Node<'_>) -> Option<String> {
    let value = context.values.assigned_value(argument);
    if value.kind() == "tuple" {
        let host = value.named_child(0)?;
        let host = syntax::literal_string(context.values.assigned_value(host), context.source)?;
        let any = host.is_empty() || is_any_host(&host);
        return any.then(|| if host.is_empty() { "\"\"".to_owned() } else { host });
    }

    let address = syntax::literal_string(value, context.source)?;
    let host = address.strip_prefix("tcp://").or_else(|| address.strip_prefix("udp://")).unwrap_or(&address);
    let host = match host.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.is_empty() && port.chars().all(|character| character.is_ascii_digit()) => host,
        _ => host,
    };
    is_any_host(host).then_some(address)
}

fn is_any_host(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::" | "[::]" | "*" | "0:0:0:0:0:0:0:0")
}
