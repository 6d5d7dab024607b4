//! `insecure-random`: the `random` module or numpy's generator producing a
//! security-sensitive value such as a token, password, code or salt.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "insecure-random",
    summary: "Predictable random numbers used for tokens, passwords or keys",
    documentation: DOCUMENTATION,
    topics: &["random", "randomness", "random numbers", "csprng"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// Every function it reports comes from `random` or `numpy.random`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["random"]);

const DOCUMENTATION: &str = r#"# insecure-random

## What it does

Reports calls to the `random` module (`choice`, `choices`, `randint`,
`randrange`, `getrandbits`, `random`, `randbytes`, `sample`, `shuffle`) and
to `numpy.random` when the result is security-sensitive: the enclosing
function or the variable it is assigned to is named for a token, password,
one-time code, salt, nonce, key, session id or similar. `random.SystemRandom`
is clean.

## Why it matters

`random` is a Mersenne Twister. After 624 outputs an observer can compute
every future and past value, so tokens and codes made with it can be
predicted.

## Example

```python
otp = random.randint(100000, 999999)
```

## Use instead

```python
otp = 100000 + secrets.randbelow(900000)
```

The fix replaces `random.choice` with `secrets.choice` and `random.randint`
with `secrets.randbelow` over the same range.

## Known problems

Sensitivity is guessed from names. A token built in a function named
`make_label` is missed, and a game in a function named `secret_level` is
reported.

## References

- CWE-330: Use of Insufficiently Random Values
- CWE-338: Use of Cryptographically Weak PRNG
- Bandit B311
- Ruff S311
"#;

/// Functions of `random` that draw from the shared Mersenne Twister.
const RANDOM_FUNCTIONS: &[&str] =
    &["choice", "choices", "randint", "randrange", "getrandbits", "random", "randbytes", "sample", "shuffle", "uniform"];

/// Word parts that mark a value as security-sensitive.
const SENSITIVE_WORDS: &[&str] = &[
    "token", "otp", "password", "passwd", "salt", "nonce", "key", "session", "secret", "code", "pin", "card", "reset",
    "csrf", "auth", "voucher", "coupon", "invite", "verification",
];

/// Name prefixes of counts and sizes, which are not secret even when they mention tokens.
const COUNT_PREFIXES: &[&str] = &["num_", "n_", "count", "max_", "min_"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let Some(callee) = context.callee(call) else {
        return;
    };
    let Some(method) = random_method(&callee) else {
        return;
    };
    let Some(purpose) = sensitive_name(context, call) else {
        return;
    };

    let message = format!(
        "insecure random: `{method}` from `random` is predictable but makes `{purpose}`; use the `secrets` module"
    );
    let fixes = secrets_fix(context, call, function, method).into_iter().collect();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes, related: Vec::new() });
}

/// Returns the method name when `callee` draws from `random` or `numpy.random`.
fn random_method(callee: &str) -> Option<&str> {
    if let Some(method) = callee.strip_prefix("random.") {
        return RANDOM_FUNCTIONS.contains(&method).then_some(method);
    }
    let method = callee.strip_prefix("numpy.random.")?;
    let seeded_generator = matches!(method, "default_rng" | "seed" | "RandomState" | "Generator" | "SeedSequence");
    (!seeded_generator && !method.contains('.')).then_some(method)
}

/// Returns the sensitive name of the enclosing function or assignment target, if any.
fn sensitive_name(context: &Context<'_>, call: Node<'_>) -> Option<String> {
    let statement = syntax::enclosing_statement(call);
    let assignment = statement.named_child(0).filter(|child| child.kind() == "assignment");
    let target = assignment.and_then(|assignment| assignment.child_by_field_id(fields().left)).map(|left| context.text(left).to_lowercase());
    if let Some(target) = target {
        let is_count = COUNT_PREFIXES.iter().any(|prefix| target.starts_with(prefix));
        if is_count {
            return None;
        }
        if is_sensitive(&target) {
            return Some(target);
        }
    }

    let function = syntax::enclosing_definition(call, "function_definition")?;
    let name = context.text(function.child_by_field_id(fields().name)?).to_lowercase();
    is_sensitive(&name).then_some(name)
}

fn is_sensitive(name: &str) -> bool {
    name.split('_').any(|word| SENSITIVE_WORDS.iter().any(|sensitive| word == *sensitive || word == format!("{sensitive}s")))
        || name.contains("session_id")
}

/// `random.choice(x)` -> `secrets.choice(x)`; `random.randint(a, b)` with
/// integer literals -> `secrets.randbelow(…)` over the same range.
fn secrets_fix(context: &Context<'_>, call: Node<'_>, function: Node<'_>, method: &str) -> Option<Fix> {
    let through_random_module = function.kind() == "attribute"
        && function.child_by_field_id(fields().object).is_some_and(|object| context.imports.binds(context.text(object), "random"));
    if !through_random_module {
        return None;
    }

    let mut edits = match method {
        "choice" => vec![Edit { range: function.byte_range(), replacement: "secrets.choice".to_owned() }],
        "randint" => vec![randbelow_edit(context, call)?],
        _ => return None,
    };
    edits.extend(super::import_edit(context, "secrets"));
    let title = match method {
        "choice" => "Use `secrets.choice`",
        _ => "Use `secrets.randbelow` over the same range",
    };
    Some(Fix { title: title.to_owned(), kind: FixKind::Rewrite, edits })
}

fn randbelow_edit(context: &Context<'_>, call: Node<'_>) -> Option<Edit> {
    let arguments = Arguments::of(call, context.source);
    let [low, high] = arguments.positional.as_slice() else {
        return None;
    };
    if arguments.all.len() != 2 {
        return None;
    }
    let low: i128 = integer_literal(context.text(*low))?;
    let high: i128 = integer_literal(context.text(*high))?;
    if high < low {
        return None;
    }

    let span = high - low + 1;
    let standalone = call.parent().is_some_and(|parent| {
        matches!(parent.kind(), "assignment" | "argument_list" | "return_statement" | "keyword_argument" | "expression_statement")
    });
    let replacement = match (low, standalone) {
        (0, _) => format!("secrets.randbelow({span})"),
        (_, true) => format!("{low} + secrets.randbelow({span})"),
        (_, false) => format!("({low} + secrets.randbelow({span}))"),
    };
    Some(Edit { range: call.byte_range(), replacement })
}

fn integer_literal(text: &str) -> Option<i128> {
    text.replace('_', "").parse().ok()
}
