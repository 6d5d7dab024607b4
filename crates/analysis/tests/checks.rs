//! Detection cases for command-injection, template-injection, weak-crypto,
//! tls-verification-disabled, debug-enabled and deserialization.

mod common;

use std::path::Path;

use common::check;

#[test]
fn command_injection_cases() {
    check(
        r#"
import os
import subprocess
from subprocess import run as sh

BACKUP = "tar czf /backups/db.tgz /var/db"

def handler(order_id, host):
    subprocess.run(f"lpr receipts/{order_id}.txt", shell=True)  # expect: command-injection
    sh("ping -c 1 " + host, shell=True)  # expect: command-injection
    os.system("rm -rf /tmp/" + order_id)  # expect: command-injection
    os.popen(f"cat {order_id}")  # expect: command-injection
    subprocess.getoutput("du -sh " + host)  # expect: command-injection
    subprocess.run(["sh", "-c", f"echo {host}"])  # expect: command-injection
    subprocess.run(["ping", "-c", "1", host])  # expect: clean
    subprocess.run("ls -l", shell=True)  # expect: clean
    subprocess.run(BACKUP, shell=True)  # expect: clean
    os.system("uptime")  # expect: clean
    command = "df -h"
    os.system(command)  # expect: clean
    subprocess.run(f"lpr {order_id}", shell=False)  # expect: clean
"#,
        &["command-injection"],
    );
}

#[test]
fn template_injection_cases() {
    check(
        r#"
import jinja2
from flask import render_template_string, request
from jinja2 import Environment
from mako.template import Template as MakoTemplate

def views(name, user_template):
    render_template_string("<h1>Hello " + name + "</h1>")  # expect: template-injection
    render_template_string(request.form["template"])  # expect: template-injection
    jinja2.Template(f"Hi {name}")  # expect: template-injection
    Environment().from_string(request.args["layout"])  # expect: template-injection
    MakoTemplate("<%s>" % name)  # expect: template-injection
    page = "<p>" + name + "</p>"
    render_template_string(page)  # expect: template-injection
    render_template_string("<h1>Hello {{ name }}</h1>", name=name)  # expect: clean
    jinja2.Template("Hi {{ name }}").render(name=name)  # expect: clean

class Requirement:
    @classmethod
    def parse(cls, param):
        return cls.from_string(param)  # expect: clean
"#,
        &["template-injection"],
    );
}

#[test]
fn weak_crypto_cases() {
    check(
        r#"
import hashlib
from hashlib import md5 as legacy_digest
from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.asymmetric import rsa

def f(data, key):
    hashlib.md5(data)  # expect: weak-crypto
    hashlib.sha1(data).hexdigest()  # expect: weak-crypto
    hashlib.new("md5", data)  # expect: weak-crypto
    legacy_digest(data)  # expect: weak-crypto
    DES.new(key, DES.MODE_CBC)  # expect: weak-crypto
    AES.new(key, AES.MODE_ECB)  # expect: weak-crypto
    algorithms.TripleDES(key)  # expect: weak-crypto
    modes.ECB()  # expect: weak-crypto
    rsa.generate_private_key(public_exponent=65537, key_size=1024)  # expect: weak-crypto
    hashlib.md5(data, usedforsecurity=False)  # expect: clean
    hashlib.sha256(data)  # expect: clean
    hashlib.new("sha256", data)  # expect: clean
    AES.new(key, AES.MODE_GCM)  # expect: clean
    rsa.generate_private_key(public_exponent=65537, key_size=4096)  # expect: clean
"#,
        &["weak-crypto"],
    );
}

#[test]
fn tls_verification_cases() {
    check(
        r#"
import ssl
import requests
import httpx

VERIFY = False

def f(url):
    requests.get(url, verify=False)  # expect: tls-verification-disabled
    httpx.Client(verify=VERIFY)  # expect: tls-verification-disabled
    ctx = ssl._create_unverified_context()  # expect: tls-verification-disabled
    ctx.check_hostname = False  # expect: tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE  # expect: tls-verification-disabled
    session = requests.Session()
    session.verify = False  # expect: tls-verification-disabled
    requests.get(url, verify=True)  # expect: clean
    requests.get(url, verify="/etc/ssl/ca.pem")  # expect: clean
    record(is_verified=False)  # expect: clean
    ctx.verify_mode = ssl.CERT_REQUIRED  # expect: clean
"#,
        &["tls-verification-disabled"],
    );
}

