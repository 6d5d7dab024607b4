//! Runs the analysis on every `.py` file under the given folders twice, with
//! and without the keyword prefilter, and reports every file whose findings
//! differ, and the time each way takes on one thread.
//!
//! `cargo run --release -p guardian-analysis --example prefilter_check -- bench/corpus`

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use guardian_analysis::{AnalyzeOptions, Document, analyze_source, analyze_with, known_checks};
use guardian_policy::load_sources;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    // `--prefiltered-only` skips the exhaustive run, for profiling the fast path alone.
    let prefiltered_only = arguments.iter().any(|argument| argument == "--prefiltered-only");
    let folders: Vec<PathBuf> = arguments.iter().filter(|argument| !argument.starts_with("--")).map(PathBuf::from).collect();
    let policy = load_sources(Vec::new(), &known_checks());
    let options = AnalyzeOptions::default();
    let exhaustive = AnalyzeOptions { exhaustive: true, ..AnalyzeOptions::default() };

    let mut files = Vec::new();
    for folder in &folders {
        collect_python_files(folder, &mut files);
    }

    let (mut differing, mut findings) = (0, 0);
    let (mut exhaustive_time, mut filtered_time) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let started = std::time::Instant::now();
        let all = if prefiltered_only { Vec::new() } else { analyze_with(&Document::new(text.clone()), path, &policy, &exhaustive) };
        exhaustive_time += started.elapsed();

        let started = std::time::Instant::now();
        let filtered = analyze_source(&text, path, &policy, &options);
        filtered_time += started.elapsed();
        findings += all.len();
        if !prefiltered_only && all != filtered {
            differing += 1;
            println!("differs: {} ({} findings exhaustive, {} with the prefilter)", path.display(), all.len(), filtered.len());
        }
    }
    println!("{} files, {findings} findings, {differing} files differ", files.len());
    println!("one thread: {exhaustive_time:.2?} parsing and running every check, {filtered_time:.2?} with the prefilter");
}

fn collect_python_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_python_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "py") {
            files.push(path);
        }
    }
}
