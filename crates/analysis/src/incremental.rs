//! Incremental analysis for an editor: re-checks only the top-level
//! definitions that changed since the previous analysis of the same
//! document, and reuses the findings of the others.
//!
//! A module is a list of top-level statements. Function and class
//! definitions are checked on their own: their findings depend on their
//! own text and on the module context, which is everything else a check can
//! read outside the definition. The context is the text of every other
//! top-level statement (module constants, imports, `if __name__` blocks), the
//! imports inside definitions, the checks the prefilter left on, the policy,
//! the path, the date and where a fix would insert an import. While the
//! context stays the same, a definition whose text is unchanged keeps its
//! findings, moved by however far the definition moved.
//!
//! Taint can flow through the return value of a helper function defined in
//! the same file. So a definition is checked again when it mentions the name
//! of a definition that changed, and the facts of every helper it mentions
//! are collected. Findings whose locations reach outside their definition,
//! other than an import insertion, are never reused.
//!
//! The result is meant to equal a full analysis; a test replays edit
//! sequences, including the cases above, and compares the two after every
//! edit.

use crate::semantic::syntax::fields;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::Path;

use guardian_policy::Policy;
use tree_sitter::{Node, Tree};

use crate::engine::{AnalyzeOptions, ModuleFacts, Plan};
use crate::fixes::{self, ImportPoint};
use crate::prefilter::FoundWords;
use crate::semantic::syntax;
use crate::{Document, Finding};

/// The findings of a document's previous analysis, kept between edits.
#[derive(Debug, Default)]
pub struct IncrementalAnalysis {
    previous: Option<Previous>,
    reused_last_time: usize,
}

#[derive(Debug)]
struct Previous {
    /// The trigger words of each statement and the text up to the next, by the hash of that text.
    words: HashMap<u64, FoundWords>,
    context: u64,
    import_point: ImportPoint,
    /// Findings of each reusable definition, by the hash of its text.
    definitions: HashMap<u64, CachedDefinition>,
}

/// The state [`check`] keeps for the next analysis: the import insertion
/// point and the findings of each reusable definition.
type NextState = (ImportPoint, HashMap<u64, CachedDefinition>);

#[derive(Debug, Clone)]
struct CachedDefinition {
    name: String,
    span: Range<usize>,
    /// Findings before suppressions apply, at the positions of `span`.
    findings: Vec<Finding>,
}

/// One top-level statement of the module.
struct Statement<'tree> {
    node: Node<'tree>,
    /// The defined name, for function and class definitions.
    name: Option<&'tree str>,
    hash: u64,
}

impl Statement<'_> {
    fn is_definition(&self) -> bool {
        self.name.is_some()
    }
}

impl IncrementalAnalysis {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns how many definitions the last analysis reused instead of checking them.
    pub fn reused_definitions(&self) -> usize {
        self.reused_last_time
    }

    /// Forgets the previous analysis, so the next one checks every statement.
    pub fn clear(&mut self) {
        self.previous = None;
    }

    /// Analyzes a document like [`crate::analyze_with`], reusing the findings
    /// of definitions that did not change since the previous call.
    pub fn analyze(
        &mut self,
        document: &Document,
        path: &Path,
        policy: &Policy,
        options: &AnalyzeOptions,
    ) -> Vec<Finding> {
        self.analyze_parsed(document.text(), document.tree(), path, policy, options)
    }

    fn analyze_parsed(
        &mut self,
        source: &str,
        tree: &Tree,
        path: &Path,
        policy: &Policy,
        options: &AnalyzeOptions,
    ) -> Vec<Finding> {
        if options.exhaustive {
            self.previous = None;
            return Plan::new(source, path, policy, options).run(source, tree, options);
        }

        let root = tree.root_node();
        let statements = top_level_statements(root, source);
        let mut previous = self.previous.take();
        let (found, words) = found_words(
            &statements,
            source,
            previous.as_mut().map(|previous| &mut previous.words),
        );
        let plan = Plan::with_words(source, path, policy, Some(found));
        if !plan.query_rules.is_empty() {
            // Query rules may match across statements; analyze the whole module.
            return plan.run(source, tree, options);
        }

        let context = context_hash(&statements, source, path, policy, &plan, options);
        let mut previous = previous.filter(|previous| previous.context == context);

        let module = Module {
            source,
            root,
            statements: &statements,
            plan: &plan,
            options,
        };
        let mut reused = reusable_definitions(&statements, source, previous.as_ref());
        let mut result = check(&module, &reused, previous.as_mut());
        if result.is_none() {
            // The import insertion point moved, so reused import fixes would be wrong.
            reused.clear();
            result = check(&module, &reused, None);
        }
        let (findings, next) = result.unwrap_or_default();
        self.reused_last_time = reused.len();
        tracing::debug!(
            statements = statements.len(),
            reused = reused.len(),
            findings = findings.len(),
            "incremental analysis finished"
        );
        self.previous = next.map(|(import_point, definitions)| Previous {
            words,
            context,
            import_point,
            definitions,
        });
        findings
    }
}

