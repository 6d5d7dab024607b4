//! Splitting a steering document's Markdown body into sections and `guardian` blocks.
//!
//! Every heading (ATX `##` or setext underline) opens a section that runs to
//! the next heading of the same or a higher level. Text before the first
//! heading belongs to a synthetic root section named after the document, so
//! a rule block written there still has a section to cite.

use crate::line_index::LineIndex;
use crate::model::Section;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use std::ops::Range;

/// The info string that marks a fenced code block as a rule block.
pub const RULE_BLOCK_INFO: &str = "guardian";

/// The sections and rule blocks of one document.
#[derive(Debug)]
pub(crate) struct Outline {
    pub(crate) title: String,
    pub(crate) sections: Vec<Section>,
    pub(crate) blocks: Vec<RuleBlockSource>,
}

/// The raw text of one fenced `guardian` block.
#[derive(Debug)]
pub(crate) struct RuleBlockSource {
    /// Byte range of the whole block, fences included.
    pub(crate) range: Range<usize>,
    /// The block's content with the fences removed.
    pub(crate) content: String,
    /// Zero-based document line of the content's first line.
    pub(crate) first_content_line: u32,
    /// Index into [`Outline::sections`].
    pub(crate) section: usize,
}

/// A heading as the Markdown pass found it.
#[derive(Debug)]
struct Heading {
    level: u8,
    range: Range<usize>,
    text: String,
}

/// Everything the single Markdown pass collects, before sections are assembled.
#[derive(Debug, Default)]
struct Collected {
    headings: Vec<Heading>,
    /// Prose per section: index 0 is the text before the first heading, index `i + 1` heading `i`.
    prose: Vec<String>,
    blocks: Vec<(Range<usize>, String, Option<usize>)>,
}

/// Builds the outline of the Markdown that starts at `body_start`.
pub(crate) fn outline(
    text: &str,
    body_start: usize,
    fallback_title: &str,
    line_index: &LineIndex,
) -> Outline {
    let body = text.get(body_start..).unwrap_or_default();
    let collected = collect(body, body_start);

    let title = collected
        .headings
        .iter()
        .find(|heading| heading.level == 1)
        .map_or_else(|| fallback_title.to_owned(), |heading| heading.text.clone());

    let first_heading_start = collected
        .headings
        .first()
        .map_or(text.len(), |heading| heading.range.start);
    let preamble = text
        .get(body_start..first_heading_start)
        .unwrap_or_default();
    let has_root = !preamble.trim().is_empty() || collected.headings.is_empty();

    let mut sections = Vec::with_capacity(collected.headings.len() + 1);
    if has_root {
        sections.push(root_section(
            &title,
            body_start..first_heading_start,
            &collected.prose[0],
            line_index,
        ));
    }
    sections.extend(heading_sections(text, &collected, line_index));

    let root_shift = usize::from(has_root);
    let blocks = collected
        .blocks
        .into_iter()
        .map(|(range, content, content_start)| {
            let section = section_of(&collected.headings, range.start)
                .map_or(0, |heading| heading + root_shift);
            let first_content_line = content_start.map_or_else(
                || line_index.line_of(range.start) + 1,
                |start| line_index.line_of(start),
            );
            RuleBlockSource {
                range,
                content,
                first_content_line,
                section,
            }
        })
        .collect();

    Outline {
        title,
        sections,
        blocks,
    }
}

