//! `guardian policy check` and `guardian policy explain`: the steering
//! documents seen from the security team's side.
//!
//! `check` prints the policy diagnostics of a workspace (broken rule blocks,
//! front-matter mistakes, patterns that match no file, layering conflicts)
//! and exits 2 when any of them is an error, else 0. `explain` lists every
//! binding: which section enforces which rule on which files, and why (a
//! `guardian` block or a topic word in the heading). Both load the policy
//! exactly as `guardian check` does for the same workspace root.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use guardian_analysis::{Policy, Severity, check_info};
use guardian_policy::{BindingExplanation, BindingKind, LoadOptions, PolicyProblem};
use serde::Serialize;

use crate::output::{display_path, ignore_broken_pipe, plural, severity_label};
use crate::walk;

/// Exit status of `policy check` when a steering document has an error-severity problem.
const EXIT_POLICY_ERROR: u8 = 2;

/// Version of the JSON output of both subcommands.
const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Report problems in the steering documents of a workspace; exits 2 when one is an error.
    Check(PolicyCheckArgs),
    /// Show which section binds which rule, on which files, and why.
    Explain(PolicyExplainArgs),
}

#[derive(Debug, Args)]
struct PolicyCheckArgs {
    /// A folder (or file) inside the workspace whose steering documents to check.
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,

    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct PolicyExplainArgs {
    /// Show only the rules that apply to this file; without it, every binding of the workspace policy.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// A folder of organization steering documents; repeat the flag for several folders.
    #[arg(long = "steering", value_name = "DIR")]
    steering: Vec<PathBuf>,

    /// Output format: text for people, json for tools.
    #[arg(long, value_enum, default_value_t = PolicyFormat::Text)]
    format: PolicyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PolicyFormat {
    Text,
    Json,
}

/// Runs `guardian policy check` or `guardian policy explain`.
pub fn run(arguments: &PolicyArgs) -> anyhow::Result<ExitCode> {
    let current_directory = std::env::current_dir().context("failed to read the current directory")?;

    match &arguments.command {
        PolicyCommand::Check(check) => run_check(check, &current_directory),
        PolicyCommand::Explain(explain) => run_explain(explain, &current_directory),
    }
}

fn run_check(arguments: &PolicyCheckArgs, current_directory: &Path) -> anyhow::Result<ExitCode> {
    let policy = load_workspace_policy(&arguments.path, &arguments.common.steering)?;
    let problems = sorted_problems(&policy);

    let written = match arguments.common.format {
        PolicyFormat::Text => write_to_stdout(|out| write_problems_text(out, &policy, &problems, current_directory)),
        PolicyFormat::Json => write_to_stdout(|out| {
            let report = ProblemReport::new(&policy, &problems, current_directory);
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }),
    };
    ignore_broken_pipe(written).context("failed to write to stdout")?;

    let has_error = problems.iter().any(|problem| problem.severity == Severity::Error);
    Ok(if has_error { ExitCode::from(EXIT_POLICY_ERROR) } else { ExitCode::SUCCESS })
}

fn run_explain(arguments: &PolicyExplainArgs, current_directory: &Path) -> anyhow::Result<ExitCode> {
    let workspace_path = arguments.file.as_deref().unwrap_or(Path::new("."));
    if let Some(file) = &arguments.file {
        if !file.is_file() {
            bail!("file not found: {}; pass an existing file to see the rules that apply to it", file.display());
        }
    }
    let root = walk::workspace_root(workspace_path)
        .with_context(|| format!("failed to find the workspace root of {}", workspace_path.display()))?;
    let policy = load_policy_at(&root, &arguments.common.steering)?;

    let relative_file = arguments.file.as_deref().map(|file| walk::relative_to_root(file, &root));
    let bindings = match &relative_file {
        Some(relative) => bindings_for_file(&policy, relative),
        None => guardian_policy::explain(&policy),
    };
    let explained: Vec<ExplainedBinding> =
        bindings.into_iter().map(|binding| ExplainedBinding::new(binding, &policy, current_directory)).collect();

    let written = match arguments.common.format {
        PolicyFormat::Text => write_to_stdout(|out| write_bindings_text(out, &explained, relative_file.as_deref())),
        PolicyFormat::Json => write_to_stdout(|out| {
            let report = ExplainReport {
                version: SCHEMA_VERSION,
                file: relative_file.as_ref().map(|path| path.to_string_lossy().replace('\\', "/")),
                bindings: explained,
            };
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }),
    };
    ignore_broken_pipe(written).context("failed to write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Finds the workspace root of `path` and loads its policy.
fn load_workspace_policy(path: &Path, steering: &[PathBuf]) -> anyhow::Result<Policy> {
    if !path.exists() {
        bail!("path not found: {}; pass a folder inside the workspace", path.display());
    }
    let root = walk::workspace_root(path).with_context(|| format!("failed to find the workspace root of {}", path.display()))?;
    load_policy_at(&root, steering)
}

/// Loads the policy of a workspace root; a document that fails to load stays a problem in the policy.
fn load_policy_at(root: &Path, steering: &[PathBuf]) -> anyhow::Result<Policy> {
    for folder in steering {
        if !folder.is_dir() {
            bail!("steering folder not found: {}; --steering takes a directory of Markdown files", folder.display());
        }
    }

    let options = LoadOptions {
        workspace_root: Some(root.to_path_buf()),
        steering_paths: steering.to_vec(),
        include_user_global: false,
        known_checks: guardian_analysis::known_checks(),
    };
    Ok(guardian_policy::load(&options))
}

/// Returns the explanations of the effective rules that apply to a workspace-relative file.
fn bindings_for_file(policy: &Policy, relative_file: &Path) -> Vec<BindingExplanation> {
    let applying: Vec<(String, String, PathBuf)> = policy
        .rules_for_path(relative_file)
        .map(|rule| (rule.id.clone(), policy.citation(rule.section), policy.document(rule.section).path.clone()))
        .collect();

    guardian_policy::explain(policy)
        .into_iter()
        .filter(|binding| binding.active)
        .filter(|binding| {
            applying.iter().any(|(id, section, document)| {
                *id == binding.rule && *section == binding.section && document.display().to_string() == binding.document
            })
        })
        .collect()
}

fn sorted_problems(policy: &Policy) -> Vec<PolicyProblem> {
    let mut problems = policy.problems.clone();
    problems.sort_by(|left, right| (&left.path, left.range.start, left.code).cmp(&(&right.path, right.range.start, right.code)));
    problems.dedup();
    problems
}

/// Runs `write` on locked, buffered stdout and flushes it.
fn write_to_stdout(write: impl FnOnce(&mut BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    write(&mut out)?;
    out.flush()
}

/// A 1-based line and character column inside a steering document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct DocumentPosition {
    line: usize,
    column: usize,
}

/// Converts a byte offset of a loaded document into a 1-based position; `None` when the document is not loaded.
fn document_position(policy: &Policy, path: &Path, offset: usize) -> Option<DocumentPosition> {
    let document = policy.documents.iter().find(|document| document.path == path)?;
    let text: &str = &document.text;

    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Some(DocumentPosition {
        line: before.matches('\n').count() + 1,
        column: text[line_start..offset].chars().count() + 1,
    })
}

/// The start and end of a problem; without the document text, the problem's line and column 1.
fn problem_span(policy: &Policy, problem: &PolicyProblem) -> (DocumentPosition, DocumentPosition) {
    let fallback = DocumentPosition { line: usize::try_from(problem.line).unwrap_or(usize::MAX).saturating_add(1), column: 1 };
    let start = document_position(policy, &problem.path, problem.range.start).unwrap_or(fallback);
    let end = document_position(policy, &problem.path, problem.range.end).unwrap_or(start);
    (start, end)
}

fn write_problems_text(
    out: &mut impl Write,
    policy: &Policy,
    problems: &[PolicyProblem],
    current_directory: &Path,
) -> std::io::Result<()> {
    for problem in problems {
        let (start, _) = problem_span(policy, problem);
        writeln!(
            out,
            "{path}:{line}:{column}: {severity}[{code}] {message}",
            path = display_path(&problem.path, current_directory),
            line = start.line,
            column = start.column,
            severity = severity_label(problem.severity),
            code = problem.code,
            message = problem.message,
        )?;
        if let Some(fix) = &problem.fix {
            writeln!(out, "  = fix: {}", fix.title)?;
        }
    }

    let counts = ProblemCounts::of(problems);
    let documents = plural(policy.documents.len(), "steering document", "steering documents");
    if problems.is_empty() {
        return writeln!(out, "No policy problems in {documents}.");
    }
    writeln!(
        out,
        "Found {} in {documents}: {}, {}, {}, {}.",
        plural(problems.len(), "policy problem", "policy problems"),
        plural(counts.errors, "error", "errors"),
        plural(counts.warnings, "warning", "warnings"),
        plural(counts.infos, "info", "infos"),
        plural(counts.hints, "hint", "hints"),
    )
}

/// Problem counts by severity.
#[derive(Debug, Default, Serialize)]
struct ProblemCounts {
    problems: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    hints: usize,
}

impl ProblemCounts {
    fn of(problems: &[PolicyProblem]) -> Self {
        let mut counts = ProblemCounts { problems: problems.len(), ..ProblemCounts::default() };
        for problem in problems {
            match problem.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
                Severity::Hint | Severity::Off => counts.hints += 1,
            }
        }
        counts
    }
}

/// The JSON output of `guardian policy check`, version 1.
#[derive(Serialize)]
struct ProblemReport {
    version: u32,
    documents: Vec<String>,
    problems: Vec<JsonProblem>,
    summary: ProblemCounts,
}

#[derive(Serialize)]
struct JsonProblem {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start_offset: usize,
    end_offset: usize,
    severity: &'static str,
    code: &'static str,
    message: String,
    fix: Option<JsonProblemFix>,
}

#[derive(Serialize)]
struct JsonProblemFix {
    title: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start_offset: usize,
    end_offset: usize,
    replacement: String,
}

impl ProblemReport {
    fn new(policy: &Policy, problems: &[PolicyProblem], current_directory: &Path) -> Self {
        let documents = policy.documents.iter().map(|document| display_path(&document.path, current_directory)).collect();
        let problems = problems.iter().map(|problem| json_problem(policy, problem, current_directory)).collect();
        ProblemReport { version: SCHEMA_VERSION, documents, problems, summary: ProblemCounts::of(&policy.problems) }
    }
}

fn json_problem(policy: &Policy, problem: &PolicyProblem, current_directory: &Path) -> JsonProblem {
    let (start, end) = problem_span(policy, problem);
    let fix = problem.fix.as_ref().map(|fix| {
        let fix_start = document_position(policy, &problem.path, fix.range.start).unwrap_or(start);
        let fix_end = document_position(policy, &problem.path, fix.range.end).unwrap_or(fix_start);
        JsonProblemFix {
            title: fix.title.clone(),
            line: fix_start.line,
            column: fix_start.column,
            end_line: fix_end.line,
            end_column: fix_end.column,
            start_offset: fix.range.start,
            end_offset: fix.range.end,
            replacement: fix.replacement.clone(),
        }
    });

    JsonProblem {
        path: display_path(&problem.path, current_directory),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        start_offset: problem.range.start,
        end_offset: problem.range.end,
        severity: severity_label(problem.severity),
        code: problem.code,
        message: problem.message.clone(),
        fix,
    }
}

/// The JSON output of `guardian policy explain`, version 1.
#[derive(Serialize)]
struct ExplainReport {
    version: u32,
    /// The workspace-relative file the bindings were filtered for.
    file: Option<String>,
    bindings: Vec<ExplainedBinding>,
}

/// A binding with its document path shown for people and its heading line 1-based.
#[derive(Serialize)]
struct ExplainedBinding {
    #[serde(flatten)]
    binding: BindingExplanation,
    /// The steering document, relative to the current directory when inside it.
    path: String,
    /// 1-based line of the section heading.
    line: u64,
    /// The severity in force: the section's own, else the check's default.
    effective_severity: &'static str,
}

impl ExplainedBinding {
    fn new(binding: BindingExplanation, policy: &Policy, current_directory: &Path) -> Self {
        let document_path = policy
            .documents
            .iter()
            .map(|document| &document.path)
            .find(|path| path.display().to_string() == binding.document);
        let path = document_path.map_or_else(|| binding.document.clone(), |path| display_path(path, current_directory));

        let default_severity = check_info(&binding.rule).map_or(Severity::Warning, |check| check.default_severity);
        let effective_severity = severity_label(binding.severity.unwrap_or(default_severity));

        ExplainedBinding { line: u64::from(binding.heading_line) + 1, path, effective_severity, binding }
    }
}

fn write_bindings_text(out: &mut impl Write, bindings: &[ExplainedBinding], file: Option<&Path>) -> std::io::Result<()> {
    for explained in bindings {
        let binding = &explained.binding;
        let state = if binding.active { "" } else { ", inactive" };
        writeln!(out, "{} ({}{state})", binding.rule, binding.rule_kind)?;
        writeln!(out, "  section:  {}", binding.section)?;
        writeln!(out, "  defined:  {}:{}", explained.path, explained.line)?;
        writeln!(out, "  why:      {}", binding_reason(&binding.binding))?;

        let severity_source = if binding.severity.is_some() { "set by the section" } else { "the check's default" };
        writeln!(out, "  severity: {} ({severity_source})", explained.effective_severity)?;
        writeln!(out, "  files:    {}", files_description(binding))?;
        for note in &binding.notes {
            writeln!(out, "  note:     {note}")?;
        }
        writeln!(out)?;
    }

    let count = plural(bindings.len(), "binding", "bindings");
    match file {
        Some(file) => writeln!(out, "{count} apply to {}.", file.display()),
        None => writeln!(out, "{count} in the policy."),
    }
}

fn binding_reason(binding: &BindingKind) -> String {
    match binding {
        BindingKind::Block => "a `guardian` rule block in the section".to_owned(),
        BindingKind::Topic { word } => format!("the heading names the topic \"{word}\""),
    }
}

fn files_description(binding: &BindingExplanation) -> String {
    let rule_scope = if binding.files.is_empty() { "every file".to_owned() } else { binding.files.join(", ") };
    if binding.file_match.is_empty() {
        rule_scope
    } else {
        format!("{rule_scope}, within the document's fileMatchPattern {}", binding.file_match.join(", "))
    }
}
