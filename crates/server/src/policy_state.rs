//! The loaded policy plus what the server needs to link into it.
//!
//! [`LoadedPolicy`] wraps a [`Policy`] with, for each steering document, the
//! URI a client can open and a line index of its text, so citations become
//! links to heading lines without rescanning Markdown per diagnostic.
//! Bundled documents have no file of their own, so they are written once to
//! a cache folder under the system temp dir and linked there.
//!
//! [`PolicySet`] contains one [`LoadedPolicy`] per workspace root, so each root
//! is judged by its own steering documents.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use guardian_analysis::{LineIndex, PositionEncoding};
use guardian_policy::{LoadOptions, Policy, Section, SectionId, SteeringDocument};
use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

use crate::from_proto;

/// The prefix that marks a bundled steering document's path.
const BUNDLED_PREFIX: &str = "bundled:";

/// A policy with links to its steering documents.
#[derive(Debug, Default)]
pub struct LoadedPolicy {
    pub policy: Policy,
    links: Vec<DocumentLink>,
}

/// The URI of one steering document and its line index.
#[derive(Debug)]
struct DocumentLink {
    uri: Option<Uri>,
    line_index: LineIndex,
}

impl LoadedPolicy {
    /// Loads the policy and prepares links; blocking, because it reads and may write files.
    pub fn load(options: &LoadOptions) -> Self {
        let policy = guardian_policy::load(options);
        for problem in &policy.problems {
            tracing::warn!(
                path = %problem.path.display(),
                line = problem.line + 1,
                message = %problem.message,
                "steering document problem"
            );
        }
        Self::from_policy(policy)
    }

    /// Wraps an already loaded policy.
    pub fn from_policy(policy: Policy) -> Self {
        let links = policy.documents.iter().map(link_document).collect();
        Self { policy, links }
    }

    /// Returns the document and section for an id, or `None` when the id does not belong to this policy.
    pub fn section(&self, id: SectionId) -> Option<(&SteeringDocument, &Section)> {
        let document = self.policy.documents.get(id.document)?;
        let section = document.sections.get(id.section)?;
        Some((document, section))
    }

    /// Formats a section citation, e.g. `Standards › 3. Injection Prevention › 3.1 SQL`.
    pub fn citation(&self, id: SectionId) -> Option<String> {
        self.section(id)?;
        Some(self.policy.citation(id))
    }

    /// Returns the URI of the steering document that contains a section.
    pub fn document_uri(&self, id: SectionId) -> Option<&Uri> {
        self.links.get(id.document)?.uri.as_ref()
    }

    /// Returns the location of a section's heading line, in the given encoding.
    pub fn heading_location(&self, id: SectionId, encoding: PositionEncoding) -> Option<Location> {
        let (document, section) = self.section(id)?;
        let link = self.links.get(id.document)?;
        let uri = link.uri.clone()?;

        let text: &str = &document.text;
        let line_content = link.line_index.line_content_range(text, section.heading_line as usize);
        let start_offset = section.heading_range.start.clamp(line_content.start, line_content.end);
        let end_offset = section.heading_range.end.clamp(start_offset, line_content.end);

        let start = link.line_index.line_col(text, start_offset, encoding);
        let end = link.line_index.line_col(text, end_offset, encoding);
        let range = Range::new(Position::new(start.line, start.column), Position::new(end.line, end.column));
        Some(Location::new(uri, range))
    }
}

/// The policies of every workspace root, plus the fallback for files outside all roots.
#[derive(Debug, Default)]
pub struct PolicySet {
    /// The policy load that produced this set; part of every pull diagnostic `resultId`.
    pub generation: u64,
    roots: Vec<RootPolicy>,
    /// The policy for files outside every workspace root: organization, user and bundled documents.
    fallback: Arc<LoadedPolicy>,
}

/// One workspace root and the policy loaded from its steering documents.
#[derive(Debug)]
pub struct RootPolicy {
    pub root: PathBuf,
    pub policy: Arc<LoadedPolicy>,
}

