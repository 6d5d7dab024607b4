//! The analysis pipeline: select the rules that apply to a file, collect
//! module facts (imports, constants, comments), run the enabled checks in one
//! traversal, then attach severity, citations, messages and the exception fix,
//! and drop what a recorded exception suppresses.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use guardian_policy::{Policy, Rule, RuleKind, SectionId, Severity};
use jiff::civil::Date;
use tree_sitter::{Node, Tree};

use crate::checks::{self, CallsRule, CheckId, CheckSettings, Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Walk};
use crate::semantic::values::Values;
use crate::semantic::{AssignmentIndex, ImportMap, ModuleConstants};
use crate::suppression::{self, EXPIRED_SUPPRESSION, INVALID_SUPPRESSION, Suppression};
use crate::{Finding, Fix};

/// Settings for one analysis run.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// The date that `until=` in suppressions is compared with; today in UTC when `None`.
    pub today: Option<Date>,
}

/// The rules of one check or custom rule id that apply to the file, in policy order.
struct RuleGroup<'p> {
    id: String,
    check: Option<CheckId>,
    rules: Vec<&'p Rule>,
}

impl RuleGroup<'_> {
    fn severity(&self) -> Severity {
        let default = self.check.map_or(Severity::Warning, |check| check.info().default_severity);
        self.rules.iter().map(|rule| rule.severity.unwrap_or(default)).max().unwrap_or(Severity::Off)
    }

    fn citations(&self) -> Vec<SectionId> {
        let mut seen = HashSet::new();
        self.rules.iter().map(|rule| rule.section).filter(|section| seen.insert(*section)).collect()
    }

    fn message(&self) -> Option<&str> {
        self.rules.iter().find_map(|rule| rule.message.as_deref())
    }
}

/// Analyzes source text that `tree` was parsed from.
pub(crate) fn analyze_tree(
    source: &str,
    tree: &Tree,
    path: &Path,
    policy: &Policy,
    options: &AnalyzeOptions,
) -> Vec<Finding> {
    let groups = applicable_groups(policy, path);
    let settings = check_settings(&groups);
    let root = tree.root_node();

    let facts = ModuleFacts::collect(root, source);
    let values = Values { source, root, constants: &facts.constants, assignments: &facts.assignments };
    let context = Context { source, root, path, imports: &facts.imports, values, settings: &settings };
    let raw_findings = checks::run(&context);

    let today = options.today.unwrap_or_else(suppression::today_utc);
    let lines = LineStarts::new(source);
    let (suppressions, suppression_problems) = read_suppressions(&facts.comments, source, &lines, today);

    let mut findings = finish_findings(raw_findings, &groups, root, source);
    findings.retain(|finding| !is_suppressed(finding, &suppressions, root, &lines));
    findings.extend(suppression_problems.into_iter().map(suppression_finding));

    findings.sort_by(|left, right| (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule)));
    findings
}

fn applicable_groups<'p>(policy: &'p Policy, path: &'p Path) -> Vec<RuleGroup<'p>> {
    let mut groups: Vec<RuleGroup<'p>> = Vec::new();
    for rule in policy.rules_for_path(path) {
        let check = match &rule.kind {
            RuleKind::Check { name } => match CheckId::from_name(name) {
                Some(check) => Some(check),
                None => {
                    tracing::debug!(rule = %rule.id, check = %name, "skipped a rule for an unknown check");
                    continue;
                }
            },
            RuleKind::Calls { .. } => None,
        };
        let id = check.map_or_else(|| rule.id.clone(), |check| check.info().name.to_owned());

        match groups.iter_mut().find(|group| group.id == id) {
            Some(group) => group.rules.push(rule),
            None => groups.push(RuleGroup { id, check, rules: vec![rule] }),
        }
    }

    groups.retain(|group| group.severity() != Severity::Off);
    groups
}

