//! The on-disk cache of `guardian check`: the findings of files that did not
//! change since an earlier run under the same policy, Guardian build and date.
//!
//! The cache lives in `.guardian_cache/` at the workspace root. The folder
//! contains a `CACHEDIR.TAG`, so backup tools skip it, and a `.gitignore` of `*`,
//! so git ignores it. Each cache file belongs to one key: the Guardian
//! version and executable, the policy (the path and text of every loaded
//! steering document, and the `--steering` folders) and today's date in UTC.
//! The date is part of the key because an `until=` date in a suppression
//! comment makes findings depend on the day. A cache file maps each file's path relative to the workspace root
//! to the hash of its content and its findings, so an entry applies only to
//! the exact bytes it was computed from.
//!
//! The cache file is read once before the analysis and written once after it,
//! to a temporary file in the same folder that is then renamed over the old
//! one, so a concurrent run reads either the old or the new file. A cache that
//! cannot be read, decoded or written is logged as a warning and the run goes
//! on without it: the cache only saves time and never changes the findings.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use guardian_analysis::{Date, Edit, Finding, Fix, FixKind, Policy, Related, SectionId, Severity};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

/// The cache folder's name, created at the workspace root.
pub const FOLDER_NAME: &str = ".guardian_cache";

/// The version of the encoded entries, part of the key. Bump it when [`Entry`] or the types it contains change.
const FORMAT_VERSION: u32 = 1;

/// The first bytes of every cache file.
const MAGIC: &[u8] = b"guardian-cache\n";

/// The size of the checksum that ends every cache file.
const CHECKSUM_BYTES: usize = std::mem::size_of::<u64>();

/// The extension of cache files. Cleanup removes only files with this extension.
const FILE_EXTENSION: &str = "cache";

/// The content of `CACHEDIR.TAG`, as the Cache Directory Tagging Specification defines it.
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by guardian.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// The 128-bit xxh3 hash of a file's bytes. The cached findings apply only when it is equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHash(u128);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> Self {
        Self(xxh3_128(bytes))
    }
}

/// The findings of one file at one content hash, in the cache's own encoding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    content_hash: ContentHash,
    findings: Vec<CachedFinding>,
}

impl Entry {
    pub fn new(content_hash: ContentHash, findings: &[Finding]) -> Self {
        Self { content_hash, findings: findings.iter().map(CachedFinding::from).collect() }
    }
}

/// The cache of one workspace root for one key.
pub struct Cache {
    folder: PathBuf,
    /// `YYYY-MM-DD-KEY.cache`, where KEY is the hex hash of everything but the date.
    file_name: String,
    /// The `YYYY-MM-DD-` start of the cache file names of this run's day.
    day_prefix: String,
    entries: HashMap<String, Entry>,
    /// Whether an entry was added since the file was read, so the file must be written.
    changed: bool,
}

impl Cache {
    /// Reads the cache of `workspace_root` for the given policy, `--steering` folders and date.
    ///
    /// A missing cache file gives an empty cache. An unreadable or corrupt one
    /// is logged and also gives an empty cache, which the next save replaces.
    pub fn open(workspace_root: &Path, policy: &Policy, steering_paths: &[PathBuf], today: Date) -> Self {
        let folder = workspace_root.join(FOLDER_NAME);
        let day_prefix = format!("{today}-");
        let file_name = format!("{day_prefix}{:032x}.{FILE_EXTENSION}", key_hash(policy, steering_paths, today));
        let path = folder.join(&file_name);

        let entries = match std::fs::read(&path) {
            Ok(bytes) => decode(&bytes).unwrap_or_else(|error| {
                tracing::warn!(path = %path.display(), %error, "ignored an invalid cache file, which this run replaces");
                HashMap::new()
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "failed to read the cache file, so every file is analyzed");
                HashMap::new()
            }
        };
        tracing::debug!(path = %path.display(), entries = entries.len(), "cache read");

        Self { folder, file_name, day_prefix, entries, changed: false }
    }

    /// Returns the cached findings of a file when its content hash matches the cached one.
    pub fn findings(&self, relative_path: &str, content_hash: ContentHash) -> Option<Vec<Finding>> {
        let entry = self.entries.get(relative_path)?;
        if entry.content_hash != content_hash {
            return None;
        }
        Some(entry.findings.iter().cloned().map(Finding::from).collect())
    }

