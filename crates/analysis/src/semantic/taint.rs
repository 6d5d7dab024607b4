//! Data flow inside one function: whether an expression carries untrusted
//! data, and from which source.
//!
//! Sources are request data (`request.*` in Flask, Django and Starlette),
//! string and path route parameters (`<name>`, `<path:name>`, `{name}`),
//! `input()`, `sys.argv`, socket reads (`recv`) and the return values of
//! helpers in the same module that return such data. Taint follows local
//! assignments, augmented assignments, f-strings, `%`, `.format`, `+`,
//! `str.join`, containers and method calls on tainted objects. Sanitizers end
//! it: `int()` and `float()` casts, `shlex.quote`, `os.path.basename`,
//! `secure_filename`, and a guard before the use that leaves the function
//! (`if name not in ALLOWED: return …`, `if not path.startswith(root): abort(…)`).

use crate::semantic::syntax::fields;
use tree_sitter::Node;

use super::syntax::{self, text};
use super::values::{ValueOrigin, Values};

/// The maximum depth to which taint follows variables, operands and helpers.
const MAX_DEPTH: u32 = 16;

/// Calls whose result carries none of their arguments' characters in a harmful form.
const SANITIZERS: &[&str] = &[
    "int",
    "float",
    "bool",
    "len",
    "abs",
    "hash",
    "shlex.quote",
    "quote",
    "pipes.quote",
    "os.path.basename",
    "basename",
    "secure_filename",
    "werkzeug.utils.secure_filename",
    "uuid.UUID",
    "UUID",
];

/// Route converters whose values cannot contain `/`, `.` or letters.
const SAFE_ROUTE_CONVERTERS: &[&str] = &["int", "float", "uuid"];

/// Where an untrusted value enters the function.
#[derive(Debug, Clone)]
pub(crate) struct TaintSource<'tree> {
    pub node: Node<'tree>,
    /// A short description for a related location: "untrusted value from `request.args`".
    pub description: String,
}

impl<'a> Values<'a> {
    /// Returns the source of untrusted data that reaches `node`, if any.
    pub fn untrusted_source(&self, node: Node<'a>) -> Option<TaintSource<'a>> {
        self.taint_at(node, 0)
    }

    fn taint_at(&self, node: Node<'a>, depth: u32) -> Option<TaintSource<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = syntax::unparenthesize(node);
        let next = depth + 1;

        match node.kind() {
            "identifier" => self.identifier_taint(node, next),
            "attribute" => {
                if let Some(source) = self.request_source(node) {
                    return Some(source);
                }
                if text(node, self.source) == "sys.argv" {
                    return Some(describe(node, "`sys.argv`"));
                }
                self.taint_at(node.child_by_field_id(fields().object)?, next)
            }
            "call" => self.call_taint(node, next),
            // A lookup returns what the container stores, so an untrusted key
            // only selects among the container's values.
            "subscript" => self.taint_at(node.child_by_field_id(fields().value)?, next),
            "string" => super::values::interpolations(node).into_iter().find_map(|inner| self.taint_at(inner, next)),
            "comparison_operator" | "not_operator" | "integer" | "float" | "true" | "false" | "none" => None,
            "lambda" | "function_definition" | "class_definition" => None,
            _ => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                children.into_iter().filter(|child| child.kind() != "comment").find_map(|child| self.taint_at(child, next))
            }
        }
    }

