"""The seven actions: six memory tools plus Answer, and the executor both action modes share."""

from agemem_env.tools.answer import ANSWER_SPEC
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec
from agemem_env.tools.executor import ExecutionReport, execute
from agemem_env.tools.registry import MEMORY_TOOLS, TOOL_SPECS

__all__ = [
    "ANSWER_SPEC",
    "MEMORY_TOOLS",
    "TOOL_SPECS",
    "ExecutionReport",
    "Param",
    "Tool",
    "ToolContext",
    "ToolSpec",
    "execute",
]
