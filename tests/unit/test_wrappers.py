"""The array wrappers: what a policy that outputs numbers and reads arrays relies on."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import agemem_env  # noqa: F401
from agemem_env.wrappers import (
    FeatureObservation,
    FlatToolAction,
    NumericInfo,
    SeedCycle,
    TokenizedObservation,
    play_seeds,
)
from agemem_env.wrappers.flat_action import VERBS

ENV_ID = "AgeMem-Stage3-v0"
ADD, UPDATE, DELETE, RETRIEVE, SUMMARY, FILTER, ANSWER, WAIT = range(8)


def make(mode: str = "structured", **kwargs) -> gym.Env:
    return gym.make(ENV_ID, embedder="hashing", action_mode=mode, **kwargs)


def flat(mode: str = "structured", **kwargs) -> FlatToolAction:
    return FlatToolAction(make(mode), **kwargs)


def user_turns(obs) -> list[str]:
    return [m["content"] for m in obs["messages"] if m["role"] == "user"]


@pytest.fixture(scope="module")
def word_tokenizer():
    """A small real Hugging Face tokenizer, trained here on the env's own messages."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    env = make()
    texts = []
    for seed in range(5):
        obs, _ = env.reset(seed=seed)
        texts += [f"{m['role']}: {m['content']}" for m in obs["messages"]]
        texts.append(env.unwrapped.task.question)
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.train_from_iterator(texts, tokenizers.trainers.WordLevelTrainer(
        special_tokens=["[PAD]", "[UNK]"]))
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]",
                                                unk_token="[UNK]")


# ----------------------------------------------------------------- SB3's checker
@pytest.mark.parametrize("mode", ["structured", "text"])
@pytest.mark.parametrize("discrete", [False, True])
def test_sb3_check_env_passes_in_both_action_modes(mode, discrete, word_tokenizer):
    env_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env_checker.check_env(FeatureObservation(flat(mode, discrete=discrete)), warn=False)
    stacked = TokenizedObservation(FeatureObservation(flat(mode, discrete=discrete)),
                                   word_tokenizer, max_length=64)
    env_checker.check_env(stacked, warn=False)
    assert set(stacked.observation_space.spaces) == {"features", "input_ids", "attention_mask"}


# ----------------------------------------------------------------- FlatToolAction
def test_add_stores_the_newest_turn_and_delete_removes_a_listed_memory():
    env = flat()
    obs, _ = env.reset(seed=1)
    newest = user_turns(obs)[-1]
    _, _, _, _, info = env.step(np.array([ADD, 0, 0]))
    assert info["flat_action"]["calls"] == [{"name": "Add_memory",
                                             "arguments": {"content": newest}}]
    listed = sorted(info["auto_retrieved"], key=lambda h: -h["score"])
    assert listed, "stage 1 shows memories related to the new turns"
    _, _, _, _, info = env.step(np.array([DELETE, 0, 0]))
    assert info["step_results"][0]["deleted"] == [listed[0]["id"]]
    assert env.unwrapped.ltm.get(listed[0]["id"]) is None


def test_update_rewrites_a_listed_memory_with_the_newest_turn():
    env = flat()
    env.reset(seed=2)
    _, _, _, _, info = env.step(np.array([ADD, 0, 0]))
    listed = {h["id"] for h in info["auto_retrieved"]}
    assert len(listed) == 1  # one memory so far: target 2 is past the end
    _, _, _, _, info = env.step(np.array([UPDATE, 2, 0]))
    args = info["flat_action"]["calls"][0]["arguments"]
    assert args["memory_id"] in listed
    assert info["step_results"][0]["updated"] == [args["memory_id"]]
    assert env.unwrapped.ltm.get(args["memory_id"]).content == args["content"]


