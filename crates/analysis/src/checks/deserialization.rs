//! `deserialization`: deserializers that can build arbitrary objects.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "deserialization",
    summary: "Deserializers that can create arbitrary objects",
    documentation: DOCUMENTATION,
    topics: &["deserialization", "serialization", "pickle"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The pickle family, `dill`, `joblib`, `marshal`, `shelve`, YAML, and the
/// `weights_only` and `allow_pickle` switches of PyTorch and NumPy.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["pickle", "dill", "joblib", "marshal", "shelve", "yaml", "weights_only"]);

const DOCUMENTATION: &str = r#"# deserialization

## What it does

Reports `pickle.load`/`loads`/`Unpickler` (and `cPickle`, `_pickle`,
`cloudpickle`, `dill`), `marshal.load`/`loads`, `shelve.open`,
`jsonpickle.decode`, `pandas.read_pickle`, `joblib.load`, `yaml.unsafe_load`,
`yaml.load` and `yaml.load_all` without a safe loader (no `Loader`, or
`Loader=yaml.Loader`, `UnsafeLoader` or `CLoader`), `torch.load` with
`weights_only=False`, and `numpy.load` with `allow_pickle=True`.

## Why it matters

These formats describe objects to construct and functions to call while
loading. Loading data that an attacker can influence runs the attacker's
code in the process.

## Example

```python
config = yaml.load(request.data, Loader=yaml.Loader)
```

## Use instead

```python
config = yaml.safe_load(request.data)
```

Use JSON or `yaml.safe_load` for data, and sign pickles that must cross a
trust boundary. The fix turns `yaml.load` into `yaml.safe_load` and removes
an unsafe `Loader`.

## Known problems

Every call is reported, also when the data comes from a trusted file; record
an exception. A round trip that loads what the same module's `dumps` just
returned (`pickle.loads(pickle.dumps(value))`, also through a local
variable) reads no outside data and is not reported. Test code is reported
like any other code, because a test that loads a pickle fixture from disk
has the same risk when the fixture is replaced. `yaml.FullLoader` is treated as safe.

## References

- CWE-502: Deserialization of Untrusted Data
- Bandit B301, B302, B403, B506
- Ruff S301, S302, S403, S506
"#;

/// Functions that deserialize arbitrary objects whatever their arguments.
const UNSAFE_LOADERS: &[&str] = &[
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "cPickle.load",
    "cPickle.loads",
    "cPickle.Unpickler",
    "_pickle.load",
    "_pickle.loads",
    "cloudpickle.load",
    "cloudpickle.loads",
    "dill.load",
    "dill.loads",
    "marshal.load",
    "marshal.loads",
    "shelve.open",
    "jsonpickle.decode",
    "jsonpickle.loads",
    "pandas.read_pickle",
    "joblib.load",
    "yaml.unsafe_load",
    "yaml.unsafe_load_all",
];

/// YAML loaders that construct only plain data.
const SAFE_YAML_LOADERS: &[&str] = &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader", "FullLoader", "CFullLoader"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let Some(callee) = context.callee(call) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);

    let (reported, fixes) = match callee.as_str() {
        name if UNSAFE_LOADERS.contains(&name) => (true, Vec::new()),
        "yaml.load" | "yaml.load_all" => check_yaml_load(context, function, &arguments),
        "torch.load" => (arguments.keyword("weights_only").is_some_and(syntax::is_false), Vec::new()),
        "numpy.load" => (arguments.keyword("allow_pickle").is_some_and(syntax::is_true), Vec::new()),
        _ => (false, Vec::new()),
    };
    if !reported || loads_what_it_just_dumped(context, &callee, &arguments) {
        return;
    }

    let short_name = callee.rsplit('.').take(2).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(".");
    let message = format!(
        "unsafe deserialization: `{short_name}` can run code from the data it loads; use a data-only format such as JSON or `yaml.safe_load`"
    );
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes, related: Vec::new() });
}

/// `pickle.loads(pickle.dumps(value))`, also through a local variable
/// (`dumped = pickle.dumps(value)` then `pickle.loads(dumped)`): a round trip
/// that copies an object and reads no outside data.
fn loads_what_it_just_dumped(context: &Context<'_>, callee: &str, arguments: &Arguments<'_>) -> bool {
    let Some((module, _)) = callee.rsplit_once('.') else {
        return false;
    };
    let Some(data) = arguments.positional.first() else {
        return false;
    };
    let data = context.values.assigned_value(*data);
    if data.kind() != "call" {
        return false;
    }

    let serializer = context.callee(data);
    let serializer_module = serializer.as_deref().and_then(|serializer| serializer.rsplit_once('.'));
    serializer_module.is_some_and(|(serializer_module, function)| serializer_module == module && function == "dumps")
}

/// `yaml.load(data)` or `yaml.load(data, Loader=yaml.Loader)`; a safe loader is clean.
fn check_yaml_load(context: &Context<'_>, function: Node<'_>, arguments: &Arguments<'_>) -> (bool, Vec<Fix>) {
    let loader_keyword = arguments.keyword_argument("Loader");
    let loader_positional = arguments.positional.get(1).copied();
    let loader = loader_keyword.map(|(value, _)| value).or(loader_positional);

    let resolved_loader = loader.and_then(|loader| context.imports.resolve(loader, context.source));
    let loader_name = resolved_loader.as_deref().and_then(|name| name.rsplit('.').next());
    if loader_name.is_some_and(|name| SAFE_YAML_LOADERS.contains(&name)) {
        return (false, Vec::new());
    }
    let unknown_loader = loader.is_some() && loader_name.is_none_or(|name| !matches!(name, "Loader" | "UnsafeLoader" | "CLoader" | "CUnsafeLoader"));
    if unknown_loader {
        return (false, Vec::new());
    }

    (true, safe_load_fix(context, function, arguments, loader_keyword.map(|(_, whole)| whole).or(loader_positional)).into_iter().collect())
}

fn safe_load_fix(context: &Context<'_>, function: Node<'_>, arguments: &Arguments<'_>, loader_argument: Option<Node<'_>>) -> Option<Fix> {
    if function.kind() != "attribute" {
        return None;
    }
    let method = function.child_by_field_id(fields().attribute)?;
    let replacement = if context.text(method) == "load_all" { "safe_load_all" } else { "safe_load" };

    let mut edits = vec![Edit { range: method.byte_range(), replacement: replacement.to_owned() }];
    if let Some(loader) = loader_argument {
        edits.push(fixes::remove_argument(&arguments.all, loader));
    }
    Some(Fix { title: format!("Use `yaml.{replacement}`"), kind: FixKind::Rewrite, edits })
}