fn check_settings(groups: &[RuleGroup<'_>]) -> CheckSettings {
    let mut settings = CheckSettings::default();
    for group in groups {
        match group.check {
            Some(check) => {
                settings.enable(check);
                if check == CheckId::HardcodedSecret {
                    settings.secret_fix = group.rules.iter().find_map(|rule| rule.fix.clone());
                }
            }
            None => {
                let mut names: Vec<String> = Vec::new();
                for rule in &group.rules {
                    if let RuleKind::Calls { names: rule_names } = &rule.kind {
                        names.extend(rule_names.iter().cloned());
                    }
                }
                settings.calls_rules.push(CallsRule { id: group.id.clone(), names });
            }
        }
    }
    settings
}

/// Imports, module constants and comments, gathered before the checks run.
struct ModuleFacts<'tree> {
    imports: ImportMap,
    constants: ModuleConstants,
    assignments: AssignmentIndex,
    comments: Vec<Node<'tree>>,
}

impl<'tree> ModuleFacts<'tree> {
    fn collect(root: Node<'tree>, source: &str) -> Self {
        let mut facts = Self {
            imports: ImportMap::default(),
            constants: ModuleConstants::default(),
            assignments: AssignmentIndex::default(),
            comments: Vec::new(),
        };
        syntax::walk(root, |node| {
            match node.kind() {
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    facts.imports.record(node, source);
                    return Walk::SkipChildren;
                }
                "assignment" => {
                    facts.constants.record(node, source);
                    facts.assignments.record(node, source);
                }
                "augmented_assignment" => facts.assignments.record(node, source),
                "comment" => facts.comments.push(node),
                _ => {}
            }
            Walk::Descend
        });
        facts.constants.finish(root, source);
        facts
    }
}

fn finish_findings(raw_findings: Vec<RawFinding>, groups: &[RuleGroup<'_>], root: Node<'_>, source: &str) -> Vec<Finding> {
    let mut seen: HashSet<(String, Range<usize>)> = HashSet::new();
    let mut findings = Vec::new();

    for raw in raw_findings {
        if !seen.insert((raw.rule.clone(), raw.range.clone())) {
            continue;
        }
        let Some(group) = groups.iter().find(|group| group.id == raw.rule) else {
            continue;
        };

        let mut fixes: Vec<Fix> = raw.fixes;
        fixes.push(fixes::record_exception(root, source, &raw.range, &raw.rule));
        let message = group.message().map_or(raw.message, str::to_owned);

        findings.push(Finding {
            rule: raw.rule,
            range: raw.range,
            severity: group.severity(),
            message,
            citations: group.citations(),
            fixes,
            related: raw.related,
        });
    }
    findings
}

fn read_suppressions(
    comments: &[Node<'_>],
    source: &str,
    lines: &LineStarts,
    today: Date,
) -> (Vec<Suppression>, Vec<RawFinding>) {
    let mut suppressions = Vec::new();
    let mut problems = Vec::new();
    for comment in comments {
        let line = lines.line_of(comment.start_byte());
        let before_comment = source.get(lines.start_of(line)..comment.start_byte()).unwrap_or("");
        let trailing = !before_comment.trim().is_empty();

        match suppression::parse(syntax::text(*comment, source), comment.byte_range(), line, trailing, today) {
            Ok(Some(suppression)) => suppressions.push(suppression),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    (suppressions, problems)
}

fn is_suppressed(finding: &Finding, suppressions: &[Suppression], root: Node<'_>, lines: &LineStarts) -> bool {
    if suppressions.is_empty() {
        return false;
    }
    let finding_line = lines.line_of(finding.range.start);
    let node = root.descendant_for_byte_range(finding.range.start, finding.range.start).unwrap_or(root);
    let statement_line = lines.line_of(syntax::enclosing_statement(node).start_byte());

    suppressions.iter().any(|suppression| suppression.covers(&finding.rule, finding_line, statement_line))
}

fn suppression_finding(problem: RawFinding) -> Finding {
    debug_assert!(problem.rule == INVALID_SUPPRESSION || problem.rule == EXPIRED_SUPPRESSION);
    Finding {
        rule: problem.rule,
        range: problem.range,
        severity: Severity::Warning,
        message: problem.message,
        citations: Vec::new(),
        fixes: Vec::new(),
        related: Vec::new(),
    }
}

/// Line start offsets, for mapping findings and comments to lines.
struct LineStarts {
    starts: Vec<usize>,
}

impl LineStarts {
    fn new(source: &str) -> Self {
        let newlines = source.match_indices('\n').map(|(offset, _)| offset + 1);
        Self { starts: std::iter::once(0).chain(newlines).collect() }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset).saturating_sub(1)
    }

    fn start_of(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }
}
