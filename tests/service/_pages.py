"""Helpers of the page tests: sign in over HTTP and carry the session cookie by hand.

The pages set only ``Secure`` cookies; httpx (like Python's cookiejar) does not
send them back over ``http://``, while browsers do on ``127.0.0.1``. The tests
therefore read ``Set-Cookie`` and send ``Cookie`` themselves.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

import httpx

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Every ``Set-Cookie`` of a response, parsed, by cookie name."""
    out: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            out[name] = jar
    return out


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


class Browser:
    """A minimal cookie-carrying client of the pages (no redirects followed)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for name, jar in set_cookies(response).items():
            morsel = jar[name]
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return response

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.client.get(url, headers=headers, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.client.post(url, headers=headers, **kwargs))

    def sign_in(self, name: str, password: str) -> httpx.Response:
        form = self.get("/web/sign-in")
        token = csrf_of(form.text)
        response = self.post(
            "/web/sign-in",
            data={"name": name, "password": password, "csrf_token": token, "next": "/web/"},
        )
        return response

    def csrf(self, url: str = "/web/") -> str:
        return csrf_of(self.get(url).text)
