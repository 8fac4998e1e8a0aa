"""Weibo text cleaning, jieba tokenising, segment definitions, post scoring and user tags.

Plain library code: imports nothing else from Tajian and knows nothing of Prefect.
The tokenizer function is not re-exported here (``nlp.tokenize`` stays the module): use
``from nlp.tokenize import tokenize``.

The names below load their module on first use (PEP 562), so ``import nlp.segments`` (the
command line's help and its segment notes) does not pay for the tagger's scipy and
scikit-learn imports:

>>> import nlp
>>> nlp.load_segment.__module__
'nlp.segments'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlp.clean import (
        CleanedText,
        clean_own_text,
        clean_weibo_text,
        extract_mentions,
        split_repost_chain,
    )
    from nlp.post_rules import PostScore, score_post
    from nlp.segments import (
        SegmentDefinition,
        SegmentDefinitionError,
        list_segments,
        load_segment,
        load_segment_file,
    )
    from nlp.tagger import tag_user_segments
    from nlp.tokenize import STOPWORDS
    from nlp.words import top_distinctive_words

#: each public name and the module that defines it
_HOMES = {
    "CleanedText": "nlp.clean",
    "clean_own_text": "nlp.clean",
    "clean_weibo_text": "nlp.clean",
    "extract_mentions": "nlp.clean",
    "split_repost_chain": "nlp.clean",
    "SegmentDefinition": "nlp.segments",
    "SegmentDefinitionError": "nlp.segments",
    "list_segments": "nlp.segments",
    "load_segment": "nlp.segments",
    "load_segment_file": "nlp.segments",
    "PostScore": "nlp.post_rules",
    "score_post": "nlp.post_rules",
    "tag_user_segments": "nlp.tagger",
    "STOPWORDS": "nlp.tokenize",
    "top_distinctive_words": "nlp.words",
}

__all__ = [
    "STOPWORDS",
    "CleanedText",
    "PostScore",
    "SegmentDefinition",
    "SegmentDefinitionError",
    "clean_own_text",
    "clean_weibo_text",
    "extract_mentions",
    "list_segments",
    "load_segment",
    "load_segment_file",
    "score_post",
    "split_repost_chain",
    "tag_user_segments",
    "top_distinctive_words",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
