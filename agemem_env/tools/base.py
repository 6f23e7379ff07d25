"""What every tool shares: its schema as data, argument validation, the structured-slot
mapping, and the context it acts on.

A tool is one object with a ``spec`` (name, aliases, arguments), a ``run`` that acts on a
``ToolContext``, and a ``from_slots`` that reads its arguments out of a structured action;
the registry (``tools.registry``) derives the parser's names, the structured action index,
the system prompt's schemas and the executor's dispatch from a list of such objects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from agemem_env.core import MAX_TOP_K, ToolError, ToolResult, loads_json

if TYPE_CHECKING:
    from agemem_env.embed import Embedder
    from agemem_env.memory import LongTermMemory, ShortTermMemory
    from agemem_env.memory.summarise import Summariser

_INT_TEXT = re.compile(r"-?[0-9]{1,9}")
_JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict}


@dataclass(frozen=True)
class Param:
    """One argument of a tool, described as in an OpenAI function schema."""

    name: str
    type: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class ToolSpec:
    """A tool's name, other spellings, purpose and arguments; renders to the OpenAI
    function schema."""

    name: str
    description: str
    params: tuple[Param, ...]
    aliases: tuple[str, ...] = ()
    """Other names an LLM may write (compared ignoring case, spaces, '_' and '-')."""

    def schema(self) -> dict[str, Any]:
        """The OpenAI-style function schema shown to the agent in the system prompt."""
        return {
            "name": self.name,
            "description": self.description,
            "parameters": {
                "type": "object",
                "properties": {
                    p.name: {"type": p.type, "description": p.description} for p in self.params
                },
                "required": [p.name for p in self.params if p.required],
            },
        }

    def validate(self, arguments: Any) -> tuple[dict[str, Any], list[str]]:
        """Check and coerce arguments; returns (arguments, names of ignored unknown keys).

        Raises:
            ToolError: arguments not an object, a required one missing, or a wrong type.
        """
        if not isinstance(arguments, Mapping):
            raise ToolError(f"{self.name}: arguments must be an object, got {_kind(arguments)}")
        known = {p.name: p for p in self.params}
        ignored = sorted(str(k) for k in arguments if k not in known)
        clean: dict[str, Any] = {}
        for param in self.params:
            if param.name not in arguments or arguments[param.name] is None:
                if param.required:
                    raise ToolError(f"{self.name}: missing required argument '{param.name}'")
                continue
            clean[param.name] = _coerce(self.name, param, arguments[param.name])
        return clean, ignored


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _coerce(tool: str, param: Param, value: Any) -> Any:
    """Accept the declared JSON type, plus unambiguous string spellings of ints and bools."""
    expected = _JSON_TYPES[param.type]
    if param.type == "integer" and isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    if param.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if param.type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if param.type == "object" and isinstance(value, str):
        try:
            value = loads_json(value)
        except (ValueError, RecursionError):  # not JSON, a 4,300-digit int, too deep
            pass
    # bool is an int subclass in Python; an LLM's true is not a count.
    wrong_bool = param.type == "integer" and isinstance(value, bool)
    if not isinstance(value, expected) or wrong_bool:
        raise ToolError(
            f"{tool}: argument '{param.name}' must be {param.type}, got {_kind(value)}"
        )
    return value


# --- structured slots -------------------------------------------------------------------
# The structured action space has one slot of each kind (see actions.spaces); a tool says
# which of its arguments each slot fills.


def slot_text(item: Mapping[str, Any]) -> Any:
    """The ``text`` slot: content, query, span, criteria or answer, by tool."""
    return item.get("text", "")


def slot_metadata(item: Mapping[str, Any]) -> Any:
    """The ``metadata`` slot: "" means none, a JSON object string becomes a dict, anything
    else goes on to validation (which names the problem)."""
    value = item.get("metadata", "")
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return loads_json(value)
        except (ValueError, RecursionError):  # validation names the problem
            return value
    return value


@dataclass
class ToolContext:
    """The state a tool may read or change during one step."""

    ltm: LongTermMemory
    stm: ShortTermMemory
    embedder: Embedder
    summariser: Summariser
    step: int = 0
    default_top_k: int = 3
    max_top_k: int = MAX_TOP_K
    filter_threshold: float = 0.6
    max_content_chars: int = 4000
    # Filled by tools for the reward module: which memories a retrieval returned.
    notes: dict[str, Any] = field(default_factory=dict)


class Tool(Protocol):
    """A tool: a spec, its effect, and how a structured action's slots give its arguments.

    Subclass it to inherit the default ``from_slots`` (the text slot fills the first
    string argument; a slot named like an argument fills that argument).
    """

    spec: ToolSpec

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Execute with validated arguments; raise ToolError for problems found at run time.
        A result whose ``effects.answer`` is set ends the agent's turn with that answer."""
        ...

    def embed_texts(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        """The texts ``run`` will embed with these arguments, so the executor can embed a
        whole step's texts in one batch first (none by default)."""
        return []

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """This tool's arguments from a structured action's slots."""
        args: dict[str, Any] = {}
        text_param = next((p.name for p in self.spec.params if p.type == "string"), None)
        for param in self.spec.params:
            if param.name == text_param:
                args[param.name] = slot_text(item)
            elif param.name in item:
                args[param.name] = item[param.name]
        return args
