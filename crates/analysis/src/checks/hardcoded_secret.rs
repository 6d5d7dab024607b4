//! `hardcoded-secret`: passwords, API keys, tokens and private keys written
//! into source code, found by the name they are assigned to or by a known
//! token format anywhere in a string.

use crate::semantic::syntax::fields;
use std::sync::LazyLock;

use guardian_policy::{CheckOption, OptionKind, RuleValue, Severity};
use aho_corasick::AhoCorasick;
use regex::Regex;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{CheckId, Context, RawFinding};
use crate::fixes;
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "hardcoded-secret",
    summary: "Passwords, API keys, tokens and private keys written into source code",
    documentation: DOCUMENTATION,
    topics: &[
        "secret",
        "secrets",
        "credential",
        "credentials",
        "password",
        "passwords",
        "api key",
        "api keys",
        "token",
        "tokens",
    ],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// Secret-like names (`password`, `api_key`, `auth_token`, `creds`), the
/// callers it inspects (`login`, `b64encode`) and the known token formats.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["pass", "pwd", "secret", "token", "cred", "auth", "key", "login", "b64encode", "akia", "asia", "abia", "acca", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "_live_", "aiza", "-----begin", "eyj", "://"]);

/// The options a `check: hardcoded-secret` rule accepts.
pub(crate) const OPTIONS: &[CheckOption] = &[CheckOption {
    name: IGNORE_NAMES,
    description: "Variable, attribute, argument or key names whose values are never reported, such as `[TEST_PASSWORD]`.",
    kind: OptionKind::StringList,
}];

const IGNORE_NAMES: &str = "ignore-names";

const DOCUMENTATION: &str = r#"# hardcoded-secret

## What it does

Reports a string literal that looks like a secret:

- a realistic value assigned to a secret-like name (`password`, `passwd`,
  `pwd`, `secret`, `token`, `api_key`, `access_key`, `private_key`,
  `credential`, `auth` and similar) as a variable, an attribute
  (`app.secret_key = …`), an annotated assignment, a dictionary key, a
  keyword argument, a default parameter, a comparison with such a name, the
  fallback of `os.environ.get`, or the password argument of `login(user,
  password)`;
- `user:password` given to `base64.b64encode` to build a Basic
  authorization header;
- a known token format anywhere in a string: AWS access key IDs, GitHub
  tokens (`ghp_`, `gho_`, `github_pat_`), Slack tokens (`xoxb-` …), Stripe
  live keys (`sk_live_`, `rk_live_`), Google API keys (`AIza…`), private
  key PEM headers, JSON Web Tokens, and URLs with a password
  (`scheme://user:password@host`).

Placeholders stay clean: empty strings, `None`, `<…>`, `${…}`, runs of `x`
or `*`, and values that call themselves placeholders (`changeme`, `dummy`,
`example`). So do values that are visibly something else: words of letters
only shorter than 20 characters, anything with whitespace, regular
expressions, header names, hex colors and dotted numbers. A private key
header counts only when key material follows it. So do names that describe a secret without holding one
(`PASSWORD_FIELD`, `TOKEN_HEADER`, `PASSWORD_MIN_LENGTH`, `SECRET_ID`).

## Why it matters

A secret in a repository is readable by everyone with access to the
repository, its forks, backups and CI logs, and it stays in the git history
after the line is deleted. A committed secret must be rotated.

## Example

```python
DB_PASSWORD = "Crispy!Potato#2024"
```

## Use instead

```python
import os

DB_PASSWORD = os.environ["DB_PASSWORD"]
```

A policy section can name its organization's secret manager instead with a
`fix: {replace: …, import: …}` template, where `{name}` stands for the
upper-cased variable name.

## Options

- `ignore-names` (a list of names, default none): a value assigned to one of
  these names, passed as a keyword argument of that name or stored under that
  dictionary key is never reported, such as `ignore-names: [TEST_PASSWORD]`.
  Names compare without regard to case. A token in a known format under
  another name is still reported.

