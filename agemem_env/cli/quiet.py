"""Quiet by default: the commands, not the library, silence the libraries they load.

Model-loading bars ("Loading weights", "Writing model shards"), Hugging Face's info logs
and library deprecation warnings say nothing a user of ``agemem`` can act on. Each command
calls ``quiet_libraries(verbose)`` first; ``--verbose`` keeps everything and turns our own
INFO logs on. Our own progress bars (episodes, updates, steps) are tqdm bars of ours and
stay.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Annotated

import typer

VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", help="Show library logs, model-loading bars and deprecation warnings "
                      "(hidden by default).")]

# Read when these libraries are imported; set before that, they silence them in this
# process and in the env worker processes it starts.
_QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",  # else a warning at every fork of a worker
}
_LIBRARY_LOGGERS = ("transformers", "sentence_transformers", "huggingface_hub", "datasets",
                    "accelerate", "peft", "torch", "trl")


def quiet_libraries(verbose: bool = False) -> None:
    """Silence library noise unless ``verbose``; a user's own settings of the variables
    above win. Safe to call more than once."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    _silence_loaded()


def _silence_loaded() -> None:
    """The same for libraries imported before the call (their variables are read)."""
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
