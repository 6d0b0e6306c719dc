"""`python -m monitor.localportal`: serve the local copy of the portal until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import threading

from monitor.localportal.corpus import build_corpus
from monitor.localportal.server import PortalServer
from monitor.localportal.variants import VARIANTS


def main(argv: list[str] | None = None) -> None:
    """Build a corpus and serve it on loopback, printing the base URL."""
    parser = argparse.ArgumentParser(
        prog="python -m monitor.localportal", description="Serve the local copy of the portal."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed")
    parser.add_argument("--articles", type=int, default=300, help="number of articles")
    parser.add_argument(
        "--template", choices=("default", "redesign"), default="default", help="article markup"
    )
    parser.add_argument(
        "--variant", choices=tuple(VARIANTS), default="default", help="which portal to render"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        server = PortalServer(
            build_corpus(seed=args.seed, n=args.articles),
            host=args.host,
            port=args.port,
            template=args.template,
            variant=args.variant,
        )
    except ValueError as exc:
        parser.error(str(exc))
    with server:
        print(
            f"local portal at {server.base_url} ({args.articles} articles); Ctrl-C stops",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
