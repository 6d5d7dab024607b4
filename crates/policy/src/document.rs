//! Parsing one steering document: front matter, sections, rule blocks and topic bindings.

use crate::binding::{topic_rules, words};
use crate::front_matter::parse_front_matter;
use crate::line_index::LineIndex;
use crate::model::{
    ExceptionPolicy, Inclusion, KnownCheck, Origin, PolicyProblem, Rule, Section, SectionId,
    Severity, SteeringDocument,
};
use crate::problems::{ProblemSink, codes};
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
    let mut section_exceptions = Vec::new();
    for block in &outline.blocks {
        let section = SectionId {
            document: 0,
            section: block.section,
        };
        let parsed = parse_rule_block(block, section, known_checks, &mut problems);
        block_rules.extend(parsed.rules);
        if let Some(limits) = parsed.section_exceptions {
            section_exceptions.push((block.section, limits));
        }
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
    let mut rules: Vec<Rule> = if is_enforced {
        block_rules.into_iter().chain(topic_bound).collect()
    } else {
        Vec::new()
    };
    apply_section_exceptions(&mut rules, &outline.sections, &section_exceptions);

    if is_enforced {
        report_unbound_requirements(&outline.sections, &rules, &mut problems);
    }

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

/// Applies each section-level `exceptions:` block to the rules of that section and its subsections.
fn apply_section_exceptions(
    rules: &mut [Rule],
    sections: &[Section],
    section_exceptions: &[(usize, ExceptionPolicy)],
) {
    for (section_index, limits) in section_exceptions {
        let Some(limiting_section) = sections.get(*section_index) else {
            continue;
        };
        for rule in rules.iter_mut() {
            let Some(rule_section) = sections.get(rule.section.section) else {
                continue;
            };
            let is_inside = limiting_section.range.start <= rule_section.range.start
                && rule_section.range.end <= limiting_section.range.end;
            if is_inside {
                rule.exceptions = Some(match rule.exceptions {
                    Some(own) => own.stricter(*limits),
                    None => *limits,
                });
            }
        }
    }
}

/// Words that state a requirement anywhere in a sentence.
const REQUIREMENT_WORDS: &[&str] = &["must", "must not", "shall"];
/// Words that state a requirement when they open a sentence, as in "Never log tokens.".
const IMPERATIVE_OPENERS: &[&str] = &["do not", "never", "always"];

/// Reports, as hints, sections whose prose states a requirement but that bind no rule.
///
/// The root section (the document's title and preamble) is skipped because it
/// usually introduces the whole document. A section counts as binding when it
/// or one of its subsections binds a rule.
fn report_unbound_requirements(sections: &[Section], rules: &[Rule], problems: &mut ProblemSink) {
    for (index, section) in sections.iter().enumerate() {
        let is_root = section.level <= 1;
        if is_root {
            continue;
        }
        let Some(word) = requirement_word(&section.prose) else {
            continue;
        };
        let binds_rule = rules.iter().any(|rule| {
            sections.get(rule.section.section).is_some_and(|rule_section| {
                rule.section.section == index
                    || (section.range.start <= rule_section.range.start
                        && rule_section.range.end <= section.range.end)
            })
        });
        if binds_rule {
            continue;
        }
        problems.at_range(
            section.heading_range.clone(),
            Severity::Hint,
            codes::UNBOUND_REQUIREMENT,
            format!(
                "this section says \"{word}\" but binds no rule, so Guardian does not enforce it; add a `guardian` block or name a check's topic in the heading"
            ),
        );
    }
}

fn requirement_word(prose: &str) -> Option<&'static str> {
    for sentence in prose.split(['.', '!', '?', ':', '\n']) {
        let sentence_words = words(sentence).join(" ");
        let padded = format!(" {sentence_words} ");
        let anywhere = REQUIREMENT_WORDS
            .iter()
            .copied()
            .find(|word| padded.contains(&format!(" {word} ")));
        let opener = IMPERATIVE_OPENERS
            .iter()
            .copied()
            .find(|word| padded.starts_with(&format!(" {word} ")));
        if let Some(word) = anywhere.or(opener) {
            return Some(word);
        }
    }
    None
}
