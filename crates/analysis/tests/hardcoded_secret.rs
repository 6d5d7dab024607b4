//! Detection and fix cases for the `hardcoded-secret` check.

mod common;

use common::{analyze_source, assert_fixes_resolve, check, render_fixes};

const RULE: &[&str] = &["hardcoded-secret"];

#[test]
fn secret_like_names() {
    check(
        r#"
DB_PASSWORD = "Crispy!Potato#2024"  # expect: hardcoded-secret
SMTP_PASSWD = "mail-Relay!2025#ops"  # expect: hardcoded-secret
api_key: str = "a4f9c2e17b3d48e6905f1c7a2d8b3e64"  # expect: hardcoded-secret
app.secret_key = "fry-factory-session-key-2f9c1e"  # expect: hardcoded-secret
config["password"] = "Rp!2024-wLq8Zt"  # expect: hardcoded-secret
ACCOUNTS = {"reporting": {"user": "svc", "password": "Rp!2024-wLq8Zt"}}  # expect: hardcoded-secret
HEADERS = {"X-Api-Key": "a4f9c2e17b3d48e6905f1c7a2d8b3e64"}  # expect: hardcoded-secret
db = connect(host="db.internal", password="N7v#pQ2z-Lm4Tx9")  # expect: hardcoded-secret
def login(user, token="q8Zr3NvT1yXc6LpWm0Ks9G"):  # expect: hardcoded-secret
    if password == "Wr7#kLp2!vQz9mXe":  # expect: hardcoded-secret
        pass
KEY = os.environ.get("PAYMENTS_SECRET", "Fallback-9xQ2vL7mK4")  # expect: hardcoded-secret
class PartnerSettings:
    client_secret = "pcs_9Hq2Lx7Rv4Nz1Tb8Wm3Kd6Yf"  # expect: hardcoded-secret
"#,
        RULE,
    );
}

#[test]
fn known_token_formats_anywhere() {
    check(
        r#"
RELEASE_BOT = "ghp_GuardianCorpus0a1B2c3D4e5F6g7H8i9J0k"  # expect: hardcoded-secret
AWS_ACCESS_KEY_ID = "AKIAZ7FRYFACTORY4Q2X"  # expect: hardcoded-secret
PAYMENTS = "sk_live_4eC39HqLyjWDarjtT1zdp7dcFRYFACTORY"  # expect: hardcoded-secret
client = WebClient("xoxb-2048197536204-4096385071942-GuardianCorpusSlackB0tXy")  # expect: hardcoded-secret
GEOCODER = "https://geo.example.com/v1/geocode?key=AIzaSyGuardianCorpus_Maps-9xQ2vL7mK4pRw"  # expect: hardcoded-secret
BROKER_URL = "amqp://orders:Qx7vL2mPz9wK@rabbitmq.internal:5672/fulfilment"  # expect: hardcoded-secret
headers = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMifQ.wY_FQ3wvrdx2N8uTfJNdhRYk"}  # expect: hardcoded-secret
SIGNING_KEY_PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"  # expect: hardcoded-secret
    "MIIEowIBAAKCAQEAt3GuardianCorpusOnlyNotARealKeyQ2vL7mK4pR8tW1zY5\n"
    "-----END RSA PRIVATE KEY-----\n"
)
"#,
        RULE,
    );
}

