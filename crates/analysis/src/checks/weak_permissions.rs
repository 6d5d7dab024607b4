//! `weak-permissions`: files or directories made world-writable, private
//! keys made world-readable, or a umask that lets new files be world-writable.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::CheckInfo;

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "weak-permissions",
    summary: "World-writable files and world-readable private keys",
    documentation: DOCUMENTATION,
    topics: &["file permissions", "permissions", "chmod", "umask"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// `chmod` (in calls and in shell commands), `umask`, `mkdir`, `makedirs` and `os.open`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["chmod", "umask", "mkdir", "makedirs", "open"]);

const DOCUMENTATION: &str = r#"# weak-permissions

## What it does

Reports a mode that lets other users write (`0o777`, `0o666`, `511`,
`S_IRWXO`, `S_IWOTH` added to any mode) given to `os.chmod`, `os.fchmod`,
`os.lchmod`, `Path.chmod`, `os.open`, `os.mkdir` or `os.makedirs`; a mode
that lets other users read a file whose name mentions a key (`0o644` on
`DEPLOY_KEY`); `os.umask` with a mask that keeps the world-write bit; and
`chmod` with such a mode in an argument list run as a command. The mode may
come through a local variable or a module constant.

## Why it matters

Any local user or compromised service can replace a world-writable script,
configuration or socket, and read a world-readable private key.

## Example

```python
os.chmod(SHARED_UPLOADS, 0o777)
```

## Use instead

```python
os.chmod(SHARED_UPLOADS, 0o750)
```

Grant access through a group instead of to everyone.

## Known problems

Whether a file holds a private key is guessed from its name. Modes computed
by a function are not evaluated, unless `S_IWOTH` appears in them.

## References

- CWE-732: Incorrect Permission Assignment for Critical Resource
- Bandit B103
- Ruff S103
"#;

const WORLD_WRITE: u32 = 0o002;
const WORLD_READ: u32 = 0o004;

/// Permission constants of the `stat` module.
const STAT_BITS: &[(&str, u32)] = &[
    ("S_IRWXU", 0o700),
    ("S_IRUSR", 0o400),
    ("S_IWUSR", 0o200),
    ("S_IXUSR", 0o100),
    ("S_IRWXG", 0o070),
    ("S_IRGRP", 0o040),
    ("S_IWGRP", 0o020),
    ("S_IXGRP", 0o010),
    ("S_IRWXO", 0o007),
    ("S_IROTH", 0o004),
    ("S_IWOTH", 0o002),
    ("S_IXOTH", 0o001),
    ("S_ISUID", 0o4000),
    ("S_ISGID", 0o2000),
    ("S_ISVTX", 0o1000),
];

/// Words in a path expression that mark a private key.
const KEY_WORDS: &[&str] = &["key", "pem", "id_rsa", "id_ed25519", "private"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let callee = context.callee(call).unwrap_or_default();
    let method = syntax::last_name(function, context.source).unwrap_or_default();
    let sets_mode = matches!(callee.as_str(), "os.umask" | "os.chmod" | "os.fchmod" | "os.lchmod" | "os.mkdir" | "os.makedirs" | "os.open")
        || matches!(method, "chmod" | "lchmod" | "mkdir");
    if !sets_mode && !context.mentions("chmod") {
        return;
    }
    let arguments = Arguments::of(call, context.source);

    if callee == "os.umask" {
        check_umask(context, &arguments, findings);
        return;
    }
    if let Some((mode, path)) = mode_and_path(&callee, method, call, &arguments) {
        check_mode(context, mode, path, findings);
        return;
    }
    for argument in &arguments.positional {
        check_chmod_command(context, *argument, findings);
    }
}

/// Returns the mode argument of a call that sets permissions, and the path it applies to.
fn mode_and_path<'tree>(callee: &str, method: &str, call: Node<'tree>, arguments: &Arguments<'tree>) -> Option<(Node<'tree>, Option<Node<'tree>>)> {
    let positional = |index: usize| arguments.positional.get(index).copied();
    match callee {
        "os.chmod" | "os.fchmod" | "os.lchmod" | "os.mkdir" | "os.makedirs" => {
            Some((arguments.keyword("mode").or_else(|| positional(1))?, positional(0)))
        }
        "os.open" => Some((arguments.keyword("mode").or_else(|| positional(2))?, positional(0))),
        _ if matches!(method, "chmod" | "lchmod") => {
            let object = call.child_by_field_id(fields().function).and_then(|function| function.child_by_field_id(fields().object));
            Some((arguments.keyword("mode").or_else(|| positional(0))?, object))
        }
        _ if method == "mkdir" => Some((arguments.keyword("mode")?, None)),
        _ => None,
    }
}

