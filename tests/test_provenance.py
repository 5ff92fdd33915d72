"""Input fingerprints and the provenance block."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migindicators.core.provenance import FULL_HASH_ROWS, fingerprint, provenance, sampled_rows


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
    n = 2_000_003
    frame = pd.DataFrame(
        {"w": np.arange(n, dtype="float64"), "g": np.arange(n) % 7, "t": pd.Categorical(["a"] * n)}
    )
    fp = fingerprint(frame)
    assert fp.startswith("sha256~:")
    assert fp == fingerprint(frame.copy())
    rows = sampled_rows(n)
    assert rows[0] == 0 and rows[-1] == n - 1 and len(rows) == 64 * 256
    middle = int(rows[len(rows) // 2])
    for row in (0, middle, n - 1):  # sampled rows: the first, one in a middle run, the last
        edited = frame.copy()
        edited.loc[row, "w"] += 1.0
        assert fingerprint(edited) != fp
    # What a user does to a frame: drop a row, reorder rows, recompute a column, rename or
    # retype a column.
    assert fingerprint(frame.iloc[:-1]) != fp
    assert fingerprint(frame.iloc[::-1].reset_index(drop=True)) != fp
    assert fingerprint(frame.assign(w=frame["w"] * 1.01)) != fp
    assert fingerprint(frame.rename(columns={"w": "v"})) != fp
    assert fingerprint(frame.astype({"g": "int32"})) != fp
    assert fingerprint(frame.assign(t=pd.Categorical(["b"] * n))) != fp


def test_frames_at_the_limit_are_hashed_in_full() -> None:
    n = FULL_HASH_ROWS
    frame = pd.DataFrame({"w": np.arange(n, dtype="float64")})
    fp = fingerprint(frame)
    assert fp.startswith("sha256:")
    edited = frame.copy()
    edited.loc[n // 2 + 1, "w"] = -1.0  # a row no sample would take
    assert fingerprint(edited) != fp


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
