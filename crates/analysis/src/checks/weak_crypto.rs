//! `weak-crypto`: broken or weak hashes, ciphers, modes and key sizes.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "weak-crypto",
    summary: "Broken or weak hashes, ciphers, modes and key sizes",
    documentation: DOCUMENTATION,
    topics: &["cryptography", "crypto", "hashing", "encryption", "cipher"],
    default_severity: Severity::Warning,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// Weak hash and cipher names, key generators, ECB mode and Django's weak hashers.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["md5", "sha1", "md4", "md2", "des", "arc2", "arc4", "blowfish", "cast", "idea", "seed", "ecb", "generate", "passwordhasher"]);

const DOCUMENTATION: &str = r#"# weak-crypto

## What it does

Reports `hashlib.md5`, `hashlib.sha1` and `hashlib.new("md5" | "sha1")`
unless called with `usedforsecurity=False`; MD5 and SHA-1 from
`cryptography`'s `hashes`; DES, 3DES, RC4 (ARC4), RC2, Blowfish, IDEA and
CAST5 ciphers from PyCryptodome (`Crypto`, `Cryptodome`) and `cryptography`;
MD5 and SHA-1 from PyCryptodome's `Crypto.Hash`;
ECB mode (`modes.ECB()`, `AES.MODE_ECB`); RSA and DSA keys below 2048 bits;
and Django's MD5 and SHA-1 password hashers.

## Why it matters

MD5 and SHA-1 have practical collision attacks and are far too fast for
password storage. DES and RC4 are broken, 64-bit block ciphers leak data
after a few gigabytes (Sweet32), and ECB mode shows patterns of the
plaintext. Short RSA and DSA keys can be factored.

## Example

```python
digest = hashlib.md5(password.encode()).hexdigest()
```

## Use instead

```python
digest = hashlib.sha256(data).hexdigest()
```

For passwords, use a password hash such as `argon2`, `bcrypt`, `scrypt` or
`hashlib.pbkdf2_hmac`. For encryption, use AES-GCM or ChaCha20-Poly1305.
The fix replaces `hashlib.md5` and `hashlib.sha1` with `hashlib.sha256`;
stored digests must be recomputed. A second fix adds
`usedforsecurity=False` for a digest that is not a security control, such
as a cache key or an ETag.

## Known problems

MD5 and SHA-1 used for a non-security purpose are reported unless the call
says `usedforsecurity=False`, or the enclosing function or the assigned
variable is named for a cache key, an ETag, a fingerprint or a cache key
mangler (`cache_key`, `etag`, `fingerprint`, `key_mangler`) and the hashed
value is not named for a password, secret, token, signature or credential.
A checksum is still reported, because comparing a download against a
published MD5 checksum is an integrity check that collisions defeat. Other
non-security digests, such as a template cache's `generate_hash` or an SQL
`MD5()` function, are reported. HMAC with MD5 is not reported.

## References

- CWE-327: Use of a Broken or Risky Cryptographic Algorithm
- CWE-328: Use of Weak Hash
- CWE-326: Inadequate Encryption Strength
- Bandit B303, B304, B305, B324, B505
- Ruff S303, S304, S305, S324, S505
"#;

const WEAK_HASHES: &[&str] = &["md5", "sha1", "md4", "md2"];

/// Weak cipher modules and classes, matched on the end of the resolved name.
const WEAK_CIPHER_SUFFIXES: &[&str] = &[
    "Cipher.DES.new",
    "Cipher.DES3.new",
    "Cipher.ARC4.new",
    "Cipher.ARC2.new",
    "Cipher.Blowfish.new",
    "Cipher.CAST.new",
    "algorithms.TripleDES",
    "algorithms.ARC4",
    "algorithms.Blowfish",
    "algorithms.IDEA",
    "algorithms.CAST5",
    "algorithms.SEED",
    "modes.ECB",
    "hashes.MD5",
    "hashes.SHA1",
    "Hash.MD5.new",
    "Hash.MD4.new",
    "Hash.MD2.new",
    "Hash.SHA1.new",
];

/// Key generators whose size argument must be at least [`MIN_KEY_BITS`].
const KEY_GENERATORS: &[&str] = &["rsa.generate_private_key", "dsa.generate_private_key", "RSA.generate", "DSA.generate"];

const MIN_KEY_BITS: u64 = 2048;