/// One analysis's inputs: the text, its tree and top-level statements, the plan and the options.
struct Module<'a, 'tree> {
    source: &'a str,
    root: Node<'tree>,
    statements: &'a [Statement<'tree>],
    plan: &'a Plan<'a>,
    options: &'a AnalyzeOptions,
}

/// Checks every statement not in `reused` and merges the reused findings.
/// Returns `None` when `previous` had another import insertion point.
fn check(
    module: &Module<'_, '_>,
    reused: &HashSet<usize>,
    previous: Option<&mut Previous>,
) -> Option<(Vec<Finding>, Option<NextState>)> {
    let Module {
        source,
        root,
        statements,
        plan,
        options,
    } = *module;
    let checked: Vec<usize> = (0..statements.len()).filter(|index| !reused.contains(index)).collect();
    let walked = statements_to_walk(statements, source, &checked, plan.reads_suppressions());
    let walked_nodes: Vec<Node<'_>> = walked.iter().map(|index| statements[*index].node).collect();
    let facts = ModuleFacts::collect_from(root, source, Some(&walked_nodes), plan.reads_suppressions());

    let import_point = fixes::import_insertion_point(root, source, &facts.imports);
    if !reused.is_empty()
        && previous
            .as_ref()
            .is_some_and(|previous| previous.import_point != import_point)
    {
        return None;
    }

    let context = plan.context(source, root, &facts);
    let checked_nodes: Vec<Node<'_>> = checked.iter().map(|index| statements[*index].node).collect();
    let new_findings = plan.check_statements(&context, &checked_nodes);

    let mut definitions = HashMap::new();
    let mut findings = Vec::new();
    let mut previous_definitions = previous.map(|previous| &mut previous.definitions);
    for index in reused {
        let statement = &statements[*index];
        let span = statement.node.byte_range();
        let removed_entry = previous_definitions
            .as_mut()
            .and_then(|cached| cached.remove(&statement.hash));
        // A second definition with the same text finds the first one already moved.
        let moved = match removed_entry {
            Some(cached) => move_definition(cached, span),
            None => match definitions.get(&statement.hash) {
                Some(cached) => move_definition(CachedDefinition::clone(cached), span),
                None => continue,
            },
        };
        findings.extend_from_slice(&moved.findings);
        definitions.insert(statement.hash, moved);
    }
    remember_checked(&mut definitions, statements, &checked, &new_findings, import_point);
    findings.extend(new_findings);
    findings.extend(plan.check_regex_rules(source, root));

    let findings = plan.apply_suppressions(source, root, &facts, findings, options);
    Some((findings, Some((import_point, definitions))))
}

/// Finds the trigger words of the module one statement at a time (each with
/// the text up to the next statement, so the parts cover the whole text),
/// reusing the words of parts whose text is unchanged. Returns the words of
/// the whole module and of each part, for the next analysis.
fn found_words(
    statements: &[Statement<'_>],
    source: &str,
    mut previous: Option<&mut HashMap<u64, FoundWords>>,
) -> (FoundWords, HashMap<u64, FoundWords>) {
    let mut starts: Vec<usize> = statements.iter().map(|statement| statement.node.start_byte()).collect();
    if let Some(first) = starts.first_mut() {
        *first = 0;
    }
    starts.push(source.len());

    let mut found = FoundWords::none();
    let mut words = HashMap::with_capacity(statements.len());
    for part in starts.windows(2) {
        let text = source.get(part[0]..part[1]).unwrap_or("");
        let hash = hash_text(0, text);
        let part_words = previous
            .as_mut()
            .and_then(|previous| previous.remove(&hash))
            .or_else(|| words.get(&hash).cloned())
            .unwrap_or_else(|| FoundWords::scan(text));
        found.add(&part_words);
        words.insert(hash, part_words);
    }
    if statements.is_empty() {
        found = FoundWords::scan(source);
    }
    (found, words)
}

/// Returns the module's top-level statements with their text hashes and defined names.
fn top_level_statements<'tree>(root: Node<'tree>, source: &'tree str) -> Vec<Statement<'tree>> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .map(|node| {
            let text = source.get(node.byte_range()).unwrap_or("");
            Statement {
                node,
                name: defined_name(node, source),
                hash: hash_text(node.kind_id(), text),
            }
        })
        .collect()
}

