//! Small readers over tree-sitter-python nodes: node text, string literals,
//! call arguments, and an iterative walk that never recurses on deep code.

use std::sync::LazyLock;

use tree_sitter::Node;

/// The numeric ids of the node kinds that hot loops compare against, so they
/// compare integers instead of kind names.
pub(crate) struct Kinds {
    pub call: u16,
    pub assignment: u16,
    pub augmented_assignment: u16,
    pub string: u16,
    pub concatenated_string: u16,
    pub pair: u16,
    pub attribute: u16,
    pub comment: u16,
    pub import_statement: u16,
    pub import_from_statement: u16,
    pub future_import_statement: u16,
    pub function_definition: u16,
}

/// Returns the kind ids of tree-sitter-python's grammar.
pub(crate) fn kinds() -> &'static Kinds {
    static KINDS: LazyLock<Kinds> = LazyLock::new(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let id = |kind: &str| language.id_for_node_kind(kind, true);
        Kinds {
            call: id("call"),
            assignment: id("assignment"),
            augmented_assignment: id("augmented_assignment"),
            string: id("string"),
            concatenated_string: id("concatenated_string"),
            pair: id("pair"),
            attribute: id("attribute"),
            comment: id("comment"),
            import_statement: id("import_statement"),
            import_from_statement: id("import_from_statement"),
            future_import_statement: id("future_import_statement"),
            function_definition: id("function_definition"),
        }
    });
    &KINDS
}

/// Returns whether a node can have statements among its descendants.
/// These are the module, blocks, compound statements and their clauses,
/// definitions, expression statements (whose child may be an assignment),
/// and assignments (`a = b = 1` nests them). So is anything with a syntax
/// error inside, where error recovery may have put statements. Expressions
/// cannot.
pub(crate) fn may_contain_statements(node: Node<'_>) -> bool {
    static CONTAINERS: LazyLock<Vec<bool>> = LazyLock::new(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let mut containers = vec![false; language.node_kind_count()];
        let kinds = [
            "module", "block", "expression_statement", "assignment", "if_statement", "elif_clause", "else_clause",
            "for_statement", "while_statement", "try_statement", "except_clause", "except_group_clause",
            "finally_clause", "with_statement", "function_definition", "class_definition", "decorated_definition",
            "match_statement", "case_clause", "ERROR",
        ];
        for kind in kinds {
            let id = usize::from(language.id_for_node_kind(kind, true));
            if let Some(slot) = containers.get_mut(id) {
                *slot = true;
            }
        }
        containers
    });
    node.has_error() || CONTAINERS.get(usize::from(node.kind_id())).copied().unwrap_or(true)
}

/// Returns whether `text` contains `word`, which must be lowercase ASCII, ignoring ASCII case.
pub(crate) fn contains_ignoring_ascii_case(text: &str, word: &str) -> bool {
    let Some(first) = word.bytes().next() else {
        return true;
    };
    let bytes = text.as_bytes();
    let mut starts = memchr::memchr2_iter(first, first.to_ascii_uppercase(), bytes);
    starts.any(|start| bytes.get(start..start + word.len()).is_some_and(|window| window.eq_ignore_ascii_case(word.as_bytes())))
}

/// The numeric ids of the field names the checks read, so a child lookup
/// does not search the grammar's field names by string.
pub(crate) struct Fields {
    pub function: u16,
    pub object: u16,
    pub left: u16,
    pub right: u16,
    pub name: u16,
    pub value: u16,
    pub attribute: u16,
    pub arguments: u16,
    pub operator: u16,
    pub key: u16,
    pub alias: u16,
    pub subscript: u16,
    pub parameters: u16,
    pub expression: u16,
    pub definition: u16,
    pub body: u16,
    pub type_conversion: u16,
    pub type_: u16,
    pub module_name: u16,
    pub format_specifier: u16,
    pub consequence: u16,
    pub condition: u16,
}

/// Returns the field ids of tree-sitter-python's grammar.
pub(crate) fn fields() -> &'static Fields {
    static FIELDS: LazyLock<Fields> = LazyLock::new(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let id = |name: &str| language.field_id_for_name(name).map_or(0, std::num::NonZeroU16::get);
        Fields {
            function: id("function"),
            object: id("object"),
            left: id("left"),
            right: id("right"),
            name: id("name"),
            value: id("value"),
            attribute: id("attribute"),
            arguments: id("arguments"),
            operator: id("operator"),
            key: id("key"),
            alias: id("alias"),
            subscript: id("subscript"),
            parameters: id("parameters"),
            expression: id("expression"),
            definition: id("definition"),
            body: id("body"),
            type_conversion: id("type_conversion"),
            type_: id("type"),
            module_name: id("module_name"),
            format_specifier: id("format_specifier"),
            consequence: id("consequence"),
            condition: id("condition"),
        }
    });
    &FIELDS
}

