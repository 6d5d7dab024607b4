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
//!
//! Unless `--no-cache` is given, the findings of files whose content did not
//! change come from the on-disk cache of each workspace root (see [`crate::cache`]).

use std::io::{BufWriter, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use guardian_analysis::{AnalyzeOptions, Date, Document, Finding, Policy, Severity};
use guardian_policy::{LoadOptions, PolicyProblem};
use rayon::prelude::*;

use crate::cache::{self, Cache, ContentHash};
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

    /// Neither read nor write the cache in .guardian_cache/ at the workspace root.
    ///
    /// Without this flag, files whose content, steering documents, Guardian
    /// build and date (UTC) match an earlier run reuse that run's findings,
    /// and the cache is updated at the end of the run. A cache that cannot be
    /// read or written is ignored.
    #[arg(long, env = "GUARDIAN_NO_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    no_cache: bool,
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
    /// Analyzed files that had findings, sorted by path, each with its findings sorted by position.
    ///
    /// After `--fix`, a file stays here even when no finding remains.
    pub files: Vec<FileReport>,
    /// How many analyzed files had no finding; only their count is kept.
    pub clean_file_count: usize,
    /// Files that were not analyzed, with the reason, sorted by path.
    pub skipped: Vec<SkippedFile>,
    /// Problems in the steering documents of every workspace root.
    pub policy_problems: Vec<PolicyProblem>,
    /// The folder that paths in the output are shown relative to.
    pub current_directory: PathBuf,
}

/// One analyzed file with findings.
pub struct FileReport {
    pub path: PathBuf,
    /// The path relative to the workspace root, which `files:` globs match.
    pub relative_path: PathBuf,
    pub source: SourceText,
    pub findings: Vec<Finding>,
    /// The policy the findings cite.
    pub policy: Arc<Policy>,
}

