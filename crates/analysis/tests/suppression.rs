//! Recorded exceptions: which findings a `# guardian: ignore[…]` comment
//! suppresses, and the findings for unusable ones.

mod common;

use common::{analyze_source, check};

#[test]
fn suppression_positions() {
    check(
        r#"
import hashlib

# guardian: ignore[weak-crypto] reason="etag only, not security"
a = hashlib.md5(b"x")  # expect: clean
b = hashlib.md5(b"x")  # guardian: ignore[weak-crypto] reason="etag only" # expect: clean
c = hashlib.md5(b"x")  # expect: weak-crypto

# guardian: ignore[weak-crypto] reason="etag only"

d = hashlib.md5(b"x")  # expect: weak-crypto
# guardian: ignore[sql-injection] reason="wrong rule"
e = hashlib.md5(b"x")  # expect: weak-crypto
# guardian: ignore[sql-injection, weak-crypto] reason="both rules"
f = hashlib.md5(b"x")  # expect: clean
"#,
        &["weak-crypto"],
    );
}

#[test]
fn suppression_above_multiline_statement() {
    check(
        r#"
def f(conn, customer):
    # guardian: ignore[sql-injection] reason="customer is validated upstream"
    rows = conn.execute(
        f"SELECT id FROM orders WHERE customer = '{customer}'"  # expect: clean
    ).fetchall()
"#,
        &["sql-injection"],
    );
}

#[test]
fn words_in_a_string_suppress_nothing() {
    check(
        r#"
import hashlib
NOTE = '# guardian: ignore[weak-crypto] reason="not a comment"'
a = hashlib.md5(b"x")  # expect: weak-crypto
"#,
        &["weak-crypto"],
    );
}

#[test]
fn suppression_without_reason_is_reported() {
    let source = "import hashlib\n# guardian: ignore[weak-crypto]\na = hashlib.md5(b\"x\")\n";
    let rules: Vec<String> = analyze_source(source).into_iter().map(|finding| finding.rule).collect();
    assert_eq!(rules, ["invalid-suppression", "weak-crypto"]);

    let findings = analyze_source(source);
    let invalid = &findings[0];
    assert_eq!(invalid.severity, guardian_analysis::Severity::Warning);
    assert!(invalid.message.contains("reason"), "{}", invalid.message);
    assert!(invalid.message.contains("# guardian: ignore[RULE] reason="), "{}", invalid.message);
    assert_eq!(&source[invalid.range.clone()], "# guardian: ignore[weak-crypto]");
}

#[test]
fn expired_suppression_stops_suppressing() {
    let expired = "import hashlib\n# guardian: ignore[weak-crypto] reason=\"etag\" until=2026-05-31\na = hashlib.md5(b\"x\")\n";
    let rules: Vec<String> = analyze_source(expired).into_iter().map(|finding| finding.rule).collect();
    assert_eq!(rules, ["expired-suppression", "weak-crypto"]);

    let current = expired.replace("2026-05-31", "2026-06-01");
    assert!(analyze_source(&current).is_empty(), "a suppression applies through its until date");
}
