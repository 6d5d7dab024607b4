//! Settings from `workspace/configuration`, `initializationOptions` and
//! `didChangeConfiguration`, and the policy reload when `steering.paths` changes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::tests::harness::{TestClient, codes, pull_capabilities};

/// A call that only the custom rules below flag, because no built-in check covers this module.
const CUSTOM_CALL: &str = "import acme_billing\nacme_billing.charge_card()\n";
const URI: &str = "file:///nonexistent-guardian-test/app.py";

/// Creates an organization steering folder whose one document binds `rule_id` to `acme_billing.charge_card` calls.
fn organization_folder(parent: &Path, rule_id: &str) -> PathBuf {
    let folder = parent.join(rule_id);
    std::fs::create_dir_all(&folder).expect("create organization folder");
    let text = format!("# Org Standards\n\n## Billing calls\n\n```guardian\nid: {rule_id}\ncalls: [acme_billing.charge_card]\n```\n");
    std::fs::write(folder.join("standards.md"), text).expect("write steering document");
    folder
}

fn steering_paths(folder: &Path) -> Value {
    json!({"steering": {"paths": [folder]}})
}

async fn pulled_codes(client: &mut TestClient) -> Vec<String> {
    client.open(URI, 1, CUSTOM_CALL).await;
    let report = client.pull(URI, None).await;
    codes(&report["items"])
}

#[tokio::test]
async fn configuration_section_sets_steering_paths() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");

    let mut client = TestClient::start(json!({"capabilities": pull_capabilities()}), steering_paths(&organization)).await;
    assert_eq!(pulled_codes(&mut client).await, ["org-billing-call"]);
}

#[tokio::test]
async fn initialization_options_apply_without_section() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");

    let initialize = json!({"capabilities": pull_capabilities(), "initializationOptions": steering_paths(&organization)});
    let mut client = TestClient::start(initialize, Value::Null).await;
    assert_eq!(pulled_codes(&mut client).await, ["org-billing-call"]);
}

#[tokio::test]
async fn configuration_section_wins() {
    let parent = tempfile::tempdir().expect("temp dir");
    let from_options = organization_folder(parent.path(), "options-billing-call");
    let from_section = organization_folder(parent.path(), "section-billing-call");

    let initialize = json!({"capabilities": pull_capabilities(), "initializationOptions": steering_paths(&from_options)});
    let mut client = TestClient::start(initialize, steering_paths(&from_section)).await;
    assert_eq!(pulled_codes(&mut client).await, ["section-billing-call"]);
}

#[tokio::test]
async fn change_notification_refetches_section() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");

    let mut client = TestClient::start(json!({"capabilities": pull_capabilities()}), Value::Null).await;
    assert!(pulled_codes(&mut client).await.is_empty());

    client.set_configuration(steering_paths(&organization));
    client.notify("workspace/didChangeConfiguration", json!({"settings": null})).await;
    let report = client.pull(URI, None).await;
    assert_eq!(codes(&report["items"]), ["org-billing-call"]);
}

#[tokio::test]
async fn change_payload_used_without_configuration_support() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");
    let capabilities = json!({"textDocument": {"diagnostic": {}}});

    let mut client = TestClient::start(json!({"capabilities": capabilities}), Value::Null).await;
    assert!(pulled_codes(&mut client).await.is_empty());

    let payload = json!({"settings": {"guardian": steering_paths(&organization)}});
    client.notify("workspace/didChangeConfiguration", payload).await;
    let report = client.pull(URI, None).await;
    assert_eq!(codes(&report["items"]), ["org-billing-call"]);

    let requests: Vec<String> = client.received_messages().into_iter().map(|(method, _)| method).collect();
    assert!(!requests.iter().any(|method| method == "workspace/configuration"), "sent {requests:?}");
}

#[tokio::test]
async fn invalid_section_uses_defaults() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");

    let initialize = json!({"capabilities": pull_capabilities(), "initializationOptions": steering_paths(&organization)});
    let mut client = TestClient::start(initialize, json!({"steering": {"paths": 5}})).await;

    let settings = client.server().session().config().settings.clone();
    assert_eq!(settings, crate::settings::Settings::default());
    assert!(pulled_codes(&mut client).await.is_empty(), "the defaults have no organization folder");
}

#[tokio::test]
async fn settings_change_reregisters_watchers() {
    let parent = tempfile::tempdir().expect("temp dir");
    let organization = organization_folder(parent.path(), "org-billing-call");
    let mut capabilities = pull_capabilities();
    capabilities["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});

    let mut client = TestClient::start(json!({"capabilities": capabilities}), Value::Null).await;
    let first = client.expect_message("client/registerCapability").await;
    assert_eq!(first["registrations"][0]["id"], "guardian-steering-documents");

    client.set_configuration(steering_paths(&organization));
    client.notify("workspace/didChangeConfiguration", json!({"settings": null})).await;

    let messages = client.received_messages();
    let methods: Vec<&str> = messages.iter().map(|(method, _)| method.as_str()).collect();
    let unregister = methods.iter().position(|method| *method == "client/unregisterCapability");
    let register = methods.iter().position(|method| *method == "client/registerCapability");
    assert!(unregister.is_some(), "the old watchers are removed: {methods:?}");
    assert!(unregister < register, "removed before the new ones are added: {methods:?}");

    let registration = &messages[register.expect("new watchers are registered")].1;
    let globs = &registration["registrations"][0]["registerOptions"]["watchers"];
    let organization_glob = format!("{}/*.md", organization.display());
    let watches_organization = globs.as_array().is_some_and(|globs| globs.iter().any(|glob| glob["globPattern"] == organization_glob.as_str()));
    assert!(watches_organization, "watchers: {globs}");
}
