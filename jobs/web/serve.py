"""``kabar serve``: check the binding and auth rules, then run the application with uvicorn.

Loopback (127.0.0.1, ::1, localhost) needs nothing; any other address needs
``KABAR_WEB_PASSWORD`` (HTTP basic auth, user ``KABAR_WEB_USER`` or ``kabar``) or an explicit
``--no-auth`` (e.g. behind a reverse proxy that does the auth). A set password is always
enforced, on loopback too. Absolute links (feeds, API) start with ``--base-url``, else
``[web] base_url``, else the scheme and Host of each request.
"""

from __future__ import annotations

import logging
import os
import socket

from crawler.config import Paths, parse_base_url
from jobs import logsetup
from jobs.errors import UsageError
from jobs.web.security import is_loopback

logger = logging.getLogger(__name__)

PASSWORD_ENV, USER_ENV = "KABAR_WEB_PASSWORD", "KABAR_WEB_USER"


def auth_settings(host: str, no_auth: bool, environ=os.environ) -> tuple[str | None, str]:
    """(password or None, user) for serving on ``host``; UsageError when that is not allowed."""
    password = environ.get(PASSWORD_ENV) or None
    user = environ.get(USER_ENV) or "kabar"
    if password is None and not no_auth and not is_loopback(host):
        raise UsageError(
            f"serving on {host} (beyond this machine) needs a password: set {PASSWORD_ENV} "
            f"for HTTP basic auth, or pass --no-auth if a reverse proxy does the auth"
        )
    return password, user


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot serve on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(
    paths: Paths, *, host: str, port: int, no_auth: bool = False, verbose: int = 0, base_url: str | None = None
) -> int:
    import uvicorn

    from jobs.archive_access import search_engine_for
    from jobs.web.app import create_app

    password, user = auth_settings(host, no_auth)
    public = parse_base_url(base_url, "--base-url") if base_url is not None else paths.config.web.base_url
    _check_port(host, port)
    app = create_app(search_engine_for(paths), password=password, user=user, base_url=public)
    shown = f"[{host}]" if ":" in host else host
    auth = f"basic auth as {user!r}" if password else "no auth"
    links = f"; links use {public}" if public else ""
    logsetup.say(f"serving http://{shown}:{port}/ ({auth}{links}; Ctrl-C to stop)")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info" if verbose else "warning",
        access_log=bool(verbose),
        proxy_headers=True,
        server_header=False,
        log_config=None,
    )
    uvicorn.Server(config).run()
    logger.info("web server stopped")
    return 0