```guardian
check: hardcoded-secret
options:
  ignore-names: [TEST_PASSWORD, FIXTURE_TOKEN]
```

## Known problems

The check is a heuristic. A random-looking value under a secret-like name is
reported even when it is not a secret (record an exception), and a secret
under a neutral name is found only when it has a known token format.
Messages show at most the first four characters of the value and its length.

A password in a URL inside a docstring (or another string that is a
statement of its own) is not reported, because documentation shows example
connection URLs such as `postgresql://scott:tiger@localhost/test`; secrets in
a known token format are reported there too. Test code is checked like any
other code: test data passwords are usually fake, but a real credential
pasted into a test is as exposed as one in the application, so the policy
decides. Record an exception for fake ones.

## References

- CWE-798: Use of Hard-coded Credentials
- CWE-259: Use of Hard-coded Password
- Bandit B105, B106, B107 (hardcoded_password_*)
- Ruff S105, S106, S107
"#;

/// A token format that identifies a secret wherever it appears.
struct TokenFormat {
    description: &'static str,
    pattern: Regex,
}

static TOKEN_FORMATS: LazyLock<Vec<TokenFormat>> = LazyLock::new(|| {
    let formats = [
        ("an AWS access key ID", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("a GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}"),
        ("a Slack token", r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
        ("a Stripe live key", r"\b[sr]k_live_[A-Za-z0-9]{16,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}"),
        ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*[A-Za-z0-9+/=]{16,}"),
        ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ];
    formats
        .into_iter()
        .map(|(description, pattern)| TokenFormat {
            description,
            pattern: Regex::new(pattern).expect("the pattern is a valid literal"),
        })
        .collect()
});

static URL_WITH_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:(?<password>[^\s/@]+)@")
        .expect("the pattern is a valid literal")
});

/// Name words that make a name secret-like on their own.
const SECRET_WORDS: &[&str] = &[
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "apikey", "credential",
    "credentials", "creds", "auth", "privatekey", "accesskey", "secretkey", "signingkey",
];

/// Words that, before `key`, make a name secret-like (`api_key`, `signing_key`).
const KEY_QUALIFIERS: &[&str] = &["api", "access", "private", "secret", "signing", "encryption", "master", "session", "auth", "app", "client"];

/// Name words that mark a value as describing a secret rather than containing one.
const DESCRIPTIVE_WORDS: &[&str] = &[
    "field", "fields", "header", "headers", "name", "names", "length", "len", "min", "max", "path", "url", "uri",
    "endpoint", "type", "id", "ids", "file", "filename", "dir", "prefix", "suffix", "env", "var", "label", "prompt",
    "pattern", "regex", "format", "hint", "param", "query", "route", "column", "count", "timeout", "expiry",
    "expires", "ttl", "hash", "hashed", "md5", "sha1", "sha256", "digest", "policy", "rotation", "reset", "mode",
    "enabled", "required", "help", "message", "error", "text", "title", "template", "algorithm", "scheme", "kind",
    "usage", "location", "arn", "provider", "backend", "backends", "class", "method", "module", "store", "table",
    "validators", "lifetime", "age", "size", "limit", "attempts", "host", "port", "user", "username", "email",
    "placeholder", "salt", "version", "bits", "regexp", "validator", "key_name", "endpoint", "issuer", "audience",
    "hdr", "oid",
];

/// Values that call themselves placeholders.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme", "change_me", "change-me", "change me", "placeholder", "dummy", "example", "sample", "your_", "your-",
    "yourpassword", "redacted", "todo", "fixme", "replace_me", "replace-me", "insert_", "<", "${", "{{", "%(",
];

/// Whole values that are placeholders.
const PLACEHOLDER_VALUES: &[&str] =
    &["password", "passwd", "pwd", "pw", "secret", "token", "none", "null", "default", "test", "pass", "notset", "unset"];