/// Whether [`walk`] descends into the node it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    Descend,
    SkipChildren,
}

/// Visits `root` and every descendant in source order, using a tree cursor
/// instead of recursion so deeply nested code cannot overflow the stack.
pub(crate) fn walk<'tree>(root: Node<'tree>, mut visit: impl FnMut(Node<'tree>) -> Walk) {
    walk_with_ancestors(root, |node, _| visit(node));
}

/// Visits `root` and every descendant in source order, like [`walk`], and
/// passes each node's ancestors, outermost first (`root` included). Callers
/// read parents from the slice, because `Node::parent` descends from the
/// root of the tree on every call.
pub(crate) fn walk_with_ancestors<'tree>(root: Node<'tree>, visit: impl FnMut(Node<'tree>, &[Node<'tree>]) -> Walk) {
    walk_subtree_with_ancestors(root, &[], visit);
}

/// Like [`walk_with_ancestors`] for the subtree under `root`, whose own
/// ancestors are `above` (outermost first).
pub(crate) fn walk_subtree_with_ancestors<'tree>(
    root: Node<'tree>,
    above: &[Node<'tree>],
    mut visit: impl FnMut(Node<'tree>, &[Node<'tree>]) -> Walk,
) {
    let mut cursor = root.walk();
    let mut ancestors: Vec<Node<'tree>> = above.to_vec();
    loop {
        let node = cursor.node();
        let descend = visit(node, &ancestors) == Walk::Descend;
        if descend && cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }

        loop {
            if cursor.node().id() == root.id() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            ancestors.pop();
        }
    }
}

/// Returns the source text of a node; empty if the range is not valid UTF-8.
pub(crate) fn text<'source>(node: Node<'_>, source: &'source str) -> &'source str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Strips any number of enclosing parentheses.
pub(crate) fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// Returns the prefix letters of a string literal (`f`, `rb`, …), lowercased.
pub(crate) fn string_prefix(string: Node<'_>, source: &str) -> String {
    let Some(start) = string.child(0).filter(|child| child.kind() == "string_start") else {
        return String::new();
    };
    text(start, source)
        .chars()
        .take_while(|character| character.is_ascii_alphabetic())
        .map(|character| character.to_ascii_lowercase())
        .collect()
}

/// Returns the operands of a chain of `+`, left to right, looking through parentheses.
///
/// The walk is iterative because a long chain nests as deep as it is long.
pub(crate) fn plus_operands<'tree>(expression: Node<'tree>, source: &str) -> Vec<Node<'tree>> {
    let mut operands = Vec::new();
    let mut pending = vec![expression];
    while let Some(node) = pending.pop() {
        let node = unparenthesize(node);
        let is_plus = node.kind() == "binary_operator"
            && node.child_by_field_id(fields().operator).is_some_and(|operator| text(operator, source) == "+");
        if !is_plus {
            operands.push(node);
            continue;
        }
        if let (Some(left), Some(right)) = (node.child_by_field_id(fields().left), node.child_by_field_id(fields().right)) {
            pending.push(right);
            pending.push(left);
        }
    }
    operands
}

