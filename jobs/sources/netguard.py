"""Where ``kabar sources`` may connect, and until when.

The hosts the user typed (the URL given to ``sources add``; a source's url, feeds, sitemaps and
listings for ``sources check``) may be anywhere, loopback and intranet included. Any other host
(a redirect target, a link found on a page) only on public addresses: crawler.addresses holds
the rule the crawler applies too. A URL's host is checked by name before every request and
every redirect hop; a host name is resolved when the connection is made, every address is
checked, and the connection goes to those very addresses, so a name cannot pass the check with
one address and be connected to another. Through an HTTP proxy, names are the proxy's business
and only the name check applies (as in the crawler).

The same network backend holds each request to its total deadline: no connect, read or write
waits past it, however slowly a server drips its answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

from crawler.addresses import addresses_refusal, host_port, host_refusal, needs_resolving

Resolver = Callable[[str, int], Sequence[str]]


class Blocked(Exception):
    """A host on a non-public address that is not one of the source's own hosts."""

    def __init__(self, host: str, kind: str) -> None:
        super().__init__(f"{host}: {kind} address")
        self.host = host
        self.kind = kind


def resolve_all(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order."""
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


class AddressGuard:
    """The own hosts of the source being worked on, and the checks for every other host."""

    def __init__(self, resolve: Resolver = resolve_all) -> None:
        self.resolve = resolve
        self.own: frozenset[tuple[str, int | None]] = frozenset()

    def trust(self, urls: Iterable[str]) -> None:
        """Make the hosts (host and port) of ``urls`` the own hosts, whatever their address."""
        self.own = frozenset(host_port(urlsplit(url)) for url in urls)

    def check_url(self, url: str) -> None:
        """Refuse ``url`` when its host is non-public by name (``localhost``, a literal
        address) and not an own host; names are checked again when connecting."""
        host, port = host_port(urlsplit(url))
        if (host, port) in self.own:
            return
        kind = host_refusal(host)
        if kind:
            raise Blocked(host, kind)

    def addresses(self, host: str, port: int) -> list[str]:
        """Where to connect for ``host:port``: the host itself when it is an own host or a
        literal address (checked by :meth:`check_url`), else every address it resolves to,
        each one public; :class:`Blocked` when any is not."""
        host = host.lower()
        if (host, port) in self.own:
            return [host]
        kind = host_refusal(host)
        if kind:
            raise Blocked(host, kind)
        if not needs_resolving(host):
            return [host]
        try:
            resolved = list(self.resolve(host, port))
        except OSError as exc:  # reported like httpcore's own failure to resolve
            raise httpcore.ConnectError(str(exc)) from None
        if not resolved:
            raise httpcore.ConnectError(f"{host}: Name or service not known")
        kind = addresses_refusal(resolved)
        if kind:
            raise Blocked(host, kind)
        return resolved


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's sockets, connected only where the guard allows and never waiting past
    ``deadline`` (a time.monotonic() value the fetcher sets before each request)."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.deadline: float | None = None

    def wait(self, timeout: float | None, late: type[Exception]) -> float | None:
        """``timeout`` cut to what is left before the deadline; ``late`` once it has passed."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise late("the request's deadline has passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options=None
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in self.guard.addresses(host, port):
            try:
                stream = super().connect_tcp(
                    address, port, self.wait(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self)
        raise failure or httpcore.ConnectError(f"cannot connect to {host}")


class _DeadlineStream(httpcore.NetworkStream):
    """A connected socket whose every wait ends at the backend's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, backend: GuardedBackend) -> None:
        self._stream = stream
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._backend.wait(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._backend.wait(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._backend.wait(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self._backend)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


def guarded_client(backend: GuardedBackend, **options) -> httpx.Client:
    """An httpx client whose direct connections are made by ``backend``; requests that the
    environment sends through a proxy (HTTP_PROXY, NO_PROXY, ...) go as httpx sends them.

    httpx takes no network backend argument and reads the proxy environment only when it
    builds its own transport, so the client is built as usual and its direct transport's
    connection pool then rebuilt on ``backend`` (httpcore's public ``network_backend``).
    """
    client = httpx.Client(**options)
    transport = client._transport
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):  # a changed httpx: never unguarded
        raise TypeError(f"unexpected httpx transport {type(transport).__name__}")
    transport._pool.close()
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend)
    return client