/// The shortest value reported under a secret-like name.
const MIN_SECRET_LENGTH: usize = 6;

/// The length from which a value of letters only may be a random key rather than a word.
const MIN_RANDOM_LENGTH: usize = 20;

/// Regular-expression syntax that marks a value as a pattern, not a secret.
const REGEX_MARKERS: &[&str] = &["\\w", "\\d", "\\s", "\\b", "[^", "(?", ".*", "[A-Z]", "[a-z]", "[0-9]"];

/// Inspects a string literal, or an implicit concatenation of literals, once.
/// `ancestors` are the node's ancestors, outermost first.
pub(crate) fn check_string<'tree>(context: &Context<'_>, node: Node<'tree>, ancestors: &[Node<'tree>], findings: &mut Vec<RawFinding>) {
    let inside_concatenation = ancestors.last().is_some_and(|parent| parent.kind() == "concatenated_string");
    if inside_concatenation {
        return;
    }
    let (target, target_ancestors) = outermost_parentheses(node, ancestors);
    let named = named_context(context, target, target_ancestors);
    if named.as_ref().is_some_and(|named| is_ignored_name(context, &named.name)) {
        return;
    }

    // Most strings are neither under a secret-like name nor hold a token
    // marker; skip them before decoding the value.
    let secret_name = named.as_ref().is_some_and(|named| is_secret_name(&named.name));
    if !secret_name && !may_hold_token(node, context.text(node)) {
        return;
    }
    let value = literal_text(context, node);

    let basic_credentials = basic_credentials_password(context, target_ancestors, &value).map(|password| Token {
        description: "HTTP Basic credentials",
        matched: password,
        range: node.byte_range(),
        start: 0,
    });
    let token = basic_credentials.or_else(|| find_token(context, node, &value));
    // Docstrings show connection URLs such as `postgresql://scott:tiger@host/db`
    // as examples; a token in a known format is still reported there.
    let token = token.filter(|token| !(token.description == URL_PASSWORD && is_documentation_string(target_ancestors)));
    let secret_by_name = secret_name && looks_like_secret_value(&value);
    if token.is_none() && !secret_by_name {
        return;
    }

    let (range, message) = match (&token, &named) {
        (_, Some(named)) if secret_by_name => {
            let kind = token.as_ref().map(|token| format!(" ({})", token.description)).unwrap_or_default();
            let message = format!(
                "possible hard-coded secret{kind} in `{}`: {}; read it from the environment or a secret store",
                named.name,
                mask(&value)
            );
            (node.byte_range(), message)
        }
        (Some(token), _) => {
            let message = format!(
                "possible secret: {} in a string literal: {}; read it from the environment or a secret store",
                token.description,
                mask(&token.matched)
            );
            (token.range.clone(), message)
        }
        (None, _) => return,
    };

    let fixes = named
        .as_ref()
        .filter(|_| !syntax::has_interpolation(node) || node.kind() == "concatenated_string")
        .and_then(|named| secret_fix(context, target, &named.name))
        .into_iter()
        .collect();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range, message, fixes, related: Vec::new() });
}

/// Returns whether the policy's `ignore-names` option lists `name`.
fn is_ignored_name(context: &Context<'_>, name: &str) -> bool {
    let Some(RuleValue::List(ignored)) = context.settings.option(CheckId::HardcodedSecret, IGNORE_NAMES) else {
        return false;
    };
    ignored.iter().any(|ignored| matches!(ignored, RuleValue::String(ignored) if ignored.eq_ignore_ascii_case(name)))
}

/// A name that a string literal is the value of.
struct NamedValue {
    name: String,
}

