"""``kabar serve``: the web pages, JSON API and Atom feeds of jobs/web/."""

from __future__ import annotations

import argparse

from jobs.cli.parser import Commands, paths_of

EXAMPLES = {
    "serve": ["kabar serve", "kabar serve --port 8080 --host 0.0.0.0 --no-auth"],
}


def add_commands(commands: Commands) -> None:
    serve = commands.add("serve", help="web pages, JSON API and Atom feeds over the archive (read-only)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; others need KABAR_WEB_PASSWORD or --no-auth)",
    )
    serve.add_argument("--port", type=int, default=8080, metavar="N", help="port (default 8080)")
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="serve beyond loopback without a password (a reverse proxy does the auth)",
    )
    serve.add_argument(
        "--base-url",
        metavar="URL",
        help="public address for feed and API links, whatever the Host header says (default: [web] base_url)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from jobs.web.serve import serve

    return serve(
        paths_of(args),
        host=args.host,
        port=args.port,
        no_auth=args.no_auth,
        verbose=args.verbose,
        base_url=args.base_url,
    )


COMMANDS = {"serve": cmd_serve}
