//! The built-in checks, one per file, and the visitor that runs them.
//!
//! Each check module exports `INFO` (its catalog entry and documentation) and
//! handlers for the node kinds it inspects. [`run`] walks the syntax tree
//! once and hands each node to the handlers of the enabled checks, so adding
//! a check costs a match arm, not another traversal.

pub(crate) mod bind_all_interfaces;
pub(crate) mod code_injection;
pub(crate) mod command_injection;
pub(crate) mod custom_calls;
pub(crate) mod custom_query;
pub(crate) mod custom_regex;
pub(crate) mod debug_enabled;
pub(crate) mod deserialization;
pub(crate) mod hardcoded_secret;
pub(crate) mod insecure_random;
pub(crate) mod insecure_tempfile;
pub(crate) mod jwt_verification_disabled;
pub(crate) mod path_traversal;
pub(crate) mod request_without_timeout;
pub(crate) mod sql_injection;
pub(crate) mod ssrf;
pub(crate) mod template_injection;
pub(crate) mod tls_verification_disabled;
pub(crate) mod weak_crypto;
pub(crate) mod weak_permissions;
pub(crate) mod xxe;

use crate::semantic::syntax::fields;
use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;

use std::collections::BTreeMap;

use guardian_policy::{CheckOption, FixTemplate, RuleValue};
use tree_sitter::Node;

use crate::semantic::{ImportMap, ValueOrigin};
use crate::semantic::syntax::{self, Walk};
use crate::semantic::taint::TaintSource;
use crate::semantic::values::Values;
use crate::fixes;
use crate::prefilter::{FoundWords, Trigger};
use crate::{CheckInfo, Edit, Fix, Related};

/// A built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CheckId {
    HardcodedSecret,
    SqlInjection,
    CommandInjection,
    TemplateInjection,
    WeakCrypto,
    TlsVerificationDisabled,
    DebugEnabled,
    Deserialization,
    CodeInjection,
    InsecureRandom,
    Xxe,
    PathTraversal,
    Ssrf,
    InsecureTempfile,
    BindAllInterfaces,
    JwtVerificationDisabled,
    WeakPermissions,
    RequestWithoutTimeout,
}

impl CheckId {
    pub const ALL: [CheckId; 18] = [
        CheckId::HardcodedSecret,
        CheckId::SqlInjection,
        CheckId::CommandInjection,
        CheckId::TemplateInjection,
        CheckId::WeakCrypto,
        CheckId::TlsVerificationDisabled,
        CheckId::DebugEnabled,
        CheckId::Deserialization,
        CheckId::CodeInjection,
        CheckId::InsecureRandom,
        CheckId::Xxe,
        CheckId::PathTraversal,
        CheckId::Ssrf,
        CheckId::InsecureTempfile,
        CheckId::BindAllInterfaces,
        CheckId::JwtVerificationDisabled,
        CheckId::WeakPermissions,
        CheckId::RequestWithoutTimeout,
    ];