/// Returns the outermost parenthesized expression around `node` (or `node`
/// itself) and that node's ancestors.
fn outermost_parentheses<'tree, 'a>(node: Node<'tree>, ancestors: &'a [Node<'tree>]) -> (Node<'tree>, &'a [Node<'tree>]) {
    let mut current = node;
    let mut rest = ancestors;
    while let Some((parent, above)) = rest.split_last().filter(|(parent, _)| parent.kind() == "parenthesized_expression") {
        current = *parent;
        rest = above;
    }
    (current, rest)
}

/// Returns the literal text of a string, with every interpolation replaced by a space.
fn literal_text(context: &Context<'_>, node: Node<'_>) -> String {
    if let Some(value) = syntax::literal_string(node, context.source) {
        return value;
    }
    let mut text = String::new();
    syntax::walk(node, |child| {
        match child.kind() {
            "string_content" => text.push_str(context.text(child)),
            "interpolation" => {
                text.push(' ');
                return syntax::Walk::SkipChildren;
            }
            _ => {}
        }
        syntax::Walk::Descend
    });
    text
}

/// Finds the name a value is bound to: the target of an assignment, a
/// keyword argument, a dictionary key, a parameter with this default, the
/// other side of a comparison, or the variable of an `os.environ.get` fallback.
fn named_context(context: &Context<'_>, target: Node<'_>, ancestors: &[Node<'_>]) -> Option<NamedValue> {
    let (parent, above) = ancestors.split_last()?;
    let parent = *parent;
    let grandparent = above.last().copied();
    let is_field = |field: &str| parent.child_by_field_name(field).is_some_and(|child| child.id() == target.id());

    let name = match parent.kind() {
        "assignment" if is_field("right") => target_name(context, parent.child_by_field_id(fields().left)?)?,
        "keyword_argument" | "default_parameter" | "typed_default_parameter" if is_field("value") => {
            context.text(parent.child_by_field_id(fields().name)?).to_owned()
        }
        "pair" if is_field("value") => {
            // An identifier key is a run-time value (such as a pygments `Token`), not a name.
            syntax::literal_string(parent.child_by_field_id(fields().key)?, context.source)?
        }
        "comparison_operator" => {
            let mut cursor = parent.walk();
            let other = parent.named_children(&mut cursor).find(|operand| operand.id() != target.id())?;
            target_name(context, other)?
        }
        "argument_list" => {
            let call = grandparent.filter(|call| call.kind() == "call")?;
            environment_fallback_name(context, call, target).or_else(|| login_password_name(context, call, target))?
        }
        _ => return None,
    };
    Some(NamedValue { name })
}

/// Returns the name of an assignment target: `x`, `app.secret_key`, `config["password"]`.
fn target_name(context: &Context<'_>, target: Node<'_>) -> Option<String> {
    match target.kind() {
        "identifier" | "attribute" => syntax::last_name(target, context.source).map(str::to_owned),
        "subscript" => syntax::literal_string(target.child_by_field_id(fields().subscript)?, context.source),
        _ => None,
    }
}

/// `os.environ.get("NAME", "fallback")` and `os.getenv("NAME", "fallback")`.
fn environment_fallback_name(context: &Context<'_>, call: Node<'_>, target: Node<'_>) -> Option<String> {
    let callee = context.callee(call)?;
    if !matches!(callee.as_str(), "os.environ.get" | "os.getenv" | "environ.get" | "getenv") {
        return None;
    }
    let arguments = Arguments::of(call, context.source);
    let is_fallback = arguments.positional.get(1).is_some_and(|fallback| fallback.id() == target.id());
    if !is_fallback {
        return None;
    }
    syntax::literal_string(*arguments.positional.first()?, context.source)
}

/// Returns the password of `login(user, "password")` calls (smtplib, ftplib, imaplib).
fn login_password_name(context: &Context<'_>, call: Node<'_>, target: Node<'_>) -> Option<String> {
    let function = call.child_by_field_id(fields().function)?;
    if syntax::last_name(function, context.source) != Some("login") {
        return None;
    }
    let arguments = Arguments::of(call, context.source);
    let is_password = arguments.positional.get(1).is_some_and(|password| password.id() == target.id());
    is_password.then(|| "password".to_owned())
}

/// `base64.b64encode(b"user:password")`, the usual way to build a Basic
/// authorization header by hand; returns the password.
fn basic_credentials_password(context: &Context<'_>, ancestors: &[Node<'_>], value: &str) -> Option<String> {
    let [.., call, arguments] = ancestors else {
        return None;
    };
    if arguments.kind() != "argument_list" {
        return None;
    }
    let call = *call;
    let callee = context.callee(call)?;
    if !matches!(callee.as_str(), "base64.b64encode" | "base64.standard_b64encode" | "base64.urlsafe_b64encode") {
        return None;
    }
    let (user, password) = value.split_once(':')?;
    let plausible = !user.is_empty() && !user.contains(char::is_whitespace) && looks_like_secret_value(password);
    plausible.then(|| password.to_owned())
}

