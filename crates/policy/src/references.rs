//! Checking Kiro's `#[[file:path]]` references, which name a workspace file to include.

use crate::line_index::LineIndex;
use crate::model::{PolicyProblem, Severity};
use crate::problems::ProblemSink;
use std::path::Path;

const REFERENCE_START: &str = "#[[file:";
const REFERENCE_END: &str = "]]";

/// Returns a problem for each `#[[file:path]]` reference whose file does not exist.
///
/// Reference paths are resolved against the workspace root.
pub fn file_reference_problems(
    document_path: &Path,
    text: &str,
    workspace_root: &Path,
) -> Vec<PolicyProblem> {
    let line_index = LineIndex::new(text);
    let mut problems = ProblemSink::new(document_path, text, &line_index);

    let mut search_from = 0;
    while let Some(found) = text[search_from..].find(REFERENCE_START) {
        let start = search_from + found;
        let target_start = start + REFERENCE_START.len();
        let Some(target_length) = text[target_start..].find(REFERENCE_END) else {
            break;
        };
        let end = target_start + target_length + REFERENCE_END.len();
        search_from = end;

        let target = text[target_start..target_start + target_length].trim();
        let resolved = workspace_root.join(target);
        if target.is_empty() || !resolved.exists() {
            let message = format!(
                "file reference `#[[file:{target}]]` names a file that does not exist: {}",
                resolved.display()
            );
            problems.at_range(
                start..end,
                Severity::Warning,
                crate::problems::codes::BROKEN_FILE_REFERENCE,
                message,
            );
        }
    }

    problems.problems
}

#[cfg(test)]
mod tests {
    use super::file_reference_problems;
    use std::path::Path;

    #[test]
    fn missing_reference_reported() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = "# API\n\nSee #[[file:Cargo.toml]] and #[[file:missing/openapi.yaml]].\n";
        let problems = file_reference_problems(Path::new("doc.md"), text, workspace);

        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
        assert_eq!(
            &text[problems[0].range.clone()],
            "#[[file:missing/openapi.yaml]]"
        );
        assert!(problems[0].message.contains("missing/openapi.yaml"));
    }

    #[test]
    fn unterminated_reference_ignored() {
        let problems = file_reference_problems(Path::new("doc.md"), "#[[file:abc", Path::new("/"));
        assert!(problems.is_empty());
    }
}