    /// Stores the findings of a file, replacing any older entry for its path.
    pub fn insert(&mut self, relative_path: String, entry: Entry) {
        self.entries.insert(relative_path, entry);
        self.changed = true;
    }

    /// Writes the cache file when an entry changed, and removes the cache files of other days.
    ///
    /// Entries of files this run did not visit are kept, so checking one
    /// folder does not drop the entries of the rest of the workspace.
    // NOTE: entries of deleted or renamed files stay in the file until the date changes.
    pub fn save(&self) {
        if !self.changed {
            return;
        }

        if let Err(error) = self.write() {
            tracing::warn!(folder = %self.folder.display(), %error, "failed to write the cache; the next run checks every file again");
            return;
        }
        tracing::debug!(path = %self.folder.join(&self.file_name).display(), entries = self.entries.len(), "cache written");
        self.remove_stale_files();
    }

    fn write(&self) -> std::io::Result<()> {
        create_folder(&self.folder)?;

        let bytes = encode(&self.entries)?;
        let mut temporary = tempfile::Builder::new().prefix(".tmp-").tempfile_in(&self.folder)?;
        temporary.write_all(&bytes)?;
        temporary.persist(self.folder.join(&self.file_name)).map_err(|error| error.error)?;
        Ok(())
    }

    /// Removes the cache files of other days: their date is part of the key, so no run reads them again.
    fn remove_stale_files(&self) {
        let Ok(listing) = std::fs::read_dir(&self.folder) else {
            return;
        };

        for entry in listing.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let is_cache_file = name.ends_with(&format!(".{FILE_EXTENSION}"));
            let is_current_day = name.starts_with(&self.day_prefix);
            if is_cache_file && !is_current_day {
                if let Err(error) = std::fs::remove_file(entry.path()) {
                    tracing::warn!(path = %entry.path().display(), %error, "failed to remove an old cache file");
                }
            }
        }
    }
}

/// Today's date in UTC, the date that both the cache key and the analysis use.
pub fn today_utc() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Hashes everything besides a file's own content that its findings depend on.
///
/// Every text is preceded by its length, so two different lists of texts never hash alike by accident of concatenation.
fn key_hash(policy: &Policy, steering_paths: &[PathBuf], today: Date) -> u128 {
    let mut hasher = Xxh3::new();
    let mut add = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };

    add(env!("CARGO_PKG_VERSION").as_bytes());
    add(&FORMAT_VERSION.to_le_bytes());
    add(executable_identity().as_bytes());
    add(today.to_string().as_bytes());
    // Paths are canonical where they exist, so `..` or a relative spelling
    // of the same folder finds the same cache.
    for path in steering_paths {
        add(canonical(path).as_os_str().as_encoded_bytes());
    }
    for document in &policy.documents {
        add(canonical(&document.path).as_os_str().as_encoded_bytes());
        add(document.text.as_bytes());
    }
    hasher.digest128()
}

/// Returns the canonical form of a path, or the path as given when it cannot be resolved (bundled documents).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Returns the size and modification time of the running executable, or an empty string when they cannot be read.
///
/// They are part of the key so that a rebuilt binary with the same version number, as
/// during development, never reads findings that an older build computed.
fn executable_identity() -> String {
    let metadata = std::env::current_exe().and_then(std::fs::metadata);
    let Ok(metadata) = metadata else {
        return String::new();
    };
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |duration| duration.as_nanos());
    format!("{}:{modified}", metadata.len())
}

/// Creates the cache folder with its tag and `.gitignore` when they are missing.
fn create_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;

    let tag = folder.join("CACHEDIR.TAG");
    if !tag.exists() {
        std::fs::write(tag, CACHEDIR_TAG)?;
    }
    let gitignore = folder.join(".gitignore");
    if !gitignore.exists() {
        std::fs::write(gitignore, "# Created by guardian; the cache is never committed.\n*\n")?;
    }
    Ok(())
}

