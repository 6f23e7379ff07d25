"""Chat back-ends and LLMAgent: scripted replies, a real local HTTP chat server, a tiny model.

The OpenAI-compatible back-end is tested against a real ``ThreadingHTTPServer`` on
127.0.0.1 (port 0, tests/chat_stub.py) whose replies the test scripts, so requests,
errors and timeouts go through the actual socket path.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from chat_stub import ChatServer, toy_reply
from chat_stub import chat_server as serve_chat

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agents.llm import (
    BackendError,
    ChatBackend,
    ChatRequest,
    OpenAICompatibleBackend,
    ScriptedBackend,
    TransformersBackend,
    make_backend,
)
from agents.llm.chat_format import tags_chat
from agents.llm_agent import LLMAgent
from agents.protocol import Agent, TaskInfo


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A running ChatServer; its ``url`` is the API root (``.../v1``)."""
    with serve_chat() as script:
        yield script


CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where?"}]


# --- ScriptedBackend ----------------------------------------------------------------------


def test_scripted_backend_replays_in_order_and_records_calls():
    backend = ScriptedBackend(["one two", "<answer>three</answer>"])
    first = backend.generate(CHAT)
    messages = [dict(m) for m in CHAT]
    second = backend.generate(messages)
    messages.append({"role": "user", "content": "edited later"})
    assert (first.text, second.text) == ("one two", "<answer>three</answer>")
    assert first.prompt_tokens == 3 and first.completion_tokens == 2
    assert backend.calls == [CHAT, CHAT]  # deep copies: the later edit is not recorded
    with pytest.raises(BackendError, match="all 2 replies used"):
        backend.generate(CHAT)


def test_scripted_backend_computes_replies_and_rejects_bad_scripts():
    backend = ScriptedBackend(lambda messages: f"<answer>{len(messages)}</answer>")
    assert backend.generate(CHAT).text == "<answer>2</answer>"
    assert isinstance(backend, ChatBackend)
    with pytest.raises(BackendError, match="returned int"):
        ScriptedBackend(lambda messages: 3).generate(CHAT)
    with pytest.raises(TypeError, match="got a str"):
        ScriptedBackend("<answer>x</answer>")


# --- OpenAICompatibleBackend ----------------------------------------------------------------


def test_openai_backend_posts_chat_and_parses_usage(chat_server):
    chat_server.reply("<answer>Porto</answer>", prompt_tokens=42, completion_tokens=5)
    backend = OpenAICompatibleBackend(chat_server.url + "/", "tiny-model")
    completion = backend.generate(CHAT, max_new_tokens=17, temperature=0.5, seed=7)
    assert completion.text == "<answer>Porto</answer>"
    assert (completion.prompt_tokens, completion.completion_tokens) == (42, 5)
    assert completion.seconds > 0 and completion.token_logprobs is None
    request = chat_server.requests[0]
    assert request == {"model": "tiny-model", "messages": CHAT, "max_tokens": 17,
                       "temperature": 0.5, "seed": 7, "logprobs": False,
                       "_path": "/v1/chat/completions", "_method": "POST"}
    assert "Authorization" not in chat_server.headers[0]


def test_openai_backend_sends_key_from_env_and_omits_unset_seed(chat_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    chat_server.answers.append((200, {"choices": [{"message": {"content": "a b c"}}]}))
    completion = OpenAICompatibleBackend(chat_server.url, "m", api_key="env").generate(CHAT)
    assert chat_server.headers[0]["Authorization"] == "Bearer sk-test"
    assert "seed" not in chat_server.requests[0]
    assert completion.completion_tokens == 3  # no usage: estimated by whitespace
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ValueError, match="OPENAI_API_KEY is not set"):
        OpenAICompatibleBackend(chat_server.url, "m", api_key="env")


def test_openai_backend_reports_server_error_with_status_and_message(chat_server):
    chat_server.answers.append((500, {"error": {"message": "CUDA out of memory"}}))
    backend = OpenAICompatibleBackend(chat_server.url, "m")
    with pytest.raises(BackendError, match="500") as caught:
        backend.generate(CHAT)
    assert "CUDA out of memory" in str(caught.value)


def test_openai_backend_times_out(chat_server):
    chat_server.delay = 2.0
    chat_server.reply("late")
    backend = OpenAICompatibleBackend(chat_server.url, "m", timeout=0.5)
    start = time.perf_counter()
    with pytest.raises(BackendError, match="timed out after 0.5s"):
        backend.generate(CHAT)
    assert time.perf_counter() - start < 1.9


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<html>Bad Gateway</html>", "not JSON"),
        ({"id": "x"}, "no 'choices'"),
        ({"choices": [{"text": "legacy"}]}, "choices\\[0\\].message"),
        ({"choices": [{"message": {"role": "assistant"}}]}, "content' is missing"),
    ],
)
def test_openai_backend_rejects_malformed_replies(chat_server, body, expected):
    chat_server.answers.append((200, body))
    with pytest.raises(BackendError, match=expected):
        OpenAICompatibleBackend(chat_server.url, "m").generate(CHAT)