/// Splits `DB_PASSWORD`, `apiKey` or `X-Api-Key` into lowercase words.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lowercase = false;
    for character in name.chars() {
        if !character.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lowercase = false;
            continue;
        }
        if character.is_ascii_uppercase() && previous_lowercase && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lowercase = character.is_ascii_lowercase() || character.is_ascii_digit();
        current.push(character.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Returns whether a name marks a secret value rather than describing one.
fn is_secret_name(name: &str) -> bool {
    let words = name_words(name);
    let descriptive = words.iter().any(|word| DESCRIPTIVE_WORDS.contains(&word.as_str()));
    if descriptive {
        return false;
    }

    let secret_word = words.iter().any(|word| SECRET_WORDS.contains(&word.as_str()));
    let qualified_key = words
        .windows(2)
        .any(|pair| pair[1] == "key" && KEY_QUALIFIERS.contains(&pair[0].as_str()));
    secret_word || qualified_key
}

/// Returns whether a value under a secret-like name is realistic rather than a
/// placeholder, a word, a path or a URL.
fn looks_like_secret_value(value: &str) -> bool {
    let trimmed = value.trim();
    let lowercase = trimmed.to_ascii_lowercase();
    if trimmed.chars().count() < MIN_SECRET_LENGTH || PLACEHOLDER_VALUES.contains(&lowercase.as_str()) {
        return false;
    }
    if PLACEHOLDER_MARKERS.iter().any(|marker| lowercase.contains(marker)) {
        return false;
    }

    let masked_run = trimmed.chars().all(|character| matches!(character, 'x' | 'X' | '*' | '.' | '-' | '#'));
    let one_character = trimmed.chars().all(|character| trimmed.starts_with(character));
    let prose = trimmed.contains(' ') && trimmed.chars().all(|character| character.is_alphabetic() || character == ' ');
    let path_or_url = trimmed.starts_with('/') || trimmed.contains("://");
    let identifier_like = trimmed.chars().all(|character| character.is_ascii_lowercase() || matches!(character, '_' | '-' | '.'));
    let environment_name = trimmed.chars().all(|character| character.is_ascii_uppercase() || character.is_ascii_digit() || character == '_');
    let dotted_numbers = trimmed.contains('.') && trimmed.chars().all(|character| character.is_ascii_digit() || character == '.');
    let header_name = is_header_name(trimmed);
    let has_whitespace = value.contains(char::is_whitespace);
    let short_word = trimmed.len() < MIN_RANDOM_LENGTH && trimmed.chars().all(|character| character.is_ascii_alphabetic());
    let hex_color = trimmed.starts_with('#') && trimmed.len() <= 9 && trimmed[1..].chars().all(|character| character.is_ascii_hexdigit());
    let looks_like_regex = REGEX_MARKERS.iter().any(|marker| trimmed.contains(marker));
    let not_secret = masked_run
        || one_character
        || prose
        || path_or_url
        || identifier_like
        || environment_name
        || dotted_numbers
        || header_name
        || has_whitespace
        || short_word
        || hex_color
        || looks_like_regex;
    !not_secret
}

/// Returns whether a value is an HTTP header name such as `Proxy-Authorization` or `X-Api-Key`.
fn is_header_name(value: &str) -> bool {
    let mut words = value.split('-');
    let capitalized = |word: &str| {
        let mut characters = word.chars();
        let first_upper = characters.next().is_some_and(|first| first.is_ascii_uppercase());
        first_upper && characters.all(|character| character.is_ascii_lowercase())
    };
    let first = words.next().is_some_and(capitalized);
    let rest: Vec<&str> = words.collect();
    first && !rest.is_empty() && rest.iter().all(|word| capitalized(word))
}

/// Text that every known token format, Basic credentials and a URL password contain.
static TOKEN_MARKERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let markers = [
        "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "k_live_", "AIza",
        "-----BEGIN", "eyJ", ":",
    ];
    AhoCorasick::new(markers).expect("the markers are a small fixed set")
});

