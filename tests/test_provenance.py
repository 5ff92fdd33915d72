"""Input fingerprints and the provenance block."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migindicators.core.provenance import FULL_HASH_ROWS, fingerprint, provenance


def test_small_frames_hash_every_value() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert fingerprint(frame).startswith("sha256:")
    assert fingerprint(frame) == fingerprint(frame.copy())
    changed = frame.copy()
    changed.loc[1, "a"] = 5
    assert fingerprint(changed) != fingerprint(frame)
    assert fingerprint(frame.iloc[::-1]) != fingerprint(frame)
    assert fingerprint(frame.rename(columns={"a": "c"})) != fingerprint(frame)
    assert fingerprint(frame.iloc[:0]) != fingerprint(frame)


def test_large_frames_get_a_sampled_fingerprint() -> None:
    n = FULL_HASH_ROWS + 1
    frame = pd.DataFrame({"w": np.arange(n, dtype="float64"), "g": np.arange(n) % 7})
    fp = fingerprint(frame)
    assert fp.startswith("sha256~:")
    assert fp == fingerprint(frame.copy())
    step = n // 100_000
    for row in (0, step, n - 1):  # sampled rows, including the last
        edited = frame.copy()
        edited.loc[row, "w"] += 1.0
        assert fingerprint(edited) != fp
    assert fingerprint(frame.iloc[:-1]) != fp


def test_provenance_block() -> None:
    block = provenance(
        "x",
        options={"by": ("sex",), "f": object()},
        inputs={"data": pd.DataFrame({"a": [1]}), "design": None},
    )
    assert block["indicator"] == "x"
    assert block["options"]["by"] == ["sex"]
    assert isinstance(block["options"]["f"], str)
    assert block["inputs"]["data"].endswith("(1 rows)")
    assert block["inputs"]["design"] == "NoneType"
