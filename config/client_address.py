"""The address a request came from, for rate limits: behind a load balancer REMOTE_ADDR is the
balancer's, so the client's is read from X-Forwarded-For, but only as far as the proxies that
settings.TRUSTED_PROXIES names (none by default: then the header is anybody's to forge)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, when that is a trusted proxy, the last address in X-Forwarded-For that
    is not one (each proxy appends the address it received the request from)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted(address):
        return address
    forwarded = [
        hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            return hop
    return forwarded[0] if forwarded else address
