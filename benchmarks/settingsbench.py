"""What checking a `--set NAME=VALUE` costs the monitor: Scrapy's defaults read with `ast` from
its default_settings file (portalcrawl.settingscheck._defaults) against importing them the
plain way; and what the up-front check itself costs (check_settings on every known setting,
in process: the monitor's import of its runner is the rest).

Each way runs in a fresh interpreter (best of N), as the monitor pays it once per command.
Prints the figures and writes benchmarks/results/settings.json.

    .venv/bin/python benchmarks/settingsbench.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYS = {
    "bare interpreter": "pass",
    "ast (what the monitor does)": "from portalcrawl.settingscheck import _defaults; _defaults()",
    "import scrapy's default_settings": (
        "from scrapy.settings import default_settings as d; import portalcrawl.settings; "
        "{k: getattr(d, k) for k in dir(d) if k.isupper()}"
    ),
    "monitor.runner imported + check_run_options": (
        "from monitor.config import Config; from monitor.runner import check_run_options; "
        "check_run_options(Config(portal_url='http://127.0.0.1:9'), [], "
        "['DOWNLOAD_DELAY=0', 'CONCURRENT_REQUESTS=8'])"
    ),
}


def every_rule_once() -> float:
    """Seconds to check every known setting at its default, in this process (defaults read)."""
    from portalcrawl.settingscheck import _defaults, check_settings

    known = {k: v for k, v in _defaults().items() if isinstance(v, int | float | str)}
    start = time.perf_counter()
    for _ in range(100):
        check_settings(known)
    return (time.perf_counter() - start) / 100


def best_of(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    figures = {name: round(best_of(code, args.repeat), 3) for name, code in WAYS.items()}
    for name, seconds in figures.items():
        print(f"{name:36} {seconds:.3f} s")
    saving = figures["import scrapy's default_settings"] - figures["ast (what the monitor does)"]
    print(f"{'saving per monitor command':36} {saving:.3f} s")
    sys.path.insert(0, str(ROOT))
    check = every_rule_once()
    print(f"{'check_settings, every known setting':36} {check * 1000:.3f} ms")
    out = ROOT / "benchmarks" / "results" / "settings.json"
    figures["saving"] = round(saving, 3)
    figures["check_settings every setting (ms)"] = round(check * 1e3, 3)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
