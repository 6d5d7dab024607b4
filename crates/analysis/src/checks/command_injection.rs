//! `command-injection`: a non-constant command run by a shell (`os.system`,
//! `subprocess.*(…, shell=True)`, `sh -c`, `getoutput`, `exec_command`).

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Arguments, StringSegment};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "command-injection",
    summary: "Non-constant commands run through a shell",
    documentation: DOCUMENTATION,
    topics: &["command injection", "shell", "os command", "operating system command", "operating system commands"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The shell functions, the `subprocess` module and Paramiko's `exec_command`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["system", "popen", "getoutput", "getstatusoutput", "create_subprocess_shell", "subprocess", "exec_command"]);

const DOCUMENTATION: &str = r#"# command-injection

## What it does

Reports a command that is not a constant string when a shell runs it:
`subprocess.run`, `call`, `check_call`, `check_output` or `Popen` with
`shell=True`; `os.system`, `os.popen`, `subprocess.getoutput`,
`subprocess.getstatusoutput` and `asyncio.create_subprocess_shell`; an
argument list that starts a shell with `-c` (`["sh", "-c", cmd]`); and
paramiko's `exec_command`. Constant commands are clean.

## Why it matters

A shell interprets `;`, `|`, `$(…)`, quotes and globs. A value spliced into a
command line can end the intended command and start another one with the
privileges of the service.

## Example

```python
subprocess.run(f"lpr -P kitchen receipts/{order_id}.txt", shell=True)
```

## Use instead

```python
subprocess.run(["lpr", "-P", "kitchen", f"receipts/{order_id}.txt"])
```

Without a shell, each list item reaches the program as exactly one argument.
The fix builds the list when the literal parts contain no shell syntax, and
removes `shell=True`.

## Known problems

Values quoted with `shlex.quote` are still reported; record an exception if
the whole command is quoted correctly. Commands from another module's
constants are not recognized as constant.

## References

- CWE-78: Improper Neutralization of Special Elements used in an OS Command
- Bandit B602, B605, B609
- Ruff S602, S605, S609
"#;

/// Functions that always run their command through a shell.
const SHELL_FUNCTIONS: &[&str] = &[
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
    "asyncio.create_subprocess_shell",
];

/// Functions that use a shell only with `shell=True`.
const SUBPROCESS_FUNCTIONS: &[&str] =
    &["subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"];

/// Programs that run their `-c` argument as a shell command.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/zsh"];

/// Characters with a meaning to the shell; a literal part containing one
/// cannot move into an argument list without changing what runs.
const SHELL_SYNTAX: &[char] =
    &['|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '#', '~', '{', '}', '!', '\n', '\t'];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let callee = context.callee(call).unwrap_or_default();
    let arguments = Arguments::of(call, context.source);

    if SHELL_FUNCTIONS.contains(&callee.as_str()) {
        check_shell_function(context, &callee, &arguments, findings);
        return;
    }
    if SUBPROCESS_FUNCTIONS.contains(&callee.as_str()) {
        check_subprocess(context, &callee, &arguments, findings);
        return;
    }

    let function = call.child_by_field_id(fields().function);
    let is_exec_command = function.is_some_and(|function| function.kind() == "attribute")
        && function.and_then(|function| syntax::last_name(function, context.source)) == Some("exec_command");
    if is_exec_command {
        check_shell_function(context, "exec_command", &arguments, findings);
    }
}

fn check_shell_function(context: &Context<'_>, callee: &str, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let Some(command) = arguments.first_or_keyword("command").or_else(|| arguments.keyword("cmd")) else {
        return;
    };
    if context.values.is_constant(command) {
        return;
    }

    let short_name = callee.rsplit('.').next().unwrap_or(callee);
    let message = format!(
        "possible command injection: a non-constant command reaches `{short_name}`, which runs it in a shell; pass an argument list to `subprocess.run` instead"
    );
    let related = context.value_origin_related(command);
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: command.byte_range(), message, fixes: Vec::new(), related });
}

fn check_subprocess(context: &Context<'_>, callee: &str, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let Some(command) = arguments.first_or_keyword("args") else {
        return;
    };
    let short_name = callee.rsplit('.').next().unwrap_or(callee);

    if let Some((shell_value, shell_argument)) = arguments.keyword_argument("shell") {
        if !syntax::is_true(shell_value) || context.values.is_constant(command) {
            return;
        }
        let message = format!(
            "possible command injection: a non-constant command reaches `{short_name}` with `shell=True`; pass an argument list without a shell"
        );
        let fixes = argument_list_fix(context, arguments, command, shell_argument).into_iter().collect();
        let related = context.value_origin_related(command);
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: shell_argument.byte_range(), message, fixes, related });
        return;
    }

    if let Some(script) = shell_dash_c_script(context, command) {
        if context.values.is_constant(script) {
            return;
        }
        let message = format!(
            "possible command injection: a non-constant script reaches a shell's `-c` through `{short_name}`; run the program directly with an argument list"
        );
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: script.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
    }
}

