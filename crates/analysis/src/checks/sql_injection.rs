//! `sql-injection`: a SQL statement built by formatting or concatenation with
//! a non-constant value and passed to a database API.

use crate::semantic::syntax::fields;
use std::sync::LazyLock;

use guardian_policy::Severity;
use regex::Regex;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::ValueOrigin;
use crate::semantic::syntax::{self, Arguments, StringSegment};
use crate::semantic::values::interpolations;
use crate::{CheckInfo, Edit, Fix, FixKind, Related};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "sql-injection",
    summary: "SQL built from strings with non-constant values and sent to a database",
    documentation: DOCUMENTATION,
    topics: &["sql", "sql injection", "database query", "database queries"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// The sink methods and SQLAlchemy's `text`, which needs an import of `sqlalchemy`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["execute", "read_sql", "raw", "extra", "sqlalchemy"]);

const DOCUMENTATION: &str = r#"# sql-injection

## What it does

Reports a SQL statement built with an f-string, `%` formatting,
`str.format` or `+` concatenation that includes a non-constant value, when
the statement reaches `execute`, `executemany`, `executescript`, pandas
`read_sql`/`read_sql_query`, Django `raw` and `extra(where=[…])`, or
SQLAlchemy `text()`. The query
may be built in place or in a local variable assigned earlier in the same
function (`query += …` included).

## Why it matters

A value spliced into SQL text can close the string literal and add SQL of
its own. Attackers use this to read other users' data, bypass logins or
modify the database. Parameterized queries send the values separately from
the statement, so the database never parses them as SQL.

## Example

```python
cursor.execute(f"SELECT * FROM orders WHERE customer = '{customer}'")
```

## Use instead

```python
cursor.execute("SELECT * FROM orders WHERE customer = ?", (customer,))
```

The placeholder depends on the driver: `?` for `sqlite3`, `%s` for
psycopg, PyMySQL, MySQLdb and mysql-connector, `:name` for SQLAlchemy
`text()`. The fix uses the style of the driver the module imports and
removes SQL quotes around the placeholder.

For SQLAlchemy, the fix binds named parameters:

```python
conn.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
```

An identifier keeps its name, an attribute such as `user.id` becomes
`user_id`, and any other value becomes `param_1`, `param_2`….

## Known problems

Identifiers (table or column names) cannot be parameters; build them from an
allowlist and record an exception. Some operands count as constant although
they are not literals, because they cannot carry SQL from outside: identifiers
quoted with `quote_name(…)` (Django's `connection.ops.quote_name`,
`schema_editor.quote_name`), numbers from `int(…)`, `float(…)` and `len(…)`,
Django backend attributes (`connection.features.*`, `connection.ops.*`),
model table names (`Model._meta.db_table`), upper-case class constants
(`self.SQL_CREATE`), and `str(…)` or `identifier_converter(…)` of any of
these. A `quote_name` that does not quote is trusted all the same. Test code
is checked like application code, because SQL built by formatting there is
still the pattern the policy forbids. The fix handles f-strings, `+`, `%` and
`str.format` with `execute`, `executemany`, `raw`, and `text()` passed
alone to an `execute` method. Queries passed to `read_sql`, appended with
`+=`, or given to `text()` elsewhere (`stmt = text(…)`, or a call that
already has parameters) are reported without a fix. The `text()` fix is not
offered when a value is constant, since it may be a table or column name. Values that are constant but come from
another module are not recognized as constant. Only the last assignment
before the call is followed, without regard to branches.

## References

- CWE-89: Improper Neutralization of Special Elements used in an SQL Command
- Bandit B608 (hardcoded_sql_expressions)
- Ruff S608
"#;

/// Methods that send a statement to a database.
const SINK_METHODS: &[&str] = &["execute", "executemany", "executescript", "read_sql", "read_sql_query", "raw"];

/// SQLAlchemy's textual SQL constructors.
const TEXT_FUNCTIONS: &[&str] = &["sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"];

/// Keyword names a query may be passed under instead of positionally.
const QUERY_KEYWORDS: &[&str] = &["sql", "query", "statement", "operation"];

/// Driver modules that use `%s` placeholders.
const FORMAT_STYLE_DRIVERS: &[&str] = &["psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql.connector", "mysql"];

static SQL_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(select|insert|update|delete|create|drop|alter|replace|pragma|merge|truncate|grant|revoke|where|values|from|into|set|order\s+by|exec)\b")
        .expect("the pattern is a valid literal")
});

