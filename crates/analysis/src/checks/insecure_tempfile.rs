//! `insecure-tempfile`: temporary files with racy or predictable names
//! (`tempfile.mktemp`, fixed paths under `/tmp`, `/var/tmp`, `/dev/shm`).

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "insecure-tempfile",
    summary: "Temporary files with predictable names",
    documentation: DOCUMENTATION,
    topics: &["temporary files", "tempfile", "temp files", "tmp"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The shared temporary folders, `mktemp` and `gettempdir`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["/tmp", "/var/tmp", "/dev/shm", "mktemp", "gettempdir"]);

const DOCUMENTATION: &str = r#"# insecure-tempfile

## What it does

Reports `tempfile.mktemp` (under any alias) and fixed paths under `/tmp`,
`/var/tmp` or `/dev/shm` given to a call: a literal, an f-string or
concatenation that starts with such a path, a constant that holds one,
`tempfile.gettempdir() + "/name"`, or an item of an argument list. Also a
dictionary entry whose key names a file, path or directory
(`"filename": "/tmp/app.log"` in a logging configuration). The `dir=`
argument of the `tempfile` functions is clean.

## Why it matters

Every user of the machine can create files in these directories. Another
process can create the name first, or a symbolic link with that name, and
make the program write where the attacker chooses or read the attacker's
data.

## Example

```python
path = tempfile.mktemp(suffix=".csv")
```

## Use instead

```python
fd, path = tempfile.mkstemp(suffix=".csv")
```

`mkstemp`, `NamedTemporaryFile` and `TemporaryDirectory` create the file
with a random name and private permissions in one step. The fix turns
`path = tempfile.mktemp(…)` into `mkstemp` and closes the descriptor it
returns, so the existing code keeps opening the file by name.

## Known problems

Paths joined from a directory variable that holds `/tmp` are missed, and a
fixed path in a private directory that happens to be under `/tmp` is
reported.

## References

- CWE-377: Insecure Temporary File
- CWE-379: Creation of Temporary File in Directory with Incorrect Permissions
- Bandit B306, B108
- Ruff S306, S108
"#;

/// Directories that every local user can write to.
const SHARED_TEMP_DIRECTORIES: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];

/// Call names that only print or log their arguments.
const OUTPUT_CALLS: &[&str] = &["print", "debug", "info", "warning", "warn", "error", "exception", "critical", "log"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let callee = context.callee(call).unwrap_or_default();
    if callee == "tempfile.mktemp" {
        let message = "insecure temporary file: `mktemp` returns a name another process can create first; use `tempfile.mkstemp` or `NamedTemporaryFile`".to_owned();
        let fixes = mkstemp_fix(context, call, function).into_iter().collect();
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes, related: Vec::new() });
        return;
    }

    let is_tempfile_api = callee.starts_with("tempfile.");
    let is_output = syntax::last_name(function, context.source).is_some_and(|name| OUTPUT_CALLS.contains(&name));
    if is_tempfile_api || is_output || !may_name_shared_path(context) {
        return;
    }

    let arguments = Arguments::of(call, context.source);
    let values = arguments.positional.iter().copied().chain(arguments.keywords.iter().map(|(_, value, _)| *value));
    for argument in values {
        if let Some(path) = fixed_temp_path(context, argument, 0) {
            let message = format!("insecure temporary file: `{path}` is a fixed name in a directory every user can write; use `tempfile.mkstemp` or `TemporaryDirectory`");
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: argument.byte_range(), message, fixes: Vec::new(), related: context.value_origin_related(argument) });
            return;
        }
    }
}

/// Dictionary settings such as `"filename": "/tmp/app.log"` in a logging or database configuration.
pub(crate) fn check_pair(context: &Context<'_>, pair: Node<'_>, findings: &mut Vec<RawFinding>) {
    if !may_name_shared_path(context) {
        return;
    }
    let key = pair.child_by_field_id(fields().key).and_then(|key| syntax::literal_string(key, context.source));
    let Some(key) = key.map(|key| key.to_lowercase()) else {
        return;
    };
    let names_a_file = ["file", "path", "dir", "location", "name"].iter().any(|word| key.contains(word));
    let Some(value) = pair.child_by_field_id(fields().value) else {
        return;
    };
    if !names_a_file {
        return;
    }
    if let Some(path) = fixed_temp_path(context, value, 0) {
        let message = format!("insecure temporary file: `{path}` is a fixed name in a directory every user can write; use a private directory");
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: value.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
    }
}

