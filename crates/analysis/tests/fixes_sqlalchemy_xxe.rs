//! Snapshots of the SQLAlchemy `text()` parameter fix and the xxe fixes
//! (code before and after), re-analysis of each fixed source, and the cases
//! where no fix may be offered.

mod common;

use common::{assert_fixes_resolve, render_fixes};

/// Asserts that `source` has a finding of `rule` but no rewrite fix for it.
fn assert_reported_without_fix(source: &str, rule: &str) {
    let rendered = render_fixes(source, rule);
    assert!(rendered.contains(&format!(": {rule} [")), "expected a {rule} finding:\n{rendered}");
    assert!(!rendered.contains("--- fix"), "no fix may be offered:\n{rendered}");
}

const TEXT_FSTRING: &str = r#"from sqlalchemy import text


def find_user(conn, name):
    return conn.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).fetchall()
"#;

const TEXT_CONCATENATION: &str = r#"import sqlalchemy


def find_orders(session, user):
    return session.execute(sqlalchemy.text("SELECT id FROM orders WHERE owner = " + user.id + " AND state = 'open'"))
"#;

const TEXT_PERCENT: &str = r#"from sqlalchemy.sql import text as sql_text


def search(conn, name, limit):
    conn.execute(sql_text("SELECT * FROM items WHERE name LIKE 'a%%' AND owner = '%s' LIMIT %d" % (name, limit)))
"#;

const TEXT_FORMAT_METHOD: &str = r#"from sqlalchemy import text


def rename(conn, user, rows):
    conn.execute(text("UPDATE users SET name = '{}' WHERE id = {} OR id = {}".format(user.name, rows[0], user.id)))
"#;

const TEXT_LOCAL_VARIABLE: &str = r#"from sqlalchemy import text


def orders_between(session, start, end, customer):
    query = f"SELECT * FROM orders WHERE placed BETWEEN '{start}' AND '{end}' AND customer = {customer} OR referrer = {customer}"
    return session.execute(text(query)).all()
"#;

const TEXT_NAME_COLLISIONS: &str = r#"from sqlalchemy import text


def audit(conn, user, user_id, param_1, values):
    conn.execute(text(f"SELECT * FROM audit WHERE a = {user.id} AND b = {user_id} AND c = {values[0]} AND d = {param_1} AND e = {values[1]}"))
"#;

#[test]
fn fix_text_fstring() {
    insta::assert_snapshot!(render_fixes(TEXT_FSTRING, "sql-injection"));
    assert_fixes_resolve(TEXT_FSTRING, "sql-injection");
}

#[test]
fn fix_text_concatenation_with_attribute() {
    insta::assert_snapshot!(render_fixes(TEXT_CONCATENATION, "sql-injection"));
    assert_fixes_resolve(TEXT_CONCATENATION, "sql-injection");
}

#[test]
fn fix_text_percent_format() {
    insta::assert_snapshot!(render_fixes(TEXT_PERCENT, "sql-injection"));
    assert_fixes_resolve(TEXT_PERCENT, "sql-injection");
}

#[test]
fn fix_text_format_method() {
    insta::assert_snapshot!(render_fixes(TEXT_FORMAT_METHOD, "sql-injection"));
    assert_fixes_resolve(TEXT_FORMAT_METHOD, "sql-injection");
}

#[test]
fn fix_text_local_variable() {
    insta::assert_snapshot!(render_fixes(TEXT_LOCAL_VARIABLE, "sql-injection"));
    assert_fixes_resolve(TEXT_LOCAL_VARIABLE, "sql-injection");
}

#[test]
fn fix_text_bind_names_do_not_collide() {
    insta::assert_snapshot!(render_fixes(TEXT_NAME_COLLISIONS, "sql-injection"));
    assert_fixes_resolve(TEXT_NAME_COLLISIONS, "sql-injection");
}

#[test]
fn no_text_fix_when_execute_already_has_parameters() {
    let source = "from sqlalchemy import text\ndef f(conn, name, extra):\n    conn.execute(text(f\"SELECT * FROM t WHERE name = '{name}'\"), extra)\n";
    assert_reported_without_fix(source, "sql-injection");
}

#[test]
fn no_text_fix_when_text_is_not_sqlalchemy() {
    let source = "from reports import text\nimport sqlite3\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM t WHERE name = '{name}'\"))\n";
    let rendered = render_fixes(source, "sql-injection");
    assert!(!rendered.contains(":name"), "`text` from another module is not SQLAlchemy's:\n{rendered}");
}

