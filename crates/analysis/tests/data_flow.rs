//! Data flow inside a function: untrusted sources, propagation, sanitizers and
//! constant folding, seen through the ssrf, path-traversal and code-injection checks.

mod common;

use common::{analyze_source, check};

#[test]
fn request_data_propagates_through_building() {
    check(
        r#"
import requests
from flask import request

def proxy():
    host = request.args["host"]
    url = "http://"
    url += host
    requests.get(url, timeout=5)  # expect: ssrf
    requests.get(f"http://{host}/x", timeout=5)  # expect: ssrf
    requests.get("http://%s/x" % host, timeout=5)  # expect: ssrf
    requests.get("http://{}/x".format(host), timeout=5)  # expect: ssrf
    requests.get("/".join(["http:/", host]), timeout=5)  # expect: ssrf
    parts = {"target": host}
    requests.get(parts["target"], timeout=5)  # expect: ssrf
    requests.get(host.strip(), timeout=5)  # expect: ssrf
"#,
        &["ssrf"],
    );
}

#[test]
fn constants_and_sanitizers_stay_clean() {
    check(
        r#"
import os
import requests
from flask import request

BASE = "https://api.example.com"
MIRRORS = {"eu": "https://eu.example.com"}
ALLOWED = {"a.example.com"}

def fetch():
    region = request.args["region"]
    requests.get(BASE + "/v1", timeout=5)  # expect: clean
    requests.get(MIRRORS[region], timeout=5)  # expect: clean
    page = int(request.args["page"])
    requests.get(f"{BASE}/items/{page}", timeout=5)  # expect: clean
    name = os.path.basename(request.args["name"])
    open(os.path.join("/srv/files", name))  # expect: clean

def guarded():
    host = request.args["host"]
    if host not in ALLOWED:
        return "no"
    requests.get("https://" + host, timeout=5)  # expect: clean
"#,
        &["ssrf", "path-traversal"],
    );
}

#[test]
fn route_parameters_are_sources_unless_numeric() {
    check(
        r#"
from flask import Flask, send_file

app = Flask(__name__)

@app.route("/files/<path:name>")
def by_name(name):
    return send_file(f"/srv/files/{name}")  # expect: path-traversal

@app.route("/files/<int:number>")
def by_number(number):
    return send_file(f"/srv/files/{number}.pdf")  # expect: clean

def not_a_route(name):
    return send_file(f"/srv/files/{name}")  # expect: clean
"#,
        &["path-traversal"],
    );
}

#[test]
fn helper_returning_request_data_is_a_source() {
    check(
        r#"
import requests
from flask import request

def callback_url():
    return request.json["callback"]

def notify():
    requests.post(callback_url(), timeout=5)  # expect: ssrf
"#,
        &["ssrf"],
    );
}

#[test]
fn tainted_finding_points_at_source() {
    let source = "import requests\nfrom flask import request\ndef f():\n    url = request.args[\"u\"]\n    requests.get(url, timeout=5)\n";
    let findings: Vec<_> = analyze_source(source).into_iter().filter(|finding| finding.rule == "ssrf").collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let related = &findings[0].related;
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(&source[related[0].range.clone()], "request.args");
    assert_eq!(related[0].message, "untrusted value from `request.args`");
}

#[test]
fn code_injection_message_says_whether_data_is_untrusted() {
    let source = "from flask import request\ndef f(rule):\n    eval(request.args[\"x\"])\n    eval(rule)\n    eval(\"1 + 2\")\n";
    let messages: Vec<String> = analyze_source(source)
        .into_iter()
        .filter(|finding| finding.rule == "code-injection")
        .map(|finding| finding.message)
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("code injection: untrusted data"), "{}", messages[0]);
    assert!(messages[1].starts_with("possible code injection"), "{}", messages[1]);
}

#[test]
fn broken_code_mid_edit_still_reports() {
    check(
        r#"
import requests
from flask import request

def half_written(:
    x = [1, 2

def fetch():
    requests.get(request.args["u"])  # expect: ssrf
"#,
        &["ssrf"],
    );
}

#[test]
fn deep_taint_chains_do_not_overflow() {
    let mut source = String::from("import requests\nfrom flask import request\ndef f():\n    v0 = request.args[\"u\"]\n");
    for index in 1..3000 {
        source.push_str(&format!("    v{index} = v{} + \"x\"\n", index - 1));
    }
    source.push_str("    requests.get(v2999, timeout=5)\n");
    let _ = analyze_source(&source);

    let depth = 3000;
    let nested = format!("import requests\ndef f():\n    requests.get({}x{}, timeout=5)\n", "(".repeat(depth), ")".repeat(depth));
    let _ = analyze_source(&nested);
}
