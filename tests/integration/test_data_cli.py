"""``agemem data``: offline it says so in one line; online it downloads, verifies the
checksum and places the file, here against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agemem_env.cli.catalog import CATALOG
from agemem_env.tasks import SOURCES, load_tasks
from leaderboard.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving a folder; yields (folder, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _data(*args: str, env=None):
    return CliRunner().invoke(app, ["data", *args, "--no-progress"], env=env)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_downloads_verifies_and_places_a_file_loaders_read(server, tmp_path):
    root, base = server
    (root / "locomo10.json").write_bytes((FIXTURES / "locomo.json").read_bytes())
    data = tmp_path / "data"
    result = _data("fetch", "locomo10", "--dir", str(data), "--url", f"{base}/locomo10.json",
                   "--sha256", _sha(FIXTURES / "locomo.json"))
    assert result.exit_code == 0, result.output
    placed = data / CATALOG["locomo10"].path
    assert placed.read_bytes() == (FIXTURES / "locomo.json").read_bytes()
    assert "sha256 verified" in result.output and "--tasks locomo" in result.output
    assert load_tasks("locomo", path=placed)  # the layout the loader reads
    again = _data("fetch", "locomo10", "--dir", str(data), "--url", f"{base}/locomo10.json",
                  "--sha256", _sha(FIXTURES / "locomo.json"))
    assert again.exit_code == 0 and "already there" in again.output


def test_bytes_with_the_wrong_checksum_are_not_placed(server, tmp_path):
    root, base = server
    (root / "locomo10.json").write_text(json.dumps([{"not": "locomo"}]))
    data = tmp_path / "data"
    # No --sha256: the official checksum is expected, and these bytes are not the release.
    result = _data("fetch", "locomo10", "--dir", str(data), "--url", f"{base}/locomo10.json")
    assert result.exit_code == 1
    assert f"expected {CATALOG['locomo10'].sha256}; nothing was placed" in result.stderr
    assert not any(p.is_file() for p in data.rglob("*"))  # no file, no .part left over


def test_a_missing_file_on_the_server_is_named(server, tmp_path):
    _, base = server
    result = _data("fetch", "locomo10", "--dir", str(tmp_path), "--url", f"{base}/gone.json")
    assert result.exit_code == 1
    assert "answered 404" in result.stderr


def test_offline_is_said_in_one_line(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for extra, env in (([], {"AGEMEM_OFFLINE": "1"}),
                       (["--url", f"http://127.0.0.1:{port}/x.json"], None)):
        result = _data("fetch", "hotpotqa-dev-distractor", "--dir", str(tmp_path), *extra,
                       env=env)
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: offline: "), result.stderr
        assert str(tmp_path / CATALOG["hotpotqa-dev-distractor"].path) in lines[0]
        assert CATALOG["hotpotqa-dev-distractor"].sha256 in lines[0]
        assert list(tmp_path.rglob("*.json*")) == []


def test_a_different_file_in_place_is_kept_without_force(server, tmp_path):
    root, base = server
    (root / "f.json").write_bytes((FIXTURES / "locomo.json").read_bytes())
    target = tmp_path / CATALOG["locomo10"].path
    target.parent.mkdir(parents=True)
    target.write_text("mine")
    args = ["fetch", "locomo10", "--dir", str(tmp_path), "--url", f"{base}/f.json", "--sha256",
            _sha(FIXTURES / "locomo.json")]
    refused = _data(*args)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_text() == "mine"
    assert _data(*args, "--force").exit_code == 0
    assert _sha(target) == _sha(FIXTURES / "locomo.json")


def test_list_shows_each_file_and_whether_it_is_here(tmp_path):
    (tmp_path / "locomo").mkdir()
    (tmp_path / CATALOG["locomo10"].path).write_text("[]")
    result = CliRunner().invoke(app, ["data", "list", "--dir", str(tmp_path)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines()
            if line.count("│") > 3}
    assert set(CATALOG) <= set(rows)
    assert rows["locomo10"].rstrip(" │").endswith("yes")
    assert rows["hotpotqa-dev-distractor"].rstrip(" │").endswith("no")


def test_catalog_entries_name_a_source_and_a_checksum():
    for item in CATALOG.values():
        assert item.source in SOURCES
        assert len(item.sha256) == 64 and int(item.sha256, 16) >= 0
        assert item.url.startswith(("http://", "https://")) and item.size > 0
