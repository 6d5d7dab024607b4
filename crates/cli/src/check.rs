//! `guardian check`: loads the policy of each workspace root, analyzes the
//! Python files under the given paths in parallel, prints the findings and
//! turns them into an exit status for CI.
//!
//! Exit statuses: 0 when no finding is at or above `--fail-on`, 1 when one
//! is, 2 on a usage, I/O or policy error. A steering document that fails to
//! load as a whole is a policy error. Problems inside a document (a broken
//! rule block) are printed as warnings and the rest of the policy applies.
//!
//! With `--fix` (or `--diff`), the rewrite fixes are applied first (see
//! [`crate::fix`]) and the report and exit status cover the findings that remain.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use guardian_analysis::{Document, Finding, Policy, Severity};
use guardian_policy::{LoadOptions, PolicyProblem};
use rayon::prelude::*;

use crate::fix::{self, FixedFile};
use crate::output::{self, ignore_broken_pipe};
use crate::walk::{self, SourceFile};

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check. Directories are walked honoring .gitignore.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format: text for people, json for tools, sarif for code scanning, github for Actions annotations.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// A folder of organization steering documents; repeat the flag for several folders.
    #[arg(long = "steering", value_name = "DIR")]
    steering: Vec<PathBuf>,

    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    /// Never color the output. Without it, text output is colored only on a terminal.
    #[arg(long)]
    no_color: bool,

    /// Apply every rewrite fix that does not overlap another, write the files, then report what remains.
    #[arg(long)]
    fix: bool,

    /// Print the fixes as a unified diff on stdout instead of writing them (implies --fix).
    #[arg(long)]
    diff: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings with code frames and citations, for people.
    Text,
    /// Guardian's JSON report, version 1.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            FailOn::Hint => Severity::Hint,
        }
    }
}

/// Everything `guardian check` found, ready to print.
pub struct Report {
    /// Analyzed files sorted by path, each with its findings sorted by position.
    pub files: Vec<FileReport>,
    /// Files that were not analyzed, with the reason, sorted by path.
    pub skipped: Vec<SkippedFile>,
    /// Problems in the steering documents of every workspace root.
    pub policy_problems: Vec<PolicyProblem>,
    /// The folder that paths in the output are shown relative to.
    pub current_directory: PathBuf,
}

/// One analyzed file.
pub struct FileReport {
    pub path: PathBuf,
    /// The path relative to the workspace root, which `files:` globs match.
    pub relative_path: PathBuf,
    pub document: Document,
    pub findings: Vec<Finding>,
    /// The policy the findings cite.
    pub policy: Arc<Policy>,
}

/// A file that was found but not analyzed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Runs `guardian check`.
pub fn run(arguments: &CheckArgs) -> anyhow::Result<ExitCode> {
    validate_paths(arguments)?;

    let current_directory = std::env::current_dir().context("failed to read the current directory")?;
    let targets = resolve_targets(arguments)?;

    let Collected { jobs, mut skipped, walk_errors } = collect_files(&targets);
    let results: Vec<FileResult> = jobs.into_par_iter().map(|(file, policy)| analyze_file(file, policy)).collect();
    let fixing = arguments.fix || arguments.diff;

    let mut files = Vec::new();
    let mut read_errors = Vec::new();
    for result in results {
        match result {
            FileResult::Analyzed(report) => files.push(report),
            FileResult::Skipped(file) => skipped.push(file),
            FileResult::Failed(message) => read_errors.push(message),
        }
    }
    files.sort_by(|left, right| left.path.cmp(&right.path));
    skipped.sort_by(|left, right| left.path.cmp(&right.path));

    let mut applied = None;
    if fixing {
        let fixed: Vec<FixedFile> = files.into_par_iter().map(fix::fix_file).collect();
        let mut outcome = apply_fixes(fixed, arguments, &current_directory);
        files = std::mem::take(&mut outcome.files);
        read_errors.append(&mut outcome.errors);
        applied = Some(outcome);
    }

    let report = Report {
        files,
        skipped,
        policy_problems: unique_problems(&targets),
        current_directory,
    };

    report_warnings(&report, &walk_errors, &read_errors);
    if let Some(applied) = &applied {
        report_fix_counts(applied, arguments.diff);
    }
    if let Some(applied) = applied.as_ref().filter(|_| arguments.diff) {
        print_diffs(&applied.diffs)?;
    } else {
        print_report(&report, arguments)?;
    }

    let has_errors = !walk_errors.is_empty() || !read_errors.is_empty();
    Ok(exit_code(&report, arguments.fail_on, has_errors))
}

/// A command-line path with its workspace root and the policy loaded for that root.
struct Target {
    path: PathBuf,
    root: PathBuf,
    policy: Arc<Policy>,
}

/// The files to analyze under every command-line path, each with the policy of its workspace root.
struct Collected {
    jobs: Vec<(SourceFile, Arc<Policy>)>,
    skipped: Vec<SkippedFile>,
    walk_errors: Vec<String>,
}

enum FileResult {
    Analyzed(FileReport),
    Skipped(SkippedFile),
    Failed(String),
}

