//! The built-in checks, one per file, and the visitor that runs them.
//!
//! Each check module exports `INFO` (its catalog entry and documentation) and
//! handlers for the node kinds it inspects. [`run`] walks the syntax tree
//! once and hands each node to the handlers of the enabled checks, so adding
//! a check costs a match arm, not another traversal.

pub(crate) mod command_injection;
pub(crate) mod custom_calls;
pub(crate) mod debug_enabled;
pub(crate) mod deserialization;
pub(crate) mod hardcoded_secret;
pub(crate) mod sql_injection;
pub(crate) mod template_injection;
pub(crate) mod tls_verification_disabled;
pub(crate) mod weak_crypto;

use std::ops::Range;
use std::path::Path;

use guardian_policy::FixTemplate;
use tree_sitter::Node;

use crate::semantic::{ImportMap, ValueOrigin};
use crate::semantic::syntax::{self, Walk};
use crate::semantic::values::Values;
use crate::{CheckInfo, Fix, Related};

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
}

impl CheckId {
    pub const ALL: [CheckId; 8] = [
        CheckId::HardcodedSecret,
        CheckId::SqlInjection,
        CheckId::CommandInjection,
        CheckId::TemplateInjection,
        CheckId::WeakCrypto,
        CheckId::TlsVerificationDisabled,
        CheckId::DebugEnabled,
        CheckId::Deserialization,
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
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|check| check.info().name == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

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
}

/// The enabled checks and the policy settings they read.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckSettings {
    enabled: [bool; CheckId::ALL.len()],
    /// The `fix:` template of the first hardcoded-secret rule that has one.
    pub secret_fix: Option<FixTemplate>,
    pub calls_rules: Vec<CallsRule>,
}

impl CheckSettings {
    pub fn enable(&mut self, check: CheckId) {
        self.enabled[check.index()] = true;
    }

    pub fn is_enabled(&self, check: CheckId) -> bool {
        self.enabled[check.index()]
    }

    fn any_enabled(&self) -> bool {
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
}

impl<'a> Context<'a> {
    pub fn text(&self, node: Node<'_>) -> &'a str {
        syntax::text(node, self.source)
    }

    /// Returns the qualified name of a call's callee, resolved through imports.
    pub fn callee(&self, call: Node<'_>) -> Option<String> {
        self.imports.resolve(call.child_by_field_name("function")?, self.source)
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

/// Runs every enabled check over the tree in one traversal.
pub(crate) fn run(context: &Context<'_>) -> Vec<RawFinding> {
    let mut findings = Vec::new();
    if !context.settings.any_enabled() {
        return findings;
    }

    syntax::walk(context.root, |node| {
        visit(context, node, &mut findings);
        Walk::Descend
    });
    findings
}

fn visit(context: &Context<'_>, node: Node<'_>, findings: &mut Vec<RawFinding>) {
    let settings = context.settings;
    let enabled = |check: CheckId| settings.is_enabled(check);

    match node.kind() {
        "call" => {
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
            if !settings.calls_rules.is_empty() {
                custom_calls::check_call(context, node, findings);
            }
        }
        "assignment" => {
            if enabled(CheckId::TlsVerificationDisabled) {
                tls_verification_disabled::check_assignment(context, node, findings);
            }
            if enabled(CheckId::DebugEnabled) {
                debug_enabled::check_assignment(context, node, findings);
            }
        }
        "string" | "concatenated_string" => {
            if enabled(CheckId::HardcodedSecret) {
                hardcoded_secret::check_string(context, node, findings);
            }
            if enabled(CheckId::WeakCrypto) {
                weak_crypto::check_string(context, node, findings);
            }
        }
        "attribute" => {
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
