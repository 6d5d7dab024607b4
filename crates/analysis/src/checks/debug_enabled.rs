//! `debug-enabled`: framework debug modes and interactive debuggers turned
//! on in code that can ship.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "debug-enabled",
    summary: "Framework debug mode or an interactive debugger enabled",
    documentation: DOCUMENTATION,
    topics: &["debug", "debug mode", "debugger", "deployment"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// Every debug switch it reports is named `debug`, `DEBUG`, `use_debugger` or `evalex`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["debug", "evalex"]);

const DOCUMENTATION: &str = r#"# debug-enabled

## What it does

Reports `debug=True` passed to a call that starts a server (`run`,
`run_server`, `run_simple`, except asyncio's) or builds an application
(`Flask`, `Quart`, `FastAPI`, `Starlette`, Tornado's `Application`, `Sanic`,
`Dash`), also through a variable assigned `True`; `use_debugger=True` and `use_evalex=True` passed to a `run`,
`run_server` or `run_simple` call (Flask, Dash, Werkzeug);
`evalex=True` on Werkzeug's `DebuggedApplication`; `bottle.debug(True)`;
`DEBUG=True` passed to `settings.configure`, `config.update` or
`config.from_mapping`;
`app.debug = True` (not `self.debug`) and `app.config["DEBUG"] = True`; and `DEBUG = True` in a
settings module (`settings.py`, `settings/*.py`, `*_settings.py`) or in a
class whose name contains `Production`.

## Why it matters

Debug modes show stack traces, configuration and source code to anyone who
triggers an error. Werkzeug's interactive debugger runs Python typed into
the browser, which is remote code execution for anyone who can reach it.

## Example

```python
app.run(host="0.0.0.0", port=8080, debug=True)
```

## Use instead

```python
app.run(host="0.0.0.0", port=8080, debug=os.environ.get("FLASK_DEBUG") == "1")
```

Or start development servers with `flask run --debug` and keep debug out of
the code. The fix removes `debug=True`.

## Known problems

`DEBUG = True` in a development configuration class is not reported, nor is
debug turned on through environment variables or configuration files.

Only configuration that can be deployed is reported. Test code (`tests/`,
`test/`, `test_*.py`, `*_test.py`, `tests.py`, `conftest.py`) is skipped, and
so are Django's `override_settings(DEBUG=True)` and `self.settings(DEBUG=True)`,
which change a setting for one test. `debug=True` passed to other calls, such
as Django's template `Engine(debug=True)`, is not reported.

## References

- CWE-489: Active Debug Code
- CWE-215: Insertion of Sensitive Information Into Debugging Code
- Bandit B201
- Ruff S201
"#;

/// Methods that start a development server.
const RUN_METHODS: &[&str] = &["run", "run_server", "run_simple"];

/// Keywords of [`RUN_METHODS`] that enable debugging when `True`.
const RUN_DEBUG_KEYWORDS: &[&str] = &["debug", "use_debugger", "use_evalex"];

/// Application classes whose `debug=True` turns on the framework's debug mode.
const APPLICATION_CLASSES: &[&str] = &["Flask", "Quart", "FastAPI", "Starlette", "Application", "Sanic", "Dash"];

/// Methods whose `DEBUG=True` writes the setting into an application's configuration.
const CONFIGURATION_METHODS: &[&str] = &["configure", "update", "from_mapping"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    if super::is_test_file(context.path) {
        return;
    }
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);
    let method = syntax::last_name(function, context.source).unwrap_or_default();

    // asyncio's debug mode only adds checks and logging; it exposes nothing.
    let is_asyncio = context.callee(call).is_some_and(|callee| callee.starts_with("asyncio."));
    let starts_application = RUN_METHODS.contains(&method) || constructs_application(context, call, method);
    if starts_application && !is_asyncio {
        report_true_keyword(context, &arguments, "debug", method, findings);
    }
    if RUN_METHODS.contains(&method) {
        for keyword in RUN_DEBUG_KEYWORDS.iter().filter(|keyword| **keyword != "debug") {
            report_true_keyword(context, &arguments, keyword, method, findings);
        }
    }
    if method == "DebuggedApplication" {
        report_true_keyword(context, &arguments, "evalex", method, findings);
    }
    // `override_settings(DEBUG=True)` and `self.settings(DEBUG=True)` change settings for one test only.
    if CONFIGURATION_METHODS.contains(&method) {
        report_true_keyword(context, &arguments, "DEBUG", method, findings);
    }

    let is_bottle_debug = context.callee(call).as_deref() == Some("bottle.debug");
    let turned_on = arguments.positional.first().is_none_or(|first| syntax::is_true(*first));
    if is_bottle_debug && turned_on {
        let message = "debug mode enabled: `bottle.debug(True)` shows tracebacks to clients; turn it off outside development".to_owned();
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: call.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
    }
}

/// `Flask(…)`, `FastAPI(…)`, `tornado.web.Application(…)`, also through an
/// alias (`from starlette.applications import Starlette as StarletteApp`).
fn constructs_application(context: &Context<'_>, call: Node<'_>, method: &str) -> bool {
    let callee = context.callee(call);
    let class_name = callee.as_deref().and_then(|callee| callee.rsplit('.').next()).unwrap_or(method);
    APPLICATION_CLASSES.contains(&class_name) || APPLICATION_CLASSES.contains(&method)
}

fn report_true_keyword(context: &Context<'_>, arguments: &Arguments<'_>, keyword: &str, method: &str, findings: &mut Vec<RawFinding>) {
    let Some((value, whole)) = arguments.keyword_argument(keyword) else {
        return;
    };
    if !syntax::is_true(context.values.assigned_value(value)) {
        return;
    }
    let message = format!(
        "debug mode enabled: `{keyword}=True` in `{method}` exposes tracebacks and possibly an interactive debugger; turn it off outside development"
    );
    let fix = Fix { title: format!("Remove `{keyword}=True`"), kind: FixKind::Rewrite, edits: vec![fixes::remove_argument(&arguments.all, whole)] };
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: whole.byte_range(), message, fixes: vec![fix], related: Vec::new() });
}

