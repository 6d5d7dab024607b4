//! Parsing one steering document: front matter, sections, rule blocks and topic bindings.

use crate::binding::topic_rules;
use crate::front_matter::parse_front_matter;
use crate::line_index::LineIndex;
use crate::model::{
    Inclusion, KnownCheck, Origin, PolicyProblem, Rule, SectionId, SteeringDocument,
};
use crate::problems::ProblemSink;
use crate::rule_block::parse_rule_block;
use crate::sections::outline;
use std::path::Path;
use std::sync::Arc;

/// One document with the rules it binds on its own, before layering.
#[derive(Debug, Clone)]
pub struct ParsedDocument {
    pub document: SteeringDocument,
    /// Block rules, then topic rules, in document order. Their [`SectionId::document`] is 0
    /// until the document is placed in a [`crate::Policy`]. Empty for `inclusion: manual`.
    pub rules: Vec<Rule>,
    pub problems: Vec<PolicyProblem>,
}

/// Parses one steering document from its text, for example an unsaved editor buffer.
///
/// Never fails: malformed front matter and rule blocks become problems. A
/// manual document's blocks are still validated, but it binds no rules.
pub fn parse_document(
    path: &Path,
    origin: Origin,
    text: &str,
    known_checks: &[KnownCheck],
) -> ParsedDocument {
    let line_index = LineIndex::new(text);
    let mut problems = ProblemSink::new(path, text, &line_index);

    let front_matter = parse_front_matter(text, &line_index, &mut problems);
    let fallback_title = path.file_stem().map_or_else(
        || path.display().to_string(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    let outline = outline(text, front_matter.body_start, &fallback_title, &line_index);

    let mut block_rules = Vec::new();
    for block in &outline.blocks {
        let section = SectionId {
            document: 0,
            section: block.section,
        };
        block_rules.extend(parse_rule_block(
            block,
            section,
            known_checks,
            &mut problems,
        ));
    }

    let mut topic_bound = Vec::new();
    for (index, section) in outline.sections.iter().enumerate() {
        let id = SectionId {
            document: 0,
            section: index,
        };
        topic_bound.extend(topic_rules(section, id, known_checks, &block_rules));
    }

    let is_enforced = front_matter.inclusion != Inclusion::Manual;
    let rules = if is_enforced {
        block_rules.into_iter().chain(topic_bound).collect()
    } else {
        Vec::new()
    };

    let document = SteeringDocument {
        path: path.to_path_buf(),
        origin,
        title: outline.title,
        inclusion: front_matter.inclusion,
        file_match: front_matter.file_match,
        sections: outline.sections,
        text: Arc::from(text),
    };

    ParsedDocument {
        document,
        rules,
        problems: problems.problems,
    }
}
