"""What checking a `--set NAME=VALUE` costs the monitor: Scrapy's defaults read with `ast` from
its default_settings file (portalcrawl.settingscheck._defaults) against importing them the
plain way.

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
}


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
    out = ROOT / "benchmarks" / "results" / "settings.json"
    out.write_text(json.dumps({**figures, "saving": round(saving, 3)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
