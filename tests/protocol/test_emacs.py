"""Behavior specific to the recorded Emacs 29.1 (eglot) capabilities: it
offers UTF-32 before UTF-8, takes push diagnostics, declares no support for
relatedInformation or codeDescription, and accepts `documentChanges`."""

from __future__ import annotations


from conftest import single_client_fixture
from guardian_client import GuardianTestClient, request_sql_fix, text_in
from test_protocol import open_app, sql_finding

emacs = single_client_fixture("emacs")


async def test_emacs_gets_utf8_over_utf32(emacs: GuardianTestClient):
    assert emacs.capabilities is not None and emacs.capabilities.general is not None
    offered = [str(getattr(e, "value", e)) for e in emacs.capabilities.general.position_encodings or []]
    assert offered[0] == "utf-32", f"the recording changed: {offered}"

    assert emacs.position_encoding == "utf-8"
    assert not emacs.pulls_diagnostics


async def test_emacs_columns_after_combining_mark(emacs: GuardianTestClient):
    """A combining mark is 2 UTF-8 bytes, so a UTF-32 or UTF-16 column count would be off by one."""
    assert emacs.workspace is not None
    text = 'LABEL = "frite\u0301s"; DB_PASSWORD = "Crispy!Potato#2024"\n'
    path = emacs.workspace / "label.py"
    path.write_text(text)
    document = emacs.open(path, text)

    diagnostics = await emacs.current_diagnostics(document)

    secrets = [d for d in diagnostics if str(d.code) == "hardcoded-secret"]
    assert len(secrets) == 1, f"expected one hardcoded-secret finding, got {diagnostics!r}"
    flagged = text_in(text, secrets[0].range, "utf-8")
    assert flagged.startswith(("DB_PASSWORD", '"Crispy')), f"range {secrets[0].range} covers {flagged!r}"


async def test_emacs_fix_uses_document_changes(emacs: GuardianTestClient):
    document, diagnostics = await open_app(emacs)

    fix = await request_sql_fix(emacs, document, sql_finding(diagnostics))

    assert fix.edit is not None and fix.edit.document_changes, f"expected documentChanges: {fix.edit!r}"
