//! `path-traversal`: a file-system path built from untrusted input without
//! confinement, and tar extraction without a member filter.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "path-traversal",
    summary: "File paths built from untrusted input",
    documentation: DOCUMENTATION,
    topics: &["path traversal", "directory traversal", "file paths", "file access", "file uploads"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// An `extractall` in a module that imports `tarfile`, or a path sink together
/// with an untrusted source ([`super::UNTRUSTED_SOURCE_WORDS`]).
pub(crate) const TRIGGER: Trigger = Trigger::Either(&Trigger::All(&[&["extractall"], &["tarfile"]]), &Trigger::All(&[PATH_SINK_WORDS, super::UNTRUSTED_SOURCE_WORDS]));

const DOCUMENTATION: &str = r#"# path-traversal

## What it does

Reports file operations whose path carries untrusted data: `open`,
`io.open`, `os.remove`, `os.unlink`, `os.rmdir`, `os.rename`, `shutil`
copies, moves and `rmtree`, Flask's `send_file`, an upload's `save`, and
`pathlib` methods (`read_text`, `write_bytes`, `open`, `unlink` …) on a path
built from untrusted data. Also `tarfile` `extractall` without `filter=`.
A guard that leaves the function unless the path is confined
(`if not path.startswith(root): abort(404)`, `is_relative_to`, `not in`)
ends the data flow, and so do `os.path.basename` and `secure_filename`.

## Why it matters

`../` segments and absolute paths in the input move the operation outside
the intended directory: reading `/etc/passwd` or the application's secrets,
or overwriting code and configuration.

## Example

```python
return send_file(f"{REPORTS_DIR}/{report_name}")
```

## Use instead

```python
return send_from_directory(REPORTS_DIR, report_name)
```

Or resolve the path and check that it stays under the root before using it.
For archives, pass `filter="data"` to `extractall`.

## Known problems

Data flow ends at the function boundary. Checks done in a helper function
are not recognized as guards.

## References

- CWE-22: Improper Limitation of a Pathname to a Restricted Directory
- CWE-73: External Control of File Name or Path
- Bandit B202 (tar extraction)
- Ruff S202, PTH (pathlib use only)
"#;

/// Functions whose first argument is a path that they open, change or delete.
const PATH_FUNCTIONS: &[&str] = &[
    "open",
    "io.open",
    "codecs.open",
    "os.open",
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "os.rename",
    "os.replace",
    "shutil.rmtree",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.move",
    "flask.send_file",
    "send_file",
    "aiofiles.open",
];

/// The last parts of [`PATH_FUNCTIONS`] and [`PATH_METHODS`], and `save`, for [`TRIGGER`].
const PATH_SINK_WORDS: &[&str] = &[
    "open", "remove", "unlink", "rmdir", "rename", "replace", "rmtree", "copy", "move", "send_file", "read_text",
    "read_bytes", "write_text", "write_bytes", "touch", "mkdir", "save",
];

/// Methods of `pathlib.Path` that touch the file their object names.
const PATH_METHODS: &[&str] =
    &["read_text", "read_bytes", "write_text", "write_bytes", "open", "unlink", "rmdir", "touch", "mkdir", "rename", "replace"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let callee = context.callee(call).unwrap_or_default();
    let method = syntax::last_name(function, context.source).unwrap_or_default();
    let is_attribute = function.kind() == "attribute";
    let may_touch_path = PATH_FUNCTIONS.contains(&callee.as_str())
        || (is_attribute && (method == "extractall" || method == "save" || PATH_METHODS.contains(&method)));
    if !may_touch_path {
        return;
    }
    let arguments = Arguments::of(call, context.source);

    if method == "extractall" && function.kind() == "attribute" {
        check_extractall(context, function, &arguments, findings);
        return;
    }

    let path = if PATH_FUNCTIONS.contains(&callee.as_str()) {
        arguments.first_or_keyword("file").or_else(|| arguments.keyword("path"))
    } else if method == "save" && function.kind() == "attribute" {
        arguments.first_or_keyword("dst")
    } else if PATH_METHODS.contains(&method) && function.kind() == "attribute" {
        function.child_by_field_id(fields().object)
    } else {
        None
    };
    let Some(path) = path else {
        return;
    };
    let Some(source) = context.values.untrusted_source(path) else {
        return;
    };

    let message = "possible path traversal: this path is built from untrusted data; resolve it and check that it stays under the intended directory".to_owned();
    let related = super::taint_related(Some(&source));
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: path.byte_range(), message, fixes: Vec::new(), related });
}

/// `tar.extractall(dest)` without `filter=`: members named `../x` or absolute paths escape `dest`.
fn check_extractall(context: &Context<'_>, function: Node<'_>, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let has_filter = arguments.keyword("filter").is_some() || arguments.keyword("members").is_some();
    let object_text = function.child_by_field_id(fields().object).map(|object| context.text(object).to_lowercase()).unwrap_or_default();
    let is_tar = context.imports.imports_module("tarfile") && !object_text.contains("zip");
    if has_filter || !is_tar {
        return;
    }
    let message = "possible path traversal: `extractall` without `filter=` writes archive members named `../…` outside the target; pass `filter=\"data\"`".to_owned();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}