/// One part of a string literal's body: raw source text, or an f-string interpolation's expression.
pub(crate) enum StringSegment<'source, 'tree> {
    Text(&'source str),
    Interpolation(Node<'tree>),
}

/// Splits a string literal's body (between the quotes) into text and interpolations.
///
/// Returns `None` when an interpolation has a format specification or a
/// conversion (`{x:>10}`, `{x!r}`), because callers that rebuild the string
/// cannot keep those exactly. Text segments are raw source, escapes included.
pub(crate) fn string_segments<'source, 'tree>(
    string: Node<'tree>,
    source: &'source str,
) -> Option<Vec<StringSegment<'source, 'tree>>> {
    let body_start = string.child(0)?.end_byte();
    let body_end = string.child(string.child_count().checked_sub(1)?)?.start_byte();

    let mut segments = Vec::new();
    let mut position = body_start;
    let mut cursor = string.walk();
    for child in string.children(&mut cursor) {
        if child.kind() != "interpolation" {
            continue;
        }
        let has_modifiers =
            child.child_by_field_id(fields().format_specifier).is_some() || child.child_by_field_id(fields().type_conversion).is_some();
        if has_modifiers {
            return None;
        }
        segments.push(StringSegment::Text(source.get(position..child.start_byte())?));
        segments.push(StringSegment::Interpolation(child.child_by_field_id(fields().expression)?));
        position = child.end_byte();
    }
    segments.push(StringSegment::Text(source.get(position..body_end)?));
    Some(segments)
}

/// Returns the quote of a string literal: `"`, `'`, `"""` or `'''`.
pub(crate) fn string_quote<'source>(string: Node<'_>, source: &'source str) -> &'source str {
    let Some(start) = string.child(0).filter(|child| child.kind() == "string_start") else {
        return "\"";
    };
    text(start, source).trim_start_matches(|character: char| character.is_ascii_alphabetic())
}

/// Returns whether a `string` node has `{…}` interpolations (an f-string or t-string with values).
pub(crate) fn has_interpolation(string: Node<'_>) -> bool {
    let mut cursor = string.walk();
    
    string.children(&mut cursor).any(|child| child.kind() == "interpolation")
}

/// Returns the source text between the quotes of a `string` node, escapes left as written.
pub(crate) fn string_body<'source>(string: Node<'_>, source: &'source str) -> &'source str {
    let count = string.child_count();
    let (Some(start), Some(end)) = (string.child(0), count.checked_sub(1).and_then(|last| string.child(last))) else {
        return "";
    };
    if start.kind() != "string_start" || end.kind() != "string_end" {
        return "";
    }
    source.get(start.end_byte()..end.start_byte()).unwrap_or("")
}

/// Returns the value of a literal without interpolations: a string, an implicit
/// concatenation of strings, or either in parentheses. Escapes are decoded
/// only where that is cheap (`\n`, `\t`, quotes, backslash).
pub(crate) fn literal_string(node: Node<'_>, source: &str) -> Option<String> {
    let node = unparenthesize(node);
    match node.kind() {
        "string" => {
            if has_interpolation(node) {
                return None;
            }
            let raw = string_prefix(node, source).contains('r');
            let body = string_body(node, source);
            Some(if raw { body.to_owned() } else { decode_simple_escapes(body) })
        }
        "concatenated_string" => {
            let mut value = String::new();
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                if part.kind() == "comment" {
                    continue;
                }
                value.push_str(&literal_string(part, source)?);
            }
            Some(value)
        }
        _ => None,
    }
}

fn decode_simple_escapes(body: &str) -> String {
    let mut decoded = String::with_capacity(body.len());
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        if character != '\\' {
            decoded.push(character);
            continue;
        }
        match characters.next() {
            Some('n') => decoded.push('\n'),
            Some('t') => decoded.push('\t'),
            Some('\n') => {}
            // Python reads a CRLF or a lone CR as a line break, so this is a line continuation too.
            Some('\r') => {
                characters.next_if_eq(&'\n');
            }
            Some(other @ ('\\' | '\'' | '"')) => decoded.push(other),
            Some(other) => {
                decoded.push('\\');
                decoded.push(other);
            }
            None => decoded.push('\\'),
        }
    }
    decoded
}

/// The positional and keyword arguments of a call.
pub(crate) struct Arguments<'tree> {
    pub positional: Vec<Node<'tree>>,
    /// `(name, value, the whole keyword_argument node)`.
    pub keywords: Vec<(String, Node<'tree>, Node<'tree>)>,
    /// Every argument node in order, keyword arguments and `*args` included.
    pub all: Vec<Node<'tree>>,
}

impl<'tree> Arguments<'tree> {
    pub fn of(call: Node<'tree>, source: &str) -> Self {
        let mut arguments = Self { positional: Vec::new(), keywords: Vec::new(), all: Vec::new() };
        let Some(list) = call.child_by_field_id(fields().arguments) else {
            return arguments;
        };
        if list.kind() != "argument_list" {
            return arguments;
        }

        let mut cursor = list.walk();
        for argument in list.named_children(&mut cursor) {
            match argument.kind() {
                "comment" => continue,
                "keyword_argument" => {
                    let name = argument.child_by_field_id(fields().name).map(|name| text(name, source).to_owned());
                    if let (Some(name), Some(value)) = (name, argument.child_by_field_id(fields().value)) {
                        arguments.keywords.push((name, value, argument));
                    }
                }
                "list_splat" | "dictionary_splat" => {}
                _ => arguments.positional.push(argument),
            }
            arguments.all.push(argument);
        }
        arguments
    }

