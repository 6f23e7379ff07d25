"""The tool instances by name, and the seven specs in action-index order."""

from __future__ import annotations

from agemem_env.tools.add_memory import AddMemory
from agemem_env.tools.answer import ANSWER_SPEC
from agemem_env.tools.base import Tool, ToolSpec
from agemem_env.tools.delete_memory import DeleteMemory
from agemem_env.tools.filter_context import FilterContext
from agemem_env.tools.retrieve_memory import RetrieveMemory
from agemem_env.tools.summary_context import SummaryContext
from agemem_env.tools.update_memory import UpdateMemory

MEMORY_TOOLS: dict[str, Tool] = {
    tool.spec.name: tool
    for tool in (
        AddMemory(),
        UpdateMemory(),
        DeleteMemory(),
        RetrieveMemory(),
        SummaryContext(),
        FilterContext(),
    )
}
# In Discrete(7) order; core.TOOL_NAMES lists the same names.
TOOL_SPECS: tuple[ToolSpec, ...] = (*(t.spec for t in MEMORY_TOOLS.values()), ANSWER_SPEC)
