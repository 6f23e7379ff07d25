"""index.html in a real browser: headless Chromium (Debian's `chromium` package) renders
the page; the rendered DOM shows ranked rows, references marked apart, the best entries
marked, and every figure loaded; a screenshot is taken as a person would see it.
Skips, with its reason, where Chromium is not installed."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from leaderboard.board import MIN_RANKED_EPISODES
from leaderboard.report import write_report
from leaderboard.results import AgentSpec
from leaderboard.runner import run_pair
from leaderboard.suites import Suite

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed "
                                "(apt-get install -y chromium)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000")


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium on ``page`` with a fresh profile; its stdout."""
    done = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args,
                           page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Dom(HTMLParser):
    """The rendered DOM's tables (rows with their classes and cells) and images."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]] = []
        self.images: list[dict[str, str | None]] = []
        self._title, self._cell, self._text = "", None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h2":
            self._text = []
        elif tag == "table":
            self.tables.append((self._title, []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append((attrs.get("class") or "", []))
        elif tag == "td":
            self._cell, self._text = attrs.get("class") or "", []
        elif tag == "img":
            self.images.append(attrs)

    def handle_endtag(self, tag):
        if tag == "h2":
            self._title = "".join(self._text)
        elif tag == "td" and self.tables:
            self.tables[-1][1][-1][1].append((self._cell, "".join(self._text)))
            self._cell = None

    def handle_data(self, data):
        self._text.append(data)

    def table(self, title: str):
        """The body rows (kind, cells) of the table under the heading ``title``."""
        rows = next(rows for t, rows in self.tables if t.startswith(title))
        return [row for row in rows if row[1]]  # the header row has no td


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page")
    suite = Suite.from_dict({"name": "synthetic-small", "episodes": MIN_RANKED_EPISODES,
                             "embedder": "hashing", "tasks": {"source": "synthetic"}})
    for name in ("no-memory", "heuristic", "oracle", "rag", "random"):
        assert run_pair(AgentSpec(name, name), suite, out / "results").status == "ok"
    return write_report(out).html  # the packaged agent list: random, no-memory are floors


def test_the_rendered_page_ranks_marks_and_shows_its_figures(page, tmp_path):
    dom = Dom()
    dom.feed(chromium(page, tmp_path / "profile", "--dump-dom"))
    rows = dom.table("Answer score per benchmark")
    ranks = [cells[0][1] for _, cells in rows]
    entries = [r for r in ranks if r != "ref"]
    assert len(entries) == 2 and entries[0] == "1"
    assert [int(r) for r in entries] == sorted(int(r) for r in entries)  # ties share a rank
    assert ranks[len(entries):] == ["ref"] * 3  # oracle, random, no-memory after the entries
    for kind, cells in rows:
        assert kind == ("reference" if cells[0][1] == "ref" else "entry")
    scores = [float(cells[2][1].split()[0]) for _, cells in rows if cells[0][1] != "ref"]
    assert scores == sorted(scores, reverse=True)
    best = [cells[1][1] for _, cells in rows if "best" in cells[2][0]]
    assert best == [rows[0][1][1][1]]  # the top entry, never a reference
    agents = {cells[1][1]: cells[3][1] for _, cells in dom.table("Agents")}
    assert "reads the gold task" in agents["oracle"] and "floor" in agents["random"]
    assert len(dom.images) == 3
    assert all(img.get("data-loaded") == "yes" for img in dom.images), dom.images


def test_a_screenshot_shows_the_page(page, tmp_path):
    shot = tmp_path / "page.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