    fn identifier_taint(&self, identifier: Node<'a>, depth: u32) -> Option<TaintSource<'a>> {
        let name = text(identifier, self.source);
        if name == "request" {
            return Some(describe(identifier, "`request`"));
        }
        if is_guarded(identifier, name, self.source) {
            return None;
        }

        match self.origin(identifier) {
            ValueOrigin::Local { value, augmented, .. } => {
                let from_value = self.taint_at(value, depth);
                from_value.or_else(|| {
                    augmented
                        .iter()
                        .filter_map(|assignment| assignment.child_by_field_id(fields().right))
                        .find_map(|right| self.taint_at(right, depth))
                })
            }
            ValueOrigin::Parameter => route_parameter(identifier, name, self.source),
            ValueOrigin::ModuleConstant | ValueOrigin::Unknown => None,
        }
    }

    fn call_taint(&self, call: Node<'a>, depth: u32) -> Option<TaintSource<'a>> {
        let function = call.child_by_field_id(fields().function)?;
        let function = syntax::unparenthesize(function);
        let function_text = text(function, self.source);
        if SANITIZERS.contains(&function_text) {
            return None;
        }
        if function_text == "input" || function_text == "raw_input" {
            return Some(describe(call, "`input()`"));
        }
        let method = syntax::last_name(function, self.source);
        if matches!(method, Some("recv" | "recvfrom" | "recv_into")) {
            return Some(describe(call, "a socket read"));
        }

        if function.kind() == "attribute" {
            if let Some(source) = self.request_source(function) {
                return Some(source);
            }
            let object_taint = function.child_by_field_id(fields().object).and_then(|object| self.taint_at(object, depth));
            if object_taint.is_some() {
                return object_taint;
            }
            let is_lookup = matches!(method, Some("get" | "setdefault" | "pop"));
            if is_lookup {
                return None;
            }
        }
        if function.kind() == "identifier" {
            if let Some(source) = self.helper_return_taint(function_text, depth) {
                return Some(source);
            }
        }
        let arguments = call.child_by_field_id(fields().arguments)?;
        self.taint_at(arguments, depth)
    }

    /// Follows a call to a function defined at module level in this file to its `return` values.
    fn helper_return_taint(&self, name: &str, depth: u32) -> Option<TaintSource<'a>> {
        let definition = module_function(self.root, name, self.source)?;
        let body = definition.child_by_field_id(fields().body)?;
        let mut returned = Vec::new();
        syntax::walk(body, |node| match node.kind() {
            "function_definition" | "class_definition" | "lambda" => syntax::Walk::SkipChildren,
            "return_statement" => {
                if let Some(value) = node.named_child(0) {
                    returned.push(value);
                }
                syntax::Walk::SkipChildren
            }
            _ => syntax::Walk::Descend,
        });
        returned.into_iter().find_map(|value| self.taint_at(value, depth + 1))
    }

    /// Returns the source when `node` is an attribute chain on `request`: `request.args["q"]`.
    fn request_source(&self, node: Node<'a>) -> Option<TaintSource<'a>> {
        let mut current = syntax::unparenthesize(node);
        let mut request_attribute = None;
        loop {
            let inner = match current.kind() {
                "attribute" => current.child_by_field_id(fields().object),
                "subscript" => current.child_by_field_id(fields().value),
                "call" => current.child_by_field_id(fields().function),
                _ => None,
            };
            let Some(inner) = inner.map(syntax::unparenthesize) else {
                break;
            };
            let is_request = inner.kind() == "identifier" && text(inner, self.source) == "request";
            if is_request && current.kind() == "attribute" {
                request_attribute = Some(current);
            }
            current = inner;
        }
        let attribute = request_attribute?;
        Some(describe(attribute, &format!("`{}`", text(attribute, self.source))))
    }
}

fn describe<'tree>(node: Node<'tree>, what: &str) -> TaintSource<'tree> {
    TaintSource { node, description: format!("untrusted value from {what}") }
}

/// A parameter that a route decorator fills from the request: a Flask `<name>`
/// or `<path:name>` path parameter, or any FastAPI path or query parameter.
/// Numeric converters and annotations (`<int:id>`, `id: int`) and injected
/// dependencies (`Depends(…)`) are safe.
fn route_parameter<'tree>(identifier: Node<'tree>, name: &str, source: &str) -> Option<TaintSource<'tree>> {
    let function = syntax::enclosing_definition(identifier, "function_definition")?;
    let decorated = function.parent().filter(|parent| parent.kind() == "decorated_definition")?;
    if !parameter_may_carry_text(function, name, source) {
        return None;
    }

    let mut cursor = decorated.walk();
    let decorators: Vec<Node<'tree>> = decorated.named_children(&mut cursor).filter(|child| child.kind() == "decorator").collect();
    let declaring = decorators.into_iter().find(|decorator| {
        let decorator_text = text(*decorator, source);
        match route_declares(decorator_text, name) {
            Some(untrusted) => untrusted,
            None => is_fastapi_route(decorator_text) && !decorator_text.contains('<'),
        }
    })?;
    Some(TaintSource { node: declaring, description: format!("untrusted value from the route parameter `{name}`") })
}