/// Returns whether a string may hold a token: it contains a marker, or it is
/// written in a way the raw text does not show (escapes, or parts of an
/// implicit concatenation that a token may span).
fn may_hold_token(node: Node<'_>, raw: &str) -> bool {
    node.kind() == "concatenated_string" || raw.contains('\\') || TOKEN_MARKERS.is_match(raw)
}

/// A token format found in a string.
struct Token {
    description: &'static str,
    matched: String,
    range: std::ops::Range<usize>,
    /// The byte offset of the match in the string's value.
    start: usize,
}

/// Finds the first known token format in a string or concatenation. The
/// range is the string part that contains the token, so a multi-line
/// concatenation reports on the line where the token starts.
fn find_token(context: &Context<'_>, node: Node<'_>, value: &str) -> Option<Token> {
    let parts: Vec<Node<'_>> = if node.kind() == "concatenated_string" {
        let mut cursor = node.walk();
        
        node.named_children(&mut cursor).filter(|part| part.kind() == "string").collect()
    } else {
        vec![node]
    };

    for part in &parts {
        let part_value = literal_text(context, *part);
        if let Some(token) = token_in(&part_value) {
            return Some(Token { range: part.byte_range(), ..token });
        }
    }

    // A token split over parts, such as a PEM header whose key material is in
    // the next part, is reported on the part where it starts.
    let whole = token_in(value)?;
    let mut offset = 0;
    for part in &parts {
        let part_length = literal_text(context, *part).len();
        if whole.start < offset + part_length.max(1) {
            return Some(Token { range: part.byte_range(), ..whole });
        }
        offset += part_length;
    }
    Some(Token { range: node.byte_range(), ..whole })
}

fn token_in(value: &str) -> Option<Token> {
    for format in TOKEN_FORMATS.iter() {
        if let Some(found) = format.pattern.find(value) {
            return Some(Token { description: format.description, matched: found.as_str().to_owned(), range: 0..0, start: found.start() });
        }
    }

    let url = URL_WITH_PASSWORD.captures(value)?;
    let password = url.name("password")?.as_str();
    let placeholder = password.starts_with('$')
        || password.starts_with('{')
        || password.starts_with('<')
        || password.starts_with('%')
        || !looks_like_url_password(password);
    if placeholder {
        return None;
    }
    Some(Token { description: URL_PASSWORD, matched: password.to_owned(), range: 0..0, start: url.get(0).map_or(0, |whole| whole.start()) })
}

/// The description of a password found in a URL's user information.
const URL_PASSWORD: &str = "a password in a URL";