    pub fn info(self) -> &'static CheckInfo {
        match self {
            CheckId::HardcodedSecret => &hardcoded_secret::INFO,
            CheckId::SqlInjection => &sql_injection::INFO,
            CheckId::CommandInjection => &command_injection::INFO,
            CheckId::TemplateInjection => &template_injection::INFO,
            CheckId::WeakCrypto => &weak_crypto::INFO,
            CheckId::TlsVerificationDisabled => &tls_verification_disabled::INFO,
            CheckId::DebugEnabled => &debug_enabled::INFO,
            CheckId::Deserialization => &deserialization::INFO,
            CheckId::CodeInjection => &code_injection::INFO,
            CheckId::InsecureRandom => &insecure_random::INFO,
            CheckId::Xxe => &xxe::INFO,
            CheckId::PathTraversal => &path_traversal::INFO,
            CheckId::Ssrf => &ssrf::INFO,
            CheckId::InsecureTempfile => &insecure_tempfile::INFO,
            CheckId::BindAllInterfaces => &bind_all_interfaces::INFO,
            CheckId::JwtVerificationDisabled => &jwt_verification_disabled::INFO,
            CheckId::WeakPermissions => &weak_permissions::INFO,
            CheckId::RequestWithoutTimeout => &request_without_timeout::INFO,
        }
    }

    /// Returns the options the check reads from its rules' `options:` maps.
    pub fn options(self) -> &'static [CheckOption] {
        match self {
            CheckId::HardcodedSecret => hardcoded_secret::OPTIONS,
            CheckId::RequestWithoutTimeout => request_without_timeout::OPTIONS,
            _ => &[],
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|check| check.info().name == name)
    }

    /// Returns the words that code this check reports must contain.
    pub fn trigger(self) -> &'static Trigger {
        match self {
            CheckId::HardcodedSecret => &hardcoded_secret::TRIGGER,
            CheckId::SqlInjection => &sql_injection::TRIGGER,
            CheckId::CommandInjection => &command_injection::TRIGGER,
            CheckId::TemplateInjection => &template_injection::TRIGGER,
            CheckId::WeakCrypto => &weak_crypto::TRIGGER,
            CheckId::TlsVerificationDisabled => &tls_verification_disabled::TRIGGER,
            CheckId::DebugEnabled => &debug_enabled::TRIGGER,
            CheckId::Deserialization => &deserialization::TRIGGER,
            CheckId::CodeInjection => &code_injection::TRIGGER,
            CheckId::InsecureRandom => &insecure_random::TRIGGER,
            CheckId::Xxe => &xxe::TRIGGER,
            CheckId::PathTraversal => &path_traversal::TRIGGER,
            CheckId::Ssrf => &ssrf::TRIGGER,
            CheckId::InsecureTempfile => &insecure_tempfile::TRIGGER,
            CheckId::BindAllInterfaces => &bind_all_interfaces::TRIGGER,
            CheckId::JwtVerificationDisabled => &jwt_verification_disabled::TRIGGER,
            CheckId::WeakPermissions => &weak_permissions::TRIGGER,
            CheckId::RequestWithoutTimeout => &request_without_timeout::TRIGGER,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Words at least one of which occurs wherever untrusted data can enter a
/// function: `request` (Flask, Django and FastAPI objects), `sys.argv`,
/// `input()`, socket reads, and route decorators, which start with `@`.
/// Checks that report only tainted values require one of them.
pub(crate) const UNTRUSTED_SOURCE_WORDS: &[&str] = &["request", "argv", "input", "recv", "@"];

/// A finding before the engine adds severity, citations and the exception fix.
#[derive(Debug, Clone)]
pub(crate) struct RawFinding {
    /// The check name or custom rule id.
    pub rule: String,
    pub range: Range<usize>,
    pub message: String,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
}

/// A `calls:` rule, ready to match resolved call names.
#[derive(Debug, Clone)]
pub(crate) struct CallsRule {
    pub id: String,
    pub names: Vec<String>,
    /// Keyword arguments a call must pass to match; empty matches every call.
    pub arguments: Vec<guardian_policy::ArgumentMatcher>,
    /// The policy's `message:`, which replaces the default text.
    pub message: Option<String>,
    /// Replaces the callee with `fix.replace` and adds `fix.import` when missing.
    pub fix: Option<FixTemplate>,
}

/// The enabled checks and the policy settings they read.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckSettings {
    enabled: [bool; CheckId::ALL.len()],
    /// The `fix:` template of the first hardcoded-secret rule that has one.
    pub secret_fix: Option<FixTemplate>,
    pub calls_rules: Vec<CallsRule>,
    /// The effective `options:` of each check's rules, by option name.
    options: [BTreeMap<String, RuleValue>; CheckId::ALL.len()],
}

impl CheckSettings {
    pub fn enable(&mut self, check: CheckId) {
        self.enabled[check.index()] = true;
    }

    /// Switches off a check that cannot report in this file.
    pub fn disable(&mut self, check: CheckId) {
        self.enabled[check.index()] = false;
    }

    pub fn is_enabled(&self, check: CheckId) -> bool {
        self.enabled[check.index()]
    }

    pub fn set_options(&mut self, check: CheckId, options: BTreeMap<String, RuleValue>) {
        self.options[check.index()] = options;
    }

