"""Weibo text cleaning, jieba tokenising, segment definitions, post scoring and user tags.

Plain library code: imports nothing else from Tajian and knows nothing of Prefect.
The tokenizer function is not re-exported here (``nlp.tokenize`` stays the module): use
``from nlp.tokenize import tokenize``.
"""

from nlp.clean import (
    CleanedText,
    clean_own_text,
    clean_weibo_text,
    extract_mentions,
    split_repost_chain,
)
from nlp.segments import (
    SegmentDefinition,
    SegmentDefinitionError,
    list_segments,
    load_segment,
    load_segment_file,
)
from nlp.tagger import PostScore, score_post, tag_user_segments
from nlp.tokenize import STOPWORDS
from nlp.words import top_distinctive_words

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