/// The error of a cache file that does not decode.
#[derive(Debug, thiserror::Error)]
enum DecodeError {
    #[error("the file does not start with the cache header")]
    MissingHeader,
    #[error("the checksum does not match the content")]
    ChecksumMismatch,
    #[error("invalid cache content: {0}")]
    Invalid(#[from] postcard::Error),
}

/// Encodes the entries as the header, the postcard payload and the payload's checksum.
fn encode(entries: &HashMap<String, Entry>) -> std::io::Result<Vec<u8>> {
    let payload = postcard::to_stdvec(entries).map_err(std::io::Error::other)?;

    let mut bytes = Vec::with_capacity(MAGIC.len() + payload.len() + CHECKSUM_BYTES);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&payload);
    bytes.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    Ok(bytes)
}

/// Decodes a cache file. The checksum turns damage, such as a flipped bit, into an error instead of wrong findings.
fn decode(bytes: &[u8]) -> Result<HashMap<String, Entry>, DecodeError> {
    let body = bytes.strip_prefix(MAGIC).ok_or(DecodeError::MissingHeader)?;
    let Some(payload_length) = body.len().checked_sub(CHECKSUM_BYTES) else {
        return Err(DecodeError::ChecksumMismatch);
    };

    let (payload, checksum) = body.split_at(payload_length);
    let mut expected = [0; CHECKSUM_BYTES];
    expected.copy_from_slice(checksum);
    if xxh3_64(payload) != u64::from_le_bytes(expected) {
        return Err(DecodeError::ChecksumMismatch);
    }
    Ok(postcard::from_bytes(payload)?)
}