/// The text of an analyzed file and its line index, which the output formats
/// need for positions and code frames.
///
/// The syntax tree is not kept: on a large corpus the trees of every file
/// would dominate memory, and only `--fix` needs a tree again (it parses the
/// text anew).
pub use guardian_analysis::IndexedText as SourceText;

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
    let today = cache::today_utc();
    let (targets, mut workspaces) = resolve_targets(arguments)?;
    if !arguments.no_cache {
        for workspace in &mut workspaces {
            workspace.cache = Some(Cache::open(&workspace.root, &workspace.policy, &arguments.steering, today));
        }
    }

    let Collected { jobs, mut skipped, walk_errors } = collect_files(&targets, &workspaces);
    let outcomes: Vec<FileOutcome> = jobs
        .into_par_iter()
        .map(|(file, index)| analyze_file(file, &workspaces[index], index, today))
        .collect();
    let fixing = arguments.fix || arguments.diff;

    let Gathered { mut files, clean_file_count, skipped_files, mut read_errors } = gather(outcomes, &mut workspaces);
    skipped.extend(skipped_files);
    skipped.sort_by(|left, right| left.path.cmp(&right.path));

    // Entries are keyed by content hash, so the files that `--fix` rewrites
    // below miss the cache on the next run and are analyzed again.
    for cache in workspaces.iter().filter_map(|workspace| workspace.cache.as_ref()) {
        cache.save();
    }

    let mut applied = None;
    if fixing {
        let fixed: Vec<FixedFile> = files.into_par_iter().map(|file| fix::fix_file(file, today)).collect();
        let mut outcome = apply_fixes(fixed, arguments, &current_directory, today);
        files = std::mem::take(&mut outcome.files);
        read_errors.append(&mut outcome.errors);
        applied = Some(outcome);
    }

    let report = Report {
        files,
        clean_file_count,
        skipped,
        policy_problems: unique_problems(&workspaces),
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

/// The per-file outcomes sorted into what the report needs.
struct Gathered {
    /// Files with findings, sorted by path.
    files: Vec<FileReport>,
    clean_file_count: usize,
    skipped_files: Vec<SkippedFile>,
    read_errors: Vec<String>,
}

/// Sorts the outcomes into report parts and stores the new cache entries in their workspace's cache.
fn gather(outcomes: Vec<FileOutcome>, workspaces: &mut [Workspace]) -> Gathered {
    let mut gathered =
        Gathered { files: Vec::new(), clean_file_count: 0, skipped_files: Vec::new(), read_errors: Vec::new() };
    let mut cache_hits = 0;

    for outcome in outcomes {
        cache_hits += usize::from(outcome.cache_hit);
        if let Some((relative_path, entry)) = outcome.cache_entry {
            if let Some(cache) = &mut workspaces[outcome.workspace].cache {
                cache.insert(relative_path, entry);
            }
        }

        match outcome.result {
            FileResult::Analyzed(report) => gathered.files.push(report),
            FileResult::Clean => gathered.clean_file_count += 1,
            FileResult::Skipped(file) => gathered.skipped_files.push(file),
            FileResult::Failed(message) => gathered.read_errors.push(message),
        }
    }

    gathered.files.sort_by(|left, right| left.path.cmp(&right.path));
    let analyzed = gathered.files.len() + gathered.clean_file_count;
    tracing::debug!(cache_hits, files = analyzed, "files analyzed");
    gathered
}

/// A command-line path and the index of its workspace in the list of workspaces.
struct Target {
    path: PathBuf,
    workspace: usize,
}

/// A workspace root with its policy and, unless turned off, its cache.
struct Workspace {
    root: PathBuf,
    policy: Arc<Policy>,
    cache: Option<Cache>,
}

/// The files to analyze under every command-line path, each with the index of its workspace.
struct Collected {
    jobs: Vec<(SourceFile, usize)>,
    skipped: Vec<SkippedFile>,
    walk_errors: Vec<String>,
}

/// The result of one file, with the cache entry to store for it.
struct FileOutcome {
    workspace: usize,
    result: FileResult,
    /// The file's path relative to the workspace root and its new entry. `None` after a cache hit or a failure.
    cache_entry: Option<(String, cache::Entry)>,
    /// Whether the findings came from the cache.
    cache_hit: bool,
}

enum FileResult {
    Analyzed(FileReport),
    /// Analyzed without findings.
    Clean,
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
fn resolve_targets(arguments: &CheckArgs) -> anyhow::Result<(Vec<Target>, Vec<Workspace>)> {
    let mut workspaces: Vec<Workspace> = Vec::new();
    let mut targets = Vec::new();

    for path in &arguments.paths {
        let root = walk::workspace_root(path)
            .with_context(|| format!("failed to find the workspace root of {}", path.display()))?;

        let workspace = match workspaces.iter().position(|workspace| workspace.root == root) {
            Some(index) => index,
            None => {
                let policy = Arc::new(load_policy(&root, &arguments.steering)?);
                workspaces.push(Workspace { root, policy, cache: None });
                workspaces.len() - 1
            }
        };
        targets.push(Target { path: path.clone(), workspace });
    }
    Ok((targets, workspaces))
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

fn collect_files(targets: &[Target], workspaces: &[Workspace]) -> Collected {
    let mut collected = Collected { jobs: Vec::new(), skipped: Vec::new(), walk_errors: Vec::new() };

    for target in targets {
        let outcome = walk::python_files(&target.path, &workspaces[target.workspace].root);
        collected.walk_errors.extend(outcome.errors);
        collected.skipped.extend(outcome.not_python.into_iter().map(|path| SkippedFile {
            path,
            reason: "not a Python file (.py or .pyi)".to_owned(),
        }));
        collected.jobs.extend(outcome.files.into_iter().map(|file| (file, target.workspace)));
    }

    deduplicate(&mut collected.jobs);
    collected
}

/// Keeps the first job for each file, so overlapping command-line paths check a file once.
fn deduplicate(jobs: &mut Vec<(SourceFile, usize)>) {
    let mut seen = std::collections::HashSet::new();
    jobs.retain(|(file, _)| {
        let key = std::path::absolute(&file.path).unwrap_or_else(|_| file.path.clone());
        seen.insert(key)
    });
}

/// Reads one file and takes its findings from the cache, or analyzes it on a miss.
fn analyze_file(file: SourceFile, workspace: &Workspace, index: usize, today: Date) -> FileOutcome {
    let outcome = |result, cache_entry| FileOutcome { workspace: index, result, cache_entry, cache_hit: false };

    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(error) => return outcome(FileResult::Failed(format!("failed to read {}: {error}", file.path.display())), None),
    };

    let Ok(text) = String::from_utf8(bytes) else {
        let skipped = SkippedFile { path: file.path, reason: "not valid UTF-8".to_owned() };
        return outcome(FileResult::Skipped(skipped), None);
    };

    // A path that is not UTF-8 is analyzed but never cached.
    let cache_key = workspace.cache.as_ref().zip(file.relative_path.to_str());
    let content_hash = cache_key.map(|_| ContentHash::of(text.as_bytes()));
    let cached = cache_key.zip(content_hash).and_then(|((cache, key), hash)| cache.findings(key, hash));

    let cache_hit = cached.is_some();
    let mut cache_entry = None;
    let findings = match cached {
        Some(findings) => findings,
        None => {
            let Some(findings) = analyze_text(&text, &file.relative_path, &workspace.policy, today) else {
                tracing::error!(path = %file.path.display(), "the analysis panicked");
                let message = format!(
                    "internal error while analyzing {}; please report it with the file if you can share it",
                    file.path.display()
                );
                return outcome(FileResult::Failed(message), None);
            };
            if let Some(((_, key), hash)) = cache_key.zip(content_hash) {
                cache_entry = Some((key.to_owned(), cache::Entry::new(hash, &findings)));
            }
            findings
        }
    };

    if findings.is_empty() {
        return FileOutcome { cache_hit, ..outcome(FileResult::Clean, cache_entry) };
    }

    let report = FileReport {
        path: file.path,
        relative_path: file.relative_path,
        source: SourceText::new(text),
        findings,
        policy: Arc::clone(&workspace.policy),
    };
    FileOutcome { cache_hit, ..outcome(FileResult::Analyzed(report), cache_entry) }
}

/// Analyzes one file's text and returns its findings without `off` ones, sorted by position.
///
/// Parses the text only when the analysis needs a tree, and drops the tree
/// before returning. Returns `None` when the analysis panicked: that is a bug
/// in the analysis, and it costs this file, not the whole run.
pub fn analyze_text(text: &str, relative_path: &Path, policy: &Policy, today: Date) -> Option<Vec<Finding>> {
    let options = AnalyzeOptions { today: Some(today), ..AnalyzeOptions::default() };
    guard_analysis(|| guardian_analysis::analyze_source(text, relative_path, policy, &options))
}

/// Analyzes a parsed document, as [`analyze_text`] does, for callers that need its tree afterwards.
pub fn analyze_document(document: &Document, relative_path: &Path, policy: &Policy, today: Date) -> Option<Vec<Finding>> {
    let options = AnalyzeOptions { today: Some(today), ..AnalyzeOptions::default() };
    guard_analysis(|| guardian_analysis::analyze_with(document, relative_path, policy, &options))
}

/// Runs an analysis, catching a panic, and drops `off` findings and sorts the rest by position.
fn guard_analysis(analyze: impl FnOnce() -> Vec<Finding>) -> Option<Vec<Finding>> {
    let findings = std::panic::catch_unwind(AssertUnwindSafe(analyze)).ok()?;

    let mut findings: Vec<Finding> = findings.into_iter().filter(|finding| finding.severity != Severity::Off).collect();
    findings.sort_by(|left, right| {
        (left.range.start, left.range.end, &left.rule).cmp(&(right.range.start, right.range.end, &right.rule))
    });
    Some(findings)
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
fn apply_fixes(fixed: Vec<FixedFile>, arguments: &CheckArgs, current_directory: &Path, today: Date) -> AppliedFixes {
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
                applied.diffs.extend(fix::masked_diff(&file, current_directory, today));
            } else if let Err(error) = fix::write_fixed(&file.report.path, original, file.report.source.text()) {
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
fn unique_problems(workspaces: &[Workspace]) -> Vec<PolicyProblem> {
    let mut problems: Vec<PolicyProblem> = Vec::new();
    for workspace in workspaces {
        for problem in &workspace.policy.problems {
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
