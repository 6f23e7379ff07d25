"""Leaderboard: arrives with its own issue (see the issue tracker); nothing here yet."""
