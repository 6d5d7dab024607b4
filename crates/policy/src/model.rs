//! The policy data model shared by the analysis crate, the server and the CLI.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The severity of a finding or rule. `Off` disables a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Hint,
    Info,
    Warning,
    Error,
}

/// The source of a steering document. Earlier variants outrank later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A folder from the `steering.paths` setting or the `--steering` flag.
    Organization,
    /// `.guardian/steering/` or `.kiro/steering/` in a workspace root.
    Workspace,
    /// The user's global `~/.kiro/steering/`.
    User,
    /// The default documents compiled into the binary.
    Bundled,
}

/// Kiro's `inclusion` front-matter key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inclusion {
    Always,
    /// Applies only to files matching one of the patterns.
    FileMatch {
        patterns: Vec<String>,
    },
    Auto {
        name: Option<String>,
        description: Option<String>,
    },
    /// Reference material only; never enforced.
    Manual,
}

/// One loaded steering document.
#[derive(Debug, Clone)]
pub struct SteeringDocument {
    /// The file on disk, or `bundled:NAME` for a compiled-in document.
    pub path: PathBuf,
    pub origin: Origin,
    /// The text of the first level-one heading, else the file stem.
    pub title: String,
    pub inclusion: Inclusion,
    /// Compiled `fileMatchPattern` globs; `None` means every file.
    pub file_match: Option<globset::GlobSet>,
    pub sections: Vec<Section>,
    pub text: Arc<str>,
}

/// The part of a document from one heading to the next heading of the same or a higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading texts from the top-level heading down to this one.
    pub title_path: Vec<String>,
    pub level: u8,
    /// Byte range of the heading line.
    pub heading_range: Range<usize>,
    /// Zero-based line of the heading.
    pub heading_line: u32,
    /// Byte range of the whole section, nested subsections included.
    pub range: Range<usize>,
    /// Zero-based line range of the whole section, end exclusive.
    pub lines: Range<u32>,
    /// The section's own prose as plain text, without rule blocks or subsections.
    pub prose: String,
}

/// Identifies a section inside a [`Policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId {
    pub document: usize,
    pub section: usize,
}

/// The kind of a rule, which decides what it matches.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// A built-in check from the catalog, by name.
    Check { name: String },
    /// Calls to these fully qualified functions, resolved through imports.
    ///
    /// When `arguments` is not empty, a call matches only if it passes every
    /// listed keyword argument with the listed literal value.
    Calls {
        names: Vec<String>,
        arguments: Vec<ArgumentMatcher>,
    },
    /// A tree-sitter query over the Python syntax tree.
    Query { query: RuleQuery },
    /// A regular expression over the text of each file the rule applies to.
    Regex { regex: RuleRegex },
}

/// A keyword argument that a `calls:` rule requires, from its `arguments:` map.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgumentMatcher {
    /// The keyword, e.g. `verify`.
    pub keyword: String,
    /// The literal value the argument must have.
    pub value: RuleValue,
}

/// A YAML scalar written in a rule: an `arguments:` value or an `options:` value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum RuleValue {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    /// A list of scalars; only `options:` values may be lists.
    List(Vec<RuleValue>),
}

impl RuleValue {
    /// Returns whether a Python literal, as written in source, denotes this value.
    ///
    /// Strings compare by content, so `'x'`, `"x"` and `r"x"` all equal `x`.
    /// An expression that is not a literal never matches.
    pub fn matches_python_literal(&self, literal: &str) -> bool {
        let literal = literal.trim();
        match self {
            RuleValue::Null => literal == "None",
            RuleValue::Bool(true) => literal == "True",
            RuleValue::Bool(false) => literal == "False",
            RuleValue::Integer(expected) => python_integer(literal) == Some(*expected),
            RuleValue::Float(expected) => literal
                .replace('_', "")
                .parse::<f64>()
                .is_ok_and(|value| value == *expected),
            RuleValue::String(expected) => {
                python_string_content(literal).is_some_and(|content| content == expected)
            }
            RuleValue::List(_) => false,
        }
    }
}

impl std::fmt::Display for RuleValue {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleValue::Null => formatter.write_str("None"),
            RuleValue::Bool(true) => formatter.write_str("True"),
            RuleValue::Bool(false) => formatter.write_str("False"),
            RuleValue::Integer(value) => write!(formatter, "{value}"),
            RuleValue::Float(value) => write!(formatter, "{value}"),
            RuleValue::String(value) => write!(formatter, "{value:?}"),
            RuleValue::List(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(formatter, "[{}]", items.join(", "))
            }
        }
    }
}

fn python_integer(literal: &str) -> Option<i64> {
    let digits = literal.replace('_', "");
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => (-1, rest.trim().to_owned()),
        None => (1, digits),
    };
    let hex = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"));
    let value = match hex {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i64>().ok()?,
    };
    Some(sign * value)
}