def test_stage_three_retrieves_with_the_question_and_answers_from_the_hits():
    seen = {}

    def answer_fn(question, passages):
        seen["question"], seen["passages"] = question, passages
        return "Porto"

    env = flat(answer_fn=answer_fn, top_ks=(2, 4))
    obs, _ = env.reset(seed=3)
    while obs["stage"] == 1:
        obs, *_ = env.step(np.array([ADD, 0, 0]))
    while obs["stage"] < 3:
        obs, *_ = env.step(np.array([ANSWER, 0, 0]))  # "Done." ends stages 1-2 early
    question = env.unwrapped.task.question
    _, _, _, _, info = env.step(np.array([RETRIEVE, 0, 1]))
    assert info["flat_action"]["calls"][0]["arguments"] == {"query": question, "top_k": 4}
    hits = [h["content"] for h in info["step_results"][0]["retrieved"]]
    _, _, terminated, _, info = env.step(np.array([ANSWER, 0, 0]))
    assert terminated and info["answer"] == "Porto"
    assert seen["question"] == question and seen["passages"][: len(hits)] == hits


def test_a_verb_with_nothing_to_act_on_waits():
    env = flat()
    env.reset(seed=4)
    _, _, _, _, info = env.step(np.array([DELETE, 0, 0]))  # no memory was ever listed
    assert info["flat_action"]["calls"] == [] and info["step_results"] == []
    assert info["step_errors"] == [] and info["tool_errors"] == 0


def test_text_mode_sends_the_same_call_as_a_completion():
    text, structured = flat("text"), flat()
    text.reset(seed=5)
    structured.reset(seed=5)
    a = text.step(np.array([ADD, 0, 0]))[4]
    b = structured.step(np.array([ADD, 0, 0]))[4]
    assert a["step_results"] == b["step_results"] and a["parse_errors"] == 0


def test_discrete_menu_covers_every_verb_and_decodes():
    env = flat(discrete=True, targets=3, top_ks=(1, 3, 5))
    assert env.action_space == gym.spaces.Discrete(18)
    assert {c.verb for c in env.menu} == set(VERBS)
    assert env.decode(env.menu.index(next(c for c in env.menu if c.top_k == 5))).top_k == 5


def test_bad_actions_and_bad_stacking_fail_with_a_clear_error():
    env = flat()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="not in MultiDiscrete"):
        env.step(np.array([9, 0, 0]))
    with pytest.raises(ValueError, match="put FlatToolAction and SeedCycle inside"):
        FlatToolAction(FeatureObservation(make()))
    with pytest.raises(ValueError, match="top_ks"):
        flat(top_ks=(0,))
    with pytest.raises(ValueError, match="already made"):
        FeatureObservation(FeatureObservation(make()))


# ----------------------------------------------------------------- FeatureObservation
def test_features_show_the_listing_scores_from_info():
    env = FeatureObservation(flat(), top_k=3)
    names = env.feature_names
    obs, _ = env.reset(seed=1)
    assert obs.shape == env.observation_space.shape == (len(names),)
    obs, _, _, _, info = env.step(np.array([ADD, 0, 0]))
    scores = sorted({h["id"]: h["score"] for h in info["auto_retrieved"]}.values(),
                    reverse=True)
    assert obs[names.index("listing_0")] == pytest.approx(scores[0], abs=1e-6)
    assert obs[names.index("memories")] == pytest.approx(1 / 20)
    assert obs[names.index("question_known")] == 0.0


def test_question_similarities_appear_once_stage_three_retrieves():
    env = FeatureObservation(flat())
    names = env.feature_names
    obs, _ = env.reset(seed=3)
    for _ in range(5):
        obs, *_ = env.step(np.array([ADD, 0, 0]))
        assert obs[names.index("question_sim_0")] == 0.0  # no question yet
    while obs[names.index("stage_3")] == 0:
        obs, *_ = env.step(np.array([WAIT, 0, 0]))
    obs, *_ = env.step(np.array([RETRIEVE, 0, 2]))
    assert obs[names.index("question_known")] == 1.0
    assert obs[names.index("retrievals")] == pytest.approx(1 / 3)
    vecs = env.embedder.embed([env.unwrapped.task.question, *env.view.known.values()])
    best = max(vecs[1:] @ vecs[0])
    assert best > 0 and obs[names.index("question_sim_0")] == pytest.approx(best, abs=1e-5)