/// The inputs of a policy set load: the workspace roots and the organization folders.
#[derive(Debug, Clone, Default)]
pub struct PolicySetOptions {
    pub workspace_roots: Vec<PathBuf>,
    pub steering_paths: Vec<PathBuf>,
}

/// The policy that applies to one document and the path its globs match against.
#[derive(Debug, Clone)]
pub struct PolicyChoice {
    pub policy: Arc<LoadedPolicy>,
    /// The document's path relative to its workspace root, with `/` separators.
    pub analysis_path: PathBuf,
}

impl PolicySet {
    /// Loads one policy per workspace root and the fallback for files outside them.
    /// Blocking, because it reads steering documents from disk.
    pub fn load(options: &PolicySetOptions, generation: u64) -> Self {
        let roots = options
            .workspace_roots
            .iter()
            .map(|root| {
                let load_options = LoadOptions {
                    workspace_root: Some(root.clone()),
                    steering_paths: options.steering_paths.clone(),
                    include_user_global: true,
                    known_checks: guardian_analysis::known_checks(),
                };
                tracing::debug!(root = %root.display(), "loading the workspace root's policy");
                RootPolicy { root: root.clone(), policy: Arc::new(LoadedPolicy::load(&load_options)) }
            })
            .collect();

        // Organization documents bind every file the developer edits, inside a workspace root or not.
        let fallback_options = LoadOptions {
            workspace_root: None,
            steering_paths: options.steering_paths.clone(),
            include_user_global: true,
            known_checks: guardian_analysis::known_checks(),
        };
        Self { generation, roots, fallback: Arc::new(LoadedPolicy::load(&fallback_options)) }
    }

    pub fn roots(&self) -> &[RootPolicy] {
        &self.roots
    }

    /// Chooses the policy of the deepest workspace root that contains the document, else the fallback.
    pub fn choose(&self, uri: &Uri) -> PolicyChoice {
        let root_paths: Vec<PathBuf> = self.roots.iter().map(|root| root.root.clone()).collect();
        let innermost = from_proto::file_path(uri).and_then(|path| from_proto::innermost_root(&path, &root_paths));
        let policy = innermost
            .and_then(|root| self.roots.iter().find(|candidate| candidate.root == root))
            .map_or_else(|| Arc::clone(&self.fallback), |root| Arc::clone(&root.policy));

        PolicyChoice { policy, analysis_path: from_proto::analysis_path(uri, &root_paths) }
    }

    /// Returns every loaded policy: each root's, then the fallback.
    pub fn policies(&self) -> impl Iterator<Item = &LoadedPolicy> {
        self.roots.iter().map(|root| root.policy.as_ref()).chain(std::iter::once(self.fallback.as_ref()))
    }
}

fn link_document(document: &SteeringDocument) -> DocumentLink {
    let uri = match bundled_name(&document.path) {
        Some(name) => cache_bundled_document(&name, &document.text),
        None => Uri::from_file_path(&document.path),
    };
    if uri.is_none() {
        tracing::warn!(path = %document.path.display(), "no file URI for steering document; citations will not link to it");
    }
    DocumentLink { uri, line_index: LineIndex::new(&document.text) }
}

fn bundled_name(path: &Path) -> Option<String> {
    let path = path.to_str()?;
    let name = path.strip_prefix(BUNDLED_PREFIX)?;
    let file_name = Path::new(name).file_name()?;
    Some(file_name.to_string_lossy().into_owned())
}

/// Returns the folder bundled documents are written to, e.g. `/tmp/guardian-0.1.0/steering`.
pub fn bundled_cache_dir() -> PathBuf {
    std::env::temp_dir().join(format!("guardian-{}", env!("CARGO_PKG_VERSION"))).join("steering")
}

/// Writes a bundled document to the cache folder, unless it is already there, and returns its URI.
fn cache_bundled_document(name: &str, text: &str) -> Option<Uri> {
    let folder = bundled_cache_dir();
    let path = folder.join(name);

    let up_to_date = std::fs::read_to_string(&path).is_ok_and(|existing| existing == text);
    if !up_to_date {
        let written = std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&path, text));
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "failed to write bundled steering document to the cache folder");
            return None;
        }
    }
    Uri::from_file_path(&path)
}