/// Returns the content of a plain Python string literal: prefixes `r`, `b` and
/// `u` are allowed, f-strings are not, and escapes stay as written.
fn python_string_content(literal: &str) -> Option<&str> {
    let without_prefix = literal.trim_start_matches(['r', 'R', 'b', 'B', 'u', 'U']);
    if without_prefix.starts_with(['f', 'F']) {
        return None;
    }
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        let content = without_prefix
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote));
        if let Some(content) = content {
            return Some(content);
        }
    }
    None
}

/// A compiled `query:` rule: the tree-sitter query and its source text.
#[derive(Debug, Clone)]
pub struct RuleQuery {
    pub source: String,
    pub query: Arc<tree_sitter::Query>,
    /// The index of the `@finding` capture, which is the reported range.
    pub finding_capture: u32,
}

impl PartialEq for RuleQuery {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// A compiled `regex:` rule.
#[derive(Debug, Clone)]
pub struct RuleRegex {
    pub regex: regex::Regex,
}

impl PartialEq for RuleRegex {
    fn eq(&self, other: &Self) -> bool {
        self.regex.as_str() == other.regex.as_str()
    }
}

/// Limits on recorded exceptions, from an `exceptions:` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExceptionPolicy {
    /// Whether an exception must carry an `until=` date.
    pub require_until: bool,
    /// The maximum number of days between today and an exception's `until=` date.
    pub max_days: Option<u32>,
}

impl ExceptionPolicy {
    /// Combines two policies into the stricter one.
    pub fn stricter(self, other: ExceptionPolicy) -> ExceptionPolicy {
        let max_days = match (self.max_days, other.max_days) {
            (Some(left), Some(right)) => Some(left.min(right)),
            (left, right) => left.or(right),
        };
        ExceptionPolicy {
            require_until: self.require_until || other.require_until,
            max_days,
        }
    }
}

/// A replacement template from a rule's `fix:` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixTemplate {
    /// Replacement text; `{name}` stands for the variable name.
    pub replace: String,
    /// An import statement to add when the file lacks it.
    pub import: Option<String>,
}

/// One rule from a `guardian` block, bound to the section that contains it.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The check name for `check:` rules, else the rule's `id`.
    pub id: String,
    pub kind: RuleKind,
    pub severity: Option<Severity>,
    pub message: Option<String>,
    /// Compiled `files:` globs; `None` means every file.
    pub files: Option<globset::GlobSet>,
    /// The `files:` globs as written, for explanations.
    pub file_patterns: Vec<String>,
    pub fix: Option<FixTemplate>,
    /// The `options:` map passed to a built-in check, validated against the check's options.
    pub options: std::collections::BTreeMap<String, RuleValue>,
    /// Limits on recorded exceptions for this rule, from the rule or its section.
    pub exceptions: Option<ExceptionPolicy>,
    pub section: SectionId,
    /// Why the rule applies to its section.
    pub binding: Binding,
    /// Byte range of the rule block in the document; the heading for topic bindings.
    pub block_range: Range<usize>,
    /// What layering changed about this rule, for `guardian policy explain`.
    pub notes: Vec<String>,
}

/// The reason a rule is bound to its section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A fenced `guardian` block in the section.
    Block,
    /// The section heading names one of the check's topics.
    Topic { topic: String },
}

/// The facts about a built-in check that the policy loader needs.
#[derive(Debug, Clone, Copy)]
pub struct KnownCheck {
    pub name: &'static str,
    /// Lowercase words or phrases; a heading that names one binds the check.
    pub topics: &'static [&'static str],
    /// The options the check accepts in a rule's `options:` map; any other key is a problem.
    pub options: &'static [CheckOption],
}

/// An option that a built-in check reads from a rule's `options:` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOption {
    /// The key, e.g. `timeout`.
    pub name: &'static str,
    /// One sentence for the check's documentation and for problems.
    pub description: &'static str,
    pub kind: OptionKind,
}

/// The type of value an option accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A number greater than zero, integer or decimal.
    PositiveNumber,
    /// A list of strings; a single string counts as a list of one.
    StringList,
}

impl OptionKind {
    /// Returns the value in the option's shape, or `None` when its type is wrong.
    pub fn accept(self, value: &RuleValue) -> Option<RuleValue> {
        match (self, value) {
            (OptionKind::PositiveNumber, RuleValue::Integer(number)) if *number > 0 => Some(value.clone()),
            (OptionKind::PositiveNumber, RuleValue::Float(number)) if number.is_finite() && *number > 0.0 => {
                Some(value.clone())
            }
            (OptionKind::StringList, RuleValue::String(_)) => Some(RuleValue::List(vec![value.clone()])),
            (OptionKind::StringList, RuleValue::List(items))
                if items.iter().all(|item| matches!(item, RuleValue::String(_))) =>
            {
                Some(value.clone())
            }
            _ => None,
        }
    }

