"""Reading the leaderboard's TOML files (suites, agents.toml) and checking their keys.

Every problem is one ``ConfigError`` line naming the file, the key and what was expected:
a file that is not UTF-8 (a UTF-8 byte-order mark is accepted), invalid TOML, an unknown
key, a value of the wrong type.

>>> check_table({"judge": 5}, [Key("judge", "a string", is_str)], "suite.toml")
Traceback (most recent call last):
...
leaderboard.config_check.ConfigError: suite.toml: key 'judge': expected a string, got int 5
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_CONFIG_BYTES = 1 << 20  # a suite or agent list is a few hundred bytes


class ConfigError(ValueError):
    """A configuration file or value that cannot be used as written (one line)."""


@dataclass(frozen=True)
class Key:
    """One allowed key of a table: its name, what it must be, and the test."""

    name: str
    expected: str
    ok: Callable[[Any], bool]


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file; ConfigError names the file and the problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror or err})") from err
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {len(data)} bytes, over the {MAX_CONFIG_BYTES}-byte limit "
                          "of a config file")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark from an editor is fine
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 (byte 0x{data[err.start]:02x} at offset "
                          f"{err.start}); save it as UTF-8") from err
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML ({err})") from err


def check_table(raw: Any, keys: Sequence[Key], where: str, table: str = "") -> dict[str, Any]:
    """``raw`` if it is a table of only ``keys``, each of its kind; ConfigError otherwise.

    ``table`` prefixes key names in messages (``"tasks."`` gives ``'tasks.path'``).
    """
    label = table.rstrip(".")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: key {label!r}: expected a table, got {describe(raw)}")
    allowed = {key.name: key for key in keys}
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        raise ConfigError(f"{where}: unknown key {table + unknown[0]!r}; valid keys"
                          f"{' of [' + label + ']' if label else ''}: {', '.join(allowed)}")
    for name, value in raw.items():
        key = allowed[name]
        if not key.ok(value):
            raise ConfigError(f"{where}: key {table + name!r}: expected {key.expected}, got "
                              f"{describe(value)}")
    return raw


def describe(value: Any) -> str:
    """A value's type and a short repr, for messages.

    >>> describe("2"), describe([1, 2])
    ("str '2'", 'list [1, 2]')
    """
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def is_str(value: Any) -> bool:
    """A string."""
    return isinstance(value, str)


def is_int(value: Any) -> bool:
    """An integer (a bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def int_at_least(low: int) -> Callable[[Any], bool]:
    """A test for integers >= ``low``."""
    return lambda value: is_int(value) and value >= low


def is_table(value: Any) -> bool:
    """A TOML table."""
    return isinstance(value, dict)


def is_str_list(value: Any) -> bool:
    """A list of strings."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def is_seed_list(value: Any) -> bool:
    """A non-empty list of distinct integers >= 0."""
    return (isinstance(value, list) and bool(value) and all(is_int(v) and v >= 0 for v in value)
            and len(set(value)) == len(value))
