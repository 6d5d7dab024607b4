//! Long left-nested operator chains (`"…" + b + b …`, `… % b % b …`) deep
//! enough that any analysis step costing the square of the chain length would
//! run for minutes instead of well under a second.

mod common;

use common::{analyze_source, line_of};

const TERMS: usize = 50_000;

/// Returns the rules and lines of every finding, sorted.
fn findings(source: &str) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> =
        analyze_source(source).into_iter().map(|finding| (finding.rule, line_of(source, finding.range.start))).collect();
    found.sort();
    found
}

#[test]
fn unknown_operands_stay_clean() {
    let source = format!("cur.execute(\"a\" {})\n", "+ b ".repeat(TERMS));
    assert_eq!(findings(&source), Vec::new());
}

#[test]
fn parameter_concatenation_is_reported() {
    let source = format!("def view(cur, b):\n    cur.execute(\"SELECT * FROM t WHERE a = \" {})\n", "+ b ".repeat(TERMS));
    assert_eq!(findings(&source), vec![("sql-injection".to_owned(), 1)]);
}

#[test]
fn constants_then_parameter_reported() {
    let source = format!("C = \"x\"\ndef view(cur, b):\n    cur.execute(\"SELECT * FROM t WHERE a = \" {}+ b)\n", "+ C ".repeat(TERMS));
    assert_eq!(findings(&source), vec![("sql-injection".to_owned(), 2)]);
}

#[test]
fn constant_concatenation_is_clean() {
    let source = format!("C = \"x\"\ndef view(cur):\n    cur.execute(\"SELECT * FROM t WHERE a = \" {})\n", "+ C ".repeat(TERMS));
    assert_eq!(findings(&source), Vec::new());
}

#[test]
fn concatenated_query_variable_reported() {
    let source = format!("def view(cur, b):\n    q = \"SELECT * FROM t WHERE a = \" {}\n    cur.execute(q)\n", "+ b ".repeat(TERMS));
    assert_eq!(findings(&source), vec![("sql-injection".to_owned(), 2)]);
}

#[test]
fn percent_format_of_concatenation_reported() {
    let source = format!("def view(cur, b):\n    cur.execute(\"SELECT * FROM t WHERE a = %s\" % (b {}))\n", "+ b ".repeat(TERMS));
    assert_eq!(findings(&source), vec![("sql-injection".to_owned(), 1)]);
}

/// `"…%s" % b % b …` formats the result of the first `%` again; only a string
/// literal on the left of `%` counts as a query template, so the chain is not reported.
#[test]
fn percent_chain_not_a_template() {
    let source = format!("def view(cur, b):\n    cur.execute(\"SELECT * FROM t WHERE a = %s\" {})\n", "% b ".repeat(TERMS));
    assert_eq!(findings(&source), Vec::new());
}