def test_openai_backend_retries_transient_errors_only(chat_server):
    chat_server.answers.append((503, {"message": "warming up"}))
    chat_server.reply("ok")
    backend = OpenAICompatibleBackend(chat_server.url, "m", max_retries=1)
    assert backend.generate(CHAT).text == "ok"
    chat_server.answers.append((400, {"detail": "bad messages"}))
    with pytest.raises(BackendError, match="HTTP 400: bad messages"):
        backend.generate(CHAT)
    assert len(chat_server.requests) == 3  # a 400 is not retried


def test_openai_batch_keeps_up_to_max_concurrency_requests_in_flight(chat_server):
    chat_server.delay, chat_server.reply_fn = 0.2, toy_reply
    backend = OpenAICompatibleBackend(chat_server.url, "m", max_concurrency=4)
    requests = [ChatRequest([{"role": "user", "content": f"where q{i}?"}]) for i in range(8)]
    start = time.perf_counter()
    results = backend.generate_batch(requests)
    assert [r.text for r in results] == [f"<answer>q{i}</answer>" for i in range(8)]
    assert chat_server.max_in_flight == 4 and time.perf_counter() - start < 1.5


def test_openai_batch_retries_and_fails_per_request(chat_server):
    seen: dict[str, int] = {}

    def flaky(request: dict[str, Any]) -> tuple[int, Any]:
        text = request["messages"][-1]["content"]
        seen[text] = seen.get(text, 0) + 1
        if text == "b?" and seen[text] == 1:
            return 503, {"message": "warming up"}
        if text == "c?":
            return 400, {"detail": "bad messages"}
        return toy_reply(request)

    chat_server.reply_fn = flaky
    backend = OpenAICompatibleBackend(chat_server.url, "m", max_retries=1)
    chats = [[{"role": "user", "content": t}] for t in ("a?", "b?", "c?")]
    results = backend.generate_batch([ChatRequest(chat) for chat in chats])
    assert [r.text for r in results[:2]] == ["<answer>a</answer>", "<answer>b</answer>"]
    assert isinstance(results[2], BackendError) and "HTTP 400: bad messages" in str(results[2])
    assert seen == {"a?": 1, "b?": 2, "c?": 1}  # only the transient failure was retried


def test_openai_backend_reports_unreachable_server():
    backend = OpenAICompatibleBackend("http://127.0.0.1:9/v1", "m", timeout=2.0)
    with pytest.raises(BackendError, match="unreachable|connection|timed out"):
        backend.generate(CHAT)


# --- make_backend ---------------------------------------------------------------------------


