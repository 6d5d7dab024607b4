//! `ssrf`: an outbound request whose URL comes from untrusted input.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "ssrf",
    summary: "Outbound requests to URLs from untrusted input",
    documentation: DOCUMENTATION,
    topics: &["ssrf", "server-side request forgery", "outbound requests", "url fetching"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// An HTTP client or URL opener together with an untrusted source ([`super::UNTRUSTED_SOURCE_WORDS`]).
pub(crate) const TRIGGER: Trigger = Trigger::All(&[&["requests", "httpx", "urllib", "aiohttp"], super::UNTRUSTED_SOURCE_WORDS]);

const DOCUMENTATION: &str = r#"# ssrf

## What it does

Reports HTTP requests whose URL carries untrusted data: `requests`,
`httpx`, `urllib.request.urlopen` and `Request`, `urllib3` pools and
`requests` or `httpx` sessions and clients. Untrusted data is request data,
string route parameters and the other sources of Guardian's data flow, also
through local variables, f-strings, `%`, `.format` and concatenation. The
finding points at where the data entered the function.

## Why it matters

The server sends the request from inside the network. An attacker picks the
target: cloud metadata endpoints such as `169.254.169.254`, admin interfaces
bound to localhost, or internal services behind the firewall.

## Example

```python
resp = requests.get(request.args["url"], timeout=5)
```

## Use instead

```python
host = urlparse(url).hostname
if host not in ALLOWED_HOSTS:
    abort(400)
resp = requests.get(url, timeout=5)
```

Check the host against an allowlist, or pick the URL from a fixed table by
a key.

## Known problems

A query parameter built from untrusted data (`params={"q": query}`) is
clean. Data flow ends at the function boundary, except for helpers in the
same file that return request data.

## References

- CWE-918: Server-Side Request Forgery (SSRF)
- Bandit B310 (urlopen only)
- Ruff S310 (urlopen only)
"#;

/// Module prefixes whose functions send requests.
const CLIENT_MODULES: &[&str] = &["requests.", "httpx.", "urllib3.", "aiohttp."];

/// Standard library functions that open a URL.
const URL_OPENERS: &[&str] = &["urllib.request.urlopen", "urllib.request.Request", "urllib.request.urlretrieve", "urllib2.urlopen"];

/// Methods that send a request on a session, client or pool.
const REQUEST_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "urlopen"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let Some(method) = sending_method(context, call, function) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);
    let method_first = method == "request" || (method == "urlopen" && !context.callee(call).is_some_and(|callee| URL_OPENERS.contains(&callee.as_str())));
    let url_position = usize::from(method_first);
    let url = arguments.keyword("url").or_else(|| arguments.positional.get(url_position).copied());
    let Some(url) = url else {
        return;
    };
    let Some(source) = context.values.untrusted_source(url) else {
        return;
    };

    let message = format!("possible SSRF: the URL of this request is built from untrusted data; check the host against an allowlist before calling `{method}`");
    let related = super::taint_related(Some(&source));
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: url.byte_range(), message, fixes: Vec::new(), related });
}

/// Returns the method name when the call sends an HTTP request.
fn sending_method<'a>(context: &Context<'a>, call: Node<'_>, function: Node<'_>) -> Option<&'a str> {
    let method = syntax::last_name(function, context.source)?;
    if let Some(callee) = context.callee(call) {
        let is_client_function = CLIENT_MODULES.iter().any(|module| callee.starts_with(module))
            && REQUEST_METHODS.contains(&callee.rsplit('.').next().unwrap_or_default());
        if is_client_function || URL_OPENERS.contains(&callee.as_str()) {
            return Some(method);
        }
    }

    if function.kind() != "attribute" || !REQUEST_METHODS.contains(&method) {
        return None;
    }
    let object = context.values.assigned_value(function.child_by_field_id(fields().object)?);
    let made_by_client = object.kind() == "call"
        && context.callee(object).is_some_and(|callee| CLIENT_MODULES.iter().any(|module| callee.starts_with(module)));
    made_by_client.then_some(method)
}
