"""A small HTTP "browser" for the stack test: one cookie jar across web nodes, forms read from
the page as a browser would submit them (every field's current value, then the user's input),
CSRF from the form, and the headers a TLS-terminating load balancer adds. Requests go to one
node's port; `Host` is the site's name, so both nodes serve the same site."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import requests

HOST = "kpi.example.test"
ORIGIN = f"https://{HOST}"


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self._input(a)
        elif tag == "select":
            self._select, self._select_value, self._first_option = a.get("name"), None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        if kind in {"submit", "button", "file", "image", "reset"}:
            return
        if kind in {"checkbox", "radio"} and "checked" not in a:
            return
        default = "on" if kind == "checkbox" else ""
        self.forms[-1].fields.append((a["name"], a.get("value", default)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self.forms[-1].fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **(extra or {})}

    def _keep(self, response: requests.Response) -> requests.Response:
        # The cookies are Secure (DEBUG=0): a browser behind TLS sends them; keep them here.
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def request(
        self, method: str, port: int, path: str, *, follow: bool = True, **kwargs
    ) -> requests.Response:
        url = f"http://127.0.0.1:{port}{path}"
        extra = kwargs.pop("headers", None)
        if method != "GET":
            extra = {"Origin": ORIGIN, "Referer": ORIGIN + path, **(extra or {})}
        response = self._keep(
            requests.request(
                method,
                url,
                headers=self._headers(extra),
                allow_redirects=False,
                timeout=30,
                **kwargs,
            )
        )
        for _ in range(10):
            if not follow or response.status_code not in (301, 302, 303):
                break
            location = urlsplit(response.headers["Location"])
            target = location.path + (f"?{location.query}" if location.query else "")
            response = self._keep(
                requests.get(
                    f"http://127.0.0.1:{port}{target}",
                    headers=self._headers(),
                    allow_redirects=False,
                    timeout=30,
                )
            )
        return response

    def get(self, port: int, path: str, **kwargs) -> requests.Response:
        return self.request("GET", port, path, **kwargs)

    def submit(
        self,
        port: int,
        path: str,
        values: dict[str, str],
        *,
        action_contains: str = "",
        files: dict | None = None,
        follow: bool = True,
    ) -> requests.Response:
        """Open `path`, take its form (the first whose action contains `action_contains` and
        that has the fields given), fill in `values` and send it, as a person would."""
        page = self.get(port, path)
        assert page.status_code == 200, (path, page.status_code)
        wanted = set(values) - {"csrfmiddlewaretoken"}
        for form in forms_in(page.text):
            names = {name for name, _ in form.fields}
            if action_contains in form.action and wanted <= names | set(files or {}):
                break
        else:
            raise AssertionError(f"no form with {sorted(wanted)} on {path}")
        data = [(n, v) for n, v in form.fields if n not in values] + list(values.items())
        target = urlsplit(form.action).path or path
        return self.request("POST", port, target, data=data, files=files, follow=follow)