def test_importing_the_llm_agent_loads_no_torch():
    code = ("import sys, agents.llm_agent; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


def test_make_backend_specs():
    assert isinstance(make_backend("smollm2"), TransformersBackend)
    assert make_backend("hf:/models/tiny").model_name == "/models/tiny"
    remote = make_backend("openai:http://127.0.0.1:8000/v1#org/model-1")
    assert (remote.base_url, remote.model) == ("http://127.0.0.1:8000/v1", "org/model-1")
    scripted = ScriptedBackend(["x"])
    assert make_backend(scripted) is scripted
    for bad in ("gpt", "hf:", "openai:http://127.0.0.1:8000/v1", "openai:#m"):
        with pytest.raises(ValueError, match="unknown backend spec"):
            make_backend(bad)
    with pytest.raises(TypeError):
        make_backend(3)  # type: ignore[arg-type]


# --- LLMAgent in a real episode ---------------------------------------------------------------


def _script_oracle_episode(server: ChatServer, task: Any) -> list[str]:
    """Store the facts, end Stages 1-2, retrieve, answer: five valid completions."""
    facts = [ToolCall("Add_memory", {"content": fact}) for fact in task.supporting_facts]
    retrieve = [ToolCall("Retrieve_memory", {"query": task.question})]
    replies = [
        render_completion(facts, think="Store the key facts."),
        render_completion(answer="Noted.", think="Nothing else to keep."),
        render_completion(answer="Done.", think="Only chit-chat."),
        render_completion(retrieve, think="Look up what I stored."),
        render_completion(answer=task.answers[0], think="Found it."),
    ]
    for text in replies:
        server.reply(text)
    return replies


def test_llm_agent_plays_a_stage3_episode_through_a_chat_server(chat_server, make_env):
    env = make_env("AgeMem-Stage3-v0")
    obs, info = env.reset(seed=0)
    replies = _script_oracle_episode(chat_server, env.unwrapped.task)
    agent = LLMAgent(f"openai:{chat_server.url}#tiny", max_new_tokens=64)
    assert isinstance(agent, Agent)
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed=0))
    sent, done = [], False
    while not done:
        sent.append(obs["messages"])
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        done = terminated or truncated
    assert terminated and not truncated
    assert info["judge"]["f1"] == 1.0 and info["answer"] == env.unwrapped.task.answers[0]
    assert (info["parse_errors"], info["tool_errors"]) == (0, 0)
    assert info["tool_calls"]["Retrieve_memory"] == 1 and info["ltm_size"] >= 1
    # The env's chat in the tag format: system prompt with schemas, own completions, and
    # tool results as user messages (no bare "tool" role, which servers reject).
    assert [r["messages"] for r in chat_server.requests] == [tags_chat(m) for m in sent]
    assert sent[0][0]["role"] == "system" and '"name": "Add_memory"' in sent[0][0]["content"]
    assert {"role": "assistant", "content": replies[0]} in chat_server.requests[1]["messages"]
    roles = {m["role"] for r in chat_server.requests for m in r["messages"]}
    assert roles == {"system", "user", "assistant"}
    assert any(m["content"].startswith("[tool result] [Add_memory] (ok)")
               for m in chat_server.requests[1]["messages"])
    assert [r["seed"] for r in chat_server.requests] == [0, 1, 2, 3, 4]
    assert [r["max_tokens"] for r in chat_server.requests] == [64] * 5
    assert (agent.usage.calls, agent.usage.prompt_tokens, agent.usage.completion_tokens) == (
        5, 55, 15)
    assert agent.usage.tokens_per_second > 0 and len(agent.completions) == 5


def test_backend_error_mid_episode_leaves_the_env_untouched(chat_server, make_env):
    env = make_env("AgeMem-Stage3-v0")
    obs, info = env.reset(seed=3)
    task = env.unwrapped.task
    _script_oracle_episode(chat_server, task)
    chat_server.answers.insert(1, (500, {"error": {"message": "model crashed"}}))
    agent = LLMAgent(f"openai:{chat_server.url}#tiny")
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed=3))
    obs, *_, info = env.step(agent.act(obs, info))
    core = env.unwrapped
    before = (core.ltm.records(), core.stm.to_chat(), core.steps, core.stage, core.round)
    with pytest.raises(BackendError, match="HTTP 500: model crashed"):
        agent.act(obs, info)
    assert (core.ltm.records(), core.stm.to_chat(), core.steps, core.stage, core.round) == before
    assert agent.usage.calls == 1 and len(before[0]) == len(task.supporting_facts)
    obs, _, terminated, truncated, info = env.step(agent.act(obs, info))  # the episode goes on
    assert obs["stage"] == 2 and not (terminated or truncated) and agent.usage.calls == 2


def test_llm_agent_rejects_structured_mode_and_bad_settings():
    agent = LLMAgent(ScriptedBackend(["x"]))
    with pytest.raises(ValueError, match="action_mode='text'"):
        agent.reset(TaskInfo("AgeMem-Stage3-v0", "structured", seed=0))
    with pytest.raises(ValueError, match="max_new_tokens"):
        LLMAgent(ScriptedBackend([]), max_new_tokens=0)
    with pytest.raises(ValueError, match="temperature"):
        LLMAgent(ScriptedBackend([]), temperature=-1.0)


# --- TransformersBackend on a tiny random model (offline, seconds) ------------------------------

WORDS = "be brief where is the cat dog sun a b c d e f g h system user assistant".split()


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> str:
    """A 2-layer random Llama and a word-level tokenizer with a chat template, saved."""
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<unk>", "<s>", "</s>", ":", ";", *WORDS])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>",
                                   bos_token="<s>", eos_token="</s>")
    fast.chat_template = ("{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} ; "
                          "{% endfor %}{% if add_generation_prompt %}assistant :{% endif %}")
    config = LlamaConfig(vocab_size=32, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                         max_position_embeddings=40, eos_token_id=2, bos_token_id=1)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return str(folder)


def _chat(turns: int) -> list[dict[str, str]]:
    return [{"role": "system", "content": "be brief"}] + [
        {"role": "user", "content": f"where is the {WORDS[3 + i % 10]}"} for i in range(turns)]