    /// Returns the value a rule gave option `name` of `check`, if any.
    pub fn option(&self, check: CheckId, name: &str) -> Option<&RuleValue> {
        self.options[check.index()].get(name)
    }

    pub fn any_enabled(&self) -> bool {
        self.enabled.iter().any(|enabled| *enabled) || !self.calls_rules.is_empty()
    }
}

/// The module facts and settings that every check reads.
pub(crate) struct Context<'a> {
    pub source: &'a str,
    pub root: Node<'a>,
    pub path: &'a Path,
    pub imports: &'a ImportMap,
    pub values: Values<'a>,
    pub settings: &'a CheckSettings,
    /// The last callee resolved, by call node id. Every check that handles a
    /// call reads its callee, so it is resolved once per call.
    pub last_callee: RefCell<Option<(usize, Option<String>)>>,
    /// The trigger words the file contains; `None` when the prefilter is off.
    pub words: Option<&'a FoundWords>,
}

impl<'a> Context<'a> {
    pub fn text(&self, node: Node<'_>) -> &'a str {
        syntax::text(node, self.source)
    }

    /// Returns whether the file contains a trigger word (see [`crate::prefilter`]),
    /// so a check can skip work that needs it; always true without the prefilter.
    pub fn mentions(&self, word: &str) -> bool {
        self.words.is_none_or(|words| words.contains(word))
    }

    /// Returns the qualified name of a call's callee, resolved through imports.
    pub fn callee(&self, call: Node<'_>) -> Option<String> {
        if let Some((id, callee)) = &*self.last_callee.borrow() {
            if *id == call.id() {
                return callee.clone();
            }
        }
        let callee = self.imports.resolve(call.child_by_field_id(fields().function)?, self.source);
        *self.last_callee.borrow_mut() = Some((call.id(), callee.clone()));
        callee
    }

    /// Points at the assignment a variable's value comes from, when `value` is
    /// a local variable, so a finding can link to where the value was built.
    pub fn value_origin_related(&self, value: Node<'_>) -> Vec<Related> {
        let value = syntax::unparenthesize(value);
        if value.kind() != "identifier" {
            return Vec::new();
        }
        match self.values.origin(value) {
            ValueOrigin::Local { assignment, .. } => {
                vec![Related { range: assignment.byte_range(), message: format!("`{}` is assigned here", self.text(value)) }]
            }
            _ => Vec::new(),
        }
    }
}

/// Returns whether `path` is test code by the usual Python conventions: a
/// `test_*.py`, `*_test.py`, `tests.py` or `conftest.py` file, or any file
/// under a folder named `tests` or `test`.
///
/// NOTE: only the path as given to the analysis is read, so a project that
/// itself lives under a folder named `tests` counts as test code throughout.
pub(crate) fn is_test_file(path: &Path) -> bool {
    let file_name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let stem = file_name.strip_suffix(".py").unwrap_or(file_name);
    let test_module = stem.starts_with("test_") || stem.ends_with("_test") || matches!(stem, "tests" | "conftest");

    let mut folders = path.parent().into_iter().flat_map(Path::components);
    let in_test_folder = folders.any(|component| matches!(component.as_os_str().to_str(), Some("tests" | "test")));
    test_module || in_test_folder
}

/// Points at where untrusted data entered the function, for a finding's related locations.
pub(crate) fn taint_related(source: Option<&TaintSource<'_>>) -> Vec<Related> {
    source.map(|source| Related { range: source.node.byte_range(), message: source.description.clone() }).into_iter().collect()
}

/// Returns the edit that adds `import MODULE`, or `None` when the module already binds that name.
pub(crate) fn import_edit(context: &Context<'_>, module: &str) -> Option<Edit> {
    let import_line = format!("import {module}");
    let present = context.imports.binds(module, module) || fixes::has_import_line(context.root, context.source, &import_line);
    (!present).then(|| fixes::add_import(context.root, context.source, context.imports, &import_line))
}

/// Runs every enabled check over the tree in one traversal.
pub(crate) fn run(context: &Context<'_>) -> Vec<RawFinding> {
    let mut findings = Vec::new();
    if !context.settings.any_enabled() {
        return findings;
    }

    syntax::walk_with_ancestors(context.root, |node, ancestors| {
        visit(context, node, ancestors, &mut findings);
        Walk::Descend
    });
    findings
}

/// Runs every enabled check over some top-level statements of the module, in one traversal each.
pub(crate) fn run_on_statements(context: &Context<'_>, statements: &[Node<'_>]) -> Vec<RawFinding> {
    let mut findings = Vec::new();
    if !context.settings.any_enabled() {
        return findings;
    }

    let above = [context.root];
    for statement in statements {
        syntax::walk_subtree_with_ancestors(*statement, &above, |node, ancestors| {
            visit(context, node, ancestors, &mut findings);
            Walk::Descend
        });
    }
    findings
}

