"""A loaded model reads its segment from the folder the caller's settings name, not the repo's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp.model_files import ModelMismatchError, load_model
from nlp.segments import DEFAULT_SEGMENTS_DIR


def _data_folder(tmp_path: Path) -> Path:
    """A copy of the data folder's segments and dictionaries (what TAJIAN_DATA_DIR names)."""
    shutil.copytree(DEFAULT_SEGMENTS_DIR.parent / "dict", tmp_path / "dict")
    shutil.copytree(DEFAULT_SEGMENTS_DIR, tmp_path / "segments")
    return tmp_path / "segments"


def test_the_model_reads_its_segment_from_the_given_folder(tmp_path: Path) -> None:
    segments = _data_folder(tmp_path)
    model = load_model("mothers", segments_dir=segments)
    assert model.segments_dir_ == segments
    assert model.predict_proba(["我家宝宝今天会叫妈妈了"]).shape == (1, 2)
    # the sidecar is checked against that folder's segment file: an edited copy is refused
    with open(segments / "mothers.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    with pytest.raises(ModelMismatchError, match="segment_sha256"):
        load_model("mothers", segments_dir=segments)


def test_a_model_trained_on_the_settings_folder_is_checked_against_it(tmp_path: Path) -> None:
    """Issue 18: training read the repo's segment file whatever the settings said, so a model
    trained under TAJIAN_DATA_DIR was refused by the run that used it."""
    from nlp.classifier import PostClassifier
    from nlp.model_files import save_model

    segments = _data_folder(tmp_path)
    with open(segments / "mothers.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# this folder's own copy\n")
    texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥"]
    texts += ["追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
    model = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0], segments_dir=segments)
    assert model.segments_dir_ == segments
    path = save_model(model, tmp_path / "models" / "mothers.joblib")
    assert load_model("mothers", path=path, segments_dir=segments).segments_dir_ == segments
    with pytest.raises(ModelMismatchError, match="segment_sha256"):
        load_model("mothers", path=path)  # the repo's segment file is not the one it was trained on
    import joblib

    assert not hasattr(joblib.load(path), "segments_dir_")  # the folder is the loader's to say


def test_the_dictionary_is_the_data_folders_too(tmp_path: Path) -> None:
    """Issue 18: the segment came from TAJIAN_DATA_DIR but its jieba dictionary from the repo's."""
    from nlp.classifier import _segment_tokens
    from nlp.post_rules import score_post
    from nlp.segments import load_segment

    segments = _data_folder(tmp_path)
    seg = load_segment("mothers", segments)
    assert seg.data_dir == tmp_path.resolve()
    with open(tmp_path / "dict" / "mothers.txt", "a", encoding="utf-8") as fh:
        fh.write("\n宝宝辅食机\n")
    assert "宝宝辅食机" in _segment_tokens(seg.dictionary, "买了宝宝辅食机", seg.data_dir)
    assert "宝宝辅食机" not in _segment_tokens(seg.dictionary, "买了宝宝辅食机")  # the repo's
    score_post("买了宝宝辅食机", seg)  # the rules cut with it too (no error: the file is there)
    # the model's sidecar names the dictionary it was trained with: this folder's differs now
    with pytest.raises(ModelMismatchError, match="dictionary_sha256"):
        load_model("mothers", segments_dir=segments)
