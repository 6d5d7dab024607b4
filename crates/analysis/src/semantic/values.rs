//! Value origins: module-level constants, the last local assignment before a
//! use, function parameters. Also the test for expressions built only from
//! literals and constants.

use crate::semantic::syntax::fields;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::syntax::{self, text};

/// The maximum depth to which [`Values::is_constant`] follows variables and operands.
const MAX_DEPTH: u32 = 12;

/// Names assigned exactly once at module level, to a constant expression.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleConstants {
    constant: HashSet<String>,
    assignment_counts: HashMap<String, usize>,
    /// The value range of every name assigned exactly once at module level.
    single_values: HashMap<String, (usize, usize)>,
    candidates: Vec<(String, usize, usize)>,
}

impl ModuleConstants {
    /// Records an `assignment` node for [`ModuleConstants::finish`], given its
    /// ancestors (outermost first); only module-level assignments count.
    pub fn record(&mut self, assignment: Node<'_>, ancestors: &[Node<'_>], source: &str) {
        let at_module_level = match ancestors {
            [module, statement] => module.kind() == "module" && statement.kind() == "expression_statement",
            _ => false,
        };
        if !at_module_level {
            return;
        }
        let (Some(left), Some(right)) = (assignment.child_by_field_id(fields().left), assignment.child_by_field_id(fields().right))
        else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }

        let name = text(left, source).to_owned();
        *self.assignment_counts.entry(name.clone()).or_default() += 1;
        self.candidates.push((name, right.start_byte(), right.end_byte()));
    }

    /// Decides, in source order, which recorded names are constants.
    pub fn finish(&mut self, root: Node<'_>, source: &str) {
        let candidates = std::mem::take(&mut self.candidates);
        for (name, start, end) in candidates {
            if self.assignment_counts.get(&name) != Some(&1) {
                continue;
            }
            let Some(value) = root.descendant_for_byte_range(start, end) else {
                continue;
            };
            self.single_values.insert(name.clone(), (start, end));
            let no_assignments = AssignmentIndex::default();
            let values = Values { source, root, constants: self, assignments: &no_assignments };
            if values.is_constant_expression(value, 0) {
                self.constant.insert(name);
            }
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.constant.contains(name)
    }
}

/// Every assignment to a plain name, grouped by scope, so finding the last
/// assignment before a use is a lookup instead of a walk over the function.
#[derive(Debug, Clone, Default)]
pub(crate) struct AssignmentIndex {
    /// `(scope node id, name)` to the assignments in source order.
    by_scope: HashMap<(usize, String), Vec<IndexedAssignment>>,
    /// The byte ranges of every function, built on the first [`Values::origin`].
    functions: OnceCell<FunctionIndex>,
}

/// The byte ranges of the module's functions, in source order, each with the
/// index of the innermost function around it. Finding the function around a
/// use is then a binary search; walking up with `Node::parent`, which
/// tree-sitter answers by descending from the root, costs the square of the
/// depth and made long `+` chains quadratic.
#[derive(Debug, Clone, Default)]
struct FunctionIndex {
    functions: Vec<IndexedFunction>,
}

#[derive(Debug, Clone, Copy)]
struct IndexedFunction {
    start: usize,
    end: usize,
    enclosing: Option<usize>,
}

impl FunctionIndex {
    /// Records every `function_definition` under `root` in one iterative walk.
    fn build(root: Node<'_>) -> Self {
        let mut index = Self::default();
        let mut open = Vec::new();
        syntax::walk(root, |node| {
            if node.kind() == "function_definition" {
                index.push(node, &mut open);
            }
            syntax::Walk::Descend
        });
        index
    }

    /// Adds the next `function_definition` in source order. `open` contains
    /// the indexes of the functions that may still enclose later ones.
    fn push(&mut self, function: Node<'_>, open: &mut Vec<usize>) {
        while open.last().is_some_and(|&last| self.functions[last].end <= function.start_byte()) {
            open.pop();
        }
        let enclosing = open.last().copied();
        open.push(self.functions.len());
        self.functions.push(IndexedFunction { start: function.start_byte(), end: function.end_byte(), enclosing });
    }

