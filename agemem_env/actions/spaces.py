"""Action spaces of the two modes: the raw completion text and the structured dict."""

from __future__ import annotations

import string

from gymnasium import spaces

# What sample() draws from; contains() admits any Unicode, as step() accepts any str.
SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " \n"


class UnicodeText(spaces.Text):
    """A Text space that contains every str up to ``max_length`` (LLM output is any
    Unicode: "Beyoncé", "北京"); ``sample`` still draws from ``SAMPLE_CHARSET``.

    >>> UnicodeText(16).contains("<answer>Beyoncé</answer>")
    False
    >>> UnicodeText(64).contains("<answer>Beyoncé</answer>")
    True
    """

    def __init__(self, max_length: int, min_length: int = 0, seed: int | None = None):
        super().__init__(max_length=max_length, min_length=min_length, charset=SAMPLE_CHARSET,
                         seed=seed)

    def contains(self, x: object) -> bool:
        """Any str whose length is within the bounds."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"


def text_action_space(max_chars: int) -> spaces.Text:
    """The raw completion: <think>..</think> then <tool_call>[...]</tool_call> or <answer>."""
    return UnicodeText(max_chars)


def structured_action_space(max_chars: int, max_top_k: int, n_tools: int = 7) -> spaces.Dict:
    """Tool index in Discrete(n_tools) (the order of the env's tool registry; 7 for the
    default tools) plus typed argument slots, which each tool maps onto its arguments.

    ``text`` carries content / query / span / criteria / answer depending on the tool;
    ``metadata`` is a JSON object as text ("" for none); ``top_k`` 0 means the default.
    """
    short = UnicodeText(64)
    return spaces.Dict(
        {
            "tool": spaces.Discrete(n_tools),
            "text": UnicodeText(max_chars),
            "memory_id": short,
            "memory_type": short,
            "metadata": UnicodeText(1024),
            "top_k": spaces.Discrete(max_top_k + 1),
            "confirmation": spaces.Discrete(2),
        }
    )