fn visit<'tree>(context: &Context<'_>, node: Node<'tree>, ancestors: &[Node<'tree>], findings: &mut Vec<RawFinding>) {
    let settings = context.settings;
    let enabled = |check: CheckId| settings.is_enabled(check);

    let kinds = syntax::kinds();
    let kind = node.kind_id();
    match kind {
        _ if kind == kinds.call => {
            if enabled(CheckId::SqlInjection) {
                sql_injection::check_call(context, node, findings);
            }
            if enabled(CheckId::CommandInjection) {
                command_injection::check_call(context, node, findings);
            }
            if enabled(CheckId::TemplateInjection) {
                template_injection::check_call(context, node, findings);
            }
            if enabled(CheckId::WeakCrypto) {
                weak_crypto::check_call(context, node, findings);
            }
            if enabled(CheckId::TlsVerificationDisabled) {
                tls_verification_disabled::check_call(context, node, findings);
            }
            if enabled(CheckId::DebugEnabled) {
                debug_enabled::check_call(context, node, findings);
            }
            if enabled(CheckId::Deserialization) {
                deserialization::check_call(context, node, findings);
            }
            if enabled(CheckId::CodeInjection) {
                code_injection::check_call(context, node, findings);
            }
            if enabled(CheckId::InsecureRandom) {
                insecure_random::check_call(context, node, findings);
            }
            if enabled(CheckId::Xxe) {
                xxe::check_call(context, node, findings);
            }
            if enabled(CheckId::PathTraversal) {
                path_traversal::check_call(context, node, findings);
            }
            if enabled(CheckId::Ssrf) {
                ssrf::check_call(context, node, findings);
            }
            if enabled(CheckId::InsecureTempfile) {
                insecure_tempfile::check_call(context, node, findings);
            }
            if enabled(CheckId::BindAllInterfaces) {
                bind_all_interfaces::check_call(context, node, findings);
            }
            if enabled(CheckId::JwtVerificationDisabled) {
                jwt_verification_disabled::check_call(context, node, findings);
            }
            if enabled(CheckId::WeakPermissions) {
                weak_permissions::check_call(context, node, findings);
            }
            if enabled(CheckId::RequestWithoutTimeout) {
                request_without_timeout::check_call(context, node, findings);
            }
            if !settings.calls_rules.is_empty() {
                custom_calls::check_call(context, node, findings);
            }
        }
        _ if kind == kinds.assignment => {
            if enabled(CheckId::TlsVerificationDisabled) {
                tls_verification_disabled::check_assignment(context, node, findings);
            }
            if enabled(CheckId::DebugEnabled) {
                debug_enabled::check_assignment(context, node, findings);
            }
        }
        _ if kind == kinds.string || kind == kinds.concatenated_string => {
            if enabled(CheckId::HardcodedSecret) {
                hardcoded_secret::check_string(context, node, ancestors, findings);
            }
            if enabled(CheckId::WeakCrypto) {
                weak_crypto::check_string(context, node, findings);
            }
        }
        _ if kind == kinds.pair && enabled(CheckId::InsecureTempfile) => insecure_tempfile::check_pair(context, node, findings),
        _ if kind == kinds.attribute => {
            if enabled(CheckId::TlsVerificationDisabled) {
                tls_verification_disabled::check_attribute(context, node, findings);
            }
            if enabled(CheckId::WeakCrypto) {
                weak_crypto::check_attribute(context, node, findings);
            }
        }
        _ => {}
    }
}
