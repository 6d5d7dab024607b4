//! `tls-verification-disabled`: TLS clients that skip certificate or
//! hostname verification.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "tls-verification-disabled",
    summary: "TLS certificate or hostname verification turned off",
    documentation: DOCUMENTATION,
    topics: &["transport security", "tls", "https", "certificate", "certificates"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// `verify=`, `ssl=`, `check_hostname`, `CERT_NONE`, unverified contexts and curl's `SSL_VERIFY*`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["verify", "ssl", "check_hostname", "cert_none"]);

const DOCUMENTATION: &str = r#"# tls-verification-disabled

## What it does

Reports `verify=False` on any call (requests, httpx and similar clients),
also through a variable or module constant that is `False`,
`cert_reqs="CERT_NONE"` (urllib3),
`ssl=False` and `verify_ssl=False` (aiohttp), `session.verify = False`,
`ssl._create_unverified_context()`, `check_hostname = False`,
`ssl.CERT_NONE`, and pycurl's `SSL_VERIFYPEER`/`SSL_VERIFYHOST` set to 0.

## Why it matters

Without certificate verification, anyone on the network path can present
their own certificate, read the traffic and change it, including the
credentials it carries. TLS without verification protects against passive
eavesdropping only.

## Example

```python
requests.post(PAYMENT_GATEWAY, json=order, verify=False)
```

## Use instead

```python
requests.post(PAYMENT_GATEWAY, json=order)
```

For a private certificate authority, pass its bundle:
`verify="/etc/ssl/certs/internal-ca.pem"`. The fix removes `verify=False`.

## Known problems

`verify=False` is reported on any call, including ones unrelated to TLS,
except JWT decoding and Simple JWT tokens, which `jwt-verification-disabled`
reports.

## References

- CWE-295: Improper Certificate Validation
- Bandit B501, B323
- Ruff S501, S323
"#;

/// Keywords that turn verification off when set to `False`.
const DISABLING_KEYWORDS: &[&str] = &["verify", "ssl", "verify_ssl"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let arguments = Arguments::of(call, context.source);
    let is_token_call = super::jwt_verification_disabled::is_token_call(context, call);
    for keyword in DISABLING_KEYWORDS {
        let Some((value, whole)) = arguments.keyword_argument(keyword) else {
            continue;
        };
        if is_token_call && *keyword == "verify" {
            continue;
        }
        if !syntax::is_false(context.values.assigned_value(value)) {
            continue;
        }
        let message = format!("TLS verification disabled: `{keyword}=False` accepts any certificate; remove it, or pass the CA bundle to trust");
        let fix = Fix {
            title: format!("Remove `{keyword}=False`"),
            kind: FixKind::Rewrite,
            edits: vec![fixes::remove_argument(&arguments.all, whole)],
        };
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: whole.byte_range(), message, fixes: vec![fix], related: Vec::new() });
    }

    let certificate_requirement = arguments.keyword_argument("cert_reqs");
    if let Some((value, whole)) = certificate_requirement {
        let no_certificate = syntax::literal_string(value, context.source).is_some_and(|value| value == "CERT_NONE");
        if no_certificate {
            let message = "TLS verification disabled: `cert_reqs=\"CERT_NONE\"` accepts any certificate; use `CERT_REQUIRED`".to_owned();
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: whole.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
        }
    }

    check_unverified_context_call(context, call, findings);
    check_curl_option(context, call, &arguments, findings);
}

/// `from ssl import _create_unverified_context; _create_unverified_context()`.
fn check_unverified_context_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function).filter(|function| function.kind() == "identifier") else {
        return;
    };
    if context.callee(call).as_deref() == Some("ssl._create_unverified_context") {
        findings.push(unverified_context_finding(function));
    }
}

fn check_curl_option(context: &Context<'_>, call: Node<'_>, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    if syntax::last_name(function, context.source) != Some("setopt") {
        return;
    }
    let [option, value, ..] = arguments.positional.as_slice() else {
        return;
    };
    let option_name = syntax::last_name(*option, context.source);
    let is_verify_option = matches!(option_name, Some("SSL_VERIFYPEER" | "SSL_VERIFYHOST"));
    let turned_off = syntax::is_false(*value) || context.text(*value) == "0";
    if is_verify_option && turned_off {
        let message = "TLS verification disabled: this curl option turns off certificate checks; leave it at its default".to_owned();
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: call.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
    }
}

/// `context.check_hostname = False` and `session.verify = False`.
pub(crate) fn check_assignment(context: &Context<'_>, assignment: Node<'_>, findings: &mut Vec<RawFinding>) {
    let (Some(left), Some(right)) = (assignment.child_by_field_id(fields().left), assignment.child_by_field_id(fields().right)) else {
        return;
    };
    if left.kind() != "attribute" || !syntax::is_false(right) {
        return;
    }
    let message = match syntax::last_name(left, context.source) {
        Some("check_hostname") => "TLS verification disabled: `check_hostname = False` accepts certificates for any host; leave hostname checks on",
        Some("verify") => "TLS verification disabled: `verify = False` accepts any certificate; remove it, or set it to the CA bundle to trust",
        _ => return,
    };
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: assignment.byte_range(), message: message.to_owned(), fixes: Vec::new(), related: Vec::new() });
}

/// `ssl.CERT_NONE` and `ssl._create_unverified_context`, wherever they appear.
pub(crate) fn check_attribute(context: &Context<'_>, attribute: Node<'_>, findings: &mut Vec<RawFinding>) {
    match context.imports.resolve(attribute, context.source).as_deref() {
        Some("ssl.CERT_NONE") => {
            let message = "TLS verification disabled: `ssl.CERT_NONE` accepts any certificate; use `ssl.CERT_REQUIRED`".to_owned();
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: attribute.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
        }
        Some("ssl._create_unverified_context") => findings.push(unverified_context_finding(attribute)),
        _ => {}
    }
}

fn unverified_context_finding(node: Node<'_>) -> RawFinding {
    RawFinding {
        rule: INFO.name.to_owned(),
        range: node.byte_range(),
        message: "TLS verification disabled: an unverified SSL context accepts any certificate; use `ssl.create_default_context()`".to_owned(),
        fixes: Vec::new(),
        related: Vec::new(),
    }
}
