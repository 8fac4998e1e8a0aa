"""Column helpers for the run's frames: membership tests on text ids in Arrow, not per row.

pandas' ``isin`` on a text column turns both sides into Python objects and hashes them; the
ids of a run (hundreds of thousands of posts' authors against the members) are tested faster
by pyarrow's hash set. Anything that is not text on both sides goes to pandas as before.

Example:
    >>> import pandas as pd
    >>> among(pd.Series(["a", "b", None, "c"]), ["c", "a"]).tolist()
    [True, False, False, True]
    >>> among(pd.Series([1, 2]), [2]).tolist()
    [False, True]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["among"]


def _text(values: object) -> pa.Array | None:
    """``values`` as an Arrow text array, or None when they are not all text (or missing)."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.string())
    return arr if pa.types.is_string(arr.type) else None


def among(values: pd.Series, allowed: Iterable[object]) -> np.ndarray:
    """Whether each of ``values`` is one of ``allowed``, as a boolean array in ``values``' order
    (what ``values.isin(allowed)`` says; a missing value is in only when ``allowed`` has one)."""
    wanted = allowed if isinstance(allowed, pd.Series) else pd.Series(list(allowed), dtype=object)
    have, want = _text(values), _text(wanted)
    if have is None or want is None:
        return values.isin(wanted).to_numpy(dtype=bool)
    return pc.is_in(have, value_set=want, skip_nulls=False).to_numpy(zero_copy_only=False)
