//! Sections, title paths, line ranges and prose.

mod common;

use common::{parse, render_sections};

#[test]
fn nested_headings_sections() {
    let text = "\
# Standards

Intro paragraph
on two lines.

## 1. Secrets

Keep them out.

### 1.1 Rotation

Rotate yearly.

## 2. SQL

Bind parameters.
";
    let parsed = parse(text);
    assert_eq!(parsed.document.title, "Standards");
    insta::assert_snapshot!(render_sections(&parsed.document.sections));
}

#[test]
fn section_ranges_cover_subsections() {
    let text = "# A\n\n## B\n\nb\n\n### C\n\nc\n\n## D\n\nd\n";
    let sections = parse(text).document.sections;

    let b = &sections[1];
    assert_eq!(b.title_path, vec!["A", "B"]);
    assert_eq!(&text[b.heading_range.clone()], "## B");
    assert_eq!(b.heading_line, 2);
    assert_eq!(b.lines, 2..10);
    assert!(text[b.range.clone()].contains("### C"));
    assert!(!text[b.range.clone()].contains("## D"));

    let c = &sections[2];
    assert_eq!(c.title_path, vec!["A", "B", "C"]);
    assert_eq!(c.lines, 6..10);

    let d = &sections[3];
    assert_eq!(d.lines, 10..13);
    assert_eq!(d.range.end, text.len());
}

#[test]
fn setext_and_atx_headings() {
    let text = "Title\n=====\n\nSub\n---\n\ntext\n\n## Atx\n";
    let sections = parse(text).document.sections;

    assert_eq!(sections.len(), 3);
    assert_eq!(sections[0].title_path, vec!["Title"]);
    assert_eq!(sections[1].title_path, vec!["Title", "Sub"]);
    assert_eq!(sections[1].heading_line, 3);
    assert_eq!(&text[sections[1].heading_range.clone()], "Sub\n---");
    assert_eq!(sections[2].title_path, vec!["Title", "Atx"]);
}

#[test]
fn text_before_first_heading_gets_root_section() {
    let text = "Preamble text.\n\n```guardian\ncheck: sql-injection\n```\n\n# Title\n\nBody.\n";
    let parsed = parse(text);
    let sections = &parsed.document.sections;

    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0].level, 0);
    assert_eq!(sections[0].title_path, vec!["Title"]);
    assert_eq!(sections[0].prose, "Preamble text.");
    assert_eq!(sections[0].lines, 0..6);

    let rule = &parsed.rules[0];
    assert_eq!(rule.id, "sql-injection");
    assert_eq!(rule.section.section, 0);
}

#[test]
fn title_falls_back_to_file_stem() {
    let parsed = parse("## Only a subsection\n\ntext\n");
    assert_eq!(parsed.document.title, "doc");
    assert_eq!(parsed.document.sections.len(), 1);
    assert_eq!(
        parsed.document.sections[0].title_path,
        vec!["Only a subsection"]
    );
}

#[test]
fn document_without_headings_is_one_root_section() {
    let parsed = parse("Just prose.\n");
    let sections = &parsed.document.sections;
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].level, 0);
    assert_eq!(sections[0].title_path, vec!["doc"]);
}

#[test]
fn prose_excludes_blocks_and_subsections() {
    let text = "\
# T

First *emphasis* and `code`.

- item one
- item two

```guardian
check: sql-injection
```

```python
print('not prose')
```

## Child

Child text.
";
    let sections = parse(text).document.sections;
    assert_eq!(
        sections[0].prose,
        "First emphasis and code.\n\nitem one\n\nitem two"
    );
    assert_eq!(sections[1].prose, "Child text.");
}

#[test]
fn front_matter_shifts_lines() {
    let text = "---\ninclusion: always\n---\n\n# Title\n\n## Part\n";
    let sections = parse(text).document.sections;
    assert_eq!(sections[0].heading_line, 4);
    assert_eq!(sections[1].heading_line, 6);
    assert_eq!(&text[sections[1].heading_range.clone()], "## Part");
}

#[test]
fn crlf_heading_range_excludes_line_break() {
    let text = "# Title\r\n\r\n## Part\r\ntext\r\n";
    let sections = parse(text).document.sections;
    assert_eq!(&text[sections[1].heading_range.clone()], "## Part");
    assert_eq!(sections[1].heading_line, 2);
    assert_eq!(sections[1].lines, 2..4);
}
