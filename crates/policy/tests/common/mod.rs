//! Helpers shared by the policy crate's integration tests: a check catalog and text renderings.

#![allow(dead_code)]

use guardian_policy::{
    Binding, KnownCheck, Origin, ParsedDocument, Policy, PolicyProblem, Rule, RuleKind, Section,
    parse_document,
};
use std::fmt::Write;
use std::path::Path;

/// The built-in checks with the topics the analysis crate declares for them.
///
/// The policy crate cannot depend on the analysis crate, so this is a copy;
/// `crates/analysis/tests/bundled_policy.rs` checks the bundled document against
/// the real catalog.
pub const KNOWN_CHECKS: &[KnownCheck] = &[
    KnownCheck {
        name: "hardcoded-secret",
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
        options: &[],
    },
    KnownCheck {
        name: "sql-injection",
        topics: &["sql", "sql injection", "database query", "database queries"],
        options: &[],
    },
    KnownCheck {
        name: "command-injection",
        topics: &[
            "command injection",
            "shell",
            "os command",
            "operating system command",
            "operating system commands",
        ],
        options: &[],
    },
    KnownCheck {
        name: "template-injection",
        topics: &["template", "templates", "template injection"],
        options: &[],
    },
    KnownCheck {
        name: "weak-crypto",
        topics: &["cryptography", "crypto", "hashing", "encryption", "cipher"],
        options: &[],
    },
    KnownCheck {
        name: "tls-verification-disabled",
        topics: &[
            "transport security",
            "tls",
            "https",
            "certificate",
            "certificates",
        ],
        options: &[],
    },
    KnownCheck {
        name: "debug-enabled",
        topics: &["debug", "debug mode", "debugger", "deployment"],
        options: &[],
    },
    KnownCheck {
        name: "deserialization",
        topics: &["deserialization", "serialization", "pickle"],
        options: &[],
    },
    KnownCheck {
        name: "bind-all-interfaces",
        topics: &["bind", "network interfaces", "listening", "all interfaces", "network exposure"],
        options: &[],
    },
    KnownCheck {
        name: "code-injection",
        topics: &["code injection", "eval", "exec", "dynamic code"],
        options: &[],
    },
    KnownCheck {
        name: "insecure-random",
        topics: &["random", "randomness", "random numbers", "csprng"],
        options: &[],
    },
    KnownCheck {
        name: "insecure-tempfile",
        topics: &["temporary files", "tempfile", "temp files", "tmp"],
        options: &[],
    },
    KnownCheck {
        name: "jwt-verification-disabled",
        topics: &["jwt", "json web token", "json web tokens", "token verification", "signature verification"],
        options: &[],
    },
    KnownCheck {
        name: "path-traversal",
        topics: &["path traversal", "directory traversal", "file paths", "file access", "file uploads"],
        options: &[],
    },
    KnownCheck {
        name: "request-without-timeout",
        topics: &["timeout", "timeouts", "http client timeouts"],
        options: &[],
    },
    KnownCheck {
        name: "ssrf",
        topics: &["ssrf", "server-side request forgery", "outbound requests", "url fetching"],
        options: &[],
    },
    KnownCheck {
        name: "weak-permissions",
        topics: &["file permissions", "permissions", "chmod", "umask"],
        options: &[],
    },
    KnownCheck {
        name: "xxe",
        topics: &["xxe", "xml", "xml external entities", "external entities"],
        options: &[],
    },
];

/// Parses a workspace document named `doc.md`.
pub fn parse(text: &str) -> ParsedDocument {
    parse_document(Path::new("doc.md"), Origin::Workspace, text, KNOWN_CHECKS)
}

/// Renders sections one per line: level, lines, heading line, title path and prose.
pub fn render_sections(sections: &[Section]) -> String {
    let mut out = String::new();
    for (index, section) in sections.iter().enumerate() {
        let _ = writeln!(
            out,
            "[{index}] level {} heading line {} lines {}..{} bytes {}..{}: {}",
            section.level,
            section.heading_line,
            section.lines.start,
            section.lines.end,
            section.range.start,
            section.range.end,
            section.title_path.join(" > "),
        );
        if !section.prose.is_empty() {
            let _ = writeln!(out, "    prose: {:?}", section.prose);
        }
    }
    out
}

/// Renders one rule without its compiled globs, which have no readable form.
pub fn render_rule(rule: &Rule) -> String {
    let kind = match &rule.kind {
        RuleKind::Check { name } => format!("check {name}"),
        RuleKind::Calls { names, arguments } if arguments.is_empty() => {
            format!("calls [{}]", names.join(", "))
        }
        RuleKind::Calls { names, arguments } => {
            let written: Vec<String> = arguments
                .iter()
                .map(|matcher| format!("{}={}", matcher.keyword, matcher.value))
                .collect();
            format!("calls [{}] with {}", names.join(", "), written.join(", "))
        }
        RuleKind::Query { query } => format!("query {:?}", query.source.trim()),
        RuleKind::Regex { regex } => format!("regex {:?}", regex.regex.as_str()),
    };
    let binding = match &rule.binding {
        Binding::Block => "block".to_owned(),
        Binding::Topic { topic } => format!("topic {topic:?}"),
    };
    let mut line = format!(
        "{} ({kind}) section {} by {binding}",
        rule.id, rule.section.section
    );
    if let Some(severity) = rule.severity {
        let _ = write!(line, " severity {severity:?}");
    }
    if let Some(message) = &rule.message {
        let _ = write!(line, " message {message:?}");
    }
    if rule.files.is_some() {
        line.push_str(" files");
    }
    if let Some(fix) = &rule.fix {
        let _ = write!(line, " fix {:?} import {:?}", fix.replace, fix.import);
    }
    line
}

pub fn render_rules(rules: &[Rule]) -> String {
    rules.iter().map(|rule| render_rule(rule) + "\n").collect()
}

pub fn render_problems(problems: &[PolicyProblem]) -> String {
    problems
        .iter()
        .map(|problem| {
            format!(
                "{}:{} bytes {}..{} {:?}: {}\n",
                problem.path.display(),
                problem.line,
                problem.range.start,
                problem.range.end,
                problem.severity,
                problem.message
            )
        })
        .collect()
}

/// Renders the effective rules of a policy with their citations.
pub fn render_policy_rules(policy: &Policy) -> String {
    policy
        .rules
        .iter()
        .map(|rule| {
            format!(
                "{} <- {} [{}]\n",
                rule.id,
                policy.citation(rule.section),
                binding_name(&rule.binding)
            )
        })
        .collect()
}

fn binding_name(binding: &Binding) -> String {
    match binding {
        Binding::Block => "block".to_owned(),
        Binding::Topic { topic } => format!("topic {topic}"),
    }
}

/// Returns a path inside the shared example data, or `None` when the test should skip.
pub fn shared_folder(relative: &str) -> Option<std::path::PathBuf> {
    guardian_test_support::shared_path(relative)
}
