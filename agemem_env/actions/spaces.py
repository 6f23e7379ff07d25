"""Action spaces of the two modes: the raw completion text and the structured dict."""

from __future__ import annotations

import string

from gymnasium import spaces

# Text spaces check every character; LLM output is any unicode, so the charset is
# what sample() draws from, and step() accepts any str.
SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " \n"


def text_action_space(max_chars: int) -> spaces.Text:
    """The raw completion: <think>..</think> then <tool_call>[...]</tool_call> or <answer>."""
    return spaces.Text(max_length=max_chars, min_length=0, charset=SAMPLE_CHARSET)


def structured_action_space(max_chars: int, max_top_k: int, n_tools: int = 7) -> spaces.Dict:
    """Tool index in Discrete(n_tools) (the order of the env's tool registry; 7 for the
    default tools) plus typed argument slots, which each tool maps onto its arguments.

    ``text`` carries content / query / span / criteria / answer depending on the tool;
    ``metadata`` is a JSON object as text ("" for none); ``top_k`` 0 means the default.
    """
    short = spaces.Text(max_length=64, min_length=0, charset=SAMPLE_CHARSET)
    return spaces.Dict(
        {
            "tool": spaces.Discrete(n_tools),
            "text": spaces.Text(max_length=max_chars, min_length=0, charset=SAMPLE_CHARSET),
            "memory_id": short,
            "memory_type": short,
            "metadata": spaces.Text(max_length=1024, min_length=0, charset=SAMPLE_CHARSET),
            "top_k": spaces.Discrete(max_top_k + 1),
            "confirmation": spaces.Discrete(2),
        }
    )
