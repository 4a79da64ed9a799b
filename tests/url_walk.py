"""The live URL configuration as a list of routes, and a way to turn one into a URL.

Walks over every pattern (tests/dealerships/test_authz_matrix.py) use it, so a URL added
tomorrow is walked tomorrow.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Unnamed patterns that cannot be reversed and hold no tenant data.
UNNAMED_ALLOWED = ("(?P<url>.*)$",)  # the admin's catch-all redirect


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    callback: object
    keywords: tuple[str, ...]

    @property
    def view_class(self) -> object:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(
                name=name,
                route=prefix + str(entry.pattern),
                callback=entry.callback,
                keywords=tuple(entry.pattern.regex.groupindex),
            )


def routes_to_walk() -> list[Route]:
    """Every URL pattern of the live URL configuration but the admin's catch-all."""
    return [r for r in _walk(get_resolver().url_patterns) if not r.route.endswith(UNNAMED_ALLOWED)]


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_for(route: Route, kwargs: dict[str, object]) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # Unnamed path() routes (the admin's legacy object URL): substitute the converters.
    assert "^" not in route.route, f"unnamed regex URL {route.route}: name it so a walk can reverse it"
    return "/" + _CONVERTER.sub(lambda m: str(kwargs[m.group(1)]), route.route)