/// Walks the Markdown events once, gathering headings, prose and rule blocks.
fn collect(body: &str, body_start: usize) -> Collected {
    let mut collected = Collected {
        prose: vec![String::new()],
        ..Collected::default()
    };
    let mut heading: Option<Heading> = None;
    let mut code_block: Option<CodeBlockState> = None;

    for (event, local_range) in Parser::new(body).into_offset_iter() {
        let range = local_range.start + body_start..local_range.end + body_start;

        if let Some(state) = code_block.as_mut() {
            match event {
                Event::Text(content) => state.push(&content, range.start),
                Event::End(TagEnd::CodeBlock) => {
                    if let Some(finished) =
                        code_block.take().and_then(CodeBlockState::into_rule_block)
                    {
                        collected.blocks.push(finished);
                    }
                }
                _ => {}
            }
            continue;
        }

        if let Some(open) = heading.as_mut() {
            match event {
                Event::Text(content) | Event::Code(content) => open.text.push_str(&content),
                Event::SoftBreak | Event::HardBreak => open.text.push(' '),
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(mut finished) = heading.take() {
                        finished.text = finished.text.trim().to_owned();
                        collected.headings.push(finished);
                        collected.prose.push(String::new());
                    }
                }
                _ => {}
            }
            continue;
        }

        let prose = collected.prose.last_mut();
        match (event, prose) {
            (Event::Start(Tag::Heading { level, .. }), _) => {
                heading = Some(Heading {
                    level: heading_level(level),
                    range: trim_line_end(body, body_start, range),
                    text: String::new(),
                });
            }
            (Event::Start(Tag::CodeBlock(kind)), _) => {
                code_block = Some(CodeBlockState::new(&kind, range));
            }
            (Event::Text(content) | Event::Code(content), Some(prose)) => prose.push_str(&content),
            (Event::SoftBreak, Some(prose)) => prose.push(' '),
            (Event::HardBreak, Some(prose)) => prose.push('\n'),
            (Event::End(TagEnd::Paragraph | TagEnd::Item), Some(prose)) => end_prose_block(prose),
            _ => {}
        }
    }

    collected
}

/// Separates paragraphs and list items with one blank line.
fn end_prose_block(prose: &mut String) {
    let needs_separator = !prose.is_empty() && !prose.ends_with("\n\n");
    if needs_separator {
        prose.push_str("\n\n");
    }
}

/// A code block being read; only `guardian` blocks keep their content.
struct CodeBlockState {
    is_rule_block: bool,
    range: Range<usize>,
    content: String,
    content_start: Option<usize>,
}

impl CodeBlockState {
    fn new(kind: &CodeBlockKind, range: Range<usize>) -> Self {
        let is_rule_block = match kind {
            CodeBlockKind::Fenced(info) => info.split_whitespace().next() == Some(RULE_BLOCK_INFO),
            CodeBlockKind::Indented => false,
        };
        Self {
            is_rule_block,
            range,
            content: String::new(),
            content_start: None,
        }
    }

    fn push(&mut self, text: &str, offset: usize) {
        if self.is_rule_block {
            self.content_start.get_or_insert(offset);
            self.content.push_str(text);
        }
    }

    fn into_rule_block(self) -> Option<(Range<usize>, String, Option<usize>)> {
        self.is_rule_block
            .then_some((self.range, self.content, self.content_start))
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Drops the trailing line break and spaces that pulldown-cmark includes in a heading's range.
fn trim_line_end(body: &str, body_start: usize, range: Range<usize>) -> Range<usize> {
    let local = range.start - body_start..range.end - body_start;
    let heading_text = body.get(local).unwrap_or_default();
    let trimmed_len = heading_text.trim_end().len();
    range.start..range.start + trimmed_len
}

fn root_section(title: &str, range: Range<usize>, prose: &str, line_index: &LineIndex) -> Section {
    Section {
        title_path: vec![title.to_owned()],
        level: 0,
        heading_range: range.start..range.start,
        heading_line: line_index.line_of(range.start),
        lines: line_index.lines_of(&range),
        range,
        prose: prose.trim().to_owned(),
    }
}

fn heading_sections<'a>(
    text: &'a str,
    collected: &'a Collected,
    line_index: &'a LineIndex,
) -> impl Iterator<Item = Section> + 'a {
    let headings = &collected.headings;
    let mut title_stack: Vec<(u8, String)> = Vec::new();

    headings.iter().enumerate().map(move |(index, heading)| {
        while title_stack
            .last()
            .is_some_and(|(level, _)| *level >= heading.level)
        {
            title_stack.pop();
        }
        title_stack.push((heading.level, heading.text.clone()));

        let end = headings[index + 1..]
            .iter()
            .find(|later| later.level <= heading.level)
            .map_or(text.len(), |later| later.range.start);
        let range = heading.range.start..end;

        Section {
            title_path: title_stack.iter().map(|(_, title)| title.clone()).collect(),
            level: heading.level,
            heading_range: heading.range.clone(),
            heading_line: line_index.line_of(heading.range.start),
            lines: line_index.lines_of(&range),
            range,
            prose: collected.prose[index + 1].trim().to_owned(),
        }
    })
}

/// Returns the index of the last heading that starts at or before `offset`.
fn section_of(headings: &[Heading], offset: usize) -> Option<usize> {
    headings
        .iter()
        .rposition(|heading| heading.range.start <= offset)
}