def test_transformers_backend_reuses_the_prefix_exactly(tiny_model_dir):
    kept = make_backend(f"hf:{tiny_model_dir}")
    fresh = TransformersBackend(tiny_model_dir, reuse_prefix=False)
    chat = _chat(1)
    for _ in range(3):  # a growing conversation, as the env builds it
        a = kept.generate(chat, max_new_tokens=5)
        b = fresh.generate(chat, max_new_tokens=5)
        assert a.text == b.text and a.prompt_tokens == b.prompt_tokens
        assert a.token_logprobs == pytest.approx(b.token_logprobs, abs=1e-4)
        assert len(a.token_logprobs) == a.completion_tokens
        assert all(lp <= 0 for lp in a.token_logprobs)
        chat = [*chat, {"role": "assistant", "content": a.text}, {"role": "user", "content": "b"}]
    assert kept.load().device == "cpu" and kept.load().dtype == "float32"


def test_transformers_backend_samples_repeatably_with_a_seed(tiny_model_dir):
    backend = TransformersBackend(tiny_model_dir)
    texts = [backend.generate(_chat(1), max_new_tokens=8, temperature=1.0, seed=s).text
             for s in (7, 7, 8)]
    assert texts[0] == texts[1] and texts[0] != texts[2]


def test_transformers_backend_truncates_long_prompts_keeping_the_system(tiny_model_dir, caplog):
    backend = TransformersBackend(tiny_model_dir)
    with caplog.at_level("WARNING"):
        completion = backend.generate(_chat(8), max_new_tokens=4)  # 8 turns: ~50 tokens
    assert completion.prompt_tokens <= 40 - 4
    assert "dropped" in caplog.text
    loaded = backend.load()
    from agents.llm.transformers_backend import fit_prompt

    text = loaded.tokenizer.decode(fit_prompt(loaded.tokenizer, _chat(8), 36))
    assert text.startswith("system : be brief ; user : where is the")
    assert text.endswith("user : where is the c ; assistant :")  # the newest turns stay


def test_transformers_backend_reports_a_missing_model(tmp_path):
    with pytest.raises(BackendError, match="cannot load model"):
        TransformersBackend(str(tmp_path / "nowhere")).generate(CHAT)


def _mixed_requests(**settings: Any) -> list[ChatRequest]:
    """Chats of different lengths sharing the system prompt, some with one more turn."""
    chats = [_chat(1), _chat(3), _chat(2)[:1] + _chat(4)[2:4], _chat(1)]
    return [ChatRequest(chat, max_new_tokens=n, **settings)
            for chat, n in zip(chats, (5, 8, 3, 6), strict=True)]


def test_transformers_batch_matches_one_by_one_decoding(tiny_model_dir):
    batched = TransformersBackend(tiny_model_dir, max_batch_size=3)
    alone = TransformersBackend(tiny_model_dir, reuse_prefix=False)
    requests = _mixed_requests()
    for _ in range(2):  # the second batch reuses the kept system-prompt prefix
        results = batched.generate_batch(requests)
        for request, result in zip(requests, results, strict=True):
            single = alone.generate(request.messages, max_new_tokens=request.max_new_tokens)
            assert (result.text, result.prompt_tokens) == (single.text, single.prompt_tokens)
            assert result.completion_tokens == single.completion_tokens <= request.max_new_tokens
            assert result.token_logprobs == pytest.approx(single.token_logprobs, abs=1e-4)
        assert [r.batch_size for r in results] == [3, 3, 3, 1]  # chunks of max_batch_size
    assert batched._shared is not None and len(batched._shared.ids) > 3


def test_transformers_batch_samples_each_row_with_its_seed(tiny_model_dir):
    backend = TransformersBackend(tiny_model_dir)
    requests = [ChatRequest(_chat(1), 8, 1.0, seed) for seed in (7, 8, 7)]
    texts = [r.text for r in backend.generate_batch(requests)]
    alone = [backend.generate(_chat(1), max_new_tokens=8, temperature=1.0, seed=s).text
             for s in (7, 8)]
    assert texts == [alone[0], alone[1], alone[0]]


def test_llm_agents_act_in_one_transformers_batch(tiny_model_dir):
    backend = make_backend(f"hf:{tiny_model_dir}")
    agents = [LLMAgent(f"hf:{tiny_model_dir}", max_new_tokens=4) for _ in range(3)]
    assert all(agent.backend is backend for agent in agents)  # one spec, one back-end
    for seed, agent in enumerate(agents):
        agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed))
    observations = [{"messages": _chat(n)} for n in (1, 2, 3)]
    actions = LLMAgent.act_batch(agents, observations, [{}] * 3)
    expected = [backend.generate(o["messages"], max_new_tokens=4).text for o in observations]
    assert actions == expected
    assert [a.llm_usage[0].batch_size for a in agents] == [3, 3, 3]
    with pytest.raises(ValueError, match="max_new_tokens"):
        backend.generate_batch([ChatRequest(_chat(1), max_new_tokens=0)])