#[test]
fn no_text_fix_outside_a_single_execute_argument() {
    let assigned = "from sqlalchemy import text\ndef f(conn, name):\n    stmt = text(f\"SELECT * FROM t WHERE name = '{name}'\")\n    conn.execute(stmt)\n";
    assert_reported_without_fix(assigned, "sql-injection");

    let bound_later = "from sqlalchemy import text\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM t WHERE name = '{name}'\").columns())\n";
    assert_reported_without_fix(bound_later, "sql-injection");

    let not_execute = "from sqlalchemy import text\ndef f(conn, name):\n    conn.scalar(text(f\"SELECT id FROM t WHERE name = '{name}'\"))\n";
    assert_reported_without_fix(not_execute, "sql-injection");
}

#[test]
fn no_text_fix_for_complex_or_constant_values() {
    let expression = "from sqlalchemy import text\ndef f(conn, a, b):\n    conn.execute(text(f\"SELECT * FROM t WHERE total = {a + b}\"))\n";
    assert_reported_without_fix(expression, "sql-injection");

    let table_name = "from sqlalchemy import text\nTABLE = \"users\"\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM {TABLE} WHERE name = '{name}'\"))\n";
    assert_reported_without_fix(table_name, "sql-injection");

    let inside_like = "from sqlalchemy import text\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM t WHERE name LIKE '%{name}%'\"))\n";
    assert_reported_without_fix(inside_like, "sql-injection");

    let format_spec = "from sqlalchemy import text\ndef f(conn, price):\n    conn.execute(text(f\"SELECT * FROM t WHERE price = {price:.2f}\"))\n";
    assert_reported_without_fix(format_spec, "sql-injection");
}

#[test]
fn no_text_fix_when_query_has_bind_parameters() {
    let source = "from sqlalchemy import text\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM t WHERE owner = :owner AND name = '{name}'\"))\n";
    assert_reported_without_fix(source, "sql-injection");

    let glued = "from sqlalchemy import text\ndef f(conn, name):\n    conn.execute(text(f\"SELECT * FROM t WHERE name = {name}_x\"))\n";
    assert_reported_without_fix(glued, "sql-injection");
}

#[test]
fn text_fix_keeps_casts_and_times() {
    let source = "from sqlalchemy import text\ndef f(conn, day):\n    conn.execute(text(f\"SELECT id::text FROM t WHERE at > '10:30' AND day = '{day}'\"))\n";
    let rendered = render_fixes(source, "sql-injection");
    assert!(rendered.contains(r#"text("SELECT id::text FROM t WHERE at > '10:30' AND day = :day"), {"day": day})"#), "{rendered}");
    assert_fixes_resolve(source, "sql-injection");
}

const LXML_RESOLVE_ENTITIES: &str = r#"from lxml import etree

RESOLVE = True


def parse_invoice(data):
    parser = etree.XMLParser(resolve_entities=True, no_network=True)
    return etree.fromstring(data, parser)


def parse_feed(data):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=RESOLVE))
"#;

const SAX_EXTERNAL_ENTITIES: &str = r#"import xml.sax
from xml.sax.handler import feature_external_ges


def read(path, handler):
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    parser.setFeature("http://xml.org/sax/features/external-parameter-entities", True)
    parser.setContentHandler(handler)
    parser.parse(path)
"#;

#[test]
fn fix_lxml_resolve_entities() {
    insta::assert_snapshot!(render_fixes(LXML_RESOLVE_ENTITIES, "xxe"));
    assert_fixes_resolve("from lxml import etree\nparser = etree.XMLParser(resolve_entities=True)\n", "xxe");
    assert_fixes_resolve("from lxml import etree\nRESOLVE = True\nparser = etree.XMLParser(\n    resolve_entities=RESOLVE,\n)\n", "xxe");
}

#[test]
fn fix_sax_external_entity_features() {
    insta::assert_snapshot!(render_fixes(SAX_EXTERNAL_ENTITIES, "xxe"));
    assert_fixes_resolve("import xml.sax\nfrom xml.sax.handler import feature_external_ges\nparser = xml.sax.make_parser()\nparser.setFeature(feature_external_ges, True)\n", "xxe");
    assert_fixes_resolve("import xml.sax\nparser = xml.sax.make_parser()\nparser.setFeature(\"http://xml.org/sax/features/external-parameter-entities\", True)\n", "xxe");
}

#[test]
fn standard_library_parsers_get_no_xxe_finding() {
    let source = "import xml.etree.ElementTree as ET\n\ndef load(data):\n    return ET.fromstring(data)\n";
    assert_eq!(render_fixes(source, "xxe"), "(no findings)\n");
}
