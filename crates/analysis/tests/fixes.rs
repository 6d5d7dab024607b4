//! Snapshots of every rewrite fix outside SQL and secrets (code before and
//! after), re-analysis of each fixed source, and the "record an exception" fix.

mod common;

use common::{analyze_source, assert_fixes_resolve, render_fixes};
use guardian_analysis::{FixKind, apply_edits};

const SHELL_FSTRING: &str = r#"import subprocess


def print_receipt(order_id):
    subprocess.run(f"lpr -P kitchen receipts/{order_id}.txt", shell=True, check=False)
"#;

const SHELL_CONCATENATION_MULTILINE: &str = r#"import subprocess


def ping(host):
    return subprocess.check_output(
        "ping -c 1 " + host,
        shell=True,
    )
"#;

const VERIFY_FALSE_OWN_LINE: &str = r#"import requests


def charge(url, payload):
    return requests.post(
        url,
        json=payload,
        verify=False,
    )
"#;

const VERIFY_FALSE_INLINE: &str = r#"import requests

requests.get("https://example.com", verify=False, timeout=5)
"#;

const DEBUG_TRUE: &str = r#"from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)
"#;

const MD5: &str = r#"import hashlib


def digest(password):
    return hashlib.md5(password.encode()).hexdigest()
"#;

const HASHLIB_NEW: &str = r#"import hashlib

h = hashlib.new('sha1', b"data")
"#;

const YAML_LOAD: &str = r#"import yaml


def read(data):
    return yaml.load(data, Loader=yaml.Loader)
"#;

const YAML_LOAD_NO_LOADER: &str = r#"import yaml

config = yaml.load(open("config.yml"))
"#;

#[test]
fn fix_shell_fstring_becomes_list() {
    insta::assert_snapshot!(render_fixes(SHELL_FSTRING, "command-injection"));
    assert_fixes_resolve(SHELL_FSTRING, "command-injection");
}

#[test]
fn fix_shell_concatenation_multiline() {
    insta::assert_snapshot!(render_fixes(SHELL_CONCATENATION_MULTILINE, "command-injection"));
    assert_fixes_resolve(SHELL_CONCATENATION_MULTILINE, "command-injection");
}

#[test]
fn no_shell_fix_with_shell_syntax() {
    let source = "import subprocess\ndef f(name):\n    subprocess.run(f\"grep {name} orders.log | wc -l\", shell=True)\n";
    let rendered = render_fixes(source, "command-injection");
    assert!(rendered.contains("command-injection"), "{rendered}");
    assert!(!rendered.contains("--- fix"), "a pipe cannot become an argument list:\n{rendered}");
}

#[test]
fn fix_verify_false_on_own_line() {
    insta::assert_snapshot!(render_fixes(VERIFY_FALSE_OWN_LINE, "tls-verification-disabled"));
    assert_fixes_resolve(VERIFY_FALSE_OWN_LINE, "tls-verification-disabled");
}

#[test]
fn fix_verify_false_inline() {
    insta::assert_snapshot!(render_fixes(VERIFY_FALSE_INLINE, "tls-verification-disabled"));
    assert_fixes_resolve(VERIFY_FALSE_INLINE, "tls-verification-disabled");
}

#[test]
fn fix_debug_true() {
    insta::assert_snapshot!(render_fixes(DEBUG_TRUE, "debug-enabled"));
    assert_fixes_resolve(DEBUG_TRUE, "debug-enabled");
}

#[test]
fn fix_md5_to_sha256() {
    insta::assert_snapshot!(render_fixes(MD5, "weak-crypto"));
    assert_fixes_resolve(MD5, "weak-crypto");
}

#[test]
fn fix_hashlib_new_name() {
    insta::assert_snapshot!(render_fixes(HASHLIB_NEW, "weak-crypto"));
    assert_fixes_resolve(HASHLIB_NEW, "weak-crypto");
}

#[test]
fn fix_yaml_load_with_unsafe_loader() {
    insta::assert_snapshot!(render_fixes(YAML_LOAD, "deserialization"));
    assert_fixes_resolve(YAML_LOAD, "deserialization");
}

#[test]
fn fix_yaml_load_without_loader() {
    insta::assert_snapshot!(render_fixes(YAML_LOAD_NO_LOADER, "deserialization"));
    assert_fixes_resolve(YAML_LOAD_NO_LOADER, "deserialization");
}

const NESTED_STATEMENT: &str = r#"import sqlite3


def my_orders(conn, customer):
    if customer:
        rows = conn.execute(
            f"SELECT id FROM orders WHERE customer = '{customer}'"
        ).fetchall()
"#;

