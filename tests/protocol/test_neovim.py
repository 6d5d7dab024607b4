"""Behavior specific to the recorded Neovim 0.11.0 capabilities: UTF-8
offered first, pull diagnostics without refresh support, no dynamic file
watcher registration, and plain `changes` edits."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from conftest import single_client_fixture
from guardian_client import GuardianTestClient, request_sql_fix
from test_protocol import open_app, sql_finding

neovim = single_client_fixture("neovim")

NO_PUSH_GRACE_SECONDS = 1.0


async def test_neovim_negotiates_utf8_and_pull(neovim: GuardianTestClient):
    assert neovim.position_encoding == "utf-8"
    assert neovim.pulls_diagnostics


async def test_neovim_gets_no_push(neovim: GuardianTestClient):
    document, diagnostics = await open_app(neovim)
    assert diagnostics, "the pulled report is empty"

    await asyncio.sleep(NO_PUSH_GRACE_SECONDS)

    assert neovim.publication_count(document.uri) == 0, "a pull client must not also get pushed diagnostics"


async def test_neovim_pull_unchanged_then_full(neovim: GuardianTestClient):
    document, _ = await open_app(neovim)
    first = await neovim.pull_diagnostics(document)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id

    again = await neovim.pull_diagnostics(document, previous_result_id=first.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport), f"expected unchanged, got {again!r}"
    assert again.result_id == first.result_id

    end_of_file = types.Position(line=len(document.text.splitlines()), character=0)
    neovim.change(document, [types.TextEdit(range=types.Range(start=end_of_file, end=end_of_file), new_text="# edited\n")])
    after_edit = await neovim.pull_diagnostics(document, previous_result_id=first.result_id)
    assert isinstance(after_edit, types.RelatedFullDocumentDiagnosticReport), f"expected a full report, got {after_edit!r}"
    assert after_edit.result_id != first.result_id


async def test_neovim_no_watcher_registration(neovim: GuardianTestClient):
    await open_app(neovim)
    await asyncio.sleep(NO_PUSH_GRACE_SECONDS)

    watched = [r for r in neovim.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]

    assert watched == [], "the client declares no dynamic registration for watched files"


async def test_neovim_fix_uses_changes(neovim: GuardianTestClient):
    document, diagnostics = await open_app(neovim)

    fix = await request_sql_fix(neovim, document, sql_finding(diagnostics))

    assert fix.edit is not None
    assert not fix.edit.document_changes, "the client does not declare documentChanges support"
    assert fix.edit.changes and document.uri in fix.edit.changes


async def test_neovim_configuration_change_sends_no_refresh(neovim: GuardianTestClient):
    document, _ = await open_app(neovim)
    assert neovim.workspace is not None
    settings = {"steering": {"paths": [str(neovim.workspace / ".kiro" / "steering")]}}
    neovim.set_configuration(settings, section="guardian")

    neovim.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await neovim.current_diagnostics(document)
    await asyncio.sleep(NO_PUSH_GRACE_SECONDS)

    assert neovim.diagnostic_refresh_count == 0, "the client declares no workspace/diagnostic/refresh support"