/// Reports `DEBUG = True` in settings modules and production classes,
/// `app.debug = True` and `app.config["DEBUG"] = True`.
pub(crate) fn check_assignment(context: &Context<'_>, assignment: Node<'_>, findings: &mut Vec<RawFinding>) {
    if super::is_test_file(context.path) {
        return;
    }
    let (Some(left), Some(right)) = (assignment.child_by_field_id(fields().left), assignment.child_by_field_id(fields().right)) else {
        return;
    };
    if !syntax::is_true(right) {
        return;
    }

    let reported = match left.kind() {
        "identifier" => context.text(left) == "DEBUG" && (in_production_class(context, assignment) || at_settings_module_level(context, assignment)),
        "attribute" => {
            // `self.debug = True` is usually a library's own flag, not a framework's debug mode.
            let on_self = left.child_by_field_id(fields().object).is_some_and(|object| matches!(context.text(object), "self" | "cls"));
            syntax::last_name(left, context.source) == Some("debug") && !on_self
        }
        "subscript" => {
            let key = left.child_by_field_id(fields().subscript).and_then(|key| syntax::literal_string(key, context.source));
            key.as_deref() == Some("DEBUG")
        }
        _ => false,
    };
    if !reported {
        return;
    }
    let message = "debug mode enabled: debug settings expose tracebacks and configuration; turn debug off outside development".to_owned();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: assignment.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}

fn in_production_class(context: &Context<'_>, assignment: Node<'_>) -> bool {
    let class = syntax::enclosing_definition(assignment, "class_definition");
    let name = class.and_then(|class| class.child_by_field_id(fields().name)).map(|name| context.text(name));
    name.is_some_and(|name| name.contains("Production") || name.contains("Prod"))
}

fn at_settings_module_level(context: &Context<'_>, assignment: Node<'_>) -> bool {
    let at_module_level = syntax::enclosing_statement(assignment).parent().is_some_and(|parent| parent.kind() == "module");
    at_module_level && is_settings_module(context.path)
}

/// `settings.py`, `settings/production.py`, `prod_settings.py` and the like.
fn is_settings_module(path: &std::path::Path) -> bool {
    let stem = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
    let in_settings_package = path
        .parent()
        .and_then(|parent| parent.file_name())
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == "settings");
    let named_settings = stem == "settings" || stem.ends_with("_settings") || stem.starts_with("settings_");
    named_settings || in_settings_package
}