fn check_mode(context: &Context<'_>, mode: Node<'_>, path: Option<Node<'_>>, findings: &mut Vec<RawFinding>) {
    let Some(bits) = mode_bits(context, mode, 0) else {
        return;
    };
    let path_is_key = path.is_some_and(|path| {
        let lowered = context.text(path).to_lowercase();
        KEY_WORDS.iter().any(|word| lowered.contains(word))
    });

    let reason = if bits & WORLD_WRITE != 0 {
        "lets every local user write the file"
    } else if path_is_key && bits & WORLD_READ != 0 {
        "lets every local user read a private key"
    } else {
        return;
    };
    let message = format!("weak permissions: mode {} {reason}; drop the permissions for others", mode_text(context, mode));
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: mode.byte_range(), message, fixes: Vec::new(), related: context.value_origin_related(mode) });
}

fn check_umask(context: &Context<'_>, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let Some(mask) = arguments.first_or_keyword("mask") else {
        return;
    };
    let Some(bits) = mode_bits(context, mask, 0) else {
        return;
    };
    if bits & WORLD_WRITE != 0 {
        return;
    }
    let message = format!("weak permissions: umask {} lets new files be world-writable; use `0o077` or `0o027`", context.text(mask));
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: mask.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}

/// `["chmod", "-R", "777", path]`: a command list that makes files world-writable.
fn check_chmod_command(context: &Context<'_>, argument: Node<'_>, findings: &mut Vec<RawFinding>) {
    let list = context.values.assigned_value(argument);
    if !matches!(list.kind(), "list" | "tuple") {
        return;
    }
    let mut cursor = list.walk();
    let items: Vec<Node<'_>> = list.named_children(&mut cursor).collect();
    let program = items.first().and_then(|first| syntax::literal_string(*first, context.source));
    if !program.is_some_and(|program| program == "chmod" || program.ends_with("/chmod")) {
        return;
    }

    for item in items.iter().skip(1) {
        let Some(value) = syntax::literal_string(*item, context.source) else {
            continue;
        };
        if symbolic_or_octal_world_write(&value) {
            let message = format!("weak permissions: `chmod {value}` lets every local user write the files; drop the permissions for others");
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: item.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
            return;
        }
    }
}

fn symbolic_or_octal_world_write(value: &str) -> bool {
    let is_octal = !value.is_empty() && value.len() <= 4 && value.chars().all(|character| ('0'..='7').contains(&character));
    if is_octal {
        return u32::from_str_radix(value, 8).is_ok_and(|bits| bits & WORLD_WRITE != 0);
    }
    value.split(',').any(|clause| {
        let Some((who, permissions)) = clause.split_once(['+', '=']) else {
            return false;
        };
        let everyone = who.is_empty() || who.contains('o') || who.contains('a');
        everyone && permissions.contains('w')
    })
}

/// Evaluates a mode built from integer literals and `stat` constants joined with `|` or `+`.
/// An unknown operand counts as no bits, so `current | stat.S_IWOTH` still has the world-write bit.
fn mode_bits(context: &Context<'_>, node: Node<'_>, depth: u32) -> Option<u32> {
    if depth > 8 {
        return None;
    }
    let node = syntax::unparenthesize(node);
    match node.kind() {
        "integer" => parse_integer(context.text(node)),
        "attribute" | "identifier" => {
            let name = syntax::last_name(node, context.source)?;
            if let Some((_, bits)) = STAT_BITS.iter().find(|(constant, _)| *constant == name) {
                return Some(*bits);
            }
            let value = context.values.assigned_value(node);
            (value.id() != node.id()).then(|| mode_bits(context, value, depth + 1)).flatten()
        }
        "binary_operator" => {
            let operator = node.child_by_field_id(fields().operator).map(|operator| context.text(operator));
            if !matches!(operator, Some("|" | "+")) {
                return None;
            }
            let left = node.child_by_field_id(fields().left).and_then(|left| mode_bits(context, left, depth + 1));
            let right = node.child_by_field_id(fields().right).and_then(|right| mode_bits(context, right, depth + 1));
            match (left, right) {
                (None, None) => None,
                (left, right) => Some(left.unwrap_or(0) | right.unwrap_or(0)),
            }
        }
        _ => None,
    }
}

fn parse_integer(text: &str) -> Option<u32> {
    let digits = text.replace('_', "").to_lowercase();
    if let Some(octal) = digits.strip_prefix("0o") {
        return u32::from_str_radix(octal, 8).ok();
    }
    if let Some(hex) = digits.strip_prefix("0x") {
        return u32::from_str_radix(hex, 16).ok();
    }
    digits.parse().ok()
}

fn mode_text(context: &Context<'_>, mode: Node<'_>) -> String {
    match mode_bits(context, mode, 0) {
        Some(bits) => format!("`{bits:#o}`"),
        None => format!("`{}`", context.text(mode)),
    }
}