fn validate_paths(arguments: &CheckArgs) -> anyhow::Result<()> {
    for path in &arguments.paths {
        let exists = path.try_exists().with_context(|| format!("failed to read {}", path.display()))?;
        if !exists {
            bail!("path not found: {}; pass an existing file or directory", path.display());
        }
    }

    for folder in &arguments.steering {
        if !folder.is_dir() {
            bail!("steering folder not found: {}; --steering takes a directory of Markdown files", folder.display());
        }
    }
    Ok(())
}

/// Finds the workspace root of every path and loads one policy per distinct root.
fn resolve_targets(arguments: &CheckArgs) -> anyhow::Result<Vec<Target>> {
    let mut policies: BTreeMap<PathBuf, Arc<Policy>> = BTreeMap::new();
    let mut targets = Vec::new();

    for path in &arguments.paths {
        let root = walk::workspace_root(path)
            .with_context(|| format!("failed to find the workspace root of {}", path.display()))?;

        let policy = match policies.get(&root) {
            Some(policy) => Arc::clone(policy),
            None => {
                let policy = Arc::new(load_policy(&root, &arguments.steering)?);
                policies.insert(root.clone(), Arc::clone(&policy));
                policy
            }
        };
        targets.push(Target { path: path.clone(), root, policy });
    }
    Ok(targets)
}

/// Loads the policy for a workspace root; fails when a steering document could not be loaded at all.
fn load_policy(root: &Path, steering_paths: &[PathBuf]) -> anyhow::Result<Policy> {
    let options = LoadOptions {
        workspace_root: Some(root.to_path_buf()),
        steering_paths: steering_paths.to_vec(),
        include_user_global: false,
        known_checks: guardian_analysis::known_checks(),
    };
    let policy = guardian_policy::load(&options);
    tracing::debug!(root = %root.display(), documents = policy.documents.len(), rules = policy.rules.len(), "policy loaded");

    if let Some(problem) = unloaded_document_problem(&policy) {
        bail!(
            "failed to load steering document {}: {}; fix or remove the file",
            problem.path.display(),
            problem.message
        );
    }
    Ok(policy)
}

/// Returns an error-severity problem that belongs to no loaded document: that document was dropped whole.
fn unloaded_document_problem(policy: &Policy) -> Option<&PolicyProblem> {
    policy.problems.iter().find(|problem| {
        let is_error = problem.severity == Severity::Error;
        let document_loaded = policy.documents.iter().any(|document| document.path == problem.path);
        is_error && !document_loaded
    })
}

fn collect_files(targets: &[Target]) -> Collected {
    let mut collected = Collected { jobs: Vec::new(), skipped: Vec::new(), walk_errors: Vec::new() };

    for target in targets {
        let outcome = walk::python_files(&target.path, &target.root);
        collected.walk_errors.extend(outcome.errors);
        collected.skipped.extend(outcome.not_python.into_iter().map(|path| SkippedFile {
            path,
            reason: "not a Python file (.py or .pyi)".to_owned(),
        }));
        collected
            .jobs
            .extend(outcome.files.into_iter().map(|file| (file, Arc::clone(&target.policy))));
    }

    deduplicate(&mut collected.jobs);
    collected
}

/// Keeps the first job for each file, so overlapping command-line paths check a file once.
fn deduplicate(jobs: &mut Vec<(SourceFile, Arc<Policy>)>) {
    let mut seen = std::collections::HashSet::new();
    jobs.retain(|(file, _)| {
        let key = std::path::absolute(&file.path).unwrap_or_else(|_| file.path.clone());
        seen.insert(key)
    });
}

fn analyze_file(file: SourceFile, policy: Arc<Policy>) -> FileResult {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(error) => return FileResult::Failed(format!("failed to read {}: {error}", file.path.display())),
    };

    let Ok(text) = String::from_utf8(bytes) else {
        return FileResult::Skipped(SkippedFile { path: file.path, reason: "not valid UTF-8".to_owned() });
    };

    let Some((document, findings)) = analyze_source(text, &file.relative_path, &policy) else {
        tracing::error!(path = %file.path.display(), "the analysis panicked");
        return FileResult::Failed(format!(
            "internal error while analyzing {}; please report it with the file if you can share it",
            file.path.display()
        ));
    };

    FileResult::Analyzed(FileReport {
        path: file.path,
        relative_path: file.relative_path,
        document,
        findings,
        policy,
    })
}

/// Parses and analyzes one file's text; returns its findings without `off` ones, sorted by position.
///
/// Returns `None` when the analysis panicked: that is a bug in the analysis,
/// and it costs this file, not the whole run.
pub fn analyze_source(text: String, relative_path: &Path, policy: &Policy) -> Option<(Document, Vec<Finding>)> {
    let analyzed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let document = Document::new(text);
        let findings = guardian_analysis::analyze(&document, relative_path, policy);
        (document, findings)
    }));
    let (document, findings) = analyzed.ok()?;

    let mut findings: Vec<Finding> = findings.into_iter().filter(|finding| finding.severity != Severity::Off).collect();
    findings.sort_by(|left, right| {
        (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule))
    });
    Some((document, findings))
}