#[test]
fn descriptive_names_and_placeholders_are_clean() {
    check(
        r##"
TOKEN_TYPE = "bearer"  # expect: clean
PASSWORD_FIELD = "password"  # expect: clean
TOKEN_HEADER = "Authorization"  # expect: clean
API_KEY_HEADER = "X-Api-Key"  # expect: clean
PASSWORD_MIN_LENGTH = 12  # expect: clean
PASSWORD_RESET_PATH = "/account/password/reset/"  # expect: clean
TOKEN_ENDPOINT = "https://auth.example.com/oauth2/token"  # expect: clean
DB_CREDENTIALS_SECRET_ID = "prod/fulfilment/db-credentials"  # expect: clean
ANALYTICS_DB_URL = "postgresql://analytics@db.internal:5432/analytics"  # expect: clean
TEMPLATE_URL = "postgresql://app:${DB_PASSWORD}@db.internal/app"  # expect: clean
API_KEY = os.environ["FULFILMENT_API_KEY"]  # expect: clean
SECRET_KEY = os.environ.get("SECRET_KEY", "")  # expect: clean
password = ""  # expect: clean
password = None  # expect: clean
api_key = "<your-api-key>"  # expect: clean
github_token = "${GITHUB_TOKEN}"  # expect: clean
client_secret = "xxxxxxxx"  # expect: clean
db_password = "dummy-password"  # expect: clean
smtp_password = "changeme"  # expect: clean
secret = "the secret sauce"  # expect: clean
password = "Wr7#"  # expect: clean
CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n"  # expect: clean
message = "DB_PASSWORD is not set"  # expect: clean
SERVER_AUTH = _ASN1Object("1.3.6.1.5.5.7.3.1")  # expect: clean
proxy_auth_hdr = "Proxy-Authorization"  # expect: clean
auth_header = "X-Auth-Token"  # expect: clean
STYLES = {Token: "#f8f8f2", "token": "#d0d0d0"}  # expect: clean
default_token = "Bearer"  # expect: clean
CHALLENGE_PASSWORD = "challengePassword"  # expect: clean
jsonnet_token = r"[^\W\d]\w*"  # expect: clean
token_end = "\n  ()[]{}"  # expect: clean
_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"  # expect: clean
HELP = "a proxy in the form scheme://[user:passwd@]proxy.server:port"  # expect: clean
"##,
        RULE,
    );
}

#[test]
fn message_masks_the_value() {
    let findings = analyze_source("DB_PASSWORD = \"Crispy!Potato#2024\"\nTOKEN = \"ghp_GuardianCorpus0a1B2c3D4e5F6g7H8i9J0k\"\n");
    assert_eq!(findings.len(), 2);
    for finding in &findings {
        assert!(!finding.message.contains("Crispy!Potato#2024"), "{}", finding.message);
        assert!(!finding.message.contains("GuardianCorpus0a1B2c3D4e5F6g7H8i9J0k"), "{}", finding.message);
        assert!(finding.message.contains("characters)"), "{}", finding.message);
    }
    assert!(findings[0].message.contains("\"Cris…\" (18 characters)"), "{}", findings[0].message);
}

const AFTER_IMPORTS: &str = r#""""Fry Factory."""

import hashlib
from flask import Flask

app = Flask(__name__)
app.secret_key = "fry-factory-session-key-2f9c1e"
"#;

const AFTER_DOCSTRING: &str = r#""""Settings."""

DB_PASSWORD = "Crispy!Potato#2024"
"#;

const NO_IMPORTS: &str = r#"DB_PASSWORD = "Crispy!Potato#2024"
"#;

const OS_ALREADY_IMPORTED: &str = r#"import os

HEADERS = {"X-Api-Key": "a4f9c2e17b3d48e6905f1c7a2d8b3e64"}
"#;

#[test]
fn fix_adds_import_after_imports() {
    insta::assert_snapshot!(render_fixes(AFTER_IMPORTS, "hardcoded-secret"));
    assert_fixes_resolve(AFTER_IMPORTS, "hardcoded-secret");
}

#[test]
fn fix_adds_import_after_docstring() {
    insta::assert_snapshot!(render_fixes(AFTER_DOCSTRING, "hardcoded-secret"));
    assert_fixes_resolve(AFTER_DOCSTRING, "hardcoded-secret");
}

#[test]
fn fix_adds_import_at_top() {
    insta::assert_snapshot!(render_fixes(NO_IMPORTS, "hardcoded-secret"));
    assert_fixes_resolve(NO_IMPORTS, "hardcoded-secret");
}

#[test]
fn fix_keeps_existing_import() {
    insta::assert_snapshot!(render_fixes(OS_ALREADY_IMPORTED, "hardcoded-secret"));
    assert_fixes_resolve(OS_ALREADY_IMPORTED, "hardcoded-secret");
}

#[test]
fn fix_uses_policy_template() {
    let policy = common::policy_from_markdown(
        "# Org\n\n## Secrets\n\n```guardian\ncheck: hardcoded-secret\nfix:\n  replace: vault.read(\"{name}\")\n  import: from acme import vault\n```\n",
    );
    let findings = common::analyze_with_policy(NO_IMPORTS, &policy, std::path::Path::new("app.py"));
    let fix = findings.iter().flat_map(|finding| &finding.fixes).find(|fix| fix.kind == guardian_analysis::FixKind::Rewrite);
    let fixed = fix.map(|fix| guardian_analysis::apply_edits(NO_IMPORTS, &fix.edits));
    assert_eq!(fixed.as_deref(), Some("from acme import vault\nDB_PASSWORD = vault.read(\"DB_PASSWORD\")\n"));
}