/// Attributes of a Django-style database connection's backend description,
/// such as `connection.features.bare_select_suffix` or `self.connection.ops.max_name_length`.
static BACKEND_CONSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z_][A-Za-z_0-9]*\.)*[A-Za-z_0-9]*connection\.(?:features|ops)\.[A-Za-z_][A-Za-z_0-9]*$")
        .expect("the pattern is a valid literal")
});

/// The way a query string was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Construction {
    FString,
    PercentFormat,
    FormatMethod,
    Concatenation,
}

impl Construction {
    fn description(self) -> &'static str {
        match self {
            Construction::FString => "an f-string",
            Construction::PercentFormat => "`%` formatting",
            Construction::FormatMethod => "`str.format`",
            Construction::Concatenation => "string concatenation",
        }
    }
}

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    check_django_extra(context, call, findings);
    let Some(sink) = sink_name(context, call) else {
        return;
    };
    let arguments = Arguments::of(call, context.source);
    let Some(query) = query_argument(&arguments) else {
        return;
    };

    let query = syntax::unparenthesize(query);
    if query.kind() == "identifier" {
        check_query_variable(context, call, &arguments, query, &sink, findings);
        return;
    }

    let Some(construction) = construction(context, query) else {
        return;
    };
    if !looks_like_sql(context, query) {
        return;
    }

    let message = format!(
        "possible SQL injection: query built with {} reaches `{sink}`; pass values as query parameters",
        construction.description()
    );
    let fixes = parameterize_in_place(context, call, &arguments, query, &sink).into_iter().collect();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: query.byte_range(), message, fixes, related: Vec::new() });
}

/// Django's `QuerySet.extra(where=[…])` takes raw SQL fragments.
fn check_django_extra(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function).filter(|function| function.kind() == "attribute") else {
        return;
    };
    if syntax::last_name(function, context.source) != Some("extra") {
        return;
    }
    let arguments = Arguments::of(call, context.source);
    let Some(fragments) = arguments.keyword("where").map(syntax::unparenthesize) else {
        return;
    };
    if !matches!(fragments.kind(), "list" | "tuple") {
        return;
    }

    let mut cursor = fragments.walk();
    for fragment in fragments.named_children(&mut cursor) {
        let Some(construction) = construction(context, fragment) else {
            continue;
        };
        let message = format!(
            "possible SQL injection: a `where` fragment built with {} reaches `extra`; pass values through `params`",
            construction.description()
        );
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: fragment.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
    }
}

fn check_query_variable(
    context: &Context<'_>,
    call: Node<'_>,
    arguments: &Arguments<'_>,
    variable: Node<'_>,
    sink: &str,
    findings: &mut Vec<RawFinding>,
) {
    let ValueOrigin::Local { assignment, value, augmented } = context.values.origin(variable) else {
        return;
    };

    let mut built = construction(context, value).map(|construction| (construction, assignment));
    for augmented_assignment in &augmented {
        let right = augmented_assignment.child_by_field_id(fields().right);
        let appends_value = right.is_some_and(|right| !is_sql_constant(context, right));
        if appends_value && built.is_none() {
            built = Some((Construction::Concatenation, *augmented_assignment));
        }
    }
    let Some((construction, built_at)) = built else {
        return;
    };
    let sql_text_present = looks_like_sql(context, value)
        || augmented.iter().any(|augmented| augmented.child_by_field_id(fields().right).is_some_and(|right| looks_like_sql(context, right)));
    if !sql_text_present {
        return;
    }

    let name = context.text(variable);
    let message = format!(
        "possible SQL injection: `{name}` is built with {} and reaches `{sink}`; pass values as query parameters",
        construction.description()
    );
    let related = vec![Related { range: built_at.byte_range(), message: format!("`{name}` is built here") }];
    let fixes = if augmented.is_empty() {
        parameterize_variable(context, call, arguments, variable, value, sink).into_iter().collect()
    } else {
        Vec::new()
    };
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: variable.byte_range(), message, fixes, related });
}

