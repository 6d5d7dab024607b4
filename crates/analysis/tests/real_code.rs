//! Kinds of false positive found by running the checks on Django, Flask,
//! requests and SQLAlchemy, each as clean cases next to the true-positive twin
//! that must still be reported. Some kinds depend on the file's path (test
//! code, settings modules), so the cases name the path they are analyzed as.

mod common;

use std::path::Path;

use common::{all_checks_policy, analyze_with_policy, line_of};

/// Checks the `# expect: RULE` and `# expect: clean` markers of `source`,
/// analyzed as the file `path`, for the findings of `rule` only.
fn check_as(path: &str, source: &str, rule: &str) {
    let findings = analyze_with_policy(source, &all_checks_policy(), Path::new(path));
    let mut failures = Vec::new();
    for (line_number, line) in source.lines().enumerate() {
        let found = findings
            .iter()
            .any(|finding| finding.rule == rule && line_of(source, finding.range.start) == line_number);
        let expected = line.split("# expect:").nth(1).map(str::trim);
        match expected {
            Some("clean") if found => failures.push(format!("line {}: expected clean\n    {line}", line_number + 1)),
            Some(expected_rule) if expected_rule == rule && !found => {
                failures.push(format!("line {}: expected {rule}\n    {line}", line_number + 1));
            }
            None if found => failures.push(format!("line {}: unexpected {rule}\n    {line}", line_number + 1)),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{path}: findings do not match the markers:\n{}", failures.join("\n"));
}

#[test]
fn sql_quoted_identifiers_are_constant() {
    check_as(
        "django/db/backends/sqlite3/introspection.py",
        r#"
def describe(self, cursor, table_name, schema_editor, connection, name):
    cursor.execute("PRAGMA table_info(%s)" % self.connection.ops.quote_name(table_name))  # expect: clean
    cursor.execute("DROP EXTENSION IF EXISTS %s" % schema_editor.quote_name(name))  # expect: clean
    quoted = connection.ops.quote_name(table_name)
    cursor.execute(f"SET CONSTRAINTS {quoted} IMMEDIATE")  # expect: clean
    cursor.execute(
        "SELECT %(column)s FROM %(table)s"  # expect: clean
        % {"column": connection.ops.quote_name(name), "table": connection.ops.quote_name(table_name)}
    )
    cursor.execute("PRAGMA table_info(%s)" % table_name)  # expect: sql-injection
    cursor.execute(f"SET CONSTRAINTS {name} IMMEDIATE")  # expect: sql-injection
    cursor.execute("SELECT %(column)s FROM t" % {"column": name})  # expect: sql-injection
"#,
        "sql-injection",
    );
}

#[test]
fn sql_backend_constants_are_constant() {
    check_as(
        "django/db/backends/base/operations.py",
        r#"
class Operations:
    SELECT_ALL = "SELECT *"

    def probe(self, cursor, connection, suffix, count, params=None):
        cursor.execute("SELECT 1" + connection.features.bare_select_suffix)  # expect: clean
        cursor.execute("SELECT 1" + self.connection.ops.max_in_list_size)  # expect: clean
        cursor.execute(self.SELECT_ALL + " FROM t")  # expect: clean
        cursor.execute("FETCH FORWARD " + str(int(count)) + " FROM c")  # expect: clean
        value = "1" if params is None else "%s"
        cursor.execute("SELECT " + value, params)  # expect: clean
        cursor.execute("SELECT * FROM %s" % self.model._meta.db_table)  # expect: clean
        cursor.execute("SELECT 1" + suffix)  # expect: sql-injection
        cursor.execute("SELECT 1" + connection.settings_dict.name)  # expect: sql-injection
        cursor.execute("FETCH FORWARD " + str(count) + " FROM c")  # expect: sql-injection
        chosen = "1" if params is None else suffix
        cursor.execute("SELECT " + chosen, params)  # expect: sql-injection
"#,
        "sql-injection",
    );
}

#[test]
fn debug_only_in_deployable_configuration() {
    let source = r#"
from django.test import override_settings
from django.template import Engine
from flask import Flask

app = Flask(__name__, debug=True)  # expect: debug-enabled

@override_settings(DEBUG=True)  # expect: clean
def test_debug_page(self):
    with self.settings(DEBUG=True):  # expect: clean
        pass
    engine = Engine(app_dirs=True, debug=True)  # expect: clean
    self._setup_and_call(result, debug=True)  # expect: clean
    settings.configure(DEBUG=True)  # expect: debug-enabled
    app.run(debug=True)  # expect: debug-enabled
"#;
    check_as("shop/views.py", source, "debug-enabled");
}

#[test]
fn debug_in_test_files_not_reported() {
    let source = r#"
app.run(debug=True)
settings.configure(DEBUG=True)
app.debug = True
"#;
    let policy = all_checks_policy();
    for path in ["tests/test_views.py", "shop/tests/helpers.py", "shop/views_test.py", "conftest.py", "test/settings.py"] {
        let findings = analyze_with_policy(source, &policy, Path::new(path));
        let debug_findings = findings.iter().filter(|finding| finding.rule == "debug-enabled").count();
        assert_eq!(debug_findings, 0, "{path} is test code");
    }
    let findings = analyze_with_policy(source, &policy, Path::new("shop/app.py"));
    let debug_findings = findings.iter().filter(|finding| finding.rule == "debug-enabled").count();
    assert_eq!(debug_findings, 3, "shop/app.py is application code");
}

#[test]
fn pickle_round_trip_is_clean() {
    check_as(
        "tests/queryset_pickle/tests.py",
        r#"
import pickle
import marshal

def test_round_trip(self, queryset, payload, cache):
    pickle.loads(pickle.dumps(queryset))  # expect: clean
    dumped = pickle.dumps(queryset)
    reloaded = pickle.loads(dumped)  # expect: clean
    marshal.loads(marshal.dumps(payload))  # expect: clean
    pickle.loads(payload)  # expect: deserialization
    pickle.loads(marshal.dumps(payload))  # expect: deserialization
    stored = cache.get("key")
    pickle.loads(stored)  # expect: deserialization
"#,
        "deserialization",
    );
}

#[test]
fn template_wrapper_parameter_is_clean() {
    check_as(
        "flask/templating.py",
        r#"
from flask import Flask, request
from jinja2 import Environment

app = Flask(__name__)
env = Environment()

def render_template_string(source, **context):
    return env.from_string(source).render(**context)  # expect: clean

@app.route("/page/<layout>")
def page(layout):
    return env.from_string(layout).render()  # expect: template-injection

def preview():
    source = request.form["template"]
    return env.from_string(source).render()  # expect: template-injection
"#,
        "template-injection",
    );
}

#[test]
fn digest_named_for_cache_key_is_clean() {
    check_as(
        "shop/cache.py",
        r#"
import hashlib

def cache_key(url):
    return hashlib.md5(url.encode()).hexdigest()  # expect: clean

def md5_key_mangler(key):
    return hashlib.md5(key.encode("ascii")).hexdigest()  # expect: clean

def render(body):
    etag = hashlib.sha1(body).hexdigest()  # expect: clean
    return etag

def cache_key_for_token(token):
    return hashlib.md5(token.encode()).hexdigest()  # expect: weak-crypto

def verify_download(data, published_checksum):
    return hashlib.md5(data).hexdigest() == published_checksum  # expect: weak-crypto

def store(password):
    digest = hashlib.sha1(password.encode()).hexdigest()  # expect: weak-crypto
    return digest
"#,
        "weak-crypto",
    );
}

#[test]
fn url_password_in_docstring_is_clean() {
    check_as(
        "lib/engine.py",
        r#"
def create_engine(url):
    """Create an engine, e.g. for postgresql://scott:tiger7@localhost/test."""  # expect: clean
    return url

ENGINE_URL = "postgresql://scott:tiger7@localhost/test"  # expect: hardcoded-secret
"#,
        "hardcoded-secret",
    );
}

#[test]
fn request_timeout_skipped_in_tests() {
    let source = "import requests\n\nrequests.get(url)\n";
    let policy = all_checks_policy();
    let count = |path: &str| {
        analyze_with_policy(source, &policy, Path::new(path))
            .iter()
            .filter(|finding| finding.rule == "request-without-timeout")
            .count()
    };
    assert_eq!(count("tests/test_requests.py"), 0);
    assert_eq!(count("client/api.py"), 1);
}
