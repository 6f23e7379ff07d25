"""Scoring: answer judges (HotpotQA EM/F1, LoCoMo, LLM graders), memory quality against
the gold supporting facts, abstention, and the text normalisation they share."""

from agemem_env.scoring.abstention import is_abstention
from agemem_env.scoring.judges import ExactMatchF1Judge, Judge, JudgeResult
from agemem_env.scoring.llm_judges import LLMJudge, LLMMemoryJudge
from agemem_env.scoring.locomo import LoCoMoJudge
from agemem_env.scoring.memory_quality import FactMatcher, GoldFacts, MemoryQuality, memory_quality
from agemem_env.scoring.registry import MemoryScorer, make_judge, make_memory_scorer
from agemem_env.scoring.text import content_tokens, normalize_answer

__all__ = [
    "ExactMatchF1Judge",
    "FactMatcher",
    "GoldFacts",
    "Judge",
    "JudgeResult",
    "LLMJudge",
    "LLMMemoryJudge",
    "LoCoMoJudge",
    "MemoryQuality",
    "MemoryScorer",
    "content_tokens",
    "is_abstention",
    "make_judge",
    "make_memory_scorer",
    "memory_quality",
    "normalize_answer",
]
