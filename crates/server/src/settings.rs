//! Client settings: the `initializationOptions` and `didChangeConfiguration` payloads.

use std::path::PathBuf;

/// Guardian's settings, as `{"steering": {"paths": [...]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    pub steering: SteeringSettings,
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
        let Some(value) = value else {
            return Self::default();
        };
        let value = value.get("guardian").unwrap_or(value);
        if value.is_null() {
            return Self::default();
        }

        match serde_json::from_value(value.clone()) {
            Ok(settings) => settings,
            Err(error) => {
                tracing::warn!(%error, "invalid Guardian settings; using the defaults");
                Self::default()
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
        let org_paths = Settings { steering: SteeringSettings { paths: vec![PathBuf::from("/org/policy")] } };
        let cases = [
            (None, Settings::default()),
            (Some(json!(null)), Settings::default()),
            (Some(json!({})), Settings::default()),
            (Some(json!({"steering": {"paths": ["/org/policy"]}})), org_paths.clone()),
            (Some(json!({"guardian": {"steering": {"paths": ["/org/policy"]}}})), org_paths),
            (Some(json!({"steering": {"paths": "not a list"}})), Settings::default()),
        ];
        for (payload, expected) in cases {
            assert_eq!(Settings::from_client_value(payload.as_ref()), expected, "payload {payload:?}");
        }
    }
}
