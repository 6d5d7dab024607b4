//! Hover on a Python finding: the rule, the message, the cited section's
//! Markdown text and a link to the steering document's heading line.

use serde_json::{Value, json};

use crate::tests::harness::{TestClient, file_uri, pull_capabilities, workspace_folders};

const STEERING: &str = "# Team Standards\n\n## Billing\n\n### Card charges\n\nCharge cards only through the **payments gateway**:\n\n- it records an audit trail\n- it enforces limits\n\n```guardian\nid: direct-card-charge\ncalls: [acme_billing.charge_card]\nseverity: warning\nmessage: direct card charge\n```\n\n## Logging\n\nUnrelated prose.\n";

const PYTHON: &str = "import acme_billing\nacme_billing.charge_card()\n";

#[tokio::test]
async fn finding_hover_shows_section_markdown() {
    let folder = tempfile::tempdir().expect("temp dir");
    let root = folder.path().to_path_buf();
    let steering_path = root.join(".guardian/steering/team.md");
    std::fs::create_dir_all(root.join(".guardian/steering")).expect("create steering folder");
    std::fs::write(&steering_path, STEERING).expect("write steering document");

    let initialize = json!({"capabilities": pull_capabilities(), "workspaceFolders": workspace_folders(&[&root])});
    let mut client = TestClient::start(initialize, Value::Null).await;
    let uri = file_uri(&root.join("app.py"));
    client.open(&uri, 1, PYTHON).await;

    let params = json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}});
    let shown = client.request("textDocument/hover", params).await.expect("hover request succeeds");
    let value = shown["contents"]["value"].as_str().expect("hover has Markdown contents");

    // The heading "### Card charges" is on line 5 (one-based) of the steering document.
    let expected = format!(
        "**guardian: `direct-card-charge`**\n\ndirect card charge\n\n\
         **Team Standards › Billing › Card charges**\n\n\
         Charge cards only through the **payments gateway**:\n\n\
         - it records an audit trail\n- it enforces limits\n\n\
         ```guardian\nid: direct-card-charge\ncalls: [acme_billing.charge_card]\nseverity: warning\nmessage: direct card charge\n```\n\n\
         _Source: [{}]({}#L5)_",
        steering_path.display(),
        file_uri(&steering_path)
    );
    assert_eq!(shown["contents"]["kind"], "markdown");
    assert_eq!(value, expected);
    assert!(!value.contains("Unrelated prose"), "the next section is not shown");
}
