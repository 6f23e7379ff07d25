"""Step-wise GRPO: the trainer, its algorithms, a structured policy and an LLM policy.

Modules: ``algorithms`` (pure tensor math), ``config`` (``GRPOConfig``), ``trainer`` (the
loop, checkpoints), ``policy`` (the ``Policy`` contract), ``structured`` + ``candidates``
(a small MLP over candidate actions, CPU), ``llm_policy`` (a causal LM with LoRA),
``metrics`` (JSON lines, learning curve), ``agent`` (``grpo:DIR``, ``load_policy``), ``cli``
(``agemem train grpo``).

    agemem train grpo --policy structured --steps 120 --out runs/grpo
    agemem eval --agent grpo:runs/grpo --embedder hashing --episodes 200

Light to import: torch loads with the modules that need it, not here.
"""