#[test]
fn debug_enabled_cases() {
    check(
        r#"
import os
from flask import Flask

app = Flask(__name__)

class ProductionConfig:
    DEBUG = True  # expect: debug-enabled

class DevelopmentConfig:
    DEBUG = True  # expect: clean

DEBUG = True  # expect: clean

def main():
    app.run(debug=True)  # expect: debug-enabled
    app.config["DEBUG"] = True  # expect: debug-enabled
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")  # expect: clean
    app.run(debug=False)  # expect: clean
    logging.basicConfig(level=logging.DEBUG)  # expect: clean
    asyncio.run(main(), debug=True)  # expect: clean

class Parser:
    def set_debug(self):
        self.debug = True  # expect: clean
"#,
        &["debug-enabled"],
    );
}

#[test]
fn debug_in_settings_module() {
    let policy = common::all_checks_policy();
    let source = "DEBUG = True\nALLOWED_HOSTS = []\n";
    let in_settings = common::analyze_with_policy(source, &policy, Path::new("shop/settings.py"));
    let elsewhere = common::analyze_with_policy(source, &policy, Path::new("shop/views.py"));
    assert_eq!(in_settings.iter().filter(|finding| finding.rule == "debug-enabled").count(), 1);
    assert_eq!(elsewhere.iter().filter(|finding| finding.rule == "debug-enabled").count(), 0);
}

#[test]
fn deserialization_cases() {
    check(
        r#"
import pickle
import marshal
import shelve
import yaml
import jsonpickle
import numpy as np
import torch
from pickle import loads as unpickle

def f(data, path):
    pickle.loads(data)  # expect: deserialization
    unpickle(data)  # expect: deserialization
    marshal.loads(data)  # expect: deserialization
    shelve.open(path)  # expect: deserialization
    jsonpickle.decode(data)  # expect: deserialization
    yaml.load(data)  # expect: deserialization
    yaml.load(data, Loader=yaml.Loader)  # expect: deserialization
    yaml.unsafe_load(data)  # expect: deserialization
    np.load(path, allow_pickle=True)  # expect: deserialization
    torch.load(path, weights_only=False)  # expect: deserialization
    yaml.load(data, Loader=yaml.SafeLoader)  # expect: clean
    yaml.safe_load(data)  # expect: clean
    np.load(path)  # expect: clean
    json.loads(data)  # expect: clean
"#,
        &["deserialization"],
    );
}

#[test]
fn deeply_nested_code_does_not_overflow() {
    let depth = 5000;
    let source = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let findings = common::analyze_source(&source);
    assert!(findings.is_empty());

    let calls = format!("y = {}password{}\n", "f(".repeat(depth), ")".repeat(depth));
    let _ = common::analyze_source(&calls);
}

#[test]
fn broken_python_still_analyzed() {
    check(
        r#"
def broken(:
    pass
DB_PASSWORD = "Crispy!Potato#2024"  # expect: hardcoded-secret
"#,
        &["hardcoded-secret"],
    );
}

#[test]
fn many_module_level_lookups_all_found() {
    let mut source = String::from("import sqlite3\ncursor = sqlite3.connect(\"x\").cursor()\n");
    for index in 0..4000 {
        source.push_str(&format!("query_{index} = \"SELECT * FROM t WHERE id = \" + value_{index}\ncursor.execute(query_{index})\n"));
    }
    let findings = common::analyze_source(&source);
    assert_eq!(findings.iter().filter(|finding| finding.rule == "sql-injection").count(), 4000);
}

#[test]
fn variable_findings_link_to_assignment() {
    let source = "import os\nfrom flask import render_template_string\ndef f(name):\n    page = \"<p>\" + name\n    render_template_string(page)\n    command = \"ls \" + name\n    os.system(command)\n";
    let findings = common::analyze_source(source);
    assert_eq!(findings.len(), 2, "{findings:?}");
    for finding in &findings {
        assert_eq!(finding.related.len(), 1, "{finding:?}");
        let assigned = &source[finding.related[0].range.clone()];
        assert!(assigned.starts_with("page =") || assigned.starts_with("command ="), "{assigned}");
    }
}

#[test]
fn local_rebinding_still_resolves_as_import() {
    // FIXME: the parameter `pickle` shadows the import, yet import resolution
    // is module-wide, so the call still counts as `pickle.loads`.
    check(
        r#"
import pickle

def f(pickle, data):
    pickle.loads(data)  # expect: deserialization
"#,
        &["deserialization"],
    );
}
