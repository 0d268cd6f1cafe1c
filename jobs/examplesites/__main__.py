"""``python -m jobs.examplesites serve`` | ``sources``."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from .config import DEFAULT_BASE_PORT, default_bases, sources_toml
from .server import ExampleSites
from .stories import StoryError


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m jobs.examplesites", description=__doc__)
    parser.add_argument("--stories", help="directory of story TOML files (default: bundled)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the sites until interrupted")
    serve.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    sources = sub.add_parser("sources", help="print sources.toml for the default ports")
    sources.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "sources":
            sys.stdout.write(sources_toml(default_bases(args.base_port)))
        else:
            with ExampleSites(args.base_port, stories_dir=args.stories) as sites:
                sys.stdout.write(sites.sources_toml())
                sys.stdout.flush()
                while True:
                    time.sleep(3600)
    except StoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
