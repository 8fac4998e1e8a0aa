"""A loaded model reads its segment from the folder the caller's settings name, not the repo's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp.model_files import ModelMismatchError, load_model
from nlp.segments import DEFAULT_SEGMENTS_DIR


def test_the_model_reads_its_segment_from_the_given_folder(tmp_path: Path) -> None:
    segments = tmp_path / "segments"
    shutil.copytree(DEFAULT_SEGMENTS_DIR, segments)
    model = load_model("mothers", segments_dir=segments)
    assert model.segments_dir_ == segments
    assert model.predict_proba(["我家宝宝今天会叫妈妈了"]).shape == (1, 2)
    # the sidecar is checked against that folder's segment file: an edited copy is refused
    with open(segments / "mothers.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    with pytest.raises(ModelMismatchError, match="segment_sha256"):
        load_model("mothers", segments_dir=segments)