/// Returns the sink's display name if `call` sends SQL to a database.
fn sink_name(context: &Context<'_>, call: Node<'_>) -> Option<String> {
    let function = call.child_by_field_id(fields().function)?;
    let method = syntax::last_name(function, context.source)?;
    if SINK_METHODS.contains(&method) && (function.kind() == "attribute" || context.imports.is_imported_root(function, context.source)) {
        return Some(method.to_owned());
    }

    let qualified = context.callee(call)?;
    TEXT_FUNCTIONS.contains(&qualified.as_str()).then(|| "text".to_owned())
}

fn query_argument<'tree>(arguments: &Arguments<'tree>) -> Option<Node<'tree>> {
    if let Some(first) = arguments.positional.first() {
        return Some(*first);
    }
    QUERY_KEYWORDS.iter().find_map(|keyword| arguments.keyword(keyword))
}

/// Returns how `expression` builds a string from a non-constant value, if it does.
fn construction(context: &Context<'_>, expression: Node<'_>) -> Option<Construction> {
    let expression = syntax::unparenthesize(expression);
    match expression.kind() {
        "string" => {
            let dynamic = interpolations(expression).iter().any(|value| !is_sql_constant(context, *value));
            dynamic.then_some(Construction::FString)
        }
        "concatenated_string" => {
            let mut cursor = expression.walk();
            let dynamic = expression.named_children(&mut cursor).any(|part| part.kind() == "string" && construction(context, part).is_some());
            dynamic.then_some(Construction::FString)
        }
        "binary_operator" => {
            let operator = expression.child_by_field_id(fields().operator).map(|operator| context.text(operator));
            let left = expression.child_by_field_id(fields().left)?;
            let right = expression.child_by_field_id(fields().right)?;
            match operator {
                Some("%") if is_string_like(left) && !is_sql_constant(context, right) => Some(Construction::PercentFormat),
                Some("+") => {
                    let operands = syntax::plus_operands(expression, context.source);
                    let has_string = operands.iter().any(|operand| is_string_like(*operand));
                    let has_dynamic = operands.iter().any(|operand| !is_sql_constant(context, *operand));
                    (has_string && has_dynamic).then_some(Construction::Concatenation)
                }
                _ => None,
            }
        }
        "call" => {
            let function = expression.child_by_field_id(fields().function)?;
            let is_format = function.kind() == "attribute"
                && syntax::last_name(function, context.source) == Some("format")
                && function.child_by_field_id(fields().object).is_some_and(is_string_like);
            let arguments = Arguments::of(expression, context.source);
            let has_dynamic = arguments.all.iter().any(|argument| {
                let value = if argument.kind() == "keyword_argument" { argument.child_by_field_id(fields().value) } else { Some(*argument) };
                value.is_none_or(|value| !is_sql_constant(context, value))
            });
            (is_format && has_dynamic).then_some(Construction::FormatMethod)
        }
        _ => None,
    }
}

/// Returns whether `expression` is constant for SQL: built only from literals,
/// constants and the constant-like operands of [`is_constant_like_operand`].
fn is_sql_constant(context: &Context<'_>, expression: Node<'_>) -> bool {
    context.values.is_constant_or(expression, &|operand| is_constant_like_operand(context, operand))
}

/// Returns whether an operand is constant for SQL although it is not a literal.
/// These are identifiers quoted by `quote_name(…)`, numbers from `int(…)`,
/// `float(…)` or `len(…)`, and Django backend constants (`connection.features.*`,
/// `connection.ops.*`). Model table names (`Model._meta.db_table`),
/// `identifier_converter(constant)`, `str(constant)` and upper-case class
/// constants (`self.SQL_CREATE`) count too.
fn is_constant_like_operand(context: &Context<'_>, operand: Node<'_>) -> bool {
    match operand.kind() {
        "call" => {
            let Some(function) = operand.child_by_field_id(fields().function) else {
                return false;
            };
            let name = syntax::last_name(function, context.source);
            let quotes_identifier = name == Some("quote_name");
            let returns_number = function.kind() == "identifier" && matches!(name, Some("int" | "float" | "len"));
            let converts_constant = matches!(name, Some("identifier_converter" | "str")) && has_single_constant_argument(context, operand);
            quotes_identifier || returns_number || converts_constant
        }
        "attribute" => {
            let operand_text = context.text(operand);
            let attribute_name = syntax::last_name(operand, context.source).unwrap_or_default();
            let is_upper_case_constant = attribute_name.chars().any(|character| character.is_ascii_uppercase())
                && !attribute_name.chars().any(|character| character.is_ascii_lowercase());
            let is_model_table_name = operand_text.ends_with("._meta.db_table");
            is_upper_case_constant || is_model_table_name || BACKEND_CONSTANT.is_match(operand_text)
        }
        _ => false,
    }
}

