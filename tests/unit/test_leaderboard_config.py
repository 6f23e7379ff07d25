"""Every config is checked when it is read: each bad suite file and agents.toml of
docs/leaderboard.md's table gives one line naming the file, the key and what it must be;
`leaderboard run` says so before any work starts (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leaderboard.agents import load_agent_config
from leaderboard.config_check import ConfigError
from leaderboard.main import app
from leaderboard.suites import SuiteError, load_suite_file

GOOD = 'name = "bad"\nepisodes = 2\nembedder = "hashing"\n[tasks]\nsource = "synthetic"\n'


def _with(old: str, new: str) -> bytes:
    return GOOD.replace(old, new, 1).encode()


SUITE_FILES = {
    "invalid TOML": (b"name = \n", "invalid TOML"),
    "not UTF-8": ('name = "b\xe9d"\n'.encode("latin-1"), "not UTF-8 (byte 0xe9 at offset 9)"),
    "unknown key": (_with("episodes = 2", "episodes = 2\nepisdoes = 3"),
                    "unknown key 'episdoes'; valid keys: name,"),
    "judge = 5": (_with("[tasks]", "judge = 5\n[tasks]"),
                  "key 'judge': expected a judge name (a string: f1, em, locomo), got int 5"),
    "unknown judge": (_with("[tasks]", 'judge = "bleu"\n[tasks]'),
                      "key 'judge': unknown judge 'bleu'"),
    "sample = '2'": (_with('source = "synthetic"', 'source = "hotpotqa"\nsample = "2"'),
                     "key 'tasks.sample': expected an integer >= 1, got str '2'"),
    "reward_preset = []": (_with("[tasks]", "reward_preset = []\n[tasks]"),
                           "key 'reward_preset': expected a reward preset name"),
    "[tasks] path = 5": (_with('source = "synthetic"', 'source = "hotpotqa"\npath = 5'),
                         "key 'tasks.path': expected a string"),
    "episodes = true": (_with("episodes = 2", "episodes = true"),
                        "key 'episodes': expected an integer >= 1 (episodes per seed), got bool"),
    "repeated seeds": (_with("episodes = 2", "episodes = 2\nseeds = [1, 1]"),
                       "key 'seeds': expected a non-empty list of distinct integers"),
    "unknown [env] key": (GOOD.encode() + b"[env]\ntoken_budjet = 4096\n",
                          "unknown key 'env.token_budjet' (AgeMem-Stage3-v0 does not take it)"),
    "reserved [env] key": (GOOD.encode() + b'[env]\nembedder = "hashing"\n',
                           "[env] may not set ['embedder']"),
    "[tasks.config] hops = '3'": (GOOD.encode() + b'[tasks.config]\nhops = "3"\n',
                                  "[tasks.config]: SyntheticConfig.hops"),
    "unknown [tasks.config] key": (GOOD.encode() + b"[tasks.config]\nhopz = 3\n",
                                   "unknown key 'tasks.config.hopz'"),
    "name with a slash": (_with('name = "bad"', 'name = "bad/"'),
                          "key 'name': suite name 'bad/' is not allowed"),
    "name with HTML": (_with('name = "bad"', 'name = "<b>x</b>"'), "is not allowed"),
    "unknown env id": (_with("[tasks]", 'env_id = "AgeMem-Stage4-v0"\n[tasks]'),
                       "key 'env_id': unknown env id 'AgeMem-Stage4-v0'"),
    "unknown source": (_with('source = "synthetic"', 'source = "wiki"'),
                       "key 'tasks.source': unknown task source 'wiki'"),
    "synthetic without episodes": (_with("episodes = 2\n", ""), "key 'episodes' is missing"),
}


@pytest.mark.parametrize("case", SUITE_FILES)
def test_each_bad_suite_file_is_one_line_naming_file_and_key(tmp_path, case):
    data, message = SUITE_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    with pytest.raises(SuiteError) as caught:
        load_suite_file(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_suite_file(path).name == "bad"
    agents = tmp_path / "agents.toml"
    agents.write_bytes(b'\xef\xbb\xbfagents = ["heuristic"]\n')
    assert load_agent_config(agents).agents == ("heuristic",)


AGENT_FILES = {
    "invalid TOML": (b"agents = [\n", "invalid TOML"),
    "not UTF-8": ('agents = ["h\xe9"]\n'.encode("latin-1"), "not UTF-8"),
    "grpo = 'x'": (b'agents = ["heuristic"]\ngrpo = "x"\n',
                   "key 'grpo': expected a table ([grpo]: name, train_args, warm_start_args)"),
    "train_args as one string": (b'agents = ["heuristic"]\n[grpo]\ntrain_args = "--steps 30"\n',
                                 "key 'grpo.train_args': expected a list of strings (one "
                                 "argument each, not one string), got str '--steps 30'"),
    "unknown key": (b'agents = ["heuristic"]\nagnets = []\n', "unknown key 'agnets'"),
    "unknown agent table key": (b'agents = ["m"]\n[agent.m]\nagent = "heuristic"\nkwargs = {}\n',
                                "unknown key 'agent.m.kwargs'"),
    "agent table without agent": (b'agents = ["m"]\n[agent.m]\nargs = {}\n',
                                  "key 'agent.m.agent' is missing"),
    "agents not a list": (b'agents = "heuristic"\n', "key 'agents': expected a list"),
    "agent name with a newline": (b'agents = ["a\\nb"]\n', "is not allowed"),
    "reference not a string": (b'agents = ["random"]\n[references]\nrandom = 1\n',
                               "key 'references.random': expected a string"),
}


@pytest.mark.parametrize("case", AGENT_FILES)
def test_each_bad_agents_file_is_one_line_naming_file_and_key(tmp_path, case):
    data, message = AGENT_FILES[case]
    path = tmp_path / "agents.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_agent_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def _run(tmp_path: Path, *args: str):
    suites = tmp_path / "suites"
    suites.mkdir(exist_ok=True)
    (suites / "ok.toml").write_text(GOOD.replace('"bad"', '"ok"'))
    return CliRunner().invoke(app, ["leaderboard", "run", "--out", str(tmp_path / "out"),
                                    "--suites", str(suites), "--suites-only", "ok",
                                    "--workers", "1", "--no-progress", *args])


@pytest.mark.parametrize(("args", "message"), [
    (("--agents", "nope"), "error: agent 'nope': unknown agent 'nope'; choose one of:"),
    (("--agents", "nopkg.mod:Agent"), "could not be imported: ModuleNotFoundError"),
    (("--agents", "bad/name=heuristic"), "agent name 'bad/name' is not allowed"),
])
def test_run_refuses_bad_agents_before_any_work(tmp_path, args, message):
    done = _run(tmp_path, *args)
    assert done.exit_code == 2 and message in done.output
    assert len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing was played or written


def test_run_refuses_an_agent_with_arguments_it_does_not_take(tmp_path):
    agents = tmp_path / "agents.toml"
    agents.write_text('agents = ["mine"]\n[agent.mine]\nagent = "heuristic"\n'
                      'args = {colour = "red"}\n')
    done = _run(tmp_path, "--agents-file", str(agents))
    assert done.exit_code == 2 and "does not take these arguments" in done.output


def test_run_refuses_env_values_the_env_rejects_naming_the_file(tmp_path):
    suites = tmp_path / "extra"
    suites.mkdir()
    (suites / "bad.toml").write_bytes(GOOD.encode() + b'[env]\ntoken_budget = "x"\n')
    done = CliRunner().invoke(app, ["leaderboard", "run", "--out", str(tmp_path / "out"),
                                    "--suites", str(suites), "--suites-only", "bad",
                                    "--agents", "heuristic", "--no-progress"])
    assert done.exit_code == 2 and "bad.toml (suite 'bad')" in done.output
    assert "token_budget must be an int" in done.output