    /// Describes the accepted values, for problem messages.
    pub fn expected(self) -> &'static str {
        match self {
            OptionKind::PositiveNumber => "a number greater than zero, such as `10`",
            OptionKind::StringList => "a list of names, such as `[TEST_PASSWORD]`",
        }
    }
}

/// A problem found while loading steering documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyProblem {
    pub path: PathBuf,
    /// Zero-based line of the problem.
    pub line: u32,
    pub range: Range<usize>,
    pub severity: Severity,
    pub message: String,
    /// A stable id for the kind of problem, such as `unknown-check`.
    pub code: &'static str,
    /// An edit of the steering document that resolves the problem, where one is known.
    pub fix: Option<ProblemFix>,
}

/// A machine-applicable edit of a steering document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProblemFix {
    /// Byte range of the document text to replace.
    pub range: Range<usize>,
    pub replacement: String,
    /// A short imperative title, such as "Write the patterns as a YAML list".
    pub title: String,
}

/// Every loaded steering document and the rules they bind.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub documents: Vec<SteeringDocument>,
    /// The effective rules, grouped by check in catalog order and most specific first,
    /// then the custom `calls:` rules. Use [`Policy::rules_for_path`] to honor
    /// `fileMatchPattern` and `files:`.
    pub rules: Vec<Rule>,
    pub problems: Vec<PolicyProblem>,
    /// Every rule id that any document binds, before layering.
    pub all_rule_ids: Vec<String>,
    /// Rules that layering left out, such as a bundled rule for a check that a loaded document binds.
    pub superseded: Vec<Rule>,
}

impl Policy {
    /// Formats a section citation as `Document title › heading › subheading`.
    pub fn citation(&self, id: SectionId) -> String {
        let document = self.document(id);
        let section = self.section(id);
        let mut parts = vec![document.title.as_str()];
        parts.extend(
            section
                .title_path
                .iter()
                .map(String::as_str)
                .filter(|heading| *heading != document.title),
        );
        parts.join(" › ")
    }

    pub fn document(&self, id: SectionId) -> &SteeringDocument {
        &self.documents[id.document]
    }

    pub fn section(&self, id: SectionId) -> &Section {
        &self.documents[id.document].sections[id.section]
    }
}

impl Policy {
    /// Returns the document of a section, or `None` for an id from another policy.
    pub fn get_document(&self, id: SectionId) -> Option<&SteeringDocument> {
        self.documents.get(id.document)
    }

    /// Returns a section, or `None` for an id from another policy.
    pub fn get_section(&self, id: SectionId) -> Option<&Section> {
        self.get_document(id)?.sections.get(id.section)
    }

    /// Returns the effective rules for one built-in check, most specific first.
    pub fn rules_for_check<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(
            move |rule| matches!(&rule.kind, RuleKind::Check { name: check } if check == name),
        )
    }

    /// Returns the effective custom rules (`calls:`, `query:` and `regex:`).
    pub fn custom_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(|rule| !matches!(rule.kind, RuleKind::Check { .. }))
    }

    /// Returns whether some document binds a rule called `id`, including rules
    /// that lost to layering.
    pub fn knows_rule_id(&self, id: &str) -> bool {
        self.all_rule_ids.iter().any(|known| known == id)
    }

    /// Returns the effective rules that apply to a workspace-relative path.
    ///
    /// A rule applies when its document applies (inclusion and `fileMatchPattern`)
    /// and its own `files:` globs, if any, match. Rules with severity `Off` are included.
    pub fn rules_for_path<'a>(
        &'a self,
        relative_path: &'a Path,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |rule| {
            self.document(rule.section).applies_to(relative_path) && rule.applies_to(relative_path)
        })
    }
}

impl SteeringDocument {
    /// Returns whether this document is enforced on a workspace-relative path (with `/` separators).
    pub fn applies_to(&self, relative_path: &Path) -> bool {
        match &self.inclusion {
            Inclusion::Always | Inclusion::Auto { .. } => true,
            Inclusion::Manual => false,
            Inclusion::FileMatch { .. } => self
                .file_match
                .as_ref()
                .is_some_and(|globs| globs.is_match(relative_path)),
        }
    }
}

impl Rule {
    /// Returns whether this rule's own `files:` globs match a workspace-relative path.
    ///
    /// A rule without `files:` matches every path.
    pub fn applies_to(&self, relative_path: &Path) -> bool {
        self.files
            .as_ref()
            .is_none_or(|globs| globs.is_match(relative_path))
    }

    /// Returns the check name for `check:` rules.
    pub fn check_name(&self) -> Option<&str> {
        match &self.kind {
            RuleKind::Check { name } => Some(name),
            _ => None,
        }
    }
}
