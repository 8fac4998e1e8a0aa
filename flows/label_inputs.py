"""What ``tajian evaluate`` and ``tajian train`` both read before they start: the segment's
definition and the warehouse's labels of it, or one line saying what is missing (exit 1).

Example::

    seg, wh, labels = segment_labels("food", None, settings, tr("…; load posts with tajian ingest first"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flows.cli_errors import fail
from flows.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from nlp.segments import SegmentDefinition

__all__ = ["segment_labels"]


def segment_labels(
    segment: str, warehouse: Path | None, settings: Settings, no_warehouse: str
) -> tuple[SegmentDefinition, Path, pd.DataFrame]:
    """``(segment definition, warehouse path, labels table)``: ``warehouse`` or the settings' one;
    ``no_warehouse`` (a template with ``{path}``) is the line said when there is no file there."""
    from nlp.segments import SegmentDefinitionError, load_segment
    from store.labels import read_labels
    from store.warehouse import WarehouseError

    try:
        definition = load_segment(segment, settings.segments_dir)
        wh = Path(warehouse) if warehouse else settings.warehouse
        if not wh.is_file():
            raise FileNotFoundError(no_warehouse.format(path=wh))
        return definition, wh, read_labels(wh, segment)
    except (SegmentDefinitionError, FileNotFoundError, WarehouseError) as exc:
        raise fail(str(exc), 1) from None