    /// Returns the byte range of the innermost function that strictly contains `range`.
    fn enclosing(&self, range: std::ops::Range<usize>) -> Option<(usize, usize)> {
        let after = self.functions.partition_point(|function| function.start <= range.start);
        let mut candidate = after.checked_sub(1);
        while let Some(index) = candidate {
            let function = self.functions[index];
            let contains = function.start <= range.start && range.end <= function.end;
            let is_itself = function.start == range.start && function.end == range.end;
            if contains && !is_itself {
                return Some((function.start, function.end));
            }
            candidate = function.enclosing;
        }
        None
    }
}

#[derive(Debug, Clone, Copy)]
struct IndexedAssignment {
    start: usize,
    end: usize,
    augmented: bool,
}

/// Builds the function index during a walk that visits nodes in source order.
#[derive(Debug, Default)]
pub(crate) struct FunctionIndexBuilder {
    index: FunctionIndex,
    open: Vec<usize>,
}

impl FunctionIndexBuilder {
    /// Records a `function_definition`; call it in source order.
    pub fn record(&mut self, function: Node<'_>) {
        self.index.push(function, &mut self.open);
    }
}

impl AssignmentIndex {
    /// Stores the function index that a walk over the whole module built, so
    /// the first [`Values::origin`] does not walk the module again.
    pub fn set_functions(&mut self, builder: FunctionIndexBuilder) {
        self.functions = OnceCell::from(builder.index);
    }

    /// Records an `assignment` or `augmented_assignment` whose target is a
    /// plain name, given its ancestors (outermost first).
    pub fn record(&mut self, node: Node<'_>, ancestors: &[Node<'_>], source: &str) {
        let augmented = match node.kind() {
            "assignment" => false,
            "augmented_assignment" => true,
            _ => return,
        };
        let Some(left) = node.child_by_field_id(fields().left).filter(|left| left.kind() == "identifier") else {
            return;
        };
        if node.child_by_field_id(fields().right).is_none() {
            return;
        }
        let Some(scope) = assignment_scope(ancestors) else {
            return;
        };

        let entry = IndexedAssignment { start: node.start_byte(), end: node.end_byte(), augmented };
        self.by_scope.entry((scope.id(), text(left, source).to_owned())).or_default().push(entry);
    }
}

/// Returns the function whose locals an assignment binds, or the module; `None` inside
/// a class body or a lambda, whose names are not the function's locals.
fn assignment_scope<'tree>(ancestors: &[Node<'tree>]) -> Option<Node<'tree>> {
    for (index, candidate) in ancestors.iter().enumerate().rev() {
        match candidate.kind() {
            "function_definition" => return Some(*candidate),
            "class_definition" | "lambda" => return None,
            _ if index == 0 => return Some(*candidate),
            _ => {}
        }
    }
    None
}

/// The origin of a name's value at one use.
#[derive(Debug, Clone)]
pub(crate) enum ValueOrigin<'tree> {
    /// The last plain assignment to the name before the use, in the same
    /// function, plus any augmented assignments (`+=`) after it.
    Local { assignment: Node<'tree>, value: Node<'tree>, augmented: Vec<Node<'tree>> },
    /// A parameter of the enclosing function, with no assignment before the use.
    Parameter,
    /// A module-level constant.
    ModuleConstant,
    /// Anything else: a global, a builtin, a name bound by a loop or `with`.
    Unknown,
}

/// Answers questions about values in one module.
#[derive(Clone, Copy)]
pub(crate) struct Values<'a> {
    pub source: &'a str,
    pub root: Node<'a>,
    pub constants: &'a ModuleConstants,
    pub assignments: &'a AssignmentIndex,
}