const WEAK_DJANGO_HASHERS: &[&str] = &["MD5PasswordHasher", "SHA1PasswordHasher", "UnsaltedMD5PasswordHasher", "UnsaltedSHA1PasswordHasher"];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(function) = call.child_by_field_id(fields().function) else {
        return;
    };
    let Some(callee) = context.callee(call) else {
        return;
    };
    if !may_be_weak_crypto(context, function, &callee) {
        return;
    }
    let arguments = Arguments::of(call, context.source);

    if let Some(algorithm) = weak_hashlib_algorithm(context, &callee, &arguments) {
        let not_for_security = arguments.keyword("usedforsecurity").is_some_and(syntax::is_false);
        if not_for_security || names_a_non_security_digest(context, call) {
            return;
        }
        let display_name = algorithm.to_ascii_uppercase().replace("SHA", "SHA-");
        let message = format!(
            "weak hash: {display_name} is broken for security use; use SHA-256 or stronger, or a password hash for passwords"
        );
        let call_arguments = call.child_by_field_id(fields().arguments);
        let may_be_non_security = !hashes_secret_material(context, call);
        let not_for_security_fix = call_arguments.filter(|_| may_be_non_security).and_then(not_for_security_fix);
        let fixes = sha256_fix(context, function, &callee, &arguments).into_iter().chain(not_for_security_fix).collect();
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes, related: Vec::new() });
        return;
    }

    if let Some(suffix) = WEAK_CIPHER_SUFFIXES.iter().find(|suffix| ends_with_segments(&callee, suffix)) {
        let name = suffix.trim_end_matches(".new");
        let message = format!("weak cryptography: `{name}` is broken or weak; use AES-GCM or ChaCha20-Poly1305, and SHA-256 or stronger for hashes");
        findings.push(RawFinding { rule: INFO.name.to_owned(), range: function.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
        return;
    }

    if KEY_GENERATORS.iter().any(|generator| ends_with_segments(&callee, generator)) {
        check_key_size(context, &arguments, findings);
    }
    let creates_cipher = syntax::last_name(function, context.source).is_some_and(|name| name == "new" || name == "Cipher");
    if creates_cipher {
        check_ecb_mode_variable(context, &arguments, findings);
    }
}

/// Returns whether a call can be one that this check reports, before its arguments are read.
fn may_be_weak_crypto(context: &Context<'_>, function: Node<'_>, callee: &str) -> bool {
    let hashlib = callee.starts_with("hashlib.");
    let cipher = WEAK_CIPHER_SUFFIXES.iter().any(|suffix| ends_with_segments(callee, suffix));
    let generator = KEY_GENERATORS.iter().any(|generator| ends_with_segments(callee, generator));
    let creates_cipher = syntax::last_name(function, context.source).is_some_and(|name| name == "new" || name == "Cipher");
    hashlib || cipher || generator || creates_cipher
}

/// `mode = AES.MODE_ECB` followed by `AES.new(key, mode)`: reported at the call.
fn check_ecb_mode_variable(context: &Context<'_>, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    for argument in arguments.positional.iter().chain(arguments.keywords.iter().map(|(_, value, _)| value)) {
        if argument.kind() != "identifier" {
            continue;
        }
        let value = context.values.assigned_value(*argument);
        if value.kind() == "attribute" && syntax::last_name(value, context.source) == Some("MODE_ECB") {
            findings.push(ecb_finding(argument.byte_range()));
        }
    }
}

fn ecb_finding(range: std::ops::Range<usize>) -> RawFinding {
    let message = "weak cryptography: ECB mode reveals patterns in the plaintext; use an authenticated mode such as GCM".to_owned();
    RawFinding { rule: INFO.name.to_owned(), range, message, fixes: Vec::new(), related: Vec::new() }
}

/// Reports `AES.MODE_ECB` and the like where it is used, not where it is
/// stored in a variable (the call that uses the variable is reported instead).
pub(crate) fn check_attribute(context: &Context<'_>, attribute: Node<'_>, findings: &mut Vec<RawFinding>) {
    if syntax::last_name(attribute, context.source) != Some("MODE_ECB") {
        return;
    }
    let stored_in_variable = attribute.parent().is_some_and(|parent| {
        parent.kind() == "assignment" && parent.child_by_field_id(fields().left).is_some_and(|left| left.kind() == "identifier")
    });
    if !stored_in_variable {
        findings.push(ecb_finding(attribute.byte_range()));
    }
}

/// Reports Django's weak password hashers named in a string.
pub(crate) fn check_string(context: &Context<'_>, string: Node<'_>, findings: &mut Vec<RawFinding>) {
    let Some(value) = syntax::literal_string(string, context.source) else {
        return;
    };
    let is_weak_hasher = value.starts_with("django.") && WEAK_DJANGO_HASHERS.iter().any(|hasher| value.ends_with(&format!(".{hasher}")));
    if !is_weak_hasher {
        return;
    }
    let message = "weak password hash: Django's MD5 and SHA-1 hashers are too fast for passwords; use Argon2, bcrypt or PBKDF2".to_owned();
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: string.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}

fn weak_hashlib_algorithm(context: &Context<'_>, callee: &str, arguments: &Arguments<'_>) -> Option<String> {
    if let Some(algorithm) = callee.strip_prefix("hashlib.") {
        if WEAK_HASHES.contains(&algorithm) {
            return Some(algorithm.to_owned());
        }
        if algorithm == "new" {
            let name = syntax::literal_string(arguments.first_or_keyword("name")?, context.source)?.to_ascii_lowercase();
            return WEAK_HASHES.contains(&name.as_str()).then_some(name);
        }
    }
    None
}

