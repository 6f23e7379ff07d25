"""Is a model named on the command line here, on disk? Looked up without any download,
so a typo fails in one line instead of reaching the model hub."""

from __future__ import annotations

from pathlib import Path

from agemem_env.cli.errors import fail


def is_model_folder(path: str | Path) -> bool:
    """A folder a model was saved in (sentence-transformers or transformers layout)."""
    folder = Path(path).expanduser()
    return any((folder / name).is_file() for name in ("modules.json", "config.json"))


def in_hf_cache(name: str) -> bool:
    """True when the Hugging Face model ``name`` is in the local cache (disk only)."""
    try:
        from huggingface_hub import try_to_load_from_cache
        from huggingface_hub.errors import HFValidationError
    except ImportError:
        return False
    try:
        found = try_to_load_from_cache(name, "config.json")
    except HFValidationError:  # not even a valid repo id
        return False
    return isinstance(found, str)


def is_local_model(name: str) -> bool:
    """A model folder, or a model id the Hugging Face cache holds."""
    return is_model_folder(name) or in_hf_cache(name)


def check_llm_model(name: str, option: str = "--model") -> str:
    """``name`` if it is ``smollm2`` (packaged) or a local model, else ``fail``."""
    if name == "smollm2" or is_local_model(name):
        return name
    fail(f"unknown {option} {name!r}: not smollm2 (packaged), a local model folder or a "
         "Hugging Face id in the local cache")
