//! The analysis pipeline: select the rules that apply to a file, collect
//! module facts (imports, constants, comments), run the enabled checks in one
//! traversal, then attach severity, citations, messages and the exception fix,
//! and drop what a recorded exception suppresses.

use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::Path;

use guardian_policy::{ExceptionPolicy, Policy, Rule, RuleKind, RuleValue, SectionId, Severity};
use jiff::civil::Date;
use tree_sitter::{Node, Tree};

use crate::checks::custom_query::{self, QueryRule};
use crate::checks::custom_regex::{self, RegexRule};
use crate::checks::{self, CallsRule, CheckId, CheckSettings, Context, RawFinding};
use crate::fixes;
use crate::prefilter::{self, FoundWords};
use crate::semantic::syntax::{self, Walk};
use crate::semantic::values::Values;
use crate::semantic::values::FunctionIndexBuilder;
use crate::semantic::{AssignmentIndex, ImportMap, ModuleConstants};
use crate::suppression::{self, EXPIRED_SUPPRESSION, INVALID_SUPPRESSION, Suppression, UNUSED_SUPPRESSION};
use crate::{Finding, Fix};

/// Settings for one analysis run.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// The date that `until=` in suppressions is compared with; today in UTC when `None`.
    pub today: Option<Date>,
    /// Runs every check on every file, without the keyword prefilter that
    /// switches off checks whose trigger words a file lacks. The findings are
    /// the same; this exists to test that, and to measure the prefilter.
    pub exhaustive: bool,
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

    /// Merges the `options:` of the group's rules; as the rules come most
    /// specific first, the first rule that sets an option decides its value.
    fn options(&self) -> BTreeMap<String, RuleValue> {
        let mut merged = BTreeMap::new();
        for rule in &self.rules {
            for (name, value) in &rule.options {
                merged.entry(name.clone()).or_insert_with(|| value.clone());
            }
        }
        merged
    }

    /// Returns the strictest exception limits of the group's rules.
    fn exception_policy(&self) -> Option<ExceptionPolicy> {
        self.rules
            .iter()
            .filter_map(|rule| rule.exceptions)
            .reduce(ExceptionPolicy::stricter)
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
    let plan = Plan::new(source, path, policy, options);
    plan.run(source, tree, options)
}

/// Analyzes source text, parsing it only when a check, custom rule or
/// suppression comment can apply to it (see [`crate::prefilter`]).
pub(crate) fn analyze_source(source: &str, path: &Path, policy: &Policy, options: &AnalyzeOptions) -> Vec<Finding> {
    let plan = Plan::new(source, path, policy, options);
    if !plan.needs_tree() {
        let regex_findings = custom_regex::run(source, &plan.regex_rules);
        if regex_findings.is_empty() {
            return Vec::new();
        }
    }
    let tree = crate::document::parse(source, None);
    plan.run(source, &tree, options)
}

/// The plan of one file's analysis: the rule groups that apply to its path,
/// the checks the prefilter left on, and the custom rules.
pub(crate) struct Plan<'p> {
    path: &'p Path,
    policy: &'p Policy,
    groups: Vec<RuleGroup<'p>>,
    pub settings: CheckSettings,
    pub query_rules: Vec<QueryRule>,
    regex_rules: Vec<RegexRule>,
    /// Whether the text may hold suppression comments, which are read and judged even without findings.
    reads_suppressions: bool,
    /// The trigger words found in the text; `None` when the prefilter is off.
    words: Option<FoundWords>,
}

impl<'p> Plan<'p> {
    pub fn new(source: &str, path: &'p Path, policy: &'p Policy, options: &AnalyzeOptions) -> Self {
        let found = (!options.exhaustive).then(|| FoundWords::scan(source));
        Self::with_words(source, path, policy, found)
    }

    /// Plans an analysis with the trigger words already found in `source`
    /// (`None` runs every check), for a caller that scans parts of the text
    /// separately.
    pub fn with_words(source: &str, path: &'p Path, policy: &'p Policy, found: Option<FoundWords>) -> Self {
        let groups = applicable_groups(policy, path);
        let mut settings = check_settings(&groups);
        let query_rules = query_rules(&groups);
        let regex_rules = regex_rules(&groups);

        let mut reads_suppressions = true;
        let mut words = None;
        if let Some(found) = found {
            for check in CheckId::ALL {
                if settings.is_enabled(check) && !found.may_trigger(check) {
                    settings.disable(check);
                }
            }
            settings.calls_rules.retain(|rule| prefilter::mentions_any_call(source, &rule.names));
            reads_suppressions = found.may_hold_suppression();
            words = Some(found);
        }
        Self { path, policy, groups, settings, query_rules, regex_rules, reads_suppressions, words }
    }

