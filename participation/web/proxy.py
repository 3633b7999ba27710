"""The client's address behind a reverse proxy (TRUSTED_PROXIES).

Behind nginx every request comes from nginx's address; the real client is in the
X-Forwarded-For header that nginx appends to. The header is believed only when the
direct peer is one of our proxies, because anyone talking to the app directly can write
any address there. Read from the right, as each proxy appends what it saw: the first
address that is not one of our proxies is the client (what a client wrote into the
header itself stands further left and is never taken).

The login throttle and the report limit read request.client, which this sets; nothing
stores the address (see accounts/throttle.py).
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: tuple[str, ...] | list[str]) -> tuple[Network, ...]:
    """ "127.0.0.1", "10.0.0.0/8", "::1" -> networks; ValueError names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(for example 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _is_trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    return any(address in network for network in networks)


def forwarded_client(peer: str, header: str, networks: tuple[Network, ...]) -> str:
    """The client address for a request from ``peer`` carrying this X-Forwarded-For."""
    if not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    # Only our own proxies in the chain: the left-most is as close to the client as known.
    return hops[0] if hops else peer


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, *, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.networks = parse_networks(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client and self.networks:
            values = [v for k, v in scope["headers"] if k == b"x-forwarded-for"]
            if values:
                header = ",".join(v.decode("latin-1") for v in values)
                host = forwarded_client(client[0], header, self.networks)
                if host != client[0]:
                    scope = {**scope, "client": (host[:100], 0)}
        await self.app(scope, receive, send)
