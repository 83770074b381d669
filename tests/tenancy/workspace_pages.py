"""Every page under /w/<slug>/, from the URL resolver: the isolation matrix and the CSP tests
walk the same list, so a new page is covered the day it is added."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def workspace_pages() -> list[tuple[str, str, object]]:
    """(namespaced name, route, view) of every URL pattern under /w/<slug>/."""
    found: list[tuple[str, str, object]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and route.startswith("w/<slug:slug>/") and p.name:
                found.append((namespace + p.name, route, p.callback))

    walk(get_resolver().url_patterns, "", "")
    return found
