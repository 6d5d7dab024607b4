//! Finding steering documents on disk: organization folders, workspace folders, the user's folder.
//!
//! Each folder contributes its `*.md` files, sorted by path. A missing
//! workspace or user folder is normal and silent; a missing organization
//! folder was configured on purpose, so it is reported. A file that cannot be
//! read becomes a problem and the other documents still load.

use crate::DocumentSource;
use crate::model::{Origin, PolicyProblem, Severity};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The workspace folders that hold steering documents, relative to a workspace root.
pub const WORKSPACE_STEERING_DIRS: &[&str] = &[".guardian/steering", ".kiro/steering"];

/// The user's global steering folder, relative to the home directory.
pub const USER_STEERING_DIR: &str = ".kiro/steering";

/// The documents found on disk and the problems met while reading them.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    pub(crate) sources: Vec<DocumentSource>,
    pub(crate) problems: Vec<PolicyProblem>,
}

/// The folders to read, in order, each with the origin of its documents.
pub(crate) struct SearchPlan {
    pub(crate) folders: Vec<(PathBuf, Origin, FolderKind)>,
}

/// Whether a missing folder deserves a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FolderKind {
    Configured,
    Conventional,
}

impl SearchPlan {
    pub(crate) fn new(
        steering_paths: &[PathBuf],
        workspace_root: Option<&Path>,
        user_home: Option<&Path>,
    ) -> Self {
        let mut folders = Vec::new();

        for path in steering_paths {
            folders.push((path.clone(), Origin::Organization, FolderKind::Configured));
        }
        if let Some(root) = workspace_root {
            for relative in WORKSPACE_STEERING_DIRS {
                folders.push((
                    root.join(relative),
                    Origin::Workspace,
                    FolderKind::Conventional,
                ));
            }
        }
        if let Some(home) = user_home {
            folders.push((
                home.join(USER_STEERING_DIR),
                Origin::User,
                FolderKind::Conventional,
            ));
        }

        Self { folders }
    }
}

/// Reads every `*.md` file of every planned folder.
pub(crate) fn discover(plan: &SearchPlan) -> Discovered {
    let mut discovered = Discovered::default();
    let mut seen = HashSet::new();

    for (folder, origin, kind) in &plan.folders {
        let files = match markdown_files(folder) {
            Ok(files) => files,
            Err(error)
                if *kind == FolderKind::Conventional
                    && error.kind() == std::io::ErrorKind::NotFound =>
            {
                continue;
            }
            Err(error) => {
                discovered.problems.push(file_problem(
                    folder,
                    format!("cannot read steering folder: {error}"),
                ));
                continue;
            }
        };

        for file in files {
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if !seen.insert(identity) {
                tracing::debug!(path = %file.display(), "steering document already loaded from another folder");
                continue;
            }
            read_document(file, *origin, &mut discovered);
        }
    }

    discovered
}

/// Lists the `*.md` files directly inside a folder, sorted by path.
fn markdown_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let is_markdown = path.extension().is_some_and(|extension| extension == "md");
        if is_markdown && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_document(path: PathBuf, origin: Origin, discovered: &mut Discovered) {
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            tracing::debug!(path = %path.display(), ?origin, "loaded steering document");
            discovered
                .sources
                .push(DocumentSource { path, origin, text });
        }
        Err(error) => {
            let message = format!("cannot read steering document, so it is skipped: {error}");
            discovered.problems.push(file_problem(&path, message));
        }
    }
}

fn file_problem(path: &Path, message: String) -> PolicyProblem {
    tracing::warn!(path = %path.display(), %message, "steering document problem");
    PolicyProblem {
        path: path.to_path_buf(),
        line: 0,
        range: 0..0,
        severity: Severity::Error,
        message,
        code: crate::problems::codes::UNREADABLE_STEERING,
        fix: None,
    }
}