impl<'a> Values<'a> {
    /// Follows a name to the expression it was last assigned. Local variables
    /// without augmented assignments and names assigned once at module level
    /// are followed. Any other node is returned unchanged.
    pub fn assigned_value(&self, node: Node<'a>) -> Node<'a> {
        let mut current = syntax::unparenthesize(node);
        for _ in 0..4 {
            if current.kind() != "identifier" {
                break;
            }
            let next = match self.origin(current) {
                ValueOrigin::Local { value, augmented, .. } if augmented.is_empty() => Some(value),
                ValueOrigin::Local { .. } | ValueOrigin::Parameter => None,
                ValueOrigin::ModuleConstant | ValueOrigin::Unknown => self.module_value(current),
            };
            match next {
                Some(value) => current = syntax::unparenthesize(value),
                None => break,
            }
        }
        current
    }

    fn module_value(&self, identifier: Node<'a>) -> Option<Node<'a>> {
        let (start, end) = self.constants.single_values.get(text(identifier, self.source))?;
        self.root.descendant_for_byte_range(*start, *end)
    }

    /// Returns whether the expression at this use is built only from literals, module
    /// constants and local variables that are themselves constant.
    pub fn is_constant(&self, node: Node<'_>) -> bool {
        self.is_constant_at(node, 0, &|_| false)
    }

    /// Like [`Values::is_constant`], but also accepts any operand, at any depth,
    /// for which `constant_like` returns true. A check uses it for values that
    /// are constant for its purpose, such as SQL identifiers from `quote_name`.
    pub fn is_constant_or(&self, node: Node<'_>, constant_like: &dyn Fn(Node<'_>) -> bool) -> bool {
        self.is_constant_at(node, 0, constant_like)
    }

    fn is_constant_at(&self, node: Node<'_>, depth: u32, constant_like: &dyn Fn(Node<'_>) -> bool) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let node = syntax::unparenthesize(node);
        if constant_like(node) {
            return true;
        }
        if node.kind() != "identifier" {
            return self.is_constant_with(node, depth, &|inner, next| self.is_constant_at(inner, next, constant_like));
        }

        match self.origin(node) {
            ValueOrigin::ModuleConstant => true,
            ValueOrigin::Local { value, augmented, .. } => {
                let augmented_constant = augmented.iter().all(|augmented| {
                    augmented
                        .child_by_field_id(fields().right)
                        .is_some_and(|right| self.is_constant_at(right, depth + 1, constant_like))
                });
                augmented_constant && self.is_constant_at(value, depth + 1, constant_like)
            }
            ValueOrigin::Parameter | ValueOrigin::Unknown => false,
        }
    }

    /// Returns whether the expression is constant, treating every identifier that is
    /// not a module constant as non-constant (no local tracking).
    fn is_constant_expression(&self, node: Node<'_>, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let node = syntax::unparenthesize(node);
        if node.kind() == "identifier" {
            return self.constants.contains(text(node, self.source));
        }
        self.is_constant_with(node, depth, &|inner, next| self.is_constant_expression(inner, next))
    }

    fn is_constant_with(&self, node: Node<'_>, depth: u32, operand: &dyn Fn(Node<'_>, u32) -> bool) -> bool {
        let next = depth + 1;
        match node.kind() {
            "integer" | "float" | "true" | "false" | "none" => true,
            "string" => interpolations(node).iter().all(|expression| operand(*expression, next)),
            "concatenated_string" | "tuple" | "list" | "expression_list" => {
                let mut cursor = node.walk();
                
                node
                    .named_children(&mut cursor)
                    .filter(|child| child.kind() != "comment")
                    .all(|child| operand(child, next))
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let pairs: Vec<Node<'_>> = node.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect();
                pairs.into_iter().all(|pair| {
                    let key_constant = pair.child_by_field_id(fields().key).is_some_and(|key| operand(key, next));
                    let value_constant = pair.child_by_field_id(fields().value).is_some_and(|value| operand(value, next));
                    pair.kind() == "pair" && key_constant && value_constant
                })
            }
            // `"a" if flag else "b"`: the condition only selects between constant branches.
            "conditional_expression" => {
                let mut cursor = node.walk();
                let parts: Vec<Node<'_>> = node.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect();
                match parts.as_slice() {
                    [consequence, _condition, alternative] => operand(*consequence, next) && operand(*alternative, next),
                    _ => false,
                }
            }
            "binary_operator" => {
                let left = node.child_by_field_id(fields().left);
                let right = node.child_by_field_id(fields().right);
                left.is_some_and(|left| operand(left, next)) && right.is_some_and(|right| operand(right, next))
            }
            "call" => self.is_constant_method_call(node, next, operand),
            _ => false,
        }
    }

    /// `"…".format(constants)`, `"…".join(constants)`, `"…".upper()` and the like.
    fn is_constant_method_call(&self, call: Node<'_>, depth: u32, operand: &dyn Fn(Node<'_>, u32) -> bool) -> bool {
        let Some(function) = call.child_by_field_id(fields().function).filter(|function| function.kind() == "attribute")
        else {
            return false;
        };
        let method = function.child_by_field_id(fields().attribute).map(|name| text(name, self.source));
        let string_method = matches!(
            method,
            Some("format" | "join" | "upper" | "lower" | "strip" | "replace" | "lstrip" | "rstrip")
        );
        let object_constant = function.child_by_field_id(fields().object).is_some_and(|object| operand(object, depth));
        if !string_method || !object_constant {
            return false;
        }

        let arguments = syntax::Arguments::of(call, self.source);
        let positional_constant = arguments.positional.iter().all(|argument| operand(*argument, depth));
        let keywords_constant = arguments.keywords.iter().all(|(_, value, _)| operand(*value, depth));
        let no_splats = arguments.all.len() == arguments.positional.len() + arguments.keywords.len();
        positional_constant && keywords_constant && no_splats
    }

    /// Finds where the value of the identifier `use_node` comes from.
    pub fn origin(&self, use_node: Node<'a>) -> ValueOrigin<'a> {
        let name = text(use_node, self.source);
        let function = self.enclosing_function(use_node);
        let scope = function.unwrap_or(self.root);

        if let Some(local) = self.last_assignment_before(scope, name, use_node.start_byte()) {
            return local;
        }
        if function.is_some_and(|function| find_parameter(function, name, self.source).is_some()) {
            return ValueOrigin::Parameter;
        }
        if self.constants.contains(name) {
            return ValueOrigin::ModuleConstant;
        }
        ValueOrigin::Unknown
    }

    /// Returns the innermost function definition around `node`, like
    /// [`syntax::enclosing_definition`] but without walking up the tree.
    fn enclosing_function(&self, node: Node<'a>) -> Option<Node<'a>> {
        let index = self.assignments.functions.get_or_init(|| FunctionIndex::build(self.root));
        let (start, end) = index.enclosing(node.byte_range())?;
        let found = self.root.descendant_for_byte_range(start, end);
        match found.filter(|found| found.kind() == "function_definition" && found.byte_range() == (start..end)) {
            Some(function) => Some(function),
            None => syntax::enclosing_definition(node, "function_definition"),
        }
    }

    /// Returns the last plain assignment to `name` in `scope` that ends before
    /// `before`, with the augmented assignments that follow it.
    fn last_assignment_before<'tree>(&self, scope: Node<'tree>, name: &str, before: usize) -> Option<ValueOrigin<'tree>> {
        let entries = self.assignments.by_scope.get(&(scope.id(), name.to_owned()))?;
        let earlier = entries.partition_point(|entry| entry.end <= before);

        let mut augmented = Vec::new();
        for entry in entries[..earlier].iter().rev() {
            let node = node_at(scope, entry.start, entry.end)?;
            if entry.augmented {
                augmented.push(node);
                continue;
            }
            augmented.reverse();
            let value = node.child_by_field_id(fields().right)?;
            return Some(ValueOrigin::Local { assignment: node, value, augmented });
        }
        None
    }
}

