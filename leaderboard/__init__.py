"""The AgeMem-Gym leaderboard: suites declared in TOML (``leaderboard/suites``), agents by
name, import path or plug-in, a runner over every (agent, suite) pair (worker processes or
Ray), versioned result files that hold every action, verification by replay, and reports
(Markdown, HTML, plots).

Start with ``agemem leaderboard run``; see ``leaderboard.cli`` and docs/leaderboard.md. The
root ``agemem`` app is ``leaderboard.main``.
"""