    /// Returns the value of the keyword argument `name`.
    pub fn keyword(&self, name: &str) -> Option<Node<'tree>> {
        self.keyword_argument(name).map(|(value, _)| value)
    }

    /// Returns the value and the whole `name=value` node of the keyword argument `name`.
    pub fn keyword_argument(&self, name: &str) -> Option<(Node<'tree>, Node<'tree>)> {
        self.keywords
            .iter()
            .find(|(keyword, _, _)| keyword == name)
            .map(|(_, value, whole)| (*value, *whole))
    }

    /// Returns the first positional argument, or the keyword argument `keyword`.
    pub fn first_or_keyword(&self, keyword: &str) -> Option<Node<'tree>> {
        self.positional.first().copied().or_else(|| self.keyword(keyword))
    }
}

/// Returns whether the node is the literal `True`.
pub(crate) fn is_true(node: Node<'_>) -> bool {
    unparenthesize(node).kind() == "true"
}

/// Returns whether the node is the literal `False`.
pub(crate) fn is_false(node: Node<'_>) -> bool {
    unparenthesize(node).kind() == "false"
}

/// Returns the last identifier of a name or attribute chain: `execute` in `cur.execute`.
pub(crate) fn last_name<'source>(node: Node<'_>, source: &'source str) -> Option<&'source str> {
    match node.kind() {
        "identifier" => Some(text(node, source)),
        "attribute" => node.child_by_field_id(fields().attribute).map(|name| text(name, source)),
        _ => None,
    }
}

/// Returns the statement that contains `node`: its ancestor whose parent is a module or block.
pub(crate) fn enclosing_statement(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if matches!(parent.kind(), "module" | "block") {
            return current;
        }
        current = parent;
    }
    current
}

/// Like [`enclosing_statement`], for a `node` under `root`, but found by walking down
/// from `root` once: `Node::parent` descends from the root on each call, so
/// walking up from a node deep in a long `+` chain costs the square of its depth.
pub(crate) fn enclosing_statement_under<'tree>(root: Node<'tree>, node: Node<'tree>) -> Node<'tree> {
    let mut statement = root;
    let mut current = root;
    while current.id() != node.id() {
        let Some(child) = current.child_with_descendant(node) else {
            return enclosing_statement(node);
        };
        if matches!(current.kind(), "module" | "block") {
            statement = child;
        }
        current = child;
    }
    statement
}

/// Returns the nearest enclosing function or class definition, if any.
pub(crate) fn enclosing_definition<'tree>(node: Node<'tree>, kind: &str) -> Option<Node<'tree>> {
    let mut current = node.parent();
    while let Some(candidate) = current {
        if candidate.kind() == kind {
            return Some(candidate);
        }
        current = candidate.parent();
    }
    None
}

/// Returns the start of the line that contains `offset`.
pub(crate) fn line_start(source: &str, offset: usize) -> usize {
    source.get(..offset).and_then(|before| before.rfind('\n')).map_or(0, |newline| newline + 1)
}

/// Returns the spaces and tabs that open the line containing `offset`.
pub(crate) fn indentation(source: &str, offset: usize) -> &str {
    let start = line_start(source, offset);
    let line = source.get(start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_exist_in_the_grammar() {
        let fields = fields();
        let all = [fields.function, fields.object, fields.left, fields.right, fields.name, fields.value, fields.attribute, fields.arguments, fields.operator, fields.key, fields.alias, fields.subscript, fields.parameters, fields.expression, fields.definition, fields.body, fields.type_conversion, fields.type_, fields.module_name, fields.format_specifier, fields.consequence, fields.condition];
        assert!(all.iter().all(|id| *id != 0), "a field name is missing from the grammar");
    }

    #[test]
    fn kind_ids_exist_in_the_grammar() {
        let kinds = kinds();
        let all = [
            kinds.call,
            kinds.assignment,
            kinds.augmented_assignment,
            kinds.string,
            kinds.concatenated_string,
            kinds.pair,
            kinds.attribute,
            kinds.comment,
            kinds.import_statement,
            kinds.import_from_statement,
            kinds.future_import_statement,
            kinds.function_definition,
        ];
        assert!(all.iter().all(|id| *id != 0), "a kind name is missing from the grammar");
    }
}