/// Returns false for parameters annotated with a numeric type or filled by `Depends(…)`.
fn parameter_may_carry_text(function: Node<'_>, name: &str, source: &str) -> bool {
    let Some(parameters) = function.child_by_field_id(fields().parameters) else {
        return false;
    };
    let mut cursor = parameters.walk();
    let all: Vec<Node<'_>> = parameters.named_children(&mut cursor).collect();
    let Some(parameter) = all.into_iter().find(|parameter| {
        let identifier = match parameter.kind() {
            "identifier" => Some(*parameter),
            "default_parameter" | "typed_default_parameter" => parameter.child_by_field_id(fields().name),
            "typed_parameter" => parameter.named_child(0),
            _ => None,
        };
        identifier.is_some_and(|identifier| text(identifier, source) == name)
    }) else {
        return false;
    };

    let annotation = parameter.child_by_field_id(fields().type_).map(|annotation| text(annotation, source).trim()).unwrap_or("");
    let default = parameter.child_by_field_id(fields().value).map(|value| text(value, source)).unwrap_or("");
    let numeric = matches!(annotation, "int" | "float" | "bool" | "UUID" | "uuid.UUID" | "Decimal" | "date" | "datetime");
    let injected = default.contains("Depends(") || matches!(annotation, "Request" | "Session" | "BackgroundTasks");
    !numeric && !injected
}

/// Returns whether a decorator declares a FastAPI or Starlette route: `@app.get("/…")`.
fn is_fastapi_route(decorator: &str) -> bool {
    let route_methods = [".get(", ".post(", ".put(", ".patch(", ".delete(", ".api_route(", ".websocket("];
    route_methods.iter().any(|method| decorator.contains(method))
}

/// Returns whether a decorator's Flask path declares `name` with a non-numeric
/// converter (`<name>`, `<path:name>`), or `None` when it does not declare it.
fn route_declares(decorator: &str, name: &str) -> Option<bool> {
    let flask_parameters = decorator.split('<').skip(1).filter_map(|rest| rest.split('>').next());
    for parameter in flask_parameters {
        let (converter, parameter_name) = parameter.split_once(':').unwrap_or(("string", parameter));
        if parameter_name.trim() == name {
            return Some(!SAFE_ROUTE_CONVERTERS.contains(&converter.trim()));
        }
    }
    None
}

/// Returns whether an `if` before the use, in the same function, leaves the
/// function unless `name` passed a membership or confinement test.
fn is_guarded(use_node: Node<'_>, name: &str, source: &str) -> bool {
    let Some(function) = syntax::enclosing_definition(use_node, "function_definition") else {
        return false;
    };
    let Some(body) = function.child_by_field_id(fields().body) else {
        return false;
    };

    let mut guarded = false;
    syntax::walk(body, |node| {
        if guarded || node.start_byte() >= use_node.start_byte() {
            return syntax::Walk::SkipChildren;
        }
        if node.kind() != "if_statement" {
            return syntax::Walk::Descend;
        }
        let condition = node.child_by_field_id(fields().condition).map(|condition| text(condition, source)).unwrap_or("");
        let consequence = node.child_by_field_id(fields().consequence);
        let mentions_name = condition.split(|character: char| !character.is_alphanumeric() && character != '_').any(|word| word == name);
        let tests_confinement = condition.contains(" not in ")
            || (condition.trim_start().starts_with("not ")
                && (condition.contains(".startswith(") || condition.contains(".is_relative_to(") || condition.contains(" in ")));
        let leaves = consequence.is_some_and(|block| leaves_function(block, source));
        if mentions_name && tests_confinement && leaves {
            guarded = true;
        }
        syntax::Walk::Descend
    });
    guarded
}

/// Returns whether a block returns, raises or calls `abort`.
fn leaves_function(block: Node<'_>, source: &str) -> bool {
    let mut cursor = block.walk();
    let statements: Vec<Node<'_>> = block.named_children(&mut cursor).collect();
    statements.into_iter().any(|statement| match statement.kind() {
        "return_statement" | "raise_statement" => true,
        "expression_statement" => text(statement, source).trim_start().starts_with("abort("),
        _ => false,
    })
}

fn module_function<'tree>(root: Node<'tree>, name: &str, source: &str) -> Option<Node<'tree>> {
    let mut cursor = root.walk();
    let statements: Vec<Node<'tree>> = root.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|statement| {
        let definition = match statement.kind() {
            "function_definition" => statement,
            "decorated_definition" => statement.child_by_field_id(fields().definition)?,
            _ => return None,
        };
        let definition_name = definition.child_by_field_id(fields().name)?;
        (text(definition_name, source) == name).then_some(definition)
    })
}