/// A [`Finding`] as the cache stores it.
///
/// The cache keeps its own types so that the file layout changes only with
/// [`FORMAT_VERSION`], and because the shared types leave the citations out of their serialized form.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFinding {
    rule: String,
    start: usize,
    end: usize,
    severity: Severity,
    message: String,
    /// `(document, section)` indexes of the cited sections.
    citations: Vec<(usize, usize)>,
    fixes: Vec<CachedFix>,
    related: Vec<CachedRelated>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFix {
    title: String,
    is_rewrite: bool,
    edits: Vec<CachedEdit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedEdit {
    start: usize,
    end: usize,
    replacement: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedRelated {
    start: usize,
    end: usize,
    message: String,
}

impl From<&Finding> for CachedFinding {
    fn from(finding: &Finding) -> Self {
        Self {
            rule: finding.rule.clone(),
            start: finding.range.start,
            end: finding.range.end,
            severity: finding.severity,
            message: finding.message.clone(),
            citations: finding.citations.iter().map(|id| (id.document, id.section)).collect(),
            fixes: finding.fixes.iter().map(CachedFix::from).collect(),
            related: finding
                .related
                .iter()
                .map(|related| CachedRelated {
                    start: related.range.start,
                    end: related.range.end,
                    message: related.message.clone(),
                })
                .collect(),
        }
    }
}

impl From<CachedFinding> for Finding {
    fn from(cached: CachedFinding) -> Self {
        Finding {
            rule: cached.rule,
            range: cached.start..cached.end,
            severity: cached.severity,
            message: cached.message,
            citations: cached.citations.into_iter().map(|(document, section)| SectionId { document, section }).collect(),
            fixes: cached.fixes.into_iter().map(Fix::from).collect(),
            related: cached
                .related
                .into_iter()
                .map(|related| Related { range: related.start..related.end, message: related.message })
                .collect(),
        }
    }
}

impl From<&Fix> for CachedFix {
    fn from(fix: &Fix) -> Self {
        Self {
            title: fix.title.clone(),
            is_rewrite: fix.kind == FixKind::Rewrite,
            edits: fix
                .edits
                .iter()
                .map(|edit| CachedEdit {
                    start: edit.range.start,
                    end: edit.range.end,
                    replacement: edit.replacement.clone(),
                })
                .collect(),
        }
    }
}

impl From<CachedFix> for Fix {
    fn from(cached: CachedFix) -> Self {
        Fix {
            title: cached.title,
            kind: if cached.is_rewrite { FixKind::Rewrite } else { FixKind::RecordException },
            edits: cached
                .edits
                .into_iter()
                .map(|edit| Edit { range: edit.start..edit.end, replacement: edit.replacement })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_finding() -> Finding {
        Finding {
            rule: "sql-injection".to_owned(),
            range: 10..42,
            severity: Severity::Error,
            message: "possible SQL injection".to_owned(),
            citations: vec![SectionId { document: 1, section: 3 }],
            fixes: vec![
                Fix {
                    title: "Use a bound parameter".to_owned(),
                    kind: FixKind::Rewrite,
                    edits: vec![Edit { range: 12..20, replacement: "?".to_owned() }],
                },
                Fix { title: "Record an exception".to_owned(), kind: FixKind::RecordException, edits: Vec::new() },
            ],
            related: vec![Related { range: 0..5, message: "the value comes from here".to_owned() }],
        }
    }

    fn sample_entries() -> HashMap<String, Entry> {
        let hash = ContentHash::of(b"print('hello')\n");
        HashMap::from([("app/views.py".to_owned(), Entry::new(hash, &[sample_finding()]))])
    }

    #[test]
    fn finding_survives_encoding() {
        let bytes = encode(&sample_entries()).expect("encode");
        let decoded = decode(&bytes).expect("decode");

        let entry = &decoded["app/views.py"];
        let findings: Vec<Finding> = entry.findings.iter().cloned().map(Finding::from).collect();
        assert_eq!(findings, vec![sample_finding()]);
    }

    #[test]
    fn flipped_bit_is_rejected() {
        let mut bytes = encode(&sample_entries()).expect("encode");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;

        assert!(matches!(decode(&bytes), Err(DecodeError::ChecksumMismatch)));
    }

    #[test]
    fn truncated_file_is_rejected() {
        let bytes = encode(&sample_entries()).expect("encode");

        assert!(decode(&bytes[..MAGIC.len() + 3]).is_err());
        assert!(decode(&bytes[..5]).is_err());
    }

    #[test]
    fn foreign_file_is_rejected() {
        assert!(matches!(decode(b"{\"entries\": {}}"), Err(DecodeError::MissingHeader)));
    }

    #[test]
    fn lookup_requires_same_content_hash() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let policy = Policy::default();
        let today = today_utc();
        let mut cache = Cache::open(folder.path(), &policy, &[], today);

        let hash = ContentHash::of(b"x = 1\n");
        cache.insert("x.py".to_owned(), Entry::new(hash, &[sample_finding()]));

        assert_eq!(cache.findings("x.py", hash), Some(vec![sample_finding()]));
        assert_eq!(cache.findings("x.py", ContentHash::of(b"x = 2\n")), None);
        assert_eq!(cache.findings("y.py", hash), None);
    }

    #[test]
    fn saved_cache_is_read_back() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let policy = Policy::default();
        let today = today_utc();
        let hash = ContentHash::of(b"x = 1\n");

        let mut cache = Cache::open(folder.path(), &policy, &[], today);
        cache.insert("x.py".to_owned(), Entry::new(hash, &[sample_finding()]));
        cache.save();

        let cache_folder = folder.path().join(FOLDER_NAME);
        assert!(cache_folder.join("CACHEDIR.TAG").is_file());
        assert!(cache_folder.join(".gitignore").is_file());
        let reopened = Cache::open(folder.path(), &policy, &[], today);
        assert_eq!(reopened.findings("x.py", hash), Some(vec![sample_finding()]));
    }

    #[test]
    fn key_changes_with_date_and_steering() {
        let policy = Policy::default();
        let today = today_utc();
        let tomorrow = today.tomorrow().expect("a later date exists");

        let base = key_hash(&policy, &[], today);
        assert_ne!(base, key_hash(&policy, &[], tomorrow));
        assert_ne!(base, key_hash(&policy, &[PathBuf::from("org-steering")], today));
        assert_eq!(base, key_hash(&policy, &[], today));
    }

    #[test]
    fn save_removes_files_of_other_days() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let cache_folder = folder.path().join(FOLDER_NAME);
        std::fs::create_dir_all(&cache_folder).expect("create cache folder");
        let old_file = cache_folder.join(format!("2000-01-01-{:032x}.{FILE_EXTENSION}", 7));
        std::fs::write(&old_file, b"old").expect("write old cache file");

        let mut cache = Cache::open(folder.path(), &Policy::default(), &[], today_utc());
        cache.insert("x.py".to_owned(), Entry::new(ContentHash::of(b""), &[]));
        cache.save();

        assert!(!old_file.exists(), "the cache file of another day is removed");
        assert!(cache_folder.join(".gitignore").exists(), "files that are not cache files stay");
    }
}
