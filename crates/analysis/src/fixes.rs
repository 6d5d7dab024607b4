//! Edits shared by several checks: removing a call argument, adding an
//! import, and the "record an exception" comment every finding offers.

use std::ops::Range;

use tree_sitter::Node;

use crate::semantic::ImportMap;
use crate::semantic::syntax::{self, text};
use crate::{Edit, Fix, FixKind};

/// The placeholder reason in a recorded exception, for the developer to replace.
pub(crate) const REASON_PLACEHOLDER: &str = "<explain why this is safe>";

/// Removes one argument from a call, with the comma that joins it to a neighbor.
///
/// `all_arguments` is every argument of the call in order. With a previous
/// argument, the edit runs from the end of that argument to the end of this
/// one, so an argument alone on its line disappears with its line and a
/// trailing comma stays valid.
pub(crate) fn remove_argument(all_arguments: &[Node<'_>], argument: Node<'_>) -> Edit {
    let position = all_arguments.iter().position(|candidate| candidate.id() == argument.id());
    let previous = position.and_then(|index| index.checked_sub(1)).and_then(|index| all_arguments.get(index));
    let next = position.and_then(|index| all_arguments.get(index + 1));

    let range = match (previous, next) {
        (Some(previous), _) => previous.end_byte()..argument.end_byte(),
        (None, Some(next)) => argument.start_byte()..next.start_byte(),
        (None, None) => match argument.parent().filter(|parent| parent.kind() == "argument_list") {
            Some(list) => (list.start_byte() + 1)..list.end_byte().saturating_sub(1).max(list.start_byte() + 1),
            None => argument.byte_range(),
        },
    };
    Edit { range, replacement: String::new() }
}

/// Adds `import_line` (for example `import os`) after the last module-level
/// import, or after the module docstring, or at the top of the file.
pub(crate) fn add_import(root: Node<'_>, source: &str, imports: &ImportMap, import_line: &str) -> Edit {
    let newline = line_ending(source);
    match import_insertion_point(root, source, imports) {
        ImportPoint::AfterImports(end) => Edit { range: end..end, replacement: format!("{newline}{import_line}") },
        ImportPoint::AfterDocstring(end) => Edit { range: end..end, replacement: format!("{newline}{newline}{import_line}") },
        ImportPoint::AtTop(start) => Edit { range: start..start, replacement: format!("{import_line}{newline}") },
    }
}

/// The place where [`add_import`] inserts a new import line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ImportPoint {
    /// After the last import statement at module level.
    AfterImports(usize),
    /// After the module docstring, when there is no import.
    AfterDocstring(usize),
    /// After the shebang and encoding lines, when there is neither.
    AtTop(usize),
}

/// Returns where a new import line goes. Incremental analysis reuses a
/// statement's findings only while this point and the line ending stay the
/// same, because import edits are the only fix edits outside their statement.
pub(crate) fn import_insertion_point(root: Node<'_>, source: &str, imports: &ImportMap) -> ImportPoint {
    if let Some(end) = imports.last_top_level_import_end() {
        return ImportPoint::AfterImports(end);
    }
    if let Some(docstring_end) = module_docstring_end(root) {
        return ImportPoint::AfterDocstring(docstring_end);
    }
    ImportPoint::AtTop(leading_comment_lines_end(source))
}

/// Returns the file's line ending, judged by its first line break, so
/// inserted lines match a CRLF file.
pub(crate) fn line_ending(source: &str) -> &'static str {
    match source.find('\n') {
        Some(newline) if source[..newline].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// Returns whether the module already has exactly this import line as a statement.
pub(crate) fn has_import_line(root: Node<'_>, source: &str, import_line: &str) -> bool {
    let mut cursor = root.walk();
    
    root.named_children(&mut cursor).any(|statement| {
        let is_import = matches!(statement.kind(), "import_statement" | "import_from_statement");
        is_import && normalize_spaces(text(statement, source)) == normalize_spaces(import_line)
    })
}

fn normalize_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn module_docstring_end(root: Node<'_>) -> Option<usize> {
    let first = root.named_child(0)?;
    let is_docstring = first.kind() == "expression_statement"
        && first.named_child(0).is_some_and(|expression| expression.kind() == "string");
    is_docstring.then(|| first.end_byte())
}

/// Returns the end of a leading `#!` or `# -*- coding` block, which must stay first.
fn leading_comment_lines_end(source: &str) -> usize {
    let mut end = 0;
    for line in source.split_inclusive('\n') {
        let is_magic = line.starts_with("#!") || (line.starts_with('#') && line.contains("coding"));
        if !is_magic {
            break;
        }
        end += line.len();
    }
    end
}

/// Returns the fix that records an exception above the statement containing `range`.
pub(crate) fn record_exception(root: Node<'_>, source: &str, range: &Range<usize>, rule: &str) -> Fix {
    let node = root.descendant_for_byte_range(range.start, range.start).unwrap_or(root);
    let statement = syntax::enclosing_statement_under(root, node);
    let anchor = if statement.kind() == "module" { range.start } else { statement.start_byte() };

    let line_start = syntax::line_start(source, anchor);
    let indentation = syntax::indentation(source, anchor);
    let newline = line_ending(source);
    let comment = format!("{indentation}# guardian: ignore[{rule}] reason=\"{REASON_PLACEHOLDER}\"{newline}");

    Fix {
        title: format!("Record an exception for {rule}"),
        kind: FixKind::RecordException,
        edits: vec![Edit { range: line_start..line_start, replacement: comment }],
    }
}
