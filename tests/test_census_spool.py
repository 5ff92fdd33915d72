"""engine.census.spool: a one-shot iterator of chunks read more than once (hand-built cases)."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest

from migindicators.engine.census.spool import replayable


def _chunks(n: int) -> list[pd.DataFrame]:
    return [pd.DataFrame({"x": [i, i + 0.5]}) for i in range(n)]


def test_other_inputs_pass_through() -> None:
    frame = pd.DataFrame({"x": [1]})
    listed = _chunks(2)
    assert replayable(frame) is frame
    assert replayable(listed) is listed
    assert replayable("census.parquet") == "census.parquet"


def test_a_generator_is_read_again_whole_even_after_a_partial_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGINDICATORS_TMPDIR", str(tmp_path))
    pulled: list[int] = []

    def generate() -> object:
        for i, chunk in enumerate(_chunks(4)):
            pulled.append(i)
            yield chunk

    spooled = replayable(generate())
    first = next(iter(spooled))  # a reader that only looks at the first chunk
    assert first["x"].tolist() == [0, 0.5]
    for _ in range(2):
        got = pd.concat(list(spooled), ignore_index=True)
        assert got["x"].tolist() == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]
    assert pulled == [0, 1, 2, 3]  # the source was read once
    assert len(list(tmp_path.iterdir())) == 1
    del spooled
    gc.collect()
    assert list(tmp_path.iterdir()) == []  # the spool goes with the wrapper
