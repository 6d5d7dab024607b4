//! `guardian check --format sarif` and `--format github` on the project's
//! fixture and on small workspaces: the SARIF log read back with the
//! `serde-sarif` types, the workflow commands, and secret masking in both.

use serde_sarif::sarif::{ResultLevel, Sarif};

use crate::support::{copy_to_temp, fixture, output_text, run_guardian, write_file};

/// Runs `guardian check --format sarif` in `directory` and parses stdout as SARIF.
fn check_sarif(directory: &std::path::Path) -> (Sarif, serde_json::Value) {
    let output = run_guardian(directory, &["check", "--format", "sarif", "."]);
    let (stdout, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");

    let log: Sarif = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not SARIF ({error}):\n{stdout}"));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    (log, json)
}

#[test]
fn sarif_snapshot() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let (_, json) = check_sarif(workspace.path());

    insta::assert_json_snapshot!("vulnerable_project_sarif", json, {
        ".runs[0].tool.driver.version" => "[VERSION]",
        ".runs[0].tool.driver.semanticVersion" => "[VERSION]",
        ".runs[0].tool.driver.rules[].fullDescription" => "[DOCUMENTATION]",
        ".runs[0].tool.driver.rules[].help" => "[DOCUMENTATION]",
    });
}

#[test]
fn sarif_structure_reads_back() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let (log, json) = check_sarif(workspace.path());

    assert_eq!(json["version"], "2.1.0");
    assert_eq!(log.runs.len(), 1);
    let run = &log.runs[0];
    let driver = &run.tool.driver;
    assert_eq!(driver.name, "guardian");
    assert_eq!(driver.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert!(driver.information_uri.is_some());

    let rules = driver.rules.as_ref().expect("driver.rules");
    let results = run.results.as_ref().expect("run.results");
    let rule_ids: Vec<&str> = rules.iter().map(|rule| rule.id.as_str()).collect();
    for result in results {
        let rule_id = result.rule_id.as_deref().expect("ruleId");
        let index = usize::try_from(result.rule_index.expect("ruleIndex")).expect("index fits");
        assert_eq!(rule_ids[index], rule_id, "ruleIndex points at the rule");
    }

    let sql_rule = rules.iter().find(|rule| rule.id == "sql-injection").expect("sql-injection rule");
    let summary = &sql_rule.short_description.as_ref().expect("shortDescription").text;
    assert!(summary.contains("SQL"), "{summary}");
    assert!(sql_rule.full_description.is_some());
    assert!(sql_rule.help.as_ref().is_some_and(|help| help.markdown.is_some()));
    let level = &sql_rule.default_configuration.as_ref().expect("defaultConfiguration").level;
    assert_eq!(level.as_ref(), Some(&serde_json::json!("error")));
}

#[test]
fn sarif_result_locations_and_fix() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let (log, _) = check_sarif(workspace.path());
    let results = log.runs[0].results.clone().expect("run.results");
    let sql = results
        .iter()
        .find(|result| result.rule_id.as_deref() == Some("sql-injection"))
        .expect("an sql-injection result");

    assert_eq!(sql.level, Some(ResultLevel::Error));
    let message = sql.message.text.as_deref().unwrap_or_default();
    assert!(message.ends_with("(policy: Acme Shop Security Policy › Injection › SQL)"), "{message}");

    let physical = sql.locations.as_ref().expect("locations")[0].physical_location.clone().expect("physicalLocation");
    let artifact = physical.artifact_location.expect("artifactLocation");
    assert_eq!(artifact.uri.as_deref(), Some("shop/orders.py"));
    assert_eq!(artifact.uri_base_id.as_deref(), Some("%SRCROOT%"));
    let region = physical.region.expect("region");
    assert_eq!(region.start_line, Some(9));
    assert_eq!(region.start_column, Some(25));
    assert_eq!(region.end_line, Some(9));
    assert_eq!(region.end_column, Some(79));

    let fix = &sql.fixes.as_ref().expect("fixes")[0];
    let change = &fix.artifact_changes[0];
    assert_eq!(change.artifact_location.uri.as_deref(), Some("shop/orders.py"));
    let inserted = change.replacements[0].inserted_content.as_ref().and_then(|content| content.text.clone());
    assert!(inserted.is_some_and(|text| text.contains('?')), "the sqlite3 fix uses `?` placeholders");

    let related = &sql.related_locations.as_ref().expect("relatedLocations")[0];
    let steering = related.physical_location.clone().expect("steering location");
    assert_eq!(steering.artifact_location.and_then(|location| location.uri).as_deref(), Some(".guardian/steering/policy.md"));
    assert_eq!(steering.region.and_then(|region| region.start_line), Some(22));
}

