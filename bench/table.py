"""Print the Markdown table of one bench/run.sh result folder.

Reads the hyperfine exports (fast.json, and slow.json when present) and the
rss-<name>.txt files that GNU time appended to, one peak RSS in KiB per run.
Ratios are wall-time medians divided by Ruff's median from the same run. The
CPU column is hyperfine's mean user plus system time, which other load on the
machine disturbs less than wall time.
"""

import json
import statistics
import sys
from pathlib import Path


def load_results(folder: Path) -> list[dict]:
    results = []
    for name in ("fast.json", "slow.json"):
        export = folder / name
        if export.exists():
            results.extend(json.loads(export.read_text())["results"])
    return results


def peak_rss_mib(folder: Path, name: str) -> str:
    rss_file = folder / f"rss-{name}.txt"
    if not rss_file.exists():
        return "n/a"

    values = [int(line) for line in rss_file.read_text().split() if line.isdigit()]
    if not values:
        return "n/a"
    return f"{max(values) / 1024:.0f} MiB"


def main() -> None:
    folder = Path(sys.argv[1])
    results = load_results(folder)
    by_name = {result["command"]: result for result in results}
    if "ruff" not in by_name:
        sys.exit(f"error: no Ruff result in {folder}; the ratios need it")
    ruff_median = statistics.median(by_name["ruff"]["times"])

    ruff_cpu = by_name["ruff"]["user"] + by_name["ruff"]["system"]

    print("| tool | runs | median | min | max | ratio to Ruff | CPU (user+sys) | CPU ratio to Ruff | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        times = result["times"]
        median = statistics.median(times)
        cpu = result["user"] + result["system"]
        print(
            f"| {result['command']} | {len(times)} | {median:.2f} s | {min(times):.2f} s "
            f"| {max(times):.2f} s | {median / ruff_median:.1f}× | {cpu:.1f} s | {cpu / ruff_cpu:.1f}× "
            f"| {peak_rss_mib(folder, result['command'])} |"
        )


if __name__ == "__main__":
    main()
