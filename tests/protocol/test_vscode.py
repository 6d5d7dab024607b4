"""Behavior specific to the recorded VS Code 1.65.2 capabilities: no
positionEncodings offered (so UTF-16), push diagnostics only, dynamic
registration of file watchers, and versioned `documentChanges` edits."""

from __future__ import annotations

import pathlib

from lsprotocol import types

from conftest import single_client_fixture
from guardian_client import GuardianTestClient, request_sql_fix
from test_protocol import SQL_FINDING_LINES, code_of, open_app, sql_finding, touches_lines

vscode = single_client_fixture("vscode")


async def test_vscode_negotiates_utf16(vscode: GuardianTestClient):
    assert vscode.position_encoding == "utf-16"
    assert not vscode.pulls_diagnostics


async def test_vscode_push_carries_version(vscode: GuardianTestClient):
    document, _ = await open_app(vscode)

    publications = vscode.publications[document.uri]

    assert publications[-1].version == document.version


async def test_vscode_registers_steering_watchers(vscode: GuardianTestClient):
    await open_app(vscode)  # By the time diagnostics arrive, `initialized` has been handled.

    watched = [r for r in vscode.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watched) == 1, f"registrations: {vscode.registrations!r}"
    globs = [watcher["globPattern"] for watcher in watched[0].register_options["watchers"]]
    assert "**/.kiro/steering/*.md" in globs
    assert "**/.guardian/steering/*.md" in globs


async def test_vscode_fix_uses_versioned_document_changes(vscode: GuardianTestClient):
    document, diagnostics = await open_app(vscode)

    fix = await request_sql_fix(vscode, document, sql_finding(diagnostics))

    assert fix.edit is not None and fix.edit.document_changes, f"expected documentChanges: {fix.edit!r}"
    text_edit = fix.edit.document_changes[0]
    assert isinstance(text_edit, types.TextDocumentEdit)
    assert text_edit.text_document.uri == document.uri
    assert text_edit.text_document.version == document.version


async def test_vscode_watched_steering_change_republishes(vscode: GuardianTestClient):
    document, _ = await open_app(vscode)
    assert vscode.workspace is not None
    steering = vscode.workspace / ".kiro" / "steering" / "security-standards.md"
    lowered = lower_sql_severity(steering)
    published_before = vscode.publication_count(document.uri)

    change = types.FileEvent(uri=steering.as_uri(), type=types.FileChangeType.Changed)
    vscode.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    after = await vscode.diagnostics_matching(document, lambda items: not has_error_sql(items), published_before)

    sql = sql_finding(after)
    assert sql.severity == types.DiagnosticSeverity.Warning, f"after {lowered}, got {sql.severity!r}"


async def test_vscode_close_clears_diagnostics(vscode: GuardianTestClient):
    document, diagnostics = await open_app(vscode)
    assert diagnostics
    published_before = vscode.publication_count(document.uri)

    identifier = types.TextDocumentIdentifier(uri=document.uri)
    vscode.text_document_did_close(types.DidCloseTextDocumentParams(text_document=identifier))
    cleared = await vscode.wait_for_publication(document.uri, lambda _: True, after=published_before)

    assert list(cleared.diagnostics) == []


def lower_sql_severity(steering: pathlib.Path) -> str:
    """Change the severity of the sql-injection rule block to warning, and describe the change."""
    text = steering.read_text()
    block = "check: sql-injection\nseverity: error"
    assert block in text, f"{steering} has no sql-injection block with severity error"
    steering.write_text(text.replace(block, "check: sql-injection\nseverity: warning"))
    return "lowering sql-injection to warning in the workspace's steering document"


def has_error_sql(diagnostics: list[types.Diagnostic]) -> bool:
    return any(
        code_of(d) == "sql-injection"
        and touches_lines(d, *SQL_FINDING_LINES)
        and d.severity == types.DiagnosticSeverity.Error
        for d in diagnostics
    )