/// Returns whether the string is a statement of its own: a docstring or
/// another string that documents instead of being used.
fn is_documentation_string(ancestors: &[Node<'_>]) -> bool {
    ancestors.last().is_some_and(|parent| parent.kind() == "expression_statement" && parent.named_child_count() == 1)
}

fn looks_like_url_password(password: &str) -> bool {
    let lowercase = password.to_ascii_lowercase();
    let marked = PLACEHOLDER_MARKERS.iter().any(|marker| lowercase.contains(marker));
    let masked = password.chars().all(|character| matches!(character, 'x' | 'X' | '*'));
    !(marked || masked || PLACEHOLDER_VALUES.contains(&lowercase.as_str()) || password.len() < 3)
}

/// Shows at most the first four characters (a third of a short value) and the length.
pub(crate) fn mask(value: &str) -> String {
    let length = value.chars().count();
    let shown_length = (length / 3).min(4);
    let prefix: String = value.chars().take(shown_length).collect();
    format!("\"{prefix}…\" ({length} characters)")
}

/// Replaces the literal (with any parentheses around it) with a run-time
/// lookup, adding the import it needs.
fn secret_fix(context: &Context<'_>, literal: Node<'_>, name: &str) -> Option<Fix> {
    let variable = environment_name(name);
    if variable.is_empty() {
        return None;
    }

    let (replacement, import_line) = match &context.settings.secret_fix {
        Some(template) => (template.replace.replace("{name}", &variable), template.import.clone()),
        None => (format!("os.environ[\"{variable}\"]"), Some("import os".to_owned())),
    };

    let mut edits = vec![Edit { range: literal.byte_range(), replacement: replacement.clone() }];
    if let Some(import_line) = import_line {
        let present = fixes::has_import_line(context.root, context.source, &import_line)
            || (import_line == "import os" && context.imports.binds("os", "os"));
        if !present {
            edits.push(fixes::add_import(context.root, context.source, context.imports, &import_line));
        }
    }

    Some(Fix { title: format!("Read the secret with {replacement}"), kind: FixKind::Rewrite, edits })
}

/// `app.secret_key` -> `SECRET_KEY`, `X-Api-Key` -> `X_API_KEY`.
fn environment_name(name: &str) -> String {
    name_words(name).join("_").to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in ["password", "DB_PASSWORD", "smtp_passwd", "REDIS_PWD", "secret_key", "apiKey", "X-Api-Key", "client_secret", "github_token", "auth"] {
            assert!(is_secret_name(name), "{name} should be secret-like");
        }
        for name in ["PASSWORD_FIELD", "TOKEN_HEADER", "PASSWORD_MIN_LENGTH", "TOKEN_TYPE", "DB_CREDENTIALS_SECRET_ID", "author", "keyboard", "monkey"] {
            assert!(!is_secret_name(name), "{name} should not be secret-like");
        }
    }

    #[test]
    fn placeholder_values() {
        for value in ["", "changeme", "<your-api-key>", "${GITHUB_TOKEN}", "xxxxxxxx", "********", "dummy-password", "hello world", "/account/reset", "SECRET_KEY", "1.3.6.1.5.5.7.3.1", "Proxy-Authorization", "X-Api-Key"] {
            assert!(!looks_like_secret_value(value), "{value:?} should be a placeholder");
        }
        for value in ["Crispy!Potato#2024", "q8Zr3NvT1yXc6LpWm0Ks9GdHe2BfJa5U", "a4f9c2e17b3d48e6905f1c7a2d8b3e64"] {
            assert!(looks_like_secret_value(value), "{value:?} should look like a secret");
        }
    }

    #[test]
    fn mask_hides_most_of_the_value() {
        assert_eq!(mask("Crispy!Potato#2024"), "\"Cris…\" (18 characters)");
        assert_eq!(mask("abcdef"), "\"ab…\" (6 characters)");
        assert_eq!(mask("ab"), "\"…\" (2 characters)");
    }

    #[test]
    fn environment_names() {
        assert_eq!(environment_name("secret_key"), "SECRET_KEY");
        assert_eq!(environment_name("X-Api-Key"), "X_API_KEY");
        assert_eq!(environment_name("apiKey"), "API_KEY");
    }
}
