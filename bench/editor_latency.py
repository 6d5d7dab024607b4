"""Measure edit-to-diagnostics latency and memory of language servers.

Drives `guardian lsp` and `ruff server` over stdio with the same script, in
one run. For generated Python files of 1k, 10k and 50k lines, it sends 200
one-character edits 20 ms apart. Each edit is timed until the server publishes
diagnostics for that edit's version or a later one. The client does not
declare pull diagnostics, so both servers push `textDocument/publishDiagnostics`.
Then, in a fresh server, open 100 files of 1k lines, wait for diagnostics on
all of them and read the server's peak and current RSS (VmHWM, VmRSS) from
/proc/PID/status.

Usage: python3 bench/editor_latency.py [--guardian PATH] [--ruff PATH] [--memory-only]
`--memory-only` skips the latency part and measures only the 100 open files.
Needs only the Python standard library and Linux /proc. Prints a Markdown
table. Ruff is configured through a ruff.toml in the temporary workspace with
`lint.select = ["S"]`, the rule set Guardian is compared with.
"""

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SIZES = (1_000, 10_000, 50_000)
EDIT_COUNT = 200
EDIT_INTERVAL_SECONDS = 0.020
DIAGNOSTICS_TIMEOUT_SECONDS = 60.0
OPEN_FILE_COUNT = 100
OPEN_FILE_LINES = 1_000

# One block of application code, 25 lines. `{n}` keeps names unique so the
# generated file is deterministic but not one repeated function. `{query}` and
# `{archive}` are filled with a vulnerable form in one block of
# VULNERABLE_EVERY and a safe form in the others, so findings stay sparse, as
# in real code, and the measured cost is mostly the analysis of clean code.
BLOCK_TEMPLATE = '''\
def load_order_{n}(connection, order_id, user):
    """Load one order and ping the audit service."""
    cursor = connection.cursor()
    cursor.execute({query})
    row = cursor.fetchone()
    if row is None:
        return None
    safe = connection.execute("SELECT total FROM orders WHERE id = ?", (order_id,))
    report = subprocess.run(["wc", "-l", "/tmp/order-{n}.log"], capture_output=True)
    archive = subprocess.run({archive})
    response = requests.get("https://audit.example/orders/{n}", timeout=5)
    total = sum(line.amount for line in row.lines if line.amount > 0)
    return {{"order": row, "total": total, "safe": safe, "report": report, "archive": archive, "status": response.status_code}}


class OrderView{n}:
    template = "order.html"

    def get(self, request, pk):
        order = load_order_{n}(request.db, pk, request.user.name)
        return render(request, self.template, {{"order": order}})

    def post(self, request, pk):
        requests.post("https://hooks.example/{n}", json={{"pk": pk}}, timeout=3)  # edit here
        return redirect("order", pk=pk)
'''
VULNERABLE_EVERY = 10
VULNERABLE_FORMS = {
    "query": '"SELECT * FROM orders WHERE id = %s" % order_id',
    "archive": '"tar czf /tmp/o.tgz " + user, shell=True',
}
SAFE_FORMS = {
    "query": '"SELECT * FROM orders WHERE id = %s", (order_id,)',
    "archive": '["tar", "czf", "/tmp/o.tgz", user]',
}
HEADER = "import subprocess\n\nimport requests\nfrom django.shortcuts import redirect, render\n\n\n"


