//! Conversions from LSP types to Guardian's internal ones: positions to byte
//! offsets, URIs to paths, and the initialize payload to a position encoding
//! and workspace roots.

use std::ops::Range;
use std::path::{Path, PathBuf};

use guardian_analysis::{LineCol, LineIndex, PositionEncoding};
use tower_lsp_server::ls_types::{self as lsp, InitializeParams, PositionEncodingKind, Uri};

/// Picks UTF-8 when the client offers it, else UTF-16, which every client supports.
pub fn position_encoding(params: &InitializeParams) -> PositionEncoding {
    let offers_utf8 = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_ref())
        .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));

    if offers_utf8 { PositionEncoding::Utf8 } else { PositionEncoding::Utf16 }
}

/// Converts a position to a byte offset; see [`LineIndex::offset`] for clamping.
pub fn offset(text: &str, line_index: &LineIndex, position: lsp::Position, encoding: PositionEncoding) -> usize {
    let line_col = LineCol { line: position.line, column: position.character };
    line_index.offset(text, line_col, encoding)
}

/// Converts a range to a byte range. The result may be reversed when the client's range is.
pub fn byte_range(text: &str, line_index: &LineIndex, range: lsp::Range, encoding: PositionEncoding) -> Range<usize> {
    offset(text, line_index, range.start, encoding)..offset(text, line_index, range.end, encoding)
}

/// Returns whether a position's line exists in the text, or is the line just past its end.
///
/// Clients use the line after the last one to mean the end of the text. A
/// line beyond that means the client's copy and ours disagree.
pub fn position_fits(line_index: &LineIndex, position: lsp::Position) -> bool {
    (position.line as usize) <= line_index.line_count()
}

/// Returns the local path of a `file:` URI, or `None` for other schemes such as `untitled:`.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    if !is_file {
        return None;
    }
    uri.to_file_path().map(|path| path.into_owned())
}

/// Returns the workspace roots: the workspace folders, else `rootUri`.
pub fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| file_path(&folder.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }

    #[expect(deprecated, reason = "rootUri is the fallback for clients without workspace folders")]
    let root_uri = params.root_uri.as_ref();
    root_uri.and_then(file_path).into_iter().collect()
}

/// Returns the path that `files:` globs are matched against: relative to the
/// innermost workspace root that contains the file, with `/` separators.
///
/// A file outside every root keeps its absolute path; a non-file URI uses
/// its last path segment, so `untitled:Untitled-1` still gets a name.
pub fn analysis_path(uri: &Uri, workspace_roots: &[PathBuf]) -> PathBuf {
    let Some(path) = file_path(uri) else {
        let last_segment = uri.path().as_str().rsplit('/').next().unwrap_or_default();
        return PathBuf::from(last_segment);
    };

    let Some(root) = innermost_root(&path, workspace_roots) else {
        return path;
    };

    let relative = path.strip_prefix(root).unwrap_or(&path);
    PathBuf::from(slash_separated(relative))
}

/// Returns the deepest workspace root that contains `path`.
pub fn innermost_root<'a>(path: &Path, workspace_roots: &'a [PathBuf]) -> Option<&'a Path> {
    workspace_roots
        .iter()
        .filter(|root| path.starts_with(root))
        .max_by_key(|root| root.components().count())
        .map(PathBuf::as_path)
}

