//! `guardian check`: loads the policy of each workspace root, analyzes the
//! Python files under the given paths in parallel, prints the findings and
//! turns them into an exit status for CI.
//!
//! Exit statuses: 0 when no finding is at or above `--fail-on`, 1 when one
//! is, 2 on a usage, I/O or policy error. A steering document that fails to
//! load as a whole is a policy error. Problems inside a document (a broken
//! rule block) are printed as warnings and the rest of the policy applies.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use guardian_analysis::{Document, Finding, Policy, Severity};
use guardian_policy::{LoadOptions, PolicyProblem};
use rayon::prelude::*;

use crate::output::{self, ignore_broken_pipe};
use crate::walk::{self, SourceFile};

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check. Directories are walked honoring .gitignore.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format: text for people, json for tools.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
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

    let report = Report {
        files,
        skipped,
        policy_problems: unique_problems(&targets),
        current_directory,
    };

    report_warnings(&report, &walk_errors, &read_errors);
    print_report(&report, arguments)?;

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

    // A panic here is a bug in the analysis; it costs this file, not the whole run.
    let analyzed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let document = Document::new(text);
        let findings = guardian_analysis::analyze(&document, &file.relative_path, &policy);
        (document, findings)
    }));
    let Ok((document, findings)) = analyzed else {
        tracing::error!(path = %file.path.display(), "the analysis panicked");
        return FileResult::Failed(format!(
            "internal error while analyzing {}; please report it with the file if you can share it",
            file.path.display()
        ));
    };

    let mut findings: Vec<Finding> = findings.into_iter().filter(|finding| finding.severity != Severity::Off).collect();
    findings.sort_by(|left, right| {
        (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule))
    });

    FileResult::Analyzed(FileReport { path: file.path, document, findings, policy })
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

    for problem in &report.policy_problems {
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

fn print_report(report: &Report, arguments: &CheckArgs) -> anyhow::Result<()> {
    let written = match arguments.format {
        Format::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            output::json::write(&mut out, report)
        }
        Format::Text => {
            let choice = if arguments.no_color { anstream::ColorChoice::Never } else { anstream::ColorChoice::Auto };
            let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
            output::text::write(&mut out, report)
        }
    };
    ignore_broken_pipe(written).context("failed to write the report to stdout")
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