def generate_python(line_count: int) -> str:
    """Return deterministic Python source of about `line_count` lines."""
    block_lines = BLOCK_TEMPLATE.count("\n") + 2
    blocks = []
    for n in range(max(1, line_count // block_lines)):
        forms = VULNERABLE_FORMS if n % VULNERABLE_EVERY == 0 else SAFE_FORMS
        blocks.append(BLOCK_TEMPLATE.format(n=n, **forms))
    return HEADER + "\n\n".join(blocks)


class LanguageServer:
    """One language server process spoken to over stdio with JSON-RPC framing."""

    def __init__(self, name: str, command: list[str], workspace: Path):
        self.name = name
        self.process = subprocess.Popen(
            command,
            cwd=workspace,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 1
        self.responses: dict[int, queue.Queue] = {}
        self.diagnostics: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read_messages, daemon=True)
        self.reader.start()

    def _read_messages(self) -> None:
        stream = self.process.stdout
        while True:
            content_length = None
            while True:
                header = stream.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    content_length = int(value.strip())
            if content_length is None:
                raise RuntimeError(f"{self.name}: message without Content-Length header")

            message = json.loads(stream.read(content_length))
            received_at = time.perf_counter()
            self._dispatch(message, received_at)

    def _dispatch(self, message: dict, received_at: float) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics.put((received_at, message["params"]))
        elif method is not None and "id" in message:
            self._answer_server_request(message)
        elif method is None and "id" in message:
            self.responses.setdefault(message["id"], queue.Queue()).put(message)

    def _answer_server_request(self, request: dict) -> None:
        if request["method"] == "workspace/configuration":
            result = [None for _ in request["params"]["items"]]
        else:
            result = None
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        request_id = self.next_id
        self.next_id += 1
        waiter = self.responses.setdefault(request_id, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        response = waiter.get(timeout=DIAGNOSTICS_TIMEOUT_SECONDS)
        if "error" in response:
            raise RuntimeError(f"{self.name}: {method} failed: {response['error']}")
        return response["result"]

    def notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, workspace: Path) -> None:
        capabilities = {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {
                "synchronization": {"didSave": True},
                "publishDiagnostics": {"versionSupport": True},
            },
            "workspace": {"configuration": True, "workspaceFolders": True},
        }
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "workspaceFolders": [{"uri": workspace.as_uri(), "name": "bench"}],
                "capabilities": capabilities,
            },
        )
        self.notify("initialized", {})

    def wait_for_diagnostics(self, uri: str, min_version: int | None, sent_at: float) -> float | None:
        """Return the arrival time of the first publish for `uri` that covers `min_version`.

        A publish without a version counts when it arrives after `sent_at`,
        because a server may leave the version out.
        """
        deadline = time.perf_counter() + DIAGNOSTICS_TIMEOUT_SECONDS
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                received_at, params = self.diagnostics.get(timeout=remaining)
            except queue.Empty:
                return None
            if params["uri"] != uri:
                continue
            version = params.get("version")
            if version is None and received_at >= sent_at:
                return received_at
            if version is not None and (min_version is None or version >= min_version):
                return received_at

    def memory_kib(self) -> dict[str, int]:
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0])
        return fields

    def shutdown(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except (RuntimeError, queue.Empty, subprocess.TimeoutExpired, BrokenPipeError):
            self.process.kill()
            self.process.wait()


def open_document(server: LanguageServer, path: Path, text: str) -> None:
    path.write_text(text)
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 0, "text": text}},
    )


def edit_position(text: str) -> tuple[int, int]:
    """Return the line and UTF-16 column just after the middle `# edit here` comment."""
    lines = text.split("\n")
    marked = [number for number, line in enumerate(lines) if line.endswith("# edit here")]
    line = marked[len(marked) // 2]
    return line, len(lines[line])


def measure_edits(server: LanguageServer, workspace: Path, line_count: int) -> dict:
    """Send EDIT_COUNT edits that alternately insert and delete one character."""
    path = workspace / f"latency_{line_count}.py"
    text = generate_python(line_count)
    uri = path.as_uri()
    open_document(server, path, text)
    if server.wait_for_diagnostics(uri, 0, 0.0) is None:
        raise RuntimeError(f"{server.name}: no diagnostics for the opened {line_count}-line file")

    line, column = edit_position(text)
    sent_at: dict[int, float] = {}
    for version in range(1, EDIT_COUNT + 1):
        inserting = version % 2 == 1
        end_column = column if inserting else column + 1
        change = {
            "range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": end_column}},
            "text": "x" if inserting else "",
        }
        sent_at[version] = time.perf_counter()
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        time.sleep(EDIT_INTERVAL_SECONDS)

    latencies = collect_latencies(server, uri, sent_at)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return latencies


