"""``--embedder``: the names a command accepts, checked before any model loads.

A mistyped name (``minilm2``) would otherwise reach sentence-transformers, try the model
hub and end in a long traceback. Accepted: the packaged MiniLM (``minilm``), ``hashing``
(or ``hashing-DIM-NGRAM``), a local sentence-transformers folder, a model already in the
Hugging Face cache, or ``st:NAME`` for any model sentence-transformers can fetch (online).
"""

from __future__ import annotations

from typing import Annotated

import typer

from agemem_env.cli.errors import fail
from agemem_env.cli.local_models import is_local_model
from agemem_env.embed import MINILM_NAME, HashingEmbedder, make_embedder

EMBEDDER_HELP = ("minilm (the packaged all-MiniLM-L6-v2), hashing (no model, fast), a local "
                 "sentence-transformers folder, a model in the Hugging Face cache, or "
                 "st:NAME (downloads when online).")
EmbedderOpt = Annotated[str, typer.Option(help=EMBEDDER_HELP)]
_CHOICES = "minilm, hashing, hashing-DIM-NGRAM, a local model folder or st:NAME"


def check_embedder(spec: str) -> str:
    """``spec`` if an embedder of that name can be built here without a surprise
    download, else ``fail`` with the choices. Nothing is loaded."""
    if spec.startswith("st:") and spec[3:]:
        return spec  # asked for by name: sentence-transformers may fetch it
    try:
        inner = make_embedder(spec).inner
    except (TypeError, ValueError) as err:
        fail(f"bad --embedder {spec!r}: {err}; choose {_CHOICES}")
    if isinstance(inner, HashingEmbedder) or inner.name == f"st:{MINILM_NAME}":
        return spec
    if is_local_model(spec):
        return spec
    fail(f"unknown embedder {spec!r}: not a known name, a local folder or a cached model; "
         f"choose {_CHOICES}")