/// Returns the script in `["sh", "-c", script, …]`.
fn shell_dash_c_script<'tree>(context: &Context<'_>, command: Node<'tree>) -> Option<Node<'tree>> {
    let command = syntax::unparenthesize(command);
    if !matches!(command.kind(), "list" | "tuple") {
        return None;
    }
    let mut cursor = command.walk();
    let items: Vec<Node<'tree>> = command.named_children(&mut cursor).filter(|item| item.kind() != "comment").collect();
    let program = syntax::literal_string(*items.first()?, context.source)?;
    let flag = syntax::literal_string(*items.get(1)?, context.source)?;
    let starts_shell = SHELLS.contains(&program.as_str()) && flag == "-c";
    if !starts_shell {
        return None;
    }
    items.get(2).copied()
}

/// A piece of a command line: literal source text or an interpolated value.
enum Piece<'tree> {
    Literal(String),
    Value(Node<'tree>),
}

/// Rewrites an f-string or concatenated command as an argument list and
/// removes `shell=True`, when the literal parts contain no shell syntax.
fn argument_list_fix(
    context: &Context<'_>,
    arguments: &Arguments<'_>,
    command: Node<'_>,
    shell_argument: Node<'_>,
) -> Option<Fix> {
    let command = syntax::unparenthesize(command);
    let pieces = command_pieces(context, command)?;
    let words = split_words(pieces)?;
    let list = render_list(context, &words)?;

    let edits = vec![
        Edit { range: command.byte_range(), replacement: list },
        fixes::remove_argument(&arguments.all, shell_argument),
    ];
    Some(Fix { title: "Pass an argument list without a shell".to_owned(), kind: FixKind::Rewrite, edits })
}

fn command_pieces<'tree>(context: &Context<'_>, command: Node<'tree>) -> Option<Vec<Piece<'tree>>> {
    let mut pieces = Vec::new();
    let operands = if command.kind() == "binary_operator" {
        syntax::plus_operands(command, context.source)
    } else {
        vec![command]
    };

    for operand in operands {
        match operand.kind() {
            "string" => append_string_pieces(context, operand, &mut pieces)?,
            "identifier" | "attribute" | "subscript" | "call" => pieces.push(Piece::Value(operand)),
            _ => return None,
        }
    }
    Some(pieces)
}

fn append_string_pieces<'tree>(context: &Context<'_>, string: Node<'tree>, pieces: &mut Vec<Piece<'tree>>) -> Option<()> {
    let prefix = syntax::string_prefix(string, context.source);
    if prefix.contains('b') || prefix.contains('r') {
        return None;
    }

    for segment in syntax::string_segments(string, context.source)? {
        match segment {
            StringSegment::Text(text) => pieces.push(Piece::Literal(text.to_owned())),
            StringSegment::Interpolation(expression) => pieces.push(Piece::Value(expression)),
        }
    }
    Some(())
}

/// Splits pieces into shell words on whitespace in the literal parts.
fn split_words(pieces: Vec<Piece<'_>>) -> Option<Vec<Vec<Piece<'_>>>> {
    let mut words: Vec<Vec<Piece<'_>>> = vec![Vec::new()];
    for piece in pieces {
        match piece {
            Piece::Value(value) => words.last_mut()?.push(Piece::Value(value)),
            Piece::Literal(text) => {
                if text.contains(SHELL_SYNTAX) {
                    return None;
                }
                let mut segments = text.split(' ').peekable();
                while let Some(segment) = segments.next() {
                    if !segment.is_empty() {
                        words.last_mut()?.push(Piece::Literal(segment.to_owned()));
                    }
                    if segments.peek().is_some() {
                        words.push(Vec::new());
                    }
                }
            }
        }
    }
    words.retain(|word| !word.is_empty());
    (!words.is_empty()).then_some(words)
}

fn render_list(context: &Context<'_>, words: &[Vec<Piece<'_>>]) -> Option<String> {
    let rendered: Vec<String> = words
        .iter()
        .map(|word| match word.as_slice() {
            [Piece::Value(value)] => context.text(*value).to_owned(),
            pieces if pieces.iter().all(|piece| matches!(piece, Piece::Literal(_))) => {
                let text: String = pieces.iter().map(|piece| if let Piece::Literal(text) = piece { text.as_str() } else { "" }).collect();
                format!("\"{text}\"")
            }
            pieces => {
                let mut text = String::from("f\"");
                for piece in pieces {
                    match piece {
                        Piece::Literal(literal) => text.push_str(literal),
                        Piece::Value(value) => {
                            text.push('{');
                            text.push_str(context.text(*value));
                            text.push('}');
                        }
                    }
                }
                text.push('"');
                text
            }
        })
        .collect();
    Some(format!("[{}]", rendered.join(", ")))
}