fn slash_separated(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

/// Returns whether a document is Python: by language id, else by `.py` or `.pyi` extension.
pub fn is_python(uri: &Uri, language_id: Option<&str>) -> bool {
    if let Some(language_id) = language_id {
        if language_id == "python" {
            return true;
        }
    }
    let path = uri.path().as_str();
    path.ends_with(".py") || path.ends_with(".pyi")
}

/// Returns whether a document is Markdown: by language id, else by `.md` extension.
pub fn is_markdown(uri: &Uri, language_id: Option<&str>) -> bool {
    if language_id == Some("markdown") {
        return true;
    }
    let extension = Path::new(uri.path().as_str()).extension();
    extension.is_some_and(|extension| extension.eq_ignore_ascii_case("md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::str::FromStr;

    use lsp::{GeneralClientCapabilities, Position, WorkspaceFolder};

    fn uri(text: &str) -> Uri {
        Uri::from_str(text).expect("test URIs are valid")
    }

    fn initialize_params(encodings: Option<Vec<PositionEncodingKind>>) -> InitializeParams {
        let mut params = InitializeParams::default();
        params.capabilities.general =
            Some(GeneralClientCapabilities { position_encodings: encodings, ..Default::default() });
        params
    }

    #[test]
    fn position_encoding_prefers_utf8() {
        let cases = [
            (None, PositionEncoding::Utf16),
            (Some(vec![]), PositionEncoding::Utf16),
            (Some(vec![PositionEncodingKind::UTF16]), PositionEncoding::Utf16),
            (Some(vec![PositionEncodingKind::UTF32]), PositionEncoding::Utf16),
            (Some(vec![PositionEncodingKind::UTF16, PositionEncodingKind::UTF8]), PositionEncoding::Utf8),
        ];
        for (offered, expected) in cases {
            assert_eq!(position_encoding(&initialize_params(offered.clone())), expected, "offered {offered:?}");
        }
    }

    #[test]
    fn offset_handles_non_ascii_emoji_and_crlf() {
        let text = "s = 'é😀'\r\nx = 1\rdef f():\n\ty";
        let line_index = LineIndex::new(text);
        // (position, encoding, expected byte offset)
        let cases = [
            (Position::new(0, 6), PositionEncoding::Utf16, 7),
            // The middle of the emoji's surrogate pair moves back to its start.
            (Position::new(0, 7), PositionEncoding::Utf16, 7),
            (Position::new(0, 8), PositionEncoding::Utf16, 11),
            (Position::new(0, 9), PositionEncoding::Utf16, 12),
            (Position::new(0, 12), PositionEncoding::Utf8, 12),
            (Position::new(0, 99), PositionEncoding::Utf16, 12),
            (Position::new(1, 0), PositionEncoding::Utf16, 14),
            (Position::new(2, 0), PositionEncoding::Utf8, 20),
            (Position::new(3, 1), PositionEncoding::Utf16, 30),
            (Position::new(9, 0), PositionEncoding::Utf16, text.len()),
        ];
        for (position, encoding, expected) in cases {
            assert_eq!(offset(text, &line_index, position, encoding), expected, "{position:?} {encoding:?}");
        }
    }

    #[test]
    fn position_fits_allows_line_after_last() {
        let line_index = LineIndex::new("a\nb");
        assert!(position_fits(&line_index, Position::new(1, 0)));
        assert!(position_fits(&line_index, Position::new(2, 0)));
        assert!(!position_fits(&line_index, Position::new(3, 0)));
    }

    #[test]
    fn workspace_roots_prefer_folders() {
        let mut params = InitializeParams::default();
        #[expect(deprecated, reason = "the test sets the legacy field on purpose")]
        {
            params.root_uri = Some(uri("file:///legacy"));
        }
        assert_eq!(workspace_roots(&params), [PathBuf::from("/legacy")]);

        params.workspace_folders = Some(vec![
            WorkspaceFolder { uri: uri("file:///work/a"), name: "a".to_string() },
            WorkspaceFolder { uri: uri("untitled:scratch"), name: "scratch".to_string() },
        ]);
        assert_eq!(workspace_roots(&params), [PathBuf::from("/work/a")]);
    }

    #[test]
    fn analysis_path_is_relative_to_innermost_root() {
        let roots = [PathBuf::from("/work"), PathBuf::from("/work/app")];
        let cases = [
            ("file:///work/app/src/db.py", "src/db.py"),
            ("file:///work/tools/x.py", "tools/x.py"),
            ("file:///elsewhere/y.py", "/elsewhere/y.py"),
            ("file:///work/app/caf%C3%A9.py", "café.py"),
            ("untitled:Untitled-1", "Untitled-1"),
        ];
        for (text, expected) in cases {
            assert_eq!(analysis_path(&uri(text), &roots), PathBuf::from(expected), "uri {text}");
        }
    }

    #[test]
    fn is_python_by_language_or_extension() {
        assert!(is_python(&uri("file:///a.txt"), Some("python")));
        assert!(is_python(&uri("file:///a.py"), None));
        assert!(is_python(&uri("file:///a.pyi"), Some("plaintext")));
        assert!(!is_python(&uri("file:///a.md"), Some("markdown")));
    }

    #[test]
    fn is_markdown_by_language_or_extension() {
        assert!(is_markdown(&uri("file:///steering/a.txt"), Some("markdown")));
        assert!(is_markdown(&uri("file:///steering/a.MD"), None));
        assert!(is_markdown(&uri("file:///steering/caf%C3%A9.md"), Some("plaintext")));
        assert!(!is_markdown(&uri("file:///steering/a.py"), Some("python")));
        assert!(!is_markdown(&uri("file:///steering/md"), None));
    }
}
