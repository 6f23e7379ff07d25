"""Warm starts before GRPO: record an agent's steps as chat examples (``trajectories``),
LoRA SFT on them (``sft``), and the ``agemem train export | sft | bc | compare`` commands
(``cli``)."""