/// Returns the assignment node with exactly this range inside `scope`.
fn node_at(scope: Node<'_>, start: usize, end: usize) -> Option<Node<'_>> {
    let mut node = scope.descendant_for_byte_range(start, end)?;
    while !matches!(node.kind(), "assignment" | "augmented_assignment") || node.byte_range() != (start..end) {
        node = node.parent()?;
        if node.start_byte() < start {
            return None;
        }
    }
    Some(node)
}

/// Returns the `{…}` expressions of an f-string; empty for a plain string.
pub(crate) fn interpolations(string: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = string.walk();
    
    string
        .children(&mut cursor)
        .filter(|child| child.kind() == "interpolation")
        .filter_map(|interpolation| interpolation.child_by_field_id(fields().expression))
        .collect()
}

fn find_parameter<'tree>(function: Node<'tree>, name: &str, source: &str) -> Option<Node<'tree>> {
    let parameters = function.child_by_field_id(fields().parameters)?;
    let mut cursor = parameters.walk();
    
    parameters.named_children(&mut cursor).find(|parameter| {
        let identifier = match parameter.kind() {
            "identifier" => Some(*parameter),
            "default_parameter" | "typed_default_parameter" => parameter.child_by_field_id(fields().name),
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => parameter.named_child(0),
            _ => None,
        };
        identifier.is_some_and(|identifier| text(identifier, source) == name)
    })
}