/// Returns whether the file can name a shared temporary path at all: a
/// literal one, or `tempfile.gettempdir()`.
fn may_name_shared_path(context: &Context<'_>) -> bool {
    ["/tmp", "/dev/shm", "gettempdir"].iter().any(|word| context.mentions(word))
}

/// Returns the shared temporary path that `node` starts with, if any.
fn fixed_temp_path(context: &Context<'_>, node: Node<'_>, depth: u32) -> Option<String> {
    if depth > 4 {
        return None;
    }
    let node = syntax::unparenthesize(node);
    match node.kind() {
        "identifier" => {
            let value = context.values.assigned_value(node);
            (value.id() != node.id()).then(|| fixed_temp_path(context, value, depth + 1)).flatten()
        }
        "string" | "concatenated_string" => {
            let leading = literal_prefix(context, node);
            is_shared_temp_path(&leading).then_some(leading)
        }
        "binary_operator" => {
            let left = node.child_by_field_id(fields().left)?;
            let left_is_temp_dir = syntax::unparenthesize(left).kind() == "call"
                && context.callee(syntax::unparenthesize(left)).as_deref() == Some("tempfile.gettempdir");
            if left_is_temp_dir {
                return Some(context.text(node).to_owned());
            }
            fixed_temp_path(context, left, depth + 1)
        }
        "list" | "tuple" => {
            let mut cursor = node.walk();
            let items: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            items.into_iter().find_map(|item| fixed_temp_path(context, item, depth + 1))
        }
        _ => None,
    }
}

/// Returns the literal text before the first interpolation of a string.
fn literal_prefix(context: &Context<'_>, string: Node<'_>) -> String {
    if let Some(value) = syntax::literal_string(string, context.source) {
        return value;
    }
    let body = if string.kind() == "string" { syntax::string_body(string, context.source) } else { "" };
    body.split('{').next().unwrap_or("").to_owned()
}

fn is_shared_temp_path(path: &str) -> bool {
    SHARED_TEMP_DIRECTORIES.iter().any(|directory| {
        path == *directory || path.strip_prefix(directory).is_some_and(|rest| rest.starts_with('/'))
    })
}

/// `path = tempfile.mktemp(…)` -> `path_fd, path = tempfile.mkstemp(…)` and `os.close(path_fd)`.
fn mkstemp_fix(context: &Context<'_>, call: Node<'_>, function: Node<'_>) -> Option<Fix> {
    let is_module_attribute = function.kind() == "attribute"
        && function.child_by_field_id(fields().object).is_some_and(|object| context.imports.binds(context.text(object), "tempfile"));
    let assignment = call.parent().filter(|parent| parent.kind() == "assignment")?;
    let target = assignment.child_by_field_id(fields().left).filter(|left| left.kind() == "identifier")?;
    let statement = assignment.parent().filter(|parent| parent.kind() == "expression_statement")?;
    if !is_module_attribute {
        return None;
    }

    let name = context.text(target);
    let descriptor = format!("{name}_fd");
    let method = function.child_by_field_id(fields().attribute)?;
    let indentation = syntax::indentation(context.source, statement.start_byte());
    let mut edits = vec![
        Edit { range: target.byte_range(), replacement: format!("{descriptor}, {name}") },
        Edit { range: method.byte_range(), replacement: "mkstemp".to_owned() },
        Edit { range: statement.end_byte()..statement.end_byte(), replacement: format!("\n{indentation}os.close({descriptor})") },
    ];
    edits.extend(super::import_edit(context, "os"));
    Some(Fix { title: "Use `tempfile.mkstemp` and close its descriptor".to_owned(), kind: FixKind::Rewrite, edits })
}
