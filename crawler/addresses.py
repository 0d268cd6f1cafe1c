"""The private-address rule, as pure functions: which hosts and addresses are not on the public
internet. The crawler's PrivateAddressGuard and ``kabar sources`` both apply it, each with its
own way of resolving names and of knowing a source's own hosts."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = re.compile(r"^(localhost|ip6-localhost|ip6-loopback)$|\.localhost$", re.I)
# Legacy IPv4 spellings the OS resolver accepts: 2130706433, 0x7f.1, 127.1 ...
LEGACY_IPV4 = re.compile(r"^[0-9a-fA-FxX.]+$")
# Address properties that make an address non-public, in the order they are reported.
NON_PUBLIC_KINDS = ("loopback", "link_local", "unspecified", "multicast", "reserved", "private")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def literal_address(host: str) -> Address | None:
    """The address a host name *is* (``10.0.0.1``, ``[::1]``, ``2130706433``), else None."""
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not LEGACY_IPV4.match(host) or not any(c.isdigit() for c in host):
            return None
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def non_public(address: Address) -> str | None:
    """Why ``address`` is not on the public internet (``"loopback"``, ``"private"``, …), or None."""
    for kind in NON_PUBLIC_KINDS:
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def host_refusal(host: str) -> str | None:
    """Why ``host`` is non-public by its name alone (a ``localhost`` name, a literal non-public
    address), or None: a public literal address, or a name whose addresses decide."""
    if LOOPBACK_NAMES.search(host):
        return "loopback"
    address = literal_address(host)
    return non_public(address) if address is not None else None


def needs_resolving(host: str) -> bool:
    """Whether ``host`` is a name whose resolved addresses must be checked too."""
    return bool(host) and not LOOPBACK_NAMES.search(host) and literal_address(host) is None


def addresses_refusal(addresses: Iterable[str]) -> str | None:
    """Why a host that resolves to ``addresses`` is non-public (the first non-public one
    decides), or None when every one of them is public."""
    for text in addresses:
        address = literal_address(text)
        reason = non_public(address) if address is not None else "non-public"
        if reason:
            return reason
    return None


def host_port(url_parts: Any) -> tuple[str, int | None]:
    """(lower-case host, port with the scheme's default filled in) of a parsed URL."""
    try:
        port = url_parts.port
    except ValueError:
        port = None
    return (url_parts.hostname or "").lower(), port or DEFAULT_PORTS.get(url_parts.scheme)
