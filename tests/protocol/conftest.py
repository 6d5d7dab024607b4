"""Fixtures of the protocol suite: the shared Fry Factory example, a writable
copy of it per test, its expected findings, and a Guardian session per
recorded client (VS Code, Neovim, Emacs).

The shared test data is looked up in $GUARDIAN_SHARED_DIR, a `shared` folder
beside the repository. Without it the tests skip, except
under CI=true, where they fail.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import shutil
import stat

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig

from guardian_client import (
    RECORDED_CLIENTS,
    REPO_ROOT,
    GuardianTestClient,
    end_session,
    guardian_bin,
    make_client,
    start_session,
)

SERVER_CONFIG = ClientServerConfig(server_command=[str(guardian_bin()), "lsp"], client_factory=make_client)


@dataclasses.dataclass(frozen=True)
class ExpectedLine:
    """One line of expected-findings.txt: a 1-based inclusive line range and a
    category with its cited section, or the category "clean"."""

    first_line: int
    last_line: int
    category: str
    citation: str

    @property
    def label(self) -> str:
        lines = str(self.first_line) if self.first_line == self.last_line else f"{self.first_line}-{self.last_line}"
        return f"{lines} {self.category}"


def find_shared_dir() -> pathlib.Path | None:
    candidates = [os.environ.get("GUARDIAN_SHARED_DIR"), REPO_ROOT.parent / "shared"]
    for candidate in candidates:
        if candidate and (pathlib.Path(candidate) / "examples" / "fry-factory").is_dir():
            return pathlib.Path(candidate)
    return None


def parse_expected_findings(path: pathlib.Path) -> list[ExpectedLine]:
    """Parse `LINE[-LINE]  CATEGORY  CITED-SECTION` lines, skipping comments and blank lines."""
    expected = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        lines, category, *citation = line.split(maxsplit=2)
        first, _, last = lines.partition("-")
        expected.append(ExpectedLine(int(first), int(last or first), category, citation[0].strip() if citation else ""))
    return expected


@pytest.fixture(scope="session")
def fry_factory_source() -> pathlib.Path:
    """The shared Fry Factory example; skips the test when it is missing, or fails it under CI=true."""
    shared_dir = find_shared_dir()
    if shared_dir is None:
        message = f"shared test data not found (looked in $GUARDIAN_SHARED_DIR and {REPO_ROOT.parent / 'shared'})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires it")
        pytest.skip(message)
    return shared_dir / "examples" / "fry-factory"


@pytest.fixture(scope="session")
def expected_findings(fry_factory_source: pathlib.Path) -> list[ExpectedLine]:
    return parse_expected_findings(fry_factory_source / "expected-findings.txt")


@pytest.fixture
def workspace(tmp_path: pathlib.Path, fry_factory_source: pathlib.Path) -> pathlib.Path:
    """A writable copy of the Fry Factory example, with its .kiro/steering folder."""
    copy = tmp_path / "fry-factory"
    shutil.copytree(fry_factory_source, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return copy


@pytest.fixture(scope="session", autouse=True)
def require_guardian_bin() -> None:
    binary = guardian_bin()
    if not os.access(binary, os.X_OK):
        pytest.fail(f"guardian binary not found or not executable: {binary} (run 'cargo build -p guardian' or set GUARDIAN_BIN)")


@pytest_lsp.fixture(config=SERVER_CONFIG, params=list(RECORDED_CLIENTS))
async def client(lsp_client: GuardianTestClient, request: pytest.FixtureRequest, workspace: pathlib.Path):
    """A Guardian server initialized as each recorded client in turn, on a Fry Factory copy."""
    await start_session(lsp_client, request.param, workspace)
    yield
    await end_session(lsp_client)


def single_client_fixture(client_name: str):
    """Build a fixture for a test file about one recorded client."""

    @pytest_lsp.fixture(config=SERVER_CONFIG)
    async def fixture(lsp_client: GuardianTestClient, workspace: pathlib.Path):
        await start_session(lsp_client, client_name, workspace)
        yield
        await end_session(lsp_client)

    return fixture
