"""agents.registry: agents by import path and by entry point, with keyword arguments; one
clear line for each way a name can fail; the gold task only for privileged agents."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from agents.registry import AgentError, AgentImportError, agent_names, make_agent, resolve_agent
from agents.runner import run_episodes

PLUGIN = textwrap.dedent('''
    """A user's agents, outside the package."""


    class EchoAgent:
        """Answers a fixed text; records what reset was told."""

        name = "echo"
        seen = []

        def __init__(self, text="nothing"):
            self.text = text

        def reset(self, task_info):
            EchoAgent.seen.append(task_info.task)

        def act(self, observation, info):
            return f"<answer>{self.text}</answer>"


    class PeekingAgent(EchoAgent):
        """Tries to read the gold answer; honest agents get task None."""

        name = "peeking"

        def reset(self, task_info):
            EchoAgent.seen.append(task_info.task)
            self.text = task_info.task.answers[0] if task_info.task else "no gold"


    class PrivilegedPeeker(PeekingAgent):
        name = "teacher"
        privileged = True


    def make_echo(text="from a factory"):
        return EchoAgent(text)


    class NotAnAgent:
        name = "broken"


    CONSTANT = 3
''')


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """``myplug`` importable, and installed as a package offering the entry point
    ``plugged-echo`` in group agemem.agents."""
    (tmp_path / "myplug.py").write_text(PLUGIN)
    info = tmp_path / "myplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: myplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[agemem.agents]\nplugged-echo = myplug:make_echo\nbad-plugin = myplug_missing:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import myplug

    myplug.EchoAgent.seen.clear()
    yield myplug
    monkeypatch.delitem(__import__("sys").modules, "myplug", raising=False)


def test_an_import_path_names_a_class_or_a_factory_with_arguments(plugin):
    agent = make_agent("myplug:EchoAgent", text="hello")
    assert agent.name == "echo" and agent.text == "hello"
    assert make_agent("myplug:make_echo").text == "from a factory"


def test_an_entry_point_of_an_installed_package_is_an_agent_name(plugin):
    assert "plugged-echo" in agent_names()
    assert make_agent("plugged-echo", text="x").text == "x"
    with pytest.raises(AgentImportError, match="bad-plugin.*myplug_missing:X.*could not"):
        make_agent("bad-plugin")


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("nosuchpkg.mod:Agent", {}, r"needs nosuchpkg.mod:Agent, which could not be imported: "
                                r"ModuleNotFoundError"),
    ("myplug:Missing", {}, r"myplug has no 'Missing'"),
    ("myplug:CONSTANT", {}, r"is a int, not a class or factory"),
    ("myplug:NotAnAgent", {}, r"does not follow the agent protocol: it lacks reset\(\), act\(\)"),
    ("myplug:EchoAgent", {"colour": "red"}, r"does not take these arguments .*colour.* it "
                                            r"takes: text"),
    ("nope", {}, r"unknown agent 'nope'; choose one of: .*heuristic.* a module:Object"),
])
def test_each_failure_is_one_line_naming_the_agent(plugin, name, kwargs, message):
    with pytest.raises(AgentError, match=message) as caught:
        make_agent(name, **kwargs)
    assert "\n" not in str(caught.value) and repr(name)[1:-1] in str(caught.value)


def test_resolving_checks_a_name_without_making_the_agent(plugin):
    assert resolve_agent("myplug:EchoAgent") is plugin.EchoAgent
    assert plugin.EchoAgent.seen == []
    with pytest.raises(ImportError):  # an import failure is an ImportError too
        resolve_agent("nosuchpkg:Agent")


def test_the_runner_hands_the_gold_task_only_to_privileged_agents(plugin):
    env_kwargs = {"embedder": "hashing"}
    honest = run_episodes("AgeMem-Stage3-v0", lambda: make_agent("myplug:PeekingAgent"),
                          episodes=2, env_kwargs=env_kwargs, progress=False)
    assert plugin.EchoAgent.seen == [None, None]
    assert [r.answer for r in honest] == ["no gold", "no gold"]
    assert all(r.judge_score == 0.0 and r.source == "synthetic" for r in honest)
    teacher = run_episodes("AgeMem-Stage3-v0", lambda: make_agent("myplug:PrivilegedPeeker"),
                           episodes=2, env_kwargs=env_kwargs, progress=False)
    assert all(task is not None for task in plugin.EchoAgent.seen[2:])
    assert [r.judge_score for r in teacher] == [1.0, 1.0]


@pytest.mark.parametrize("vector", ["sync", "async"])
def test_vector_runs_withhold_the_gold_task_too(plugin, vector):
    records = run_episodes("AgeMem-Stage3-v0", lambda: make_agent("myplug:PeekingAgent"),
                           episodes=3, env_kwargs={"embedder": "hashing"}, num_envs=2,
                           vector=vector, progress=False)
    assert [r.answer for r in records] == ["no gold"] * 3


def test_eval_runs_an_agent_given_by_import_path(plugin):
    from leaderboard.main import app

    done = CliRunner().invoke(app, ["eval", "--agent", "myplug:EchoAgent", "--episodes", "2",
                                    "--embedder", "hashing", "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "myplug:EchoAgent" in done.output and "answer score" in done.output
    done = CliRunner().invoke(app, ["eval", "--agent", "myplug:NotAnAgent", "--episodes", "1"])
    assert done.exit_code == 2 and "does not follow the agent protocol" in done.output