/// The files after `--fix`, the diffs for `--diff`, and the files that could not be written.
struct AppliedFixes {
    files: Vec<FileReport>,
    diffs: Vec<String>,
    errors: Vec<String>,
    fixed_findings: usize,
    fixed_files: usize,
}

/// Writes the fixed files (or collects their diffs); warns on stderr about files whose fixing stopped early.
fn apply_fixes(fixed: Vec<FixedFile>, arguments: &CheckArgs, current_directory: &Path) -> AppliedFixes {
    let mut applied =
        AppliedFixes { files: Vec::new(), diffs: Vec::new(), errors: Vec::new(), fixed_findings: 0, fixed_files: 0 };
    let mut stderr = std::io::stderr().lock();

    for file in fixed {
        let display = output::display_path(&file.report.path, current_directory);
        if let Some(warning) = &file.warning {
            let _ = writeln!(stderr, "warning: {display}: {warning}");
        }

        if let Some(original) = &file.original {
            if arguments.diff {
                applied.diffs.extend(fix::masked_diff(&file, current_directory));
            } else if let Err(error) = fix::write_fixed(&file.report.path, original, file.report.document.text()) {
                applied.errors.push(format!("failed to write the fixes to {display}: {error}"));
                continue;
            }
            applied.fixed_findings += file.fixed;
            applied.fixed_files += 1;
        }
        applied.files.push(file.report);
    }
    applied
}

/// Prints `Fixed N findings in M files.` (or `Would fix …` for `--diff`) on stderr, for people.
fn report_fix_counts(applied: &AppliedFixes, is_diff: bool) {
    let verb = if is_diff { "Would fix" } else { "Fixed" };
    let _ = writeln!(
        std::io::stderr().lock(),
        "{verb} {} in {}.",
        output::plural(applied.fixed_findings, "finding", "findings"),
        output::plural(applied.fixed_files, "file", "files")
    );
}

/// Collects the policy problems of every loaded policy once, in a stable order.
fn unique_problems(targets: &[Target]) -> Vec<PolicyProblem> {
    let mut problems: Vec<PolicyProblem> = Vec::new();
    for target in targets {
        for problem in &target.policy.problems {
            if !problems.contains(problem) {
                problems.push(problem.clone());
            }
        }
    }
    problems.sort_by(|left, right| (&left.path, left.line).cmp(&(&right.path, right.line)));
    problems
}

/// Prints policy problems, skipped files and I/O errors on stderr, for people.
fn report_warnings(report: &Report, walk_errors: &[String], read_errors: &[String]) {
    let mut stderr = std::io::stderr().lock();

    for problem in report.policy_problems.iter().filter(|problem| output::shows_policy_problem(problem)) {
        let path = output::display_path(&problem.path, &report.current_directory);
        let _ = writeln!(
            stderr,
            "warning: steering document {path}:{line}: {message}",
            line = problem.line + 1,
            message = problem.message
        );
    }
    for file in &report.skipped {
        let path = output::display_path(&file.path, &report.current_directory);
        let _ = writeln!(stderr, "warning: skipped {path}: {}", file.reason);
    }
    for message in walk_errors.iter().chain(read_errors) {
        let _ = writeln!(stderr, "error: {message}");
    }
}

/// Prints the report on stdout, locked once and buffered, in the requested format.
fn print_report(report: &Report, arguments: &CheckArgs) -> anyhow::Result<()> {
    let written = match arguments.format {
        Format::Json => write_buffered(std::io::stdout().lock(), |out| output::json::write(out, report)),
        Format::Sarif => write_buffered(std::io::stdout().lock(), |out| output::sarif::write(out, report)),
        Format::Github => write_buffered(std::io::stdout().lock(), |out| output::github::write(out, report)),
        Format::Text => {
            let choice = if arguments.no_color { anstream::ColorChoice::Never } else { anstream::ColorChoice::Auto };
            let stream = anstream::AutoStream::new(std::io::stdout().lock(), choice);
            write_buffered(stream, |out| output::text::write(out, report))
        }
    };
    ignore_broken_pipe(written).context("failed to write the report to stdout")
}

fn print_diffs(diffs: &[String]) -> anyhow::Result<()> {
    let written = write_buffered(std::io::stdout().lock(), |out| {
        for diff in diffs {
            out.write_all(diff.as_bytes())?;
        }
        Ok(())
    });
    ignore_broken_pipe(written).context("failed to write the diff to stdout")
}

/// Runs `write` on a buffered writer around `stream` and flushes it.
fn write_buffered<W: Write>(
    stream: W,
    write: impl FnOnce(&mut BufWriter<W>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = BufWriter::new(stream);
    write(&mut out)?;
    out.flush()
}

fn exit_code(report: &Report, fail_on: FailOn, has_errors: bool) -> ExitCode {
    if has_errors {
        return ExitCode::from(EXIT_ERROR);
    }

    let threshold = fail_on.severity();
    let fails = report
        .files
        .iter()
        .flat_map(|file| &file.findings)
        .any(|finding| finding.severity >= threshold);
    if fails { ExitCode::from(EXIT_FINDINGS) } else { ExitCode::SUCCESS }
}