    /// Returns whether the text may hold suppression comments, which are then read.
    pub fn reads_suppressions(&self) -> bool {
        self.reads_suppressions
    }

    /// Returns whether anything but the `regex:` rules needs the syntax tree.
    fn needs_tree(&self) -> bool {
        self.settings.any_enabled() || !self.query_rules.is_empty() || self.reads_suppressions
    }

    /// Returns a hash of what the prefilter decided: the checks left on, the
    /// `calls:` rules kept and the trigger words found.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for check in CheckId::ALL {
            self.settings.is_enabled(check).hash(&mut hasher);
        }
        for rule in &self.settings.calls_rules {
            rule.id.hash(&mut hasher);
        }
        if let Some(words) = &self.words {
            words.fingerprint().hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Returns the context a check run reads.
    pub fn context<'a>(&'a self, source: &'a str, root: Node<'a>, facts: &'a ModuleFacts<'_>) -> Context<'a> {
        let values = Values { source, root, constants: &facts.constants, assignments: &facts.assignments };
        Context {
            source,
            root,
            path: self.path,
            imports: &facts.imports,
            values,
            settings: &self.settings,
            last_callee: Default::default(),
            words: self.words.as_ref(),
        }
    }

    /// Runs the checks over some top-level statements and returns their
    /// findings with severity, citations and the exception fix, before
    /// suppressions apply.
    pub fn check_statements(&self, context: &Context<'_>, statements: &[Node<'_>]) -> Vec<Finding> {
        let raw_findings = checks::run_on_statements(context, statements);
        finish_findings(raw_findings, &self.groups, context.root, context.source)
    }

    /// Runs the `regex:` rules over the whole text, with the exception fix.
    pub fn check_regex_rules(&self, source: &str, root: Node<'_>) -> Vec<Finding> {
        finish_findings(custom_regex::run(source, &self.regex_rules), &self.groups, root, source)
    }

    /// Applies the suppression comments among `facts.comments` to `findings`,
    /// adds the suppression problems, and sorts the result by position.
    pub fn apply_suppressions(&self, source: &str, root: Node<'_>, facts: &ModuleFacts<'_>, findings: Vec<Finding>, options: &AnalyzeOptions) -> Vec<Finding> {
        let today = options.today.unwrap_or_else(suppression::today_utc);
        let lines = LineStarts::new(source);
        let (suppressions, mut suppression_problems) = read_suppressions(&facts.comments, source, &lines, today);
        suppression_problems.extend(unknown_rule_problems(&suppressions, self.policy));

        let judge = SuppressionJudge { suppressions: &suppressions, groups: &self.groups, root, lines: &lines, today };
        let (mut findings, more_problems) = judge.apply(findings);
        suppression_problems.extend(more_problems);
        findings.extend(suppression_problems.into_iter().map(suppression_finding));

        findings.sort_by(|left, right| (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule)));
        findings
    }

    pub fn run(&self, source: &str, tree: &Tree, options: &AnalyzeOptions) -> Vec<Finding> {
        let root = tree.root_node();
        let facts = ModuleFacts::collect_from(root, source, None, self.reads_suppressions);
        let context = self.context(source, root, &facts);
        let mut raw_findings = checks::run(&context);
        raw_findings.extend(custom_query::run(&context, &self.query_rules));
        raw_findings.extend(custom_regex::run(source, &self.regex_rules));

        let findings = finish_findings(raw_findings, &self.groups, root, source);
        self.apply_suppressions(source, root, &facts, findings, options)
    }
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
            RuleKind::Calls { .. } | RuleKind::Query { .. } | RuleKind::Regex { .. } => None,
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
                settings.set_options(check, group.options());
                if check == CheckId::HardcodedSecret {
                    settings.secret_fix = group.rules.iter().find_map(|rule| rule.fix.clone());
                }
            }
            None => {
                for rule in &group.rules {
                    if let RuleKind::Calls { names, arguments } = &rule.kind {
                        settings.calls_rules.push(CallsRule {
                            id: group.id.clone(),
                            names: names.clone(),
                            arguments: arguments.clone(),
                            message: rule.message.clone(),
                            fix: rule.fix.clone(),
                        });
                    }
                }
            }
        }
    }
    settings
}