#[test]
fn sarif_fingerprints_survive_moved_lines() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let (before, _) = check_sarif(workspace.path());

    let orders = workspace.path().join("shop/orders.py");
    let text = std::fs::read_to_string(&orders).expect("read orders.py");
    write_file(&orders, &format!("# a new first line\n\n{text}"));
    let (after, _) = check_sarif(workspace.path());

    let fingerprint = |log: &Sarif, rule: &str| {
        let results = log.runs[0].results.clone().unwrap_or_default();
        let result = results.into_iter().find(|result| result.rule_id.as_deref() == Some(rule)).expect("a result");
        let line = result.locations.as_ref().and_then(|locations| locations[0].physical_location.clone());
        let start_line = line.and_then(|location| location.region).and_then(|region| region.start_line);
        (result.partial_fingerprints.expect("partialFingerprints")["guardianLineHash/v1"].clone(), start_line)
    };
    let (old_hash, old_line) = fingerprint(&before, "sql-injection");
    let (new_hash, new_line) = fingerprint(&after, "sql-injection");

    assert_eq!(new_line, old_line.map(|line| line + 2), "the finding moved down two lines");
    assert_eq!(new_hash, old_hash);
    assert_ne!(fingerprint(&before, "command-injection").0, old_hash);
}

#[test]
fn sarif_never_contains_secrets() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let output = run_guardian(workspace.path(), &["check", "--format", "sarif", "."]);
    let (stdout, _) = output_text(&output);

    assert!(stdout.contains("hardcoded-secret"));
    assert!(!stdout.contains("Vq7#pLm2!xTr9zKw"), "the database password leaked");
    assert!(!stdout.contains("sk_live_51GuardianFixture0000Key"), "the Stripe key leaked");
}

#[test]
fn sarif_clean_project_has_no_results() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join("app.py"), "def add(a, b):\n    return a + b\n");

    let output = run_guardian(workspace.path(), &["check", "--format", "sarif", "."]);
    let (stdout, _) = output_text(&output);
    let log: Sarif = serde_json::from_str(&stdout).expect("SARIF");

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(log.runs[0].results.as_ref().map(Vec::len), Some(0));
    assert_eq!(log.runs[0].tool.driver.rules.as_ref().map(Vec::len), Some(0));
}

#[test]
fn github_snapshot() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let output = run_guardian(workspace.path(), &["check", "--format", "github", "."]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stdout.contains("Vq7#pLm2!xTr9zKw"), "the database password leaked");
    insta::assert_snapshot!("vulnerable_project_github", stdout);
}

#[test]
fn github_escapes_paths_and_messages() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(
        &workspace.path().join("odd,dir/a:b.py"),
        "import sqlite3\n\n\ndef find(name):\n    conn = sqlite3.connect(\"db\")\n    return conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n",
    );

    let output = run_guardian(workspace.path(), &["check", "--format", "github", "."]);
    let (stdout, _) = output_text(&output);
    let command = stdout.lines().find(|line| line.starts_with("::error ")).expect("an error command");

    assert!(command.starts_with("::error file=odd%2Cdir/a%3Ab.py,line=6,col=25,"), "{command}");
    assert!(command.contains(",title=guardian sql-injection::"), "{command}");
    assert!(command.contains("%0APolicy: "), "citations follow on escaped new lines: {command}");
    let message = command.split_once("::possible").map(|(_, message)| message).unwrap_or_default();
    assert!(!message.contains('\n'), "{command}");
    assert!(!message.contains('\r'), "{command}");
}

#[test]
fn sarif_documents_custom_rule() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let policy = "# Team Policy\n\n## Data formats\n\n```guardian\nid: no-network-pickle\ncalls: [pickle.loads]\nmessage: pickle.loads runs code from the data it loads\nseverity: warning\n```\n";
    write_file(&workspace.path().join(".guardian/steering/team.md"), policy);
    write_file(&workspace.path().join("app.py"), "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n");

    let (log, _) = check_sarif(workspace.path());
    let rules = log.runs[0].tool.driver.rules.clone().unwrap_or_default();
    let custom = rules.iter().find(|rule| rule.id == "no-network-pickle").expect("the custom rule is documented");

    let summary = custom.short_description.as_ref().map(|description| description.text.as_str());
    assert_eq!(summary, Some("pickle.loads runs code from the data it loads"));
    let description = custom.full_description.as_ref().map(|description| description.text.clone()).unwrap_or_default();
    assert!(description.contains("Team Policy › Data formats"), "{description}");
    let level = custom.default_configuration.as_ref().and_then(|configuration| configuration.level.clone());
    assert_eq!(level, Some(serde_json::json!("warning")));
}