/// Returns whether a call has one positional argument, constant for SQL. Django's
/// `identifier_converter(name)` only changes the case of an identifier, and
/// `str(int(count))` only turns a number into text, so both are constant then.
fn has_single_constant_argument(context: &Context<'_>, call: Node<'_>) -> bool {
    let arguments = Arguments::of(call, context.source);
    match arguments.all.as_slice() {
        [argument] => arguments.positional.len() == 1 && is_sql_constant(context, *argument),
        _ => false,
    }
}

fn is_string_like(node: Node<'_>) -> bool {
    matches!(syntax::unparenthesize(node).kind(), "string" | "concatenated_string")
}

/// Returns whether the literal text of the expression contains a SQL keyword.
fn looks_like_sql(context: &Context<'_>, expression: Node<'_>) -> bool {
    let mut literal_text = String::new();
    syntax::walk(expression, |node| {
        if node.kind() == "string_content" {
            literal_text.push_str(context.text(node));
            literal_text.push(' ');
        }
        syntax::Walk::Descend
    });
    SQL_WORD.is_match(&literal_text)
}

/// A query split into literal source text and interpolated values.
struct QueryParts<'tree> {
    /// Literal pieces as they would appear inside the new string's quotes.
    literals: Vec<String>,
    /// The values between the literal pieces; `literals.len() == values.len() + 1`.
    values: Vec<Node<'tree>>,
    /// The quote and the prefix (without `f`) of the new string literal.
    quote: String,
    prefix: String,
    /// Whether literal `%` signs are already written as `%%` (a `%`-formatted source).
    percent_escaped: bool,
}

fn parameterize_in_place(context: &Context<'_>, call: Node<'_>, arguments: &Arguments<'_>, query: Node<'_>, sink: &str) -> Option<Fix> {
    if sink == "text" {
        return bind_text_parameters(context, call, arguments, query);
    }
    if !can_add_parameters(arguments, sink) {
        return None;
    }
    let parts = split_query(context, query)?;
    let (literal, parameters) = parameterized(context, &parts)?;

    let edits = vec![Edit { range: query.byte_range(), replacement: format!("{literal}, {parameters}") }];
    Some(Fix { title: "Pass the values as query parameters".to_owned(), kind: FixKind::Rewrite, edits })
}

fn parameterize_variable(
    context: &Context<'_>,
    call: Node<'_>,
    arguments: &Arguments<'_>,
    variable: Node<'_>,
    value: Node<'_>,
    sink: &str,
) -> Option<Fix> {
    if sink == "text" {
        return bind_text_parameters(context, call, arguments, value);
    }
    if !can_add_parameters(arguments, sink) {
        return None;
    }
    let parts = split_query(context, value)?;
    let (literal, parameters) = parameterized(context, &parts)?;

    let value = syntax::unparenthesize(value);
    let edits = vec![
        Edit { range: value.byte_range(), replacement: literal },
        Edit { range: variable.end_byte()..variable.end_byte(), replacement: format!(", {parameters}") },
    ];
    Some(Fix { title: "Pass the values as query parameters".to_owned(), kind: FixKind::Rewrite, edits })
}

/// Returns whether the fix may add the parameters as a second positional
/// argument. The call must have no other argument, and the sink must take
/// its parameters second.
fn can_add_parameters(arguments: &Arguments<'_>, sink: &str) -> bool {
    let takes_parameters_second = matches!(sink, "execute" | "executemany" | "raw");
    let single_argument = arguments.all.len() == 1 && arguments.positional.len() == 1;
    takes_parameters_second && single_argument
}

