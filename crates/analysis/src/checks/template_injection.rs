//! `template-injection`: a server-side template engine given a non-constant
//! template source.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::CheckInfo;
use crate::semantic::ValueOrigin;
use crate::semantic::syntax::{self, Arguments};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "template-injection",
    summary: "Server-side templates built from non-constant text",
    documentation: DOCUMENTATION,
    topics: &["template", "templates", "template injection"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The template constructors and Jinja's `from_string`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["template", "from_string"]);

const DOCUMENTATION: &str = r#"# template-injection

## What it does

Reports `flask.render_template_string`, `jinja2.Template`,
`Environment.from_string` (in modules that import jinja2), `mako.template.Template` and
`django.template.Template` and `tornado.template.Template` when the template source is not a constant: an
f-string, a concatenation, `%` or `str.format`, a variable assigned from one,
a function parameter or request data. A constant template that receives
values as context variables is clean.

## Why it matters

Template languages can call methods and reach Python objects. Text that
becomes part of the template source is executed by the engine (server-side
template injection), which often leads to remote code execution; at the
least it bypasses autoescaping and allows cross-site scripting.

## Example

```python
return render_template_string("<h1>Hello " + name + "!</h1>")
```

## Use instead

```python
return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)
```

## Known problems

A template read from a trusted file is reported when its source is not a
literal; record an exception. A function that passes one of its own
parameters on as the template source (a wrapper such as Flask's
`render_template_string`) is not reported, and calls to such a wrapper are
not followed, so a non-constant template that reaches the engine through a
wrapper in the same project is missed. A route parameter is still reported. Templates from another module's constants are
not recognized as constant.

## References

- CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine
- CWE-94: Improper Control of Generation of Code
- Bandit B701, B702, B704
- Ruff S701, S702, S704
"#;

/// Functions and classes whose first argument is template source.
const TEMPLATE_CONSTRUCTORS: &[&str] = &[
    "flask.render_template_string",
    "flask.templating.render_template_string",
    "jinja2.Template",
    "jinja2.environment.Template",
    "mako.template.Template",
    "django.template.Template",
    "django.template.base.Template",
    "tornado.template.Template",
];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let callee = context.callee(call).unwrap_or_default();
    let is_constructor = TEMPLATE_CONSTRUCTORS.contains(&callee.as_str());
    // `from_string` is Jinja's `Environment.from_string` only in modules that
    // import jinja2, and never a class's own `cls.from_string` constructor.
    let receiver = function.child_by_field_id(fields().object).map(|object| context.text(object));
    let is_from_string = function.kind() == "attribute"
        && syntax::last_name(function, context.source) == Some("from_string")
        && context.imports.imports_module("jinja2")
        && !matches!(receiver, Some("self" | "cls"));
    if !is_constructor && !is_from_string {
        return;
    }

    let arguments = Arguments::of(call, context.source);
    let Some(source) = arguments.first_or_keyword("source").or_else(|| arguments.keyword("text")) else {
        return;
    };
    if context.values.is_constant(source) || forwards_trusted_parameter(context, source) {
        return;
    }

    let name = syntax::last_name(function, context.source).unwrap_or("the template engine");
    let message = format!(
        "possible template injection: `{name}` receives a non-constant template source; use a constant template and pass values as context variables"
    );
    let related = context.value_origin_related(source);
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: source.byte_range(), message, fixes: Vec::new(), related });
}

/// A wrapper that passes its own parameter on as the template source, such as
/// Flask's `render_template_string(source)` calling `from_string(source)`.
/// The wrapper's callers decide what the template is, so the wrapper itself
/// is not reported, unless the parameter is a route parameter (untrusted).
fn forwards_trusted_parameter(context: &Context<'_>, source: Node<'_>) -> bool {
    let source = syntax::unparenthesize(source);
    let is_parameter = source.kind() == "identifier" && matches!(context.values.origin(source), ValueOrigin::Parameter);
    is_parameter && context.values.untrusted_source(source).is_none()
}
