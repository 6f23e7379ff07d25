"""The HTTP side of the OpenAI-compatible back-end: one POST that never follows a
redirect, and redaction of credentials from every message it writes.

urllib's default opener follows a 302 to any host with the request's headers, the
``Authorization: Bearer`` key among them, and returns that host's reply. A chat POST has
no business being redirected (a followed 302 even turns it into a GET), so every
redirect is refused with an error naming where it pointed.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any

_USERINFO_RE = re.compile(r"(?<=//)[^/?#@\s]*@")
REDACTED = "***"


class Redirected(Exception):
    """The server answered with a redirect, which is never followed."""

    def __init__(self, code: int, location: str):
        super().__init__(f"HTTP {code} redirect to {location}")
        self.code, self.location = code, location


class Transient(Exception):
    """A failure another try might fix (timeout, connection, 408/429/5xx)."""


class Failed(Exception):
    """A failure another try will not fix (4xx, a redirect)."""


class Redactor:
    """Replaces each secret (an API key, URL userinfo) with ``***`` in a text.

    >>> Redactor(["sk-123"])("key sk-123 rejected; see http://u:pw@host/v1")
    'key *** rejected; see http://***@host/v1'
    """

    def __init__(self, secrets: Iterable[str | None]):
        found = {s for s in secrets if s}
        found |= {urllib.parse.quote(s, safe="") for s in found}
        self._secrets = sorted(found, key=len, reverse=True)  # longest first

    def __call__(self, text: str) -> str:
        """The text without secrets or URL userinfo."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return hide_userinfo(text)


def hide_userinfo(text: str) -> str:
    """``scheme://user:pass@host`` written as ``scheme://***@host``.

    >>> hide_userinfo("openai:https://me:key@example.org/v1#m")
    'openai:https://***@example.org/v1#m'
    """
    return _USERINFO_RE.sub(REDACTED + "@", text)


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without userinfo, user, password); both None when there is none.

    >>> split_userinfo("http://ann:s%3Acret@127.0.0.1:8000/v1")
    ('http://127.0.0.1:8000/v1', 'ann', 's:cret')
    """
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=host))
    return (clean, urllib.parse.unquote(user) or None,
            urllib.parse.unquote(password) if password else None)


def basic_auth(user: str, password: str | None) -> str:
    """The ``Authorization`` value for URL userinfo (HTTP Basic)."""
    token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
    return f"Basic {token}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        fp.close()
        raise Redirected(code, newurl)


_OPENER = urllib.request.build_opener(_RefuseRedirects())
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> bytes:
    """POST and return the body of a 2xx reply.

    Raises:
        Transient: a timeout, a connection failure or a 408/429/5xx reply.
        Failed: any other HTTP error, or a redirect (never followed).
    Messages are not redacted here: the caller redacts.
    """
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.read()
    except Redirected as error:
        raise Failed(f"{url} answered HTTP {error.code} redirecting to {error.location}; "
                     "redirects are not followed (they could carry the API key to another "
                     "host): set base_url to the final address") from None
    except urllib.error.HTTPError as error:
        message = f"{url} answered HTTP {error.code}: {error_message(error)}"
        raise (Transient if error.code in RETRY_STATUSES else Failed)(message) from None
    except TimeoutError:
        raise Transient(f"{url} timed out after {timeout:g}s") from None
    except urllib.error.URLError as error:
        # Connect-time timeouts arrive wrapped in URLError.
        if isinstance(error.reason, TimeoutError):
            raise Transient(f"{url} timed out after {timeout:g}s") from None
        raise Transient(f"{url} unreachable: {error.reason}") from None
    except (ConnectionError, OSError) as error:
        raise Transient(f"{url} connection failed: {error}") from None


def error_message(error: urllib.error.HTTPError) -> str:
    """The server's own words from an error reply.

    OpenAI's ``{"error": {"message"}}``, vLLM's ``{"message"}``, FastAPI's ``{"detail"}``,
    or else the raw body (at most 500 characters).
    """
    try:
        raw = error.read().decode("utf-8", errors="replace")
    except OSError:
        return error.reason or "no body"
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return raw.strip()[:500] or str(error.reason)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:500]
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return body[key][:500]
    return raw.strip()[:500]