fn split_query<'tree>(context: &Context<'_>, query: Node<'tree>) -> Option<QueryParts<'tree>> {
    let query = syntax::unparenthesize(query);
    match query.kind() {
        "string" => split_fstring(context, query),
        "binary_operator" => {
            let operator = context.text(query.child_by_field_id(fields().operator)?);
            match operator {
                "+" => split_concatenation(context, query),
                "%" => split_percent_format(context, query),
                _ => None,
            }
        }
        "call" => split_format_method(context, query),
        _ => None,
    }
}

/// Splits `"… {} … {name} …".format(a, name=b)`; `None` for format
/// specifications, conversions or fields that are not plain positions or names.
fn split_format_method<'tree>(context: &Context<'_>, call: Node<'tree>) -> Option<QueryParts<'tree>> {
    let function = call.child_by_field_id(fields().function)?;
    let template = syntax::unparenthesize(function.child_by_field_id(fields().object)?);
    if template.kind() != "string" || syntax::has_interpolation(template) {
        return None;
    }
    let prefix = syntax::string_prefix(template, context.source);
    if prefix.contains('b') {
        return None;
    }
    let arguments = Arguments::of(call, context.source);
    if arguments.all.len() != arguments.positional.len() + arguments.keywords.len() {
        return None;
    }

    let body = syntax::string_body(template, context.source);
    let mut literals = vec![String::new()];
    let mut values = Vec::new();
    let mut next_position = 0;
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '{' if characters.peek() == Some(&'{') => {
                characters.next();
                literals.last_mut()?.push('{');
            }
            '}' if characters.peek() == Some(&'}') => {
                characters.next();
                literals.last_mut()?.push('}');
            }
            '{' => {
                let field: String = characters.by_ref().take_while(|character| *character != '}').collect();
                let value = if field.is_empty() {
                    next_position += 1;
                    arguments.positional.get(next_position - 1).copied()
                } else if let Ok(index) = field.parse::<usize>() {
                    arguments.positional.get(index).copied()
                } else if field.chars().all(|character| character.is_alphanumeric() || character == '_') {
                    arguments.keyword(&field)
                } else {
                    None
                }?;
                if !is_simple_value(value) {
                    return None;
                }
                values.push(value);
                literals.push(String::new());
            }
            '}' => return None,
            other => literals.last_mut()?.push(other),
        }
    }

    Some(QueryParts {
        literals,
        values,
        quote: syntax::string_quote(template, context.source).to_owned(),
        prefix,
        percent_escaped: false,
    })
}

fn split_fstring<'tree>(context: &Context<'_>, string: Node<'tree>) -> Option<QueryParts<'tree>> {
    let prefix = syntax::string_prefix(string, context.source);
    if prefix.contains('b') || prefix.contains('t') {
        return None;
    }
    let mut parts = QueryParts {
        literals: vec![String::new()],
        values: Vec::new(),
        quote: syntax::string_quote(string, context.source).to_owned(),
        prefix: prefix.replace('f', ""),
        percent_escaped: false,
    };
    append_string(context, string, &mut parts)?;
    Some(parts)
}

/// Appends a string literal or f-string to `parts`; `None` if an
/// interpolation uses a conversion or a format specification.
fn append_string<'tree>(context: &Context<'_>, string: Node<'tree>, parts: &mut QueryParts<'tree>) -> Option<()> {
    let is_fstring = syntax::string_prefix(string, context.source).contains('f');

    for segment in syntax::string_segments(string, context.source)? {
        match segment {
            StringSegment::Text(text) => push_literal(parts, text, is_fstring),
            StringSegment::Interpolation(expression) => {
                if !is_simple_value(expression) {
                    return None;
                }
                parts.values.push(expression);
                parts.literals.push(String::new());
            }
        }
    }
    Some(())
}

fn push_literal(parts: &mut QueryParts<'_>, raw: &str, from_fstring: bool) {
    let text = if from_fstring { raw.replace("{{", "{").replace("}}", "}") } else { raw.to_owned() };
    if let Some(last) = parts.literals.last_mut() {
        last.push_str(&text);
    }
}

