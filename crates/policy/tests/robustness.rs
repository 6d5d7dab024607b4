//! Parsing malformed and truncated Markdown without panicking, with ranges inside the text.

mod common;

use common::{parse, render_problems};

const TRICKY: &str = "\u{feff}---\r\ninclusion: fileMatch\r\nfileMatchPattern: [\"a/[\", 'ü/**']\r\n---\r\n\
Préambule 🦀\r\n\r\nTitre\r\n=====\r\n\r\n## Sécurité — secrets\r\n\r\n> ```guardian\r\n> - check: hardcoded-secret\r\n>   fix: {replace: 'os.environ[\"{name}\"]'}\r\n> ```\r\n\r\n\
- item\r\n\r\n  ```guardian\r\n  [unclosed\r\n  ```\r\n\r\n### Sub ###\r\n\r\n````guardian\r\nid: x\r\n# a comment that contains ```\r\ncalls: \"a.b\"\r\n````\r\n\
#[[file:nothing]]\r\n```guardian\r\ncheck: sql-injection\r\n";

#[test]
fn every_prefix_parses() {
    let boundaries = TRICKY
        .char_indices()
        .map(|(offset, _)| offset)
        .chain([TRICKY.len()]);
    for end in boundaries {
        let prefix = &TRICKY[..end];
        let parsed = parse(prefix);

        assert!(
            !parsed.document.sections.is_empty()
                || prefix.trim().is_empty()
                || prefix.starts_with('\u{feff}'),
            "prefix {end}"
        );
        for section in &parsed.document.sections {
            assert!(
                section.range.end <= prefix.len(),
                "section range inside text at prefix {end}"
            );
            assert!(
                section.lines.start <= section.lines.end,
                "line range ordered at prefix {end}"
            );
        }
        for problem in &parsed.problems {
            assert!(
                problem.range.end <= prefix.len(),
                "problem range inside text at prefix {end}"
            );
            assert!(
                prefix.is_char_boundary(problem.range.start),
                "problem range on a character boundary at prefix {end}"
            );
        }
    }
}

#[test]
fn tricky_document_outline() {
    let parsed = parse(TRICKY);
    let titles: Vec<String> = parsed
        .document
        .sections
        .iter()
        .map(|section| section.title_path.join(" > "))
        .collect();
    assert_eq!(
        titles,
        vec![
            "Titre",
            "Titre",
            "Titre > Sécurité — secrets",
            "Titre > Sécurité — secrets > Sub"
        ]
    );

    let ids: Vec<&str> = parsed.rules.iter().map(|rule| rule.id.as_str()).collect();
    assert_eq!(ids, vec!["hardcoded-secret", "x", "sql-injection"]);
    insta::assert_snapshot!(render_problems(&parsed.problems));
}

#[test]
fn pathological_inputs_parse() {
    let inputs = [
        "",
        "---",
        "---\n",
        "---\n---",
        "```guardian",
        "```guardian\n",
        "```guardian\n- \n-\n```",
        "```guardian\n[]\n```",
        "```guardian\n~\n```",
        "```guardian\n*alias\n```",
        "```guardian\ncheck: [a, b]\n```",
        "```guardian\ncalls: {a: b}\nid: x\n```",
        "```guardian\ncheck: sql-injection\ncheck: weak-crypto\n```",
        "#",
        "######## too deep",
        "\0\0\0",
    ];
    for input in inputs {
        let parsed = parse(input);
        assert!(
            parsed
                .problems
                .iter()
                .all(|problem| problem.range.end <= input.len()),
            "{input:?}"
        );
    }
}
