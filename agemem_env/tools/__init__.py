"""The actions as plug-ins: six memory tools plus Answer, one module each, the registry
that orders them, and the executor both action modes share."""

from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec
from agemem_env.tools.executor import ExecutionReport, execute
from agemem_env.tools.registry import (
    DEFAULT_TOOLS,
    TOOL_NAMES,
    TOOL_SPECS,
    ToolRegistry,
    canonical_tool_name,
    make_registry,
)

__all__ = [
    "DEFAULT_TOOLS",
    "TOOL_NAMES",
    "TOOL_SPECS",
    "ExecutionReport",
    "Param",
    "Tool",
    "ToolContext",
    "ToolRegistry",
    "ToolSpec",
    "canonical_tool_name",
    "execute",
    "make_registry",
]
