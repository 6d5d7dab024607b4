//! Steering documents turned into policy.
//!
//! A steering document is a Markdown file written by a security team. This
//! crate finds those documents, reads their Kiro-style front matter, splits
//! them into sections by heading, and parses the fenced `guardian` rule blocks
//! that bind checks to sections. It knows nothing about LSP and of Python only
//! the tree-sitter grammar, to compile `query:` rules: the analysis crate
//! evaluates the rules, the server and the CLI present them.
//!
//! Loading is partial by design. A malformed rule block becomes a
//! [`PolicyProblem`] that points at the block, and the rest of the policy still
//! loads. Nothing in this crate panics on user Markdown.

mod binding;
mod bundled;
mod discovery;
mod document;
mod explain;
mod front_matter;
mod globs;
mod layering;
mod line_index;
mod model;
mod problems;
mod references;
mod rule_block;
mod sections;
mod unmatched_patterns;
mod yaml_errors;

pub use bundled::bundled_sources;
pub use discovery::{USER_STEERING_DIR, WORKSPACE_STEERING_DIRS};
pub use document::{ParsedDocument, parse_document};
pub use explain::{BindingExplanation, BindingKind, check_at, explain};
pub use model::{
    ArgumentMatcher, Binding, CheckOption, ExceptionPolicy, FixTemplate, Inclusion, KnownCheck,
    OptionKind, Origin, Policy, PolicyProblem, ProblemFix, Rule, RuleKind, RuleQuery, RuleRegex, RuleValue, Section,
    SectionId, Severity, SteeringDocument,
};
pub use problems::codes;
pub use references::file_reference_problems;
pub use rule_block::{FINDING_CAPTURE, REGEX_SIZE_LIMIT, parse_severity, placeholders};
pub use sections::RULE_BLOCK_INFO;
pub use unmatched_patterns::unmatched_pattern_problems;

use std::path::{Path, PathBuf};

/// Where to look for steering documents.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The workspace root; `.guardian/steering/` and `.kiro/steering/` are read from it.
    pub workspace_root: Option<PathBuf>,
    /// Organization folders from `steering.paths` or `--steering`.
    pub steering_paths: Vec<PathBuf>,
    /// Whether to read the user's global `~/.kiro/steering/` (the editor does, CI does not).
    pub include_user_global: bool,
    /// The built-in checks: `check:` names are validated against them and topics bind them.
    pub known_checks: Vec<KnownCheck>,
}

/// The text of one steering document and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSource {
    pub path: PathBuf,
    pub origin: Origin,
    pub text: String,
}

/// Loads every steering document the options point at, plus the bundled default.
///
/// Never fails: unreadable files and malformed blocks become [`PolicyProblem`]s.
/// The user's folder is found through `HOME` (or `USERPROFILE` on Windows).
pub fn load(options: &LoadOptions) -> Policy {
    let user_home = options.include_user_global.then(user_home_dir).flatten();
    load_with_home(options, user_home.as_deref())
}

/// Loads like [`load`], reading the user's folder under `user_home` instead of the real home.
pub fn load_with_home(options: &LoadOptions, user_home: Option<&Path>) -> Policy {
    let home = user_home.filter(|_| options.include_user_global);
    let plan = discovery::SearchPlan::new(
        &options.steering_paths,
        options.workspace_root.as_deref(),
        home,
    );
    let mut discovered = discovery::discover(&plan);

    if let Some(root) = options.workspace_root.as_deref() {
        for source in &discovered.sources {
            discovered
                .problems
                .extend(file_reference_problems(&source.path, &source.text, root));
        }
    }

    tracing::info!(
        documents = discovered.sources.len(),
        problems = discovered.problems.len(),
        "steering documents discovered"
    );
    let mut policy = assemble_sources(
        discovered.sources,
        &options.known_checks,
        discovered.problems,
    );

    if let Some(root) = options.workspace_root.as_deref() {
        let unmatched = unmatched_pattern_problems(&policy.documents, root);
        policy.problems.extend(unmatched);
    }
    policy
}

/// Returns every problem of one steering document, for an open editor buffer.
///
/// This covers the document's own front matter and rule blocks, broken
/// `#[[file:]]` references and `fileMatchPattern` globs that match no file in
/// `workspace_root`. Layering problems, which depend on the other documents,
/// come from [`load`].
pub fn check_document(
    path: &Path,
    text: &str,
    origin: Origin,
    workspace_root: Option<&Path>,
    known_checks: &[KnownCheck],
) -> Vec<PolicyProblem> {
    let parsed = parse_document(path, origin, text, known_checks);
    let mut problems = parsed.problems;

    if let Some(root) = workspace_root {
        problems.extend(file_reference_problems(path, text, root));
        let documents = [parsed.document];
        problems.extend(unmatched_pattern_problems(&documents, root));
    }
    problems.sort_by_key(|problem| (problem.range.start, problem.range.end));
    problems
}

/// Builds a policy from documents already in memory, plus the bundled default.
///
/// Sources are used in the order given; [`load`] passes them sorted by origin and path.
pub fn load_sources(sources: Vec<DocumentSource>, known_checks: &[KnownCheck]) -> Policy {
    assemble_sources(sources, known_checks, Vec::new())
}

fn assemble_sources(
    sources: Vec<DocumentSource>,
    known_checks: &[KnownCheck],
    problems: Vec<PolicyProblem>,
) -> Policy {
    let parsed = sources
        .into_iter()
        .chain(bundled_sources())
        .map(|source| parse_document(&source.path, source.origin, &source.text, known_checks))
        .collect();
    layering::assemble(parsed, known_checks, problems)
}

fn user_home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}