fn split_concatenation<'tree>(context: &Context<'_>, expression: Node<'tree>) -> Option<QueryParts<'tree>> {
    let operands = syntax::plus_operands(expression, context.source);
    let first_string = operands.iter().find(|operand| operand.kind() == "string")?;
    let quote = syntax::string_quote(*first_string, context.source).to_owned();
    let prefix = syntax::string_prefix(*first_string, context.source).replace('f', "");
    if prefix.contains('b') || prefix.contains('t') {
        return None;
    }

    let mut parts = QueryParts { literals: vec![String::new()], values: Vec::new(), quote: quote.clone(), prefix: prefix.clone(), percent_escaped: false };
    for operand in operands {
        if operand.kind() == "string" {
            let same_quote = syntax::string_quote(operand, context.source) == quote;
            let same_prefix = syntax::string_prefix(operand, context.source).replace('f', "") == prefix;
            if !same_quote || !same_prefix {
                return None;
            }
            append_string(context, operand, &mut parts)?;
            continue;
        }
        if !is_simple_value(operand) {
            return None;
        }
        parts.values.push(operand);
        parts.literals.push(String::new());
    }
    Some(parts)
}

fn split_percent_format<'tree>(context: &Context<'_>, expression: Node<'tree>) -> Option<QueryParts<'tree>> {
    let template = syntax::unparenthesize(expression.child_by_field_id(fields().left)?);
    let right = syntax::unparenthesize(expression.child_by_field_id(fields().right)?);
    if template.kind() != "string" || syntax::has_interpolation(template) {
        return None;
    }
    let prefix = syntax::string_prefix(template, context.source);
    if prefix.contains('b') {
        return None;
    }

    let values: Vec<Node<'tree>> = if right.kind() == "tuple" {
        let mut cursor = right.walk();
        
        right.named_children(&mut cursor).filter(|item| item.kind() != "comment").collect()
    } else {
        vec![right]
    };
    if !values.iter().all(|value| is_simple_value(*value)) {
        return None;
    }

    let body = syntax::string_body(template, context.source);
    let mut literals = vec![String::new()];
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        if character != '%' {
            literals.last_mut()?.push(character);
            continue;
        }
        match characters.next() {
            Some('%') => literals.last_mut()?.push_str("%%"),
            Some('s' | 'd' | 'i' | 'r' | 'f') => literals.push(String::new()),
            _ => return None,
        }
    }
    if literals.len() != values.len() + 1 {
        return None;
    }

    Some(QueryParts {
        literals,
        values,
        quote: syntax::string_quote(template, context.source).to_owned(),
        prefix,
        percent_escaped: true,
    })
}

/// Values the fix may move into a parameter tuple unchanged.
fn is_simple_value(node: Node<'_>) -> bool {
    matches!(
        syntax::unparenthesize(node).kind(),
        "identifier" | "attribute" | "subscript" | "call" | "integer" | "float"
    )
}

/// Builds the constant query literal and the parameter tuple.
fn parameterized(context: &Context<'_>, parts: &QueryParts<'_>) -> Option<(String, String)> {
    let placeholder = placeholder_style(context);
    let mut literals = sql_literals(parts, placeholder == "%s");
    strip_quotes_around_placeholders(&mut literals)?;

    let mut sql = String::new();
    for (index, literal) in literals.iter().enumerate() {
        sql.push_str(literal);
        if index + 1 < literals.len() {
            sql.push_str(placeholder);
        }
    }

    let values: Vec<&str> = parts.values.iter().map(|value| context.text(*value)).collect();
    let parameters = match values.as_slice() {
        [] => return None,
        [single] => format!("({single},)"),
        many => format!("({})", many.join(", ")),
    };
    Some((format!("{}{}{sql}{}", parts.prefix, parts.quote, parts.quote), parameters))
}

/// Returns the literal pieces of the query with `%` written as the target
/// style needs: doubled for `%s` drivers, single otherwise.
fn sql_literals(parts: &QueryParts<'_>, format_style: bool) -> Vec<String> {
    parts
        .literals
        .iter()
        .map(|literal| match (parts.percent_escaped, format_style) {
            (true, true) | (false, false) => literal.clone(),
            (true, false) => literal.replace("%%", "%"),
            (false, true) => literal.replace('%', "%%"),
        })
        .collect()
}

