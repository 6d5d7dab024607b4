//! Times keystrokes with incremental analysis on one file: types and deletes
//! a character at the end of the first line that contains `# edit here`, and
//! prints the median time per edit and how many definitions were reused.
//!
//! `cargo run --release -p guardian-analysis --example incremental_timing -- FILE`

#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use guardian_analysis::{AnalyzeOptions, Document, IncrementalAnalysis, known_checks};
use guardian_policy::load_sources;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        println!("usage: incremental_timing FILE");
        return;
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("cannot read {path}");
        return;
    };
    let Some(marker) = text.find("# edit here") else {
        println!("{path} has no `# edit here` comment");
        return;
    };
    let at = marker + "# edit here".len();

    let policy = load_sources(Vec::new(), &known_checks());
    let options = AnalyzeOptions::default();
    let mut document = Document::new(text);
    let mut incremental = IncrementalAnalysis::new();
    incremental.analyze(&document, Path::new("app.py"), &policy, &options);

    let mut times = Vec::new();
    for step in 0..40 {
        let started = Instant::now();
        let edit = if step % 2 == 0 { (at..at, "x") } else { (at..at + 1, "") };
        if document.edit(edit.0, edit.1).is_err() {
            println!("the edit does not fit");
            return;
        }
        incremental.analyze(&document, Path::new("app.py"), &policy, &options);
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "median {:?}, reused {} definitions",
        times[times.len() / 2],
        incremental.reused_definitions()
    );
}