def test_same_seed_same_actions_same_features():
    runs = []
    for _ in range(2):
        env = FeatureObservation(flat(discrete=True))
        rng = np.random.default_rng(0)
        obs, _ = env.reset(seed=7)
        trace, done = [obs], False
        while not done:
            obs, _, term, trunc, _ = env.step(int(rng.integers(env.action_space.n)))
            trace.append(obs)
            done = term or trunc
        runs.append(np.stack(trace))
    np.testing.assert_array_equal(*runs)


# ----------------------------------------------------------------- TokenizedObservation
def test_tokens_keep_the_newest_turn_and_pin_the_question(word_tokenizer):
    env = TokenizedObservation(flat(), word_tokenizer, max_length=48)
    obs, _ = env.reset(seed=1)
    while obs["attention_mask"].sum() < 48:  # until the context is longer than the row
        obs, *_ = env.step(np.array([WAIT, 0, 0]))
    newest = word_tokenizer(user_turns(env.chat_observation)[-1],
                            add_special_tokens=False)["input_ids"]
    assert obs["input_ids"][-len(newest):].tolist() == newest
    while env.chat_observation["stage"] < 3:
        obs, *_ = env.step(np.array([ANSWER, 0, 0]))
    for _ in range(2):
        obs, *_ = env.step(np.array([RETRIEVE, 0, 2]))  # long tool messages follow
    question = word_tokenizer(f"user: {env.unwrapped.task.question}",
                              add_special_tokens=False)["input_ids"]
    assert obs["input_ids"][: len(question)].tolist() == question


def test_a_short_context_is_left_padded_in_order(word_tokenizer):
    env = TokenizedObservation(make(), word_tokenizer, max_length=4096)
    obs, _ = env.reset(seed=0)
    real = obs["input_ids"][obs["attention_mask"] == 1]
    assert obs["attention_mask"][0] == 0 and obs["attention_mask"][-1] == 1
    text = "".join(f"{m['role']}: {m['content']}\n" for m in env.chat_observation["messages"]
                   if m["role"] != "system")
    assert real.tolist() == word_tokenizer(text, add_special_tokens=False)["input_ids"]


# ----------------------------------------------------------------- seeds, info, scores
def test_seed_cycle_resets_from_its_list():
    env = SeedCycle(make(), range(10, 12))
    seeds = [env.reset()[1]["seed"] for _ in range(3)]
    direct = [make().reset(seed=s)[1]["seed"] for s in (10, 11, 10)]
    assert seeds == direct
    assert env.reset(seed=99)[1]["seed"] == make().reset(seed=99)[1]["seed"]


def test_numeric_info_lets_a_vector_env_merge_infos():
    envs = gym.vector.SyncVectorEnv(
        [lambda: NumericInfo(FeatureObservation(flat(discrete=True))) for _ in range(2)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    envs.reset(seed=0)
    answer = next(i for i, c in enumerate(envs.envs[0].get_wrapper_attr("menu"))
                  if c.verb == "answer")
    for _ in range(3):  # stage 1, stage 2, then the stage-3 answer ends every episode
        _, _, terminated, _, infos = envs.step(np.array([answer, answer]))
    assert terminated.all() and "judge/f1" in infos["final_info"]


def test_play_seeds_scores_unanswered_questions_zero():
    scores = play_seeds(FeatureObservation(flat(discrete=True)),
                        lambda obs, info: 17, [0, 1])  # always wait: no answer
    assert [s.answer_f1 for s in scores] == [0.0, 0.0]
    assert all(s.episode_return < 0 and s.steps == 15 for s in scores)