/// Removes SQL quotes that enclose a placeholder exactly (`'{x}'` becomes `?`),
/// and rejects a placeholder that would still sit inside a SQL string literal
/// (`LIKE '%{x}%'`), where a parameter would not work.
fn strip_quotes_around_placeholders(literals: &mut [String]) -> Option<()> {
    let mut quotes = QuoteCount::default();
    for index in 0..literals.len().saturating_sub(1) {
        let (before, after) = literals.split_at_mut(index + 1);
        let before = before.last_mut()?;
        let after = after.first_mut()?;
        for quote in ['\'', '"'] {
            if before.ends_with(quote) && after.starts_with(quote) {
                before.pop();
                after.remove(0);
                break;
            }
        }

        quotes.append(literals.get(index)?);
        if quotes.open() % 2 == 1 {
            return None;
        }
    }
    Some(())
}

/// Counts the single quotes of the SQL text seen so far that a backslash does
/// not escape, one literal at a time, so the text is never joined again.
#[derive(Default)]
struct QuoteCount {
    quotes: usize,
    escaped: usize,
    ends_with_backslash: bool,
}

impl QuoteCount {
    fn append(&mut self, literal: &str) {
        self.quotes += literal.matches('\'').count();
        self.escaped += literal.matches("\\'").count();
        if self.ends_with_backslash && literal.starts_with('\'') {
            self.escaped += 1;
        }
        if let Some(last) = literal.chars().last() {
            self.ends_with_backslash = last == '\\';
        }
    }

    fn open(&self) -> usize {
        self.quotes - self.escaped
    }
}

/// `?` when the module uses only sqlite3, else `%s`.
fn placeholder_style(context: &Context<'_>) -> &'static str {
    let imports = context.imports;
    let uses_sqlite = imports.imports_module("sqlite3") || imports.imports_module("aiosqlite");
    let uses_format_driver = FORMAT_STYLE_DRIVERS.iter().any(|driver| imports.imports_module(driver));
    if uses_sqlite && !uses_format_driver { "?" } else { "%s" }
}

/// A SQLAlchemy bind parameter already written in the query text, such as
/// `:name`, read as SQLAlchemy reads it: a `::` cast, `12:30` and `\:name`
/// are not parameters.
static BIND_PARAMETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^:\w\\]):\w+(?:$|[^:\w])").expect("the pattern is a valid literal"));

/// Rewrites `conn.execute(text(<built query>))` to bind each value as a named
/// parameter: `conn.execute(text("… :name …"), {"name": name})`.
///
/// `text_call` is the `text(…)` call and `built` the expression that builds
/// the query, inside the call or in the local variable it receives. The fix
/// is offered only when the rewrite keeps the meaning exactly: `text(…)` is
/// the only argument of an `execute` method call, the query has no bind
/// parameter yet, and every value is a simple non-constant expression.
fn bind_text_parameters(context: &Context<'_>, text_call: Node<'_>, text_arguments: &Arguments<'_>, built: Node<'_>) -> Option<Fix> {
    let single_query = text_arguments.all.len() == 1 && text_arguments.positional.len() == 1;
    if !single_query {
        return None;
    }
    enclosing_execute(context, text_call)?;

    let parts = split_query(context, built)?;
    let (literal, parameters) = named_parameters(context, &parts)?;

    let built = syntax::unparenthesize(built);
    let edits = vec![
        Edit { range: built.byte_range(), replacement: literal },
        Edit { range: text_call.end_byte()..text_call.end_byte(), replacement: format!(", {parameters}") },
    ];
    Some(Fix { title: "Bind the values as named parameters of `text()`".to_owned(), kind: FixKind::Rewrite, edits })
}

/// Returns the `….execute(…)` call that receives `text_call` as its only argument.
fn enclosing_execute<'tree>(context: &Context<'_>, text_call: Node<'tree>) -> Option<Node<'tree>> {
    let list = text_call.parent().filter(|parent| parent.kind() == "argument_list")?;
    let execute = list.parent().filter(|parent| parent.kind() == "call")?;
    let function = execute.child_by_field_id(fields().function).filter(|function| function.kind() == "attribute")?;
    if syntax::last_name(function, context.source) != Some("execute") {
        return None;
    }

    let arguments = Arguments::of(execute, context.source);
    let only_argument = matches!(arguments.all.as_slice(), [only] if only.id() == text_call.id());
    (only_argument && arguments.positional.len() == 1).then_some(execute)
}

