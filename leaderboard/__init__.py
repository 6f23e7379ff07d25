"""The AgeMem-Gym leaderboard: suites declared in TOML (``leaderboard/suites``), a runner
over every (agent, suite) pair (worker processes or Ray), versioned result files with a
digest and a submission check, and reports (Markdown, HTML, plots).

Start with ``agemem leaderboard run``; see ``leaderboard.cli``. The root ``agemem`` app is
``leaderboard.main``.
"""