def collect_latencies(server: LanguageServer, uri: str, sent_at: dict[int, float]) -> dict:
    """Match each edit to the first publish that covers its version.

    Publishes already queued are read in arrival order, so an edit that the
    server skipped (a newer version arrived first) takes the time of the
    publish that covered it.
    """
    arrivals: list[tuple[float, int | None]] = []
    last_version = max(sent_at)
    while True:
        received_at = None
        try:
            received_at, params = server.diagnostics.get(timeout=DIAGNOSTICS_TIMEOUT_SECONDS)
        except queue.Empty:
            break
        if params["uri"] != uri:
            continue
        version = params.get("version")
        arrivals.append((received_at, version))
        if version == last_version or (version is None and received_at > sent_at[last_version]):
            break

    latencies_ms = []
    exact_matches = 0
    for version, sent in sent_at.items():
        for received_at, published_version in arrivals:
            covers = published_version >= version if published_version is not None else received_at >= sent
            if covers and received_at >= sent:
                latencies_ms.append((received_at - sent) * 1000)
                exact_matches += published_version == version
                break

    return {"latencies_ms": latencies_ms, "exact_matches": exact_matches, "publishes": len(arrivals)}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def measure_memory(name: str, command: list[str], workspace: Path) -> dict[str, int]:
    """Open OPEN_FILE_COUNT files in a fresh server and read its memory once all have diagnostics."""
    server = LanguageServer(name, command, workspace)
    try:
        server.initialize(workspace)
        uris = []
        for index in range(OPEN_FILE_COUNT):
            path = workspace / f"open_{index:03}.py"
            text = generate_python(OPEN_FILE_LINES).replace("load_order_", f"load_order_f{index}_")
            open_document(server, path, text)
            uris.append(path.as_uri())

        pending = set(uris)
        deadline = time.perf_counter() + DIAGNOSTICS_TIMEOUT_SECONDS
        while pending and time.perf_counter() < deadline:
            try:
                _, params = server.diagnostics.get(timeout=1.0)
            except queue.Empty:
                continue
            pending.discard(params["uri"])
        if pending:
            raise RuntimeError(f"{name}: {len(pending)} of {OPEN_FILE_COUNT} files got no diagnostics")
        return server.memory_kib()
    finally:
        server.shutdown()


def measure_server(name: str, command: list[str], measure_latency: bool) -> dict:
    by_size = {}
    if measure_latency:
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as directory:
            workspace = Path(directory)
            (workspace / "ruff.toml").write_text('[lint]\nselect = ["S"]\n')
            server = LanguageServer(name, command, workspace)
            try:
                server.initialize(workspace)
                by_size = {size: measure_edits(server, workspace, size) for size in SIZES}
            finally:
                server.shutdown()

    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-memory-") as directory:
        workspace = Path(directory)
        (workspace / "ruff.toml").write_text('[lint]\nselect = ["S"]\n')
        memory = measure_memory(name, command, workspace)

    return {"by_size": by_size, "memory_kib": memory}


def print_tables(results: dict[str, dict], measure_latency: bool) -> None:
    if measure_latency:
        print_latency_table(results)
        print()
    print_memory_table(results)


def print_latency_table(results: dict[str, dict]) -> None:
    print(f"Edit-to-diagnostics latency, {EDIT_COUNT} edits {EDIT_INTERVAL_SECONDS * 1000:.0f} ms apart:\n")
    print("| server | lines | median | p99 | max | edits measured | publishes for the exact version |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, result in results.items():
        for size, measured in result["by_size"].items():
            latencies = measured["latencies_ms"]
            if not latencies:
                print(f"| {name} | {size} | n/a | n/a | n/a | 0/{EDIT_COUNT} | 0 |")
                continue
            print(
                f"| {name} | {size} | {statistics.median(latencies):.2f} ms | {percentile(latencies, 0.99):.2f} ms "
                f"| {max(latencies):.2f} ms | {len(latencies)}/{EDIT_COUNT} | {measured['exact_matches']} |"
            )



def print_memory_table(results: dict[str, dict]) -> None:
    print(f"Memory after opening {OPEN_FILE_COUNT} files of {OPEN_FILE_LINES} lines:\n")
    print("| server | peak RSS (VmHWM) | RSS (VmRSS) |")
    print("| --- | ---: | ---: |")
    for name, result in results.items():
        memory = result["memory_kib"]
        print(f"| {name} | {memory['VmHWM'] / 1024:.1f} MiB | {memory['VmRSS'] / 1024:.1f} MiB |")


def main() -> None:
    repository_root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guardian", default=str(repository_root / "target/release/guardian"))
    parser.add_argument("--ruff", default=str(repository_root / "bench/.venv/bin/ruff"))
    parser.add_argument("--json", help="also write the raw latencies to this file")
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="skip the latency part and measure only the memory with open files",
    )
    arguments = parser.parse_args()

    servers = {
        "guardian lsp": [arguments.guardian, "lsp"],
        "ruff server": [arguments.ruff, "server"],
    }
    results = {}
    for name, command in servers.items():
        if not Path(command[0]).exists():
            sys.exit(f"error: {command[0]} not found; build Guardian in release mode and run bench/setup.sh")
        print(f"measuring {name}", file=sys.stderr)
        results[name] = measure_server(name, command, measure_latency=not arguments.memory_only)

    if arguments.json:
        Path(arguments.json).write_text(json.dumps(results, indent=1))
    print_tables(results, measure_latency=not arguments.memory_only)


if __name__ == "__main__":
    main()