/// `hashlib.md5(…)` -> `hashlib.sha256(…)`, `hashlib.new("md5")` -> `hashlib.new("sha256")`.
fn sha256_fix(context: &Context<'_>, function: Node<'_>, callee: &str, arguments: &Arguments<'_>) -> Option<Fix> {
    let edit = if callee == "hashlib.new" {
        let name = arguments.first_or_keyword("name")?;
        let quote = syntax::string_quote(name, context.source);
        Edit { range: name.byte_range(), replacement: format!("{quote}sha256{quote}") }
    } else {
        if function.kind() != "attribute" {
            return None;
        }
        let name = function.child_by_field_id(fields().attribute)?;
        Edit { range: name.byte_range(), replacement: "sha256".to_owned() }
    };
    Some(Fix { title: "Use SHA-256 (stored digests must be recomputed)".to_owned(), kind: FixKind::Rewrite, edits: vec![edit] })
}

/// Returns whether the hashed value or the enclosing function is named for a
/// password, secret, token or signature, where a non-security digest is implausible.
fn hashes_secret_material(context: &Context<'_>, call: Node<'_>) -> bool {
    let function_name = syntax::enclosing_definition(call, "function_definition")
        .and_then(|function| function.child_by_field_id(fields().name))
        .map_or("", |name| context.text(name));
    let arguments = call.child_by_field_id(fields().arguments).map_or("", |list| context.text(list));
    let haystack = format!("{function_name} {arguments}").to_lowercase();
    ["password", "passwd", "secret", "token", "sign", "credential"].iter().any(|word| haystack.contains(word))
}

/// Words in a function or variable name that say a digest is an identifier
/// for caching or change detection, not a security control.
const NON_SECURITY_DIGEST_WORDS: &[&str] = &["cache_key", "cachekey", "etag", "fingerprint", "key_mangler"];

/// Returns whether the enclosing function, or the variable the digest is
/// assigned to, is named for a cache key, an ETag or a fingerprint, and the
/// hashed value is not named for secret material.
fn names_a_non_security_digest(context: &Context<'_>, call: Node<'_>) -> bool {
    let function_name = syntax::enclosing_definition(call, "function_definition")
        .and_then(|function| function.child_by_field_id(fields().name))
        .map_or("", |name| context.text(name));
    let assignment_target = syntax::enclosing_statement(call)
        .named_child(0)
        .filter(|expression| expression.kind() == "assignment")
        .and_then(|assignment| assignment.child_by_field_id(fields().left))
        .map_or("", |target| context.text(target));

    let names = format!("{function_name} {assignment_target}").to_lowercase();
    let names_non_security_use = NON_SECURITY_DIGEST_WORDS.iter().any(|word| names.contains(word));
    names_non_security_use && !hashes_secret_material(context, call)
}

/// Adds `usedforsecurity=False` for digests that are not a security control,
/// such as cache keys and ETags. The reader decides, so it is the second fix.
fn not_for_security_fix(list: Node<'_>) -> Option<Fix> {
    if list.kind() != "argument_list" {
        return None;
    }
    let close = list.child(list.child_count().checked_sub(1)?).filter(|close| close.kind() == ")")?;
    let mut cursor = list.walk();
    let last_argument = list.named_children(&mut cursor).filter(|child| child.kind() != "comment").last();
    let trailing_comma = last_argument.and_then(|last| {
        let mut comma_cursor = list.walk();
        list.children(&mut comma_cursor).find(|child| child.kind() == "," && child.start_byte() >= last.end_byte())
    });

    let edit = match (last_argument, trailing_comma) {
        (None, _) => Edit { range: close.start_byte()..close.start_byte(), replacement: "usedforsecurity=False".to_owned() },
        (Some(_), Some(comma)) => Edit { range: comma.end_byte()..comma.end_byte(), replacement: " usedforsecurity=False,".to_owned() },
        (Some(last), None) => Edit { range: last.end_byte()..last.end_byte(), replacement: ", usedforsecurity=False".to_owned() },
    };
    Some(Fix { title: "Mark the hash as not used for security (`usedforsecurity=False`)".to_owned(), kind: FixKind::Rewrite, edits: vec![edit] })
}

fn check_key_size(context: &Context<'_>, arguments: &Arguments<'_>, findings: &mut Vec<RawFinding>) {
    let size = arguments
        .keyword_argument("key_size")
        .or_else(|| arguments.keyword_argument("bits"))
        .or_else(|| arguments.positional.first().map(|value| (*value, *value)));
    let Some((value, reported)) = size else {
        return;
    };
    let Ok(bits) = context.text(value).replace('_', "").parse::<u64>() else {
        return;
    };
    if bits >= MIN_KEY_BITS {
        return;
    }
    let message = format!("weak key size: {bits}-bit RSA and DSA keys can be broken; use at least {MIN_KEY_BITS} bits");
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: reported.byte_range(), message, fixes: Vec::new(), related: Vec::new() });
}

/// Returns whether `name` ends with the dotted `suffix` at a segment boundary.
fn ends_with_segments(name: &str, suffix: &str) -> bool {
    name == suffix || name.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('.'))
}
