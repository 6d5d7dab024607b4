//! The default steering documents compiled into the binary from the repository's `steering/` folder.

use crate::DocumentSource;
use crate::model::Origin;
use std::path::PathBuf;

/// Each bundled document as its `bundled:` path and its Markdown text.
const BUNDLED_DOCUMENTS: &[(&str, &str)] = &[(
    "bundled:security-standards.md",
    include_str!("../../../steering/security-standards.md"),
)];

/// Returns the bundled documents, ready to parse.
pub fn bundled_sources() -> Vec<DocumentSource> {
    BUNDLED_DOCUMENTS
        .iter()
        .map(|(path, text)| DocumentSource {
            path: PathBuf::from(path),
            origin: Origin::Bundled,
            text: (*text).to_owned(),
        })
        .collect()
}