/// Returns the `query:` rules of the groups that apply.
fn query_rules(groups: &[RuleGroup<'_>]) -> Vec<QueryRule> {
    groups
        .iter()
        .flat_map(|group| group.rules.iter().map(move |rule| (group, rule)))
        .filter_map(|(group, rule)| match &rule.kind {
            RuleKind::Query { query } => Some(QueryRule {
                id: group.id.clone(),
                query: query.clone(),
                message: rule.message.clone(),
                fix: rule.fix.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Returns the `regex:` rules of the groups that apply.
fn regex_rules(groups: &[RuleGroup<'_>]) -> Vec<RegexRule> {
    groups
        .iter()
        .flat_map(|group| group.rules.iter().map(move |rule| (group, rule)))
        .filter_map(|(group, rule)| match &rule.kind {
            RuleKind::Regex { regex } => Some(RegexRule {
                id: group.id.clone(),
                regex: regex.clone(),
                message: rule.message.clone(),
                fix: rule.fix.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Runs the `regex:` rules that apply to a file that is not Python, such as a
/// configuration file, and returns their findings sorted by position.
///
/// NOTE: suppression comments are not read here, because the comment syntax
/// depends on the file format.
pub(crate) fn analyze_non_python_text(text: &str, path: &Path, policy: &Policy) -> Vec<Finding> {
    let groups = applicable_groups(policy, path);
    let raw_findings = custom_regex::run(text, &regex_rules(&groups));

    let mut findings: Vec<Finding> = raw_findings
        .into_iter()
        .filter_map(|raw| {
            let group = groups.iter().find(|group| group.id == raw.rule)?;
            Some(Finding {
                severity: group.severity(),
                citations: group.citations(),
                rule: raw.rule,
                range: raw.range,
                message: raw.message,
                fixes: raw.fixes,
                related: raw.related,
            })
        })
        .collect();
    findings.sort_by(|left, right| (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule)));
    findings
}

/// Imports, module constants and comments, gathered before the checks run.
pub(crate) struct ModuleFacts<'tree> {
    pub imports: ImportMap,
    constants: ModuleConstants,
    assignments: AssignmentIndex,
    pub comments: Vec<Node<'tree>>,
}

impl<'tree> ModuleFacts<'tree> {
    /// Collects the facts of the whole module, or of the given top-level
    /// statements only (in source order), for an incremental analysis that
    /// checks some statements and reuses the findings of the others.
    /// Comments are collected only when `reads_comments` is set, because
    /// only suppression comments matter.
    pub fn collect_from(
        root: Node<'tree>,
        source: &str,
        statements: Option<&[Node<'tree>]>,
        reads_comments: bool,
    ) -> Self {
        let mut facts = Self {
            imports: ImportMap::default(),
            constants: ModuleConstants::default(),
            assignments: AssignmentIndex::default(),
            comments: Vec::new(),
        };
        let kinds = syntax::kinds();
        let mut functions = FunctionIndexBuilder::default();
        // Imports, assignments and definitions are statements, so expressions
        // need a visit only for the comments in them.
        let statements_only = !reads_comments;
        let mut visit = |node: Node<'tree>, ancestors: &[Node<'tree>]| {
            let kind = node.kind_id();
            if kind == kinds.import_statement || kind == kinds.import_from_statement || kind == kinds.future_import_statement {
                facts.imports.record(node, source);
                return Walk::SkipChildren;
            }
            if kind == kinds.assignment {
                facts.constants.record(node, ancestors, source);
                facts.assignments.record(node, ancestors, source);
            } else if kind == kinds.augmented_assignment {
                facts.assignments.record(node, ancestors, source);
            } else if kind == kinds.comment {
                facts.comments.push(node);
            } else if kind == kinds.function_definition {
                functions.record(node);
            }
            if statements_only && !syntax::may_contain_statements(node) {
                return Walk::SkipChildren;
            }
            Walk::Descend
        };
        match statements {
            None => syntax::walk_with_ancestors(root, &mut visit),
            Some(statements) => {
                let above = [root];
                for statement in statements {
                    syntax::walk_subtree_with_ancestors(*statement, &above, &mut visit);
                }
            }
        }
        facts.assignments.set_functions(functions);
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
        // Custom rules fill their own message templates; a built-in check's message is replaced whole.
        let message = match group.check {
            Some(_) => group.message().map_or(raw.message, str::to_owned),
            None => raw.message,
        };

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

/// Reports suppressions that name a rule which is neither a built-in check nor a custom rule of the policy.
fn unknown_rule_problems(suppressions: &[Suppression], policy: &Policy) -> Vec<RawFinding> {
    let mut problems = Vec::new();
    for suppression in suppressions {
        for rule in &suppression.rules {
            if policy.knows_rule_id(rule) {
                continue;
            }
            problems.push(RawFinding {
                rule: INVALID_SUPPRESSION.to_owned(),
                range: suppression.range.clone(),
                message: format!(
                    "this suppression names `{rule}`, which is neither a built-in check nor a rule of the policy; `guardian rules` lists the checks"
                ),
                fixes: Vec::new(),
                related: Vec::new(),
            });
        }
    }
    problems
}

/// Decides which findings the suppressions remove, honoring each rule's exception limits.
struct SuppressionJudge<'a, 'tree> {
    suppressions: &'a [Suppression],
    groups: &'a [RuleGroup<'a>],
    root: Node<'tree>,
    lines: &'a LineStarts,
    today: Date,
}

impl SuppressionJudge<'_, '_> {
    /// Returns the findings that stay, and problems for suppressions that break
    /// their section's exception limits or suppress nothing.
    fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<RawFinding>) {
        let mut used = vec![false; self.suppressions.len()];
        let mut problems = Vec::new();
        let mut kept = Vec::new();

        for finding in findings {
            let covering = self.covering(&finding);
            if covering.is_empty() {
                kept.push(finding);
                continue;
            }

            let limits = self.groups.iter().find(|group| group.id == finding.rule).and_then(RuleGroup::exception_policy);
            let mut suppressed = false;
            for index in covering {
                used[index] = true;
                match limits.and_then(|limits| self.limit_violation(&self.suppressions[index], limits)) {
                    Some(reason) => problems.push(RawFinding {
                        rule: INVALID_SUPPRESSION.to_owned(),
                        range: self.suppressions[index].range.clone(),
                        message: format!("this suppression of {} does not apply: {reason}", finding.rule),
                        fixes: Vec::new(),
                        related: Vec::new(),
                    }),
                    None => suppressed = true,
                }
            }
            if !suppressed {
                kept.push(finding);
            }
        }

        problems.extend(self.unused(&used));
        (kept, problems)
    }

    fn covering(&self, finding: &Finding) -> Vec<usize> {
        if self.suppressions.is_empty() {
            return Vec::new();
        }
        let finding_line = self.lines.line_of(finding.range.start);
        let statement_lines = self.statement_lines(finding.range.start);
        self.suppressions
            .iter()
            .enumerate()
            .filter(|(_, suppression)| suppression.covers(&finding.rule, finding_line, &statement_lines))
            .map(|(index, _)| index)
            .collect()
    }

    /// Returns the lines of the statement containing `offset`; for a compound
    /// statement (`if`, `with`, `def`, …) only its header, up to the body.
    fn statement_lines(&self, offset: usize) -> std::ops::RangeInclusive<usize> {
        let node = self.root.descendant_for_byte_range(offset, offset).unwrap_or(self.root);
        let statement = syntax::enclosing_statement(node);
        let start = self.lines.line_of(statement.start_byte());

        let mut cursor = statement.walk();
        let body = statement.named_children(&mut cursor).find(|child| child.kind() == "block");
        let end_byte = match body.and_then(|body| body.prev_sibling()) {
            Some(colon) => colon.end_byte(),
            None => statement.end_byte(),
        };
        let end = self.lines.line_of(end_byte.saturating_sub(1).max(statement.start_byte()));
        start..=end.max(start)
    }

    /// Returns why a suppression breaks the limits, or `None` when it respects them.
    fn limit_violation(&self, suppression: &Suppression, limits: ExceptionPolicy) -> Option<String> {
        let Some(until) = suppression.until else {
            let needs_until = limits.require_until || limits.max_days.is_some();
            return needs_until.then(|| "the policy section requires an `until=YYYY-MM-DD` expiry date".to_owned());
        };
        let max_days = limits.max_days?;
        let latest = self.today.checked_add(jiff::Span::new().days(i64::from(max_days))).ok()?;
        (until > latest).then(|| {
            format!("its expiry date {until} is more than {max_days} days away; the policy section allows exceptions until {latest} at the latest")
        })
    }

    fn unused(&self, used: &[bool]) -> Vec<RawFinding> {
        self.suppressions
            .iter()
            .zip(used)
            .filter(|(_, used)| !**used)
            .map(|(suppression, _)| RawFinding {
                rule: UNUSED_SUPPRESSION.to_owned(),
                range: suppression.range.clone(),
                message: format!(
                    "this suppression of {} suppresses no finding; remove it",
                    suppression.rules.join(", ")
                ),
                fixes: Vec::new(),
                related: Vec::new(),
            })
            .collect()
    }
}

fn suppression_finding(problem: RawFinding) -> Finding {
    debug_assert!([INVALID_SUPPRESSION, EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION].contains(&problem.rule.as_str()));
    let severity = if problem.rule == UNUSED_SUPPRESSION { Severity::Info } else { Severity::Warning };
    Finding {
        rule: problem.rule,
        range: problem.range,
        severity,
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
