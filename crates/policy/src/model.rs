//! The policy data model shared by the analysis crate, the server and the CLI.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How serious a finding is. `Off` disables a rule.
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

/// Where a steering document came from; earlier variants outrank later ones.
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

/// What a rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// A built-in check from the catalog, by name.
    Check { name: String },
    /// Calls to these fully qualified functions, resolved through imports.
    Calls { names: Vec<String> },
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
    pub fix: Option<FixTemplate>,
    pub section: SectionId,
    /// Why the rule applies to its section.
    pub binding: Binding,
    /// Byte range of the rule block in the document; the heading for topic bindings.
    pub block_range: Range<usize>,
}

/// How a rule came to be bound to its section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A fenced `guardian` block in the section.
    Block,
    /// The section heading names one of the check's topics.
    Topic { topic: String },
}

/// What the policy loader needs to know about a built-in check.
#[derive(Debug, Clone, Copy)]
pub struct KnownCheck {
    pub name: &'static str,
    /// Lowercase words or phrases; a heading that names one binds the check.
    pub topics: &'static [&'static str],
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

    /// Returns the effective custom `calls:` rules.
    pub fn custom_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(|rule| matches!(rule.kind, RuleKind::Calls { .. }))
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
            RuleKind::Calls { .. } => None,
        }
    }
}
