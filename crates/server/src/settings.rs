//! Client settings: the `guardian` section from `workspace/configuration`,
//! `initializationOptions` and `didChangeConfiguration` payloads.

use std::path::PathBuf;

/// The configuration section Guardian requests with `workspace/configuration`.
pub const CONFIGURATION_SECTION: &str = "guardian";

/// The top-level keys of [`Settings`], as clients spell them.
const SETTING_KEYS: [&str; 2] = ["steering", "scan"];

/// Guardian's settings, as `{"steering": {"paths": [...]}, "scan": {"maxFiles": 10000}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    pub steering: SteeringSettings,
    pub scan: ScanSettings,
}

/// Limits of the `guardian.scanWorkspace` command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScanSettings {
    /// The maximum number of Python files one scan analyzes; the rest are skipped with a warning.
    pub max_files: usize,
    /// Files larger than this many bytes are skipped, because such files are often generated code.
    pub max_file_bytes: u64,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self { max_files: 20_000, max_file_bytes: 2 * 1024 * 1024 }
    }
}

/// The folders of organization steering documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SteeringSettings {
    /// Folders of shared steering documents, read before the workspace's own.
    pub paths: Vec<PathBuf>,
}

impl Settings {
    /// Reads settings from a client payload, accepting both `{...}` and `{"guardian": {...}}`.
    ///
    /// Missing or invalid settings fall back to the defaults with a warning,
    /// so a typo in an editor configuration never stops the server.
    pub fn from_client_value(value: Option<&serde_json::Value>) -> Self {
        value.and_then(Self::parse).unwrap_or_default()
    }

    /// Reads settings from a client payload, or `None` when the payload contains no Guardian settings.
    ///
    /// `null`, and an object without any Guardian key, contain none: eglot sends `{}` on connect, and
    /// several clients respond to `workspace/configuration` with `{}` for a section the user never set,
    /// and neither may wipe the settings from `initializationOptions`. Invalid settings are logged
    /// and become the defaults.
    pub fn parse(value: &serde_json::Value) -> Option<Self> {
        let value = value.get(CONFIGURATION_SECTION).unwrap_or(value);
        let has_guardian_key = value
            .as_object()
            .is_some_and(|object| SETTING_KEYS.iter().any(|key| object.contains_key(*key)));
        if value.is_null() || (value.is_object() && !has_guardian_key) {
            return None;
        }

        match serde_json::from_value(value.clone()) {
            Ok(settings) => Some(settings),
            Err(error) => {
                tracing::warn!(%error, "invalid Guardian settings; using the defaults for every Guardian setting");
                Some(Self::default())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    #[test]
    fn settings_from_client_payloads() {
        let org_paths = Settings {
            steering: SteeringSettings { paths: vec![PathBuf::from("/org/policy")] },
            scan: ScanSettings::default(),
        };
        let small_scan = Settings {
            steering: SteeringSettings::default(),
            scan: ScanSettings { max_files: 10, max_file_bytes: ScanSettings::default().max_file_bytes },
        };
        let cases = [
            (None, Settings::default()),
            (Some(json!(null)), Settings::default()),
            (Some(json!({})), Settings::default()),
            (Some(json!({"steering": {"paths": ["/org/policy"]}})), org_paths.clone()),
            (Some(json!({"guardian": {"steering": {"paths": ["/org/policy"]}}})), org_paths),
            (Some(json!({"steering": {"paths": "not a list"}})), Settings::default()),
            (Some(json!({"scan": {"maxFiles": 10}})), small_scan),
            (Some(json!({"scan": {"maxFiles": -1}})), Settings::default()),
        ];
        for (payload, expected) in cases {
            assert_eq!(Settings::from_client_value(payload.as_ref()), expected, "payload {payload:?}");
        }
    }

    #[test]
    fn parse_distinguishes_missing_from_invalid() {
        assert_eq!(Settings::parse(&json!(null)), None);
        assert_eq!(Settings::parse(&json!({"guardian": null})), None);
        assert_eq!(Settings::parse(&json!({"steering": 3})), Some(Settings::default()));
    }

    #[test]
    fn parse_treats_empty_object_as_missing() {
        assert_eq!(Settings::parse(&json!({})), None);
        assert_eq!(Settings::parse(&json!({"guardian": {}})), None);
        assert_eq!(Settings::parse(&json!({"python": {"analysis": true}})), None);
    }
}