/// Builds the `text()` literal with `:name` placeholders and the dict of values.
fn named_parameters(context: &Context<'_>, parts: &QueryParts<'_>) -> Option<(String, String)> {
    if parts.values.is_empty() || parts.values.iter().any(|value| is_sql_constant(context, *value)) {
        return None;
    }
    let mut literals = sql_literals(parts, false);
    if literals.iter().any(|literal| BIND_PARAMETER.is_match(literal)) {
        return None;
    }
    strip_quotes_around_placeholders(&mut literals)?;
    if !placeholders_stand_alone(&literals) {
        return None;
    }

    let names = bind_names(context, &parts.values);
    let mut sql = String::new();
    for (index, literal) in literals.iter().enumerate() {
        sql.push_str(literal);
        if let Some(name) = names.get(index) {
            sql.push(':');
            sql.push_str(name);
        }
    }

    let mut entries: Vec<String> = Vec::new();
    for (name, value) in names.iter().zip(&parts.values) {
        let entry = format!("\"{name}\": {}", context.text(*value));
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    let literal = format!("{}{}{sql}{}", parts.prefix, parts.quote, parts.quote);
    Some((literal, format!("{{{}}}", entries.join(", "))))
}

/// Returns whether every `:name` placeholder would be read as written: not
/// after a `:` or a backslash, and not followed by a word character that
/// would lengthen the name.
fn placeholders_stand_alone(literals: &[String]) -> bool {
    literals.windows(2).all(|pair| {
        let after_colon = pair[0].ends_with(':') || pair[0].ends_with('\\');
        let lengthens_name = pair[1].chars().next().is_some_and(|next| next.is_alphanumeric() || next == '_');
        !after_colon && !lengthens_name
    })
}

/// Returns one bind name per value: an identifier as is, an attribute chain
/// joined with `_` (`user.id` becomes `user_id`), anything else `param_1`,
/// `param_2`…. The same identifier or attribute shares its name; different
/// values whose names collide get a numeric suffix.
fn bind_names(context: &Context<'_>, values: &[Node<'_>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut named_expressions: Vec<(String, String)> = Vec::new();
    let mut used_names: Vec<String> = Vec::new();
    let mut next_param = 1;

    for value in values {
        let derived = derived_bind_name(context, *value);
        if let Some(derived) = &derived {
            let expression = derived_key(context, *value);
            if let Some((_, name)) = named_expressions.iter().find(|(known, _)| *known == expression) {
                names.push(name.clone());
                continue;
            }
            let name = unique_name(derived, &used_names);
            named_expressions.push((expression, name.clone()));
            used_names.push(name.clone());
            names.push(name);
            continue;
        }

        let mut name = format!("param_{next_param}");
        while used_names.contains(&name) {
            next_param += 1;
            name = format!("param_{next_param}");
        }
        next_param += 1;
        used_names.push(name.clone());
        names.push(name);
    }
    names
}

/// The name an identifier or attribute chain gives its parameter.
fn derived_bind_name(context: &Context<'_>, value: Node<'_>) -> Option<String> {
    let value = syntax::unparenthesize(value);
    if !matches!(value.kind(), "identifier" | "attribute") {
        return None;
    }
    let key = derived_key(context, value);
    let pieces: Vec<&str> = key.split('.').collect();
    let all_names = pieces.iter().all(|piece| !piece.is_empty() && piece.chars().all(|character| character.is_alphanumeric() || character == '_'));
    all_names.then(|| pieces.join("_"))
}

/// The text of a value without parentheses or spaces, to recognize repeats.
fn derived_key(context: &Context<'_>, value: Node<'_>) -> String {
    context.text(syntax::unparenthesize(value)).split_whitespace().collect()
}

fn unique_name(base: &str, used_names: &[String]) -> String {
    if !used_names.iter().any(|name| name == base) {
        return base.to_owned();
    }
    (2..)
        .map(|suffix| format!("{base}_{suffix}"))
        .find(|candidate| !used_names.contains(candidate))
        .unwrap_or_else(|| base.to_owned())
}
