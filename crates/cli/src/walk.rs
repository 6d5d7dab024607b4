//! File discovery for `guardian check`: the files it reads and the workspace root each belongs to.
//!
//! The workspace root decides where steering documents are discovered
//! (`.guardian/steering/` and `.kiro/steering/` under it) and is the base of
//! the relative paths that `files:` and `fileMatchPattern` globs match. For a
//! path given on the command line, the root is the nearest directory, starting
//! at the path itself (or the folder of a file), that contains `.git`,
//! `.guardian` or `.kiro`. When no ancestor has one, the path's own directory
//! is the root.
//!
//! Directories are walked with the `ignore` crate, so `.gitignore`, `.ignore`
//! and hidden-file rules apply, also outside a git repository.

use std::path::{Path, PathBuf};

/// Directory names that mark a workspace root.
const ROOT_MARKERS: &[&str] = &[".git", ".guardian", ".kiro"];

/// File extensions that `guardian check` analyzes.
const PYTHON_EXTENSIONS: &[&str] = &["py", "pyi"];

/// One file to analyze, found under a command-line path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as walked from the command-line argument; used for reading and display.
    pub path: PathBuf,
    /// The path relative to the workspace root, with `/` separators.
    pub relative_path: PathBuf,
}

/// The result of walking one command-line path.
#[derive(Debug, Default)]
pub struct WalkOutcome {
    pub files: Vec<SourceFile>,
    /// Entries that could not be read, such as folders without permission.
    pub errors: Vec<String>,
    /// Files named on the command line that are not Python.
    pub not_python: Vec<PathBuf>,
}

/// Returns the workspace root for a command-line path, as an absolute path.
pub fn workspace_root(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let start = if absolute.is_dir() {
        absolute
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
    };

    let marked_ancestor = start.ancestors().find(|directory| has_root_marker(directory));
    Ok(marked_ancestor.map(Path::to_path_buf).unwrap_or(start))
}

/// Finds the Python files under `path` (or `path` itself when it is a file).
///
/// A file named directly is analyzed even when an ignore file would skip it,
/// as long as it has a Python extension.
pub fn python_files(path: &Path, root: &Path) -> WalkOutcome {
    let mut outcome = WalkOutcome::default();

    if path.is_file() {
        if is_python(path) {
            outcome.files.push(source_file(path, root));
        } else {
            outcome.not_python.push(path.to_path_buf());
        }
        return outcome;
    }

    let walker = ignore::WalkBuilder::new(path).require_git(false).build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                if is_file && is_python(entry.path()) {
                    outcome.files.push(source_file(entry.path(), root));
                }
            }
            Err(error) => outcome.errors.push(error.to_string()),
        }
    }
    outcome
}

fn has_root_marker(directory: &Path) -> bool {
    ROOT_MARKERS.iter().any(|marker| directory.join(marker).exists())
}

fn is_python(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| PYTHON_EXTENSIONS.contains(&extension))
}

fn source_file(path: &Path, root: &Path) -> SourceFile {
    let display_path = path.strip_prefix(".").unwrap_or(path).to_path_buf();
    let display_path = if display_path.as_os_str().is_empty() { path.to_path_buf() } else { display_path };

    SourceFile { relative_path: relative_to_root(path, root), path: display_path }
}

/// Returns `path` relative to `root`, or the bare path when it lies outside the root.
pub fn relative_to_root(path: &Path, root: &Path) -> PathBuf {
    let Ok(absolute) = std::path::absolute(path) else {
        return path.to_path_buf();
    };
    let normalized: PathBuf = absolute.components().filter(|part| part.as_os_str() != ".").collect();
    normalized.strip_prefix(root).map(Path::to_path_buf).unwrap_or(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create test folder");
        }
        std::fs::write(path, text).expect("write test file");
    }

    #[test]
    fn root_is_nearest_marked_ancestor() {
        let temp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(temp.path().join("project/.kiro")).expect("create marker");
        std::fs::create_dir_all(temp.path().join("project/src/pkg")).expect("create source");

        let root = workspace_root(&temp.path().join("project/src/pkg")).expect("root");

        assert_eq!(root, temp.path().join("project"));
    }

    #[test]
    fn root_of_file_starts_at_its_folder() {
        let temp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(temp.path().join("project/.guardian")).expect("create marker");
        write(&temp.path().join("project/app.py"), "x = 1\n");

        let root = workspace_root(&temp.path().join("project/app.py")).expect("root");

        assert_eq!(root, temp.path().join("project"));
    }

    #[test]
    fn walk_honors_gitignore_without_git() {
        let temp = tempfile::tempdir().expect("temp dir");
        write(&temp.path().join(".gitignore"), "generated/\n");
        write(&temp.path().join("app.py"), "x = 1\n");
        write(&temp.path().join("types.pyi"), "x: int\n");
        write(&temp.path().join("notes.txt"), "not python\n");
        write(&temp.path().join("generated/out.py"), "x = 1\n");

        let outcome = python_files(temp.path(), temp.path());
        let mut relative: Vec<_> = outcome.files.iter().map(|file| file.relative_path.clone()).collect();
        relative.sort();

        assert_eq!(relative, vec![PathBuf::from("app.py"), PathBuf::from("types.pyi")]);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    }

    #[test]
    fn named_non_python_file_is_reported() {
        let temp = tempfile::tempdir().expect("temp dir");
        write(&temp.path().join("notes.txt"), "text\n");

        let outcome = python_files(&temp.path().join("notes.txt"), temp.path());

        assert!(outcome.files.is_empty());
        assert_eq!(outcome.not_python, vec![temp.path().join("notes.txt")]);
    }
}
