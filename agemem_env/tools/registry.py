"""The tools an env offers, in structured-action order: names, aliases and schemas derive
from the tool objects, so adding a tool is one module plus one entry in a list.

>>> DEFAULT_TOOLS.names
('Add_memory', 'Update_memory', 'Delete_memory', 'Retrieve_memory', 'Summary_context', \
'Filter_context', 'Answer')
>>> DEFAULT_TOOLS.resolve("summarize").spec.name, DEFAULT_TOOLS.resolve("fly") is None
('Summary_context', True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from agemem_env.tools.add_memory import AddMemory
from agemem_env.tools.answer import Answer
from agemem_env.tools.base import Tool, ToolSpec
from agemem_env.tools.delete_memory import DeleteMemory
from agemem_env.tools.filter_context import FilterContext
from agemem_env.tools.retrieve_memory import RetrieveMemory
from agemem_env.tools.summary_context import SummaryContext
from agemem_env.tools.update_memory import UpdateMemory

ANSWER = "Answer"


def name_key(name: str) -> str:
    """How spellings are compared: case, spaces, underscores and hyphens ignored.

    >>> name_key(" Add-Memory "), name_key("add_memory")
    ('addmemory', 'addmemory')
    """
    return re.sub(r"[\s_\-]+", "", name).lower()


class ToolRegistry:
    """An ordered set of tools: position i is structured action index i.

    Args:
        tools: Tool objects; their names and aliases must not collide.

    Raises:
        ValueError: two tools share a name or alias.
    """

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools: tuple[Tool, ...] = tuple(tools)
        self._by_key: dict[str, Tool] = {}
        for tool in self.tools:
            spec = getattr(tool, "spec", None)
            if not isinstance(spec, ToolSpec) or not callable(getattr(tool, "run", None)):
                raise TypeError(f"{tool!r} is not a tool: it needs a ToolSpec `spec` and `run`")
            for spelling in (spec.name, *spec.aliases):
                key = name_key(spelling)
                if key in self._by_key and self._by_key[key] is not tool:
                    raise ValueError(f"tool spelling {spelling!r} of {spec.name} is taken by "
                                     f"{self._by_key[key].spec.name}")
                self._by_key[key] = tool

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names, in index order."""
        return tuple(tool.spec.name for tool in self.tools)

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        """Specs, in index order."""
        return tuple(tool.spec for tool in self.tools)

    def resolve(self, name: Any) -> Tool | None:
        """The tool a spelling refers to, or None when unknown (or not a str)."""
        return self._by_key.get(name_key(name)) if isinstance(name, str) else None

    def index(self, name: str) -> int:
        """Structured action index of a tool name (KeyError when unknown)."""
        tool = self.resolve(name)
        if tool is None:
            raise KeyError(name)
        return self.tools.index(tool)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's OpenAI function schema, in index order."""
        return [spec.schema() for spec in self.specs]

    def table(self) -> str:
        """'0 Add_memory, 1 Update_memory, ...' for error messages."""
        return ", ".join(f"{i} {n}" for i, n in enumerate(self.names))

    def with_tools(self, *extra: Tool) -> ToolRegistry:
        """This registry with ``extra`` tools appended (indices continue upwards)."""
        return ToolRegistry((*self.tools, *extra))

    def __len__(self) -> int:
        return len(self.tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self.tools)

    def __getitem__(self, index: int) -> Tool:
        return self.tools[index]

    def __repr__(self) -> str:
        return f"ToolRegistry({', '.join(self.names)})"


DEFAULT_TOOLS = ToolRegistry([
    AddMemory(), UpdateMemory(), DeleteMemory(), RetrieveMemory(), SummaryContext(),
    FilterContext(), Answer(),
])
"""The paper's six memory tools plus Answer (structured indices 0-6)."""

TOOL_NAMES: tuple[str, ...] = DEFAULT_TOOLS.names
TOOL_SPECS: tuple[ToolSpec, ...] = DEFAULT_TOOLS.specs


def make_registry(tools: ToolRegistry | Iterable[Tool] | None) -> ToolRegistry:
    """The env's ``tools=`` argument as a registry: None is ``DEFAULT_TOOLS``."""
    if tools is None:
        return DEFAULT_TOOLS
    return tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)


def canonical_tool_name(name: str) -> str | None:
    """The default tools' canonical name for a spelling, or None when unknown.

    >>> canonical_tool_name("ADD MEMORY"), canonical_tool_name("summarize")
    ('Add_memory', 'Summary_context')
    >>> canonical_tool_name("fly") is None
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"tool name must be a str, got {type(name).__name__}")
    tool = DEFAULT_TOOLS.resolve(name)
    return None if tool is None else tool.spec.name