#[test]
fn every_finding_offers_an_exception() {
    let findings = analyze_source(NESTED_STATEMENT);
    assert_eq!(findings.len(), 1);
    let exceptions: Vec<_> = findings[0].fixes.iter().filter(|fix| fix.kind == FixKind::RecordException).collect();
    assert_eq!(exceptions.len(), 1);

    let recorded = apply_edits(NESTED_STATEMENT, &exceptions[0].edits);
    insta::assert_snapshot!(recorded);
}

#[test]
fn recorded_exception_with_reason_suppresses() {
    let findings = analyze_source(NESTED_STATEMENT);
    let exception = findings[0].fixes.iter().find(|fix| fix.kind == FixKind::RecordException);
    let recorded = exception.map(|fix| apply_edits(NESTED_STATEMENT, &fix.edits)).unwrap_or_default();

    let placeholder_reason: Vec<String> = analyze_source(&recorded).into_iter().map(|finding| finding.rule).collect();
    assert_eq!(placeholder_reason, ["invalid-suppression", "sql-injection"], "the unedited placeholder is not a reason");

    let with_reason = recorded.replace("<explain why this is safe>", "customer comes from the session");
    assert!(analyze_source(&with_reason).is_empty());
}

#[test]
fn inserted_lines_keep_crlf_endings() {
    let source = "\"\"\"Settings.\"\"\"\r\n\r\nDB_PASSWORD = \"Crispy!Potato#2024\"\r\n";
    let findings = analyze_source(source);
    assert_eq!(findings.len(), 1);

    for fix in &findings[0].fixes {
        let fixed = apply_edits(source, &fix.edits);
        let bare_line_feeds = fixed.matches('\n').count() - fixed.matches("\r\n").count();
        assert_eq!(bare_line_feeds, 0, "fix `{}` mixed line endings: {fixed:?}", fix.title);
    }
}

#[test]
fn exception_keeps_tab_indentation() {
    let source = "import hashlib\ndef f():\n\tif True:\n\t\treturn hashlib.md5(b\"x\")\n";
    let findings = analyze_source(source);
    let exception = findings[0].fixes.iter().find(|fix| fix.kind == FixKind::RecordException);
    let recorded = exception.map(|fix| apply_edits(source, &fix.edits)).unwrap_or_default();
    assert!(recorded.contains("\t\t# guardian: ignore[weak-crypto] reason="), "{recorded:?}");
}

const TOKEN_WITH_RANDOM: &str = r#"import random
import string

ALPHABET = string.ascii_letters + string.digits


def reset_token():
    return "".join(random.choice(ALPHABET) for _ in range(32))


def login_otp():
    otp = random.randint(100000, 999999)
    return str(otp)
"#;

#[test]
fn fix_random_to_secrets() {
    insta::assert_snapshot!(render_fixes(TOKEN_WITH_RANDOM, "insecure-random"));
    assert_fixes_resolve("import random\n\ndef reset_token(alphabet):\n    return random.choice(alphabet)\n", "insecure-random");
    assert_fixes_resolve("import random\n\ndef login_otp():\n    return random.randint(0, 999999)\n", "insecure-random");
}

const REQUESTS_WITHOUT_TIMEOUT: &str = r#"import requests


def rates(currency):
    return requests.get(f"https://rates.example.com/{currency}").json()


def ship(parcel):
    return requests.post(
        "https://ship.example.com/shipments",
        json=parcel,
    )


def export():
    return requests.get("https://crm.example.com/export", timeout=None).content
"#;

#[test]
fn fix_request_timeout_added() {
    insta::assert_snapshot!(render_fixes(REQUESTS_WITHOUT_TIMEOUT, "request-without-timeout"));
    assert_fixes_resolve("import requests\nrequests.get(URL)\n", "request-without-timeout");
    assert_fixes_resolve("import requests\nrequests.post(\n    URL,\n    json=body,\n)\n", "request-without-timeout");
    assert_fixes_resolve("import requests\nrequests.get(URL, timeout=None)\n", "request-without-timeout");
}

const MKTEMP: &str = r#"import tempfile


def export_rows(rows):
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w") as fh:
        fh.writelines(rows)
    return path
"#;

#[test]
fn fix_mktemp_to_mkstemp() {
    insta::assert_snapshot!(render_fixes(MKTEMP, "insecure-tempfile"));
    assert_fixes_resolve(MKTEMP, "insecure-tempfile");
}

const MD5_ETAG: &str = r#"import hashlib


def content_version(body):
    return hashlib.md5(body).hexdigest()
"#;

#[test]
fn fix_md5_offers_not_for_security() {
    let rendered = render_fixes(MD5_ETAG, "weak-crypto");
    insta::assert_snapshot!(rendered);
    assert_fixes_resolve(MD5_ETAG, "weak-crypto");
}
