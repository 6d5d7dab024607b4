//! Combining parsed documents into the effective rules of a [`Policy`].
//!
//! For each built-in check, the rules come from the loaded (non-bundled)
//! documents that bind it. When none binds it, the bundled document's rules
//! apply, so every check that the bundled document binds has a section to
//! cite. Custom rules
//! (`calls:`, `query:`, `regex:`) from loaded documents always apply; the bundled document's custom rules
//! apply only when no other document was loaded. For one check, the most
//! specific citation comes first: `fileMatch` documents before the others,
//! then workspace, user, organization and bundled documents.
//!
//! A workspace or user document may raise a check's severity but may not
//! lower or disable a check that an organization document binds; such an
//! attempt is reported and its severity ignored.

use crate::document::ParsedDocument;
use crate::line_index::LineIndex;
use crate::model::{
    Inclusion, KnownCheck, Origin, Policy, PolicyProblem, Rule, RuleKind, Severity,
};

/// Builds the policy from documents in load order.
pub(crate) fn assemble(
    parsed: Vec<ParsedDocument>,
    known_checks: &[KnownCheck],
    mut problems: Vec<PolicyProblem>,
) -> Policy {
    let mut documents = Vec::with_capacity(parsed.len());
    let mut all_rules = Vec::new();

    for (index, parsed_document) in parsed.into_iter().enumerate() {
        documents.push(parsed_document.document);
        problems.extend(parsed_document.problems);
        all_rules.extend(parsed_document.rules.into_iter().map(|mut rule| {
            rule.section.document = index;
            rule
        }));
    }

    let mut all_rule_ids: Vec<String> = all_rules.iter().map(|rule| rule.id.clone()).collect();
    all_rule_ids.extend(known_checks.iter().map(|check| check.name.to_owned()));
    all_rule_ids.sort();
    all_rule_ids.dedup();

    let mut policy = Policy {
        documents,
        rules: Vec::new(),
        problems,
        all_rule_ids,
        superseded: Vec::new(),
    };
    let has_loaded_documents = policy
        .documents
        .iter()
        .any(|document| document.origin != Origin::Bundled);

    let mut effective = Vec::new();
    for check in known_checks {
        let (from_loaded, from_bundled): (Vec<Rule>, Vec<Rule>) = all_rules
            .iter()
            .filter(|rule| matches!(&rule.kind, RuleKind::Check { name } if name == check.name))
            .cloned()
            .partition(|rule| policy.document(rule.section).origin != Origin::Bundled);
        let chosen = if from_loaded.is_empty() {
            from_bundled
        } else {
            policy.superseded.extend(from_bundled.into_iter().map(|mut rule| {
                rule.notes.push(format!(
                    "not applied: a loaded steering document binds `{}`, which replaces the bundled default",
                    rule.id
                ));
                rule
            }));
            from_loaded
        };
        effective.extend(sort_by_specificity(&policy, chosen));
    }

    let (custom_rules, superseded_custom): (Vec<Rule>, Vec<Rule>) = all_rules
        .into_iter()
        .filter(|rule| !matches!(rule.kind, RuleKind::Check { .. }))
        .partition(|rule| {
            !has_loaded_documents || policy.document(rule.section).origin != Origin::Bundled
        });
    policy.superseded.extend(superseded_custom.into_iter().map(|mut rule| {
        rule.notes.push(
            "not applied: bundled custom rules apply only when no steering document is loaded"
                .to_owned(),
        );
        rule
    }));
    effective.extend(sort_by_specificity(&policy, custom_rules));

    let (effective, layering_problems) = enforce_organization_floor(&policy, effective);
    policy.rules = effective;
    policy.problems.extend(layering_problems);
    policy
}

/// Orders rules most specific first; the sort is stable, so document order breaks ties.
fn sort_by_specificity(policy: &Policy, mut rules: Vec<Rule>) -> Vec<Rule> {
    rules.sort_by_key(|rule| {
        let document = policy.document(rule.section);
        let is_file_match = matches!(document.inclusion, Inclusion::FileMatch { .. });
        (
            u8::from(!is_file_match),
            specificity_rank(document.origin),
            rule.section.document,
        )
    });
    rules
}

/// Ranks origins from the most specific (workspace) to the least (bundled).
fn specificity_rank(origin: Origin) -> u8 {
    match origin {
        Origin::Workspace => 0,
        Origin::User => 1,
        Origin::Organization => 2,
        Origin::Bundled => 3,
    }
}

/// Drops the severity of workspace and user rules that would lower or disable an organization rule.
fn enforce_organization_floor(
    policy: &Policy,
    mut rules: Vec<Rule>,
) -> (Vec<Rule>, Vec<PolicyProblem>) {
    let mut problems = Vec::new();

    let organization_floor = |rule_id: &str| -> Option<Option<Severity>> {
        let organization_rules: Vec<&Rule> =
            rules_from(policy, &rules, rule_id, Origin::Organization).collect();
        if organization_rules.is_empty() {
            return None;
        }
        Some(
            organization_rules
                .iter()
                .filter_map(|rule| rule.severity)
                .max(),
        )
    };

    let mut lowered = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let origin = policy.document(rule.section).origin;
        let is_overridable = matches!(origin, Origin::Workspace | Origin::User);
        let (Some(severity), Some(floor)) = (rule.severity, organization_floor(&rule.id)) else {
            continue;
        };
        if !is_overridable {
            continue;
        }

        let disables = severity == Severity::Off;
        let lowers = floor.is_some_and(|floor_severity| severity < floor_severity);
        if disables || lowers {
            lowered.push(index);
            problems.push(floor_problem(policy, rule, severity));
        }
    }

    for index in lowered {
        let written = rules[index].severity;
        rules[index].severity = None;
        rules[index].notes.push(format!(
            "severity {} ignored: an organization steering document binds this rule and a workspace or user document may not lower or disable it",
            written.map_or_else(|| "?".to_owned(), |severity| format!("{severity:?}").to_lowercase())
        ));
    }
    (rules, problems)
}

fn rules_from<'a>(
    policy: &'a Policy,
    rules: &'a [Rule],
    rule_id: &'a str,
    origin: Origin,
) -> impl Iterator<Item = &'a Rule> + 'a {
    rules
        .iter()
        .filter(move |rule| rule.id == rule_id && policy.document(rule.section).origin == origin)
}

fn floor_problem(policy: &Policy, rule: &Rule, severity: Severity) -> PolicyProblem {
    let document = policy.document(rule.section);
    let line_index = LineIndex::new(&document.text);
    let action = if severity == Severity::Off {
        "disable"
    } else {
        "lower the severity of"
    };
    let message = format!(
        "this document cannot {action} `{}`, which an organization steering document binds; the severity is ignored",
        rule.id
    );
    tracing::warn!(path = %document.path.display(), rule = %rule.id, "workspace rule tries to weaken an organization rule");

    PolicyProblem {
        path: document.path.clone(),
        line: line_index.line_of(rule.block_range.start),
        range: rule.block_range.clone(),
        severity: Severity::Warning,
        message,
        code: crate::problems::codes::WEAKENED_ORGANIZATION_RULE,
        fix: None,
    }
}