/// Returns the name a function or class definition binds, looking through decorators.
fn defined_name<'source>(node: Node<'_>, source: &'source str) -> Option<&'source str> {
    let definition = match node.kind() {
        "decorated_definition" => node.child_by_field_id(fields().definition)?,
        "function_definition" | "class_definition" => node,
        _ => return None,
    };
    let name = definition.child_by_field_id(fields().name)?;
    source.get(name.byte_range())
}

/// Hashes everything outside the definitions that a check can read.
fn context_hash(
    statements: &[Statement<'_>],
    source: &str,
    path: &Path,
    policy: &Policy,
    plan: &Plan<'_>,
    options: &AnalyzeOptions,
) -> u64 {
    let mut hasher = DefaultHasher::new();
    path.hash(&mut hasher);
    options.today.map(|today| today.to_string()).hash(&mut hasher);
    fixes::line_ending(source).hash(&mut hasher);
    plan.fingerprint().hash(&mut hasher);
    for document in &policy.documents {
        document.path.hash(&mut hasher);
        document.text.hash(&mut hasher);
    }

    for statement in statements {
        let text = source.get(statement.node.byte_range()).unwrap_or("");
        // A definition with an import inside changes the module's bindings.
        if !statement.is_definition() || text.contains("import") {
            text.hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// Returns the indexes of the definitions whose previous findings still hold:
/// same text, and no mention of a definition that changed.
fn reusable_definitions<'a>(
    statements: &[Statement<'a>],
    source: &str,
    previous: Option<&'a Previous>,
) -> HashSet<usize> {
    let Some(previous) = previous else {
        return HashSet::new();
    };

    // Names of definitions that are new or changed, and of those that are
    // gone. A name defined twice counts as changed: a call resolves to the
    // first definition, and which one is first can change while every text
    // stays the same.
    let current: HashSet<u64> = statements.iter().map(|statement| statement.hash).collect();
    let mut changed_names: Vec<&str> = statements
        .iter()
        .filter(|statement| statement.is_definition() && !previous.definitions.contains_key(&statement.hash))
        .filter_map(|statement| statement.name)
        .collect();
    let removed = previous.definitions.iter().filter(|(hash, _)| !current.contains(*hash));
    changed_names.extend(removed.map(|(_, cached)| cached.name.as_str()));
    let mut defined: Vec<&str> = statements.iter().filter_map(|statement| statement.name).collect();
    defined.sort_unstable();
    changed_names.extend(defined.windows(2).filter(|pair| pair[0] == pair[1]).map(|pair| pair[0]));
    changed_names.sort_unstable();
    changed_names.dedup();

    statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| statement.is_definition() && previous.definitions.contains_key(&statement.hash))
        .filter(|(_, statement)| {
            let text = source.get(statement.node.byte_range()).unwrap_or("");
            !changed_names.iter().any(|name| mentions_word(text, name))
        })
        .map(|(index, _)| index)
        .collect()
}

/// Returns the statements whose facts the checked statements need: the
/// checked ones, every statement that is not a definition, definitions with
/// imports or suppression comments, and the helpers the checked statements
/// mention, transitively. `may_hold_suppressions` is false when the module
/// has no suppression comment at all.
fn statements_to_walk(
    statements: &[Statement<'_>],
    source: &str,
    checked: &[usize],
    may_hold_suppressions: bool,
) -> Vec<usize> {
    let text_of = |index: usize| source.get(statements[index].node.byte_range()).unwrap_or("");
    let mut walked: HashSet<usize> = checked.iter().copied().collect();
    for (index, statement) in statements.iter().enumerate() {
        let text = text_of(index);
        let needed = !statement.is_definition()
            || text.contains("import")
            || (may_hold_suppressions && syntax::contains_ignoring_ascii_case(text, "guardian"));
        if needed {
            walked.insert(index);
        }
    }

    // Follow helpers from the checked statements, including helpers already
    // walked for another reason, because their own helpers need facts too.
    let mut followed: HashSet<usize> = checked.iter().copied().collect();
    let mut pending: Vec<usize> = checked.to_vec();
    while let Some(index) = pending.pop() {
        let text = text_of(index);
        for (helper, statement) in statements.iter().enumerate() {
            let Some(name) = statement.name else {
                continue;
            };
            if !followed.contains(&helper) && mentions_word(text, name) {
                followed.insert(helper);
                walked.insert(helper);
                pending.push(helper);
            }
        }
    }

    let mut walked: Vec<usize> = walked.into_iter().collect();
    walked.sort_unstable();
    walked
}

/// Stores the findings of each checked definition whose locations all stay
/// inside it, or are the import insertion point.
fn remember_checked(
    definitions: &mut HashMap<u64, CachedDefinition>,
    statements: &[Statement<'_>],
    checked: &[usize],
    findings: &[Finding],
    import_point: ImportPoint,
) {
    for index in checked {
        let statement = &statements[*index];
        if !statement.is_definition() {
            continue;
        }
        let span = statement.node.byte_range();
        let own: Vec<Finding> = findings
            .iter()
            .filter(|finding| span.contains(&finding.range.start))
            .cloned()
            .collect();
        let reusable = own.iter().all(|finding| {
            locations(finding).all(|range| is_inside(&range, &span) || is_import_edit(&range, import_point))
        });
        if reusable {
            let name = statement.name.unwrap_or_default().to_owned();
            definitions.insert(
                statement.hash,
                CachedDefinition {
                    name,
                    span,
                    findings: own,
                },
            );
        }
    }
}

/// Returns every byte range a finding carries: its own, related locations and fix edits.
fn locations(finding: &Finding) -> impl Iterator<Item = Range<usize>> + '_ {
    let related = finding.related.iter().map(|related| related.range.clone());
    let edits = finding
        .fixes
        .iter()
        .flat_map(|fix| fix.edits.iter().map(|edit| edit.range.clone()));
    std::iter::once(finding.range.clone()).chain(related).chain(edits)
}

fn is_inside(range: &Range<usize>, span: &Range<usize>) -> bool {
    span.start <= range.start && range.end <= span.end
}

fn is_import_edit(range: &Range<usize>, import_point: ImportPoint) -> bool {
    let offset = match import_point {
        ImportPoint::AfterImports(offset) | ImportPoint::AfterDocstring(offset) | ImportPoint::AtTop(offset) => offset,
    };
    range.start == offset && range.end == offset
}

/// Moves a cached definition's findings to the definition's new position.
fn move_definition(mut cached: CachedDefinition, span: Range<usize>) -> CachedDefinition {
    let old = std::mem::replace(&mut cached.span, span.clone());
    let shift = |range: &mut Range<usize>| {
        if is_inside(range, &old) {
            *range = (range.start - old.start + span.start)..(range.end - old.start + span.start);
        }
    };

    for finding in &mut cached.findings {
        shift(&mut finding.range);
        finding.related.iter_mut().for_each(|related| shift(&mut related.range));
        finding
            .fixes
            .iter_mut()
            .flat_map(|fix| fix.edits.iter_mut())
            .for_each(|edit| shift(&mut edit.range));
    }
    cached
}

/// Returns whether `name` occurs in `text` as a whole identifier.
fn mentions_word(text: &str, name: &str) -> bool {
    let is_identifier_byte = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80;
    text.match_indices(name).any(|(start, _)| {
        let before = text.as_bytes().get(start.wrapping_sub(1)).copied();
        let after = text.as_bytes().get(start + name.len()).copied();
        !before.is_some_and(is_identifier_byte) && !after.is_some_and(is_identifier_byte)
    })
}

/// Hashes a text with a tag that keeps equal texts of different kinds apart.
fn hash_text(tag: u16, text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), u64::from(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_word_mentions() {
        assert!(mentions_word("x = helper(1)", "helper"));
        assert!(!mentions_word("x = helpers(1)", "helper"));
        assert!(!mentions_word("x = my_helper(1)", "helper"));
    }
}
