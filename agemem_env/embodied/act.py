"""Act: the tool that runs one text command of the benchmark (structured index 7 after
the default seven tools)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from agemem_env.core import ToolResult
from agemem_env.tools import Tool, ToolContext
from agemem_env.tools.base import Param, ToolSpec, slot_text

ACT = "Act"


class CommandRunner(Protocol):
    """What Act runs on: the embodied env, which checks stage, budget and the benchmark."""

    def run_command(self, command: str) -> ToolResult:
        """Run one command; raise ToolError when it may not run."""
        ...


class ActTool(Tool):
    """Runs a text command on the benchmark through its runner."""

    spec = ToolSpec(
        name=ACT,
        description="Runs one text command in the environment and shows what happens.",
        params=(Param("command", "string", "The command, e.g. 'go forward'.", required=True),),
        # Spellings of the command tool an LLM may write.
        aliases=("act", "command", "env_command", "environment", "action", "execute"),
    )

    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """One command on the benchmark."""
        return self.runner.run_command(args["command"].strip())

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``text`` is the command."""
        return {"command": slot_text(item)}
