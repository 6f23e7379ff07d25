"""Download one file over plain HTTP(S), verify its SHA-256, and only then put it in place.

The bytes stream into a ``.part`` file next to the target while they are hashed; a wrong
checksum or a broken transfer leaves the target untouched (an earlier good copy stays).
A host that cannot be reached (no DNS, refused, timed out), or ``AGEMEM_OFFLINE=1``, is
``Offline``: the command says so in one line instead of failing deep inside urllib.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

OFFLINE_ENV = "AGEMEM_OFFLINE"
_CHUNK = 1 << 20


class Offline(Exception):
    """The host of a URL cannot be reached from here (or the user said we are offline)."""


class DownloadError(Exception):
    """The server answered, but not with the file asked for (HTTP error, wrong bytes)."""


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, target: Path, sha256: str, *, size: int | None = None,
             progress: bool = True, timeout: float = 30.0) -> None:
    """Fetch ``url`` into ``target`` if its SHA-256 is ``sha256``.

    Raises:
        Offline: the host cannot be reached, or ``$AGEMEM_OFFLINE`` is set.
        DownloadError: an HTTP error status, or bytes whose checksum is not ``sha256``.
    """
    host = urllib.parse.urlsplit(url).hostname or url
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        raise Offline(f"{OFFLINE_ENV} is set")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        got = _stream(url, part, size, progress, timeout)
        if got != sha256:
            raise DownloadError(f"{url} gave bytes with sha256 {got}, expected {sha256}; "
                                "nothing was placed")
        os.replace(part, target)
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{host} answered {err.code} {err.reason} for {url}") from err
    except urllib.error.URLError as err:  # urllib wraps what fails before a reply
        raise Offline(f"cannot reach {host} ({err.reason})") from err
    except (TimeoutError, ConnectionError) as err:
        raise DownloadError(f"the transfer from {host} broke off ({err}); nothing was "
                            "placed") from err
    finally:
        part.unlink(missing_ok=True)


def _stream(url: str, part: Path, size: int | None, progress: bool, timeout: float) -> str:
    """Write the response body to ``part`` and return its SHA-256."""
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "agemem-gym"})
    with urllib.request.urlopen(request, timeout=timeout) as response, \
            part.open("wb") as out, \
            tqdm(total=size, unit="B", unit_scale=True, desc=part.name.removesuffix(".part"),
                 disable=not progress) as bar:
        while chunk := response.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()
