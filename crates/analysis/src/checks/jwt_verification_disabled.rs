//! `jwt-verification-disabled`: a JWT decoded without checking its signature,
//! or with the `none` algorithm allowed.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "jwt-verification-disabled",
    summary: "JWTs decoded without verifying the signature",
    documentation: DOCUMENTATION,
    topics: &["jwt", "json web token", "json web tokens", "token verification", "signature verification"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The JWT libraries' names and SimpleJWT's token classes.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["jwt", "jose", "jws", "token"]);

const DOCUMENTATION: &str = r#"# jwt-verification-disabled

## What it does

Reports PyJWT and python-jose `decode` and `decode_complete` calls with
`options={"verify_signature": …}` set to anything but `True` (also through a
local variable), with `verify=False`, or with `"none"` among `algorithms`;
and Simple JWT tokens (`AccessToken`, `RefreshToken`, `UntypedToken`)
built with `verify=False`.

## Why it matters

Without signature verification anyone can write a token with any claims,
such as another user's id or an admin role, and the service trusts it.

## Example

```python
claims = jwt.decode(token, options={"verify_signature": False})
```

## Use instead

```python
claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE)
```

Read the header before verification with `jwt.get_unverified_header` when
you need the key id.

## Known problems

Options built by a helper function are not followed. `verify_exp: False`
is not reported.

## References

- CWE-347: Improper Verification of Cryptographic Signature
- Bandit has no rule for this
- Ruff has no rule for this
"#;

/// Simple JWT token classes, which verify the signature in their constructor unless given `verify=False`.
const SIMPLE_JWT_TOKENS: &[&str] = &["AccessToken", "RefreshToken", "UntypedToken", "SlidingToken"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let method = syntax::last_name(function, context.source);
    let arguments = Arguments::of(call, context.source);

    if method.is_some_and(|method| SIMPLE_JWT_TOKENS.contains(&method)) {
        if let Some((value, keyword)) = arguments.keyword_argument("verify") {
            if syntax::is_false(context.values.assigned_value(value)) {
                report(findings, keyword, "`verify=False` accepts tokens with any signature");
            }
        }
        return;
    }
    if !is_jwt_decode(context, call, function, method) {
        return;
    }

    if let Some((value, keyword)) = arguments.keyword_argument("options") {
        check_options(context, value, keyword, findings);
    }
    if let Some((value, keyword)) = arguments.keyword_argument("verify") {
        if syntax::is_false(context.values.assigned_value(value)) {
            report(findings, keyword, "`verify=False` accepts tokens with any signature");
        }
    }
    if let Some(algorithms) = arguments.keyword("algorithms") {
        check_algorithms(context, algorithms, findings);
    }
}

fn is_jwt_decode(context: &Context<'_>, call: Node<'_>, function: Node<'_>, method: Option<&str>) -> bool {
    let callee = context.callee(call);
    let named = callee.as_deref().unwrap_or_else(|| context.text(function));
    let resolved_method = callee.as_deref().and_then(|callee| callee.rsplit('.').next()).or(method);
    if !matches!(resolved_method, Some("decode" | "decode_complete")) {
        return false;
    }
    named.split(['.', '(', ')']).any(|part| matches!(part, "jwt" | "jose" | "PyJWT" | "api_jwt" | "jws"))
}

/// `options={"verify_signature": False}` directly or through a variable.
fn check_options(context: &Context<'_>, value: Node<'_>, keyword: Node<'_>, findings: &mut Vec<RawFinding>) {
    let dictionary = context.values.assigned_value(value);
    if dictionary.kind() != "dictionary" {
        return;
    }
    let mut cursor = dictionary.walk();
    let pairs: Vec<Node<'_>> = dictionary.named_children(&mut cursor).filter(|child| child.kind() == "pair").collect();
    for pair in pairs {
        let key = pair.child_by_field_id(fields().key).and_then(|key| syntax::literal_string(key, context.source));
        if key.as_deref() != Some("verify_signature") {
            continue;
        }
        let Some(setting) = pair.child_by_field_id(fields().value) else {
            continue;
        };
        if syntax::is_true(context.values.assigned_value(setting)) {
            continue;
        }
        let written_here = dictionary.id() == syntax::unparenthesize(value).id();
        let location = if written_here { pair } else { keyword };
        report(findings, location, "`verify_signature` is not `True`, so any signature is accepted");
    }
}

/// `algorithms=["HS256", "none"]`: the `none` algorithm needs no signature.
fn check_algorithms(context: &Context<'_>, algorithms: Node<'_>, findings: &mut Vec<RawFinding>) {
    let list = context.values.assigned_value(algorithms);
    if !matches!(list.kind(), "list" | "tuple" | "set") {
        return;
    }
    let mut cursor = list.walk();
    let items: Vec<Node<'_>> = list.named_children(&mut cursor).collect();
    for item in items {
        let is_none = syntax::literal_string(item, context.source).is_some_and(|name| name.eq_ignore_ascii_case("none"));
        if is_none {
            report(findings, item, "the `none` algorithm accepts unsigned tokens");
        }
    }
}

/// Returns whether `verify=` on this call is about a JWT signature rather than TLS.
pub(crate) fn is_token_call(context: &Context<'_>, call: Node<'_>) -> bool {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return false;
    };
    let method = syntax::last_name(function, context.source);
    method.is_some_and(|method| SIMPLE_JWT_TOKENS.contains(&method)) || is_jwt_decode(context, call, function, method)
}

fn report(findings: &mut Vec<RawFinding>, location: Node<'_>, reason: &str) {
    let message = format!("JWT signature not verified: {reason}; pass the key and `algorithms` and keep verification on");
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: location.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}
