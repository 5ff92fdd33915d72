"""Fuzz test (issue 15): mutated inputs give a Result whose rows add up, or a library error.

Hypothesis takes the valid input frames of every indicator's demo job (the bundled datasets:
every input kind the registry uses but two remittance change/total-cost inputs, which share
the ``remittance_prices`` kind with the jobs here) and mutates one of them as a careless user
would: NaN, ±inf, negatives, zeros, text in a number column or a number in a text column,
duplicated rows, unknown codes, an empty frame, one row, a dropped column, formula text,
numbers typed as text, a categorical column; in a few rows or the whole column.
Whatever the mutation, the indicator must either return a
:class:`~migindicators.core.result.Result` whose row accounting adds up (given = used +
excluded, per input) or raise a :class:`~migindicators.core.errors.MigIndicatorsError`:
never a raw ``ValueError``/``KeyError``/``TypeError`` from pandas or numpy, and never a
RuntimeWarning from the library (the suite turns those into errors).

The default run tries two mutations per indicator (derandomised, so the suite stays
deterministic); ``-m slow`` runs 40 random ones each.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from fuzz_mutations import MUTATIONS, mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import MigIndicatorsError
from migindicators.core.result import Result
from migindicators.datasets import DemoJob, demo_jobs

# The published-stock input kind has no demo job: a small table typed in here.
_STOCK_TABLE = pd.DataFrame(
    {
        "ref_area": ["KEN", "KEN", "KEN", "UGA", "UGA", "UGA"] * 2,
        "time_period": [2000, 2005, 2010] * 4,
        "sex": ["F"] * 6 + ["M"] * 6,
        "migrant_stock": [1e5, 1.2e5, 1.5e5, 5e5, 5.5e5, 6e5, 9e4, 1e5, 1.4e5, 4e5, 5e5, 6.5e5],
    }
)
_CACHE: dict[str, Any] = {"stock_table": {"stock": _STOCK_TABLE}}


def _jobs() -> list[DemoJob]:
    seen: dict[str, DemoJob] = {}
    for job in demo_jobs():
        seen.setdefault(job.indicator, job)
    jobs = list(seen.values())
    jobs.append(DemoJob("stock_table", "migrant_stock_growth_rate", {"stock": "stock"}))
    return jobs


JOBS = _jobs()


def _inputs(job: DemoJob) -> dict[str, pd.DataFrame]:
    if job.dataset not in _CACHE:
        _CACHE[job.dataset] = mi.datasets.load(job.dataset)
    data = _CACHE[job.dataset]
    return {
        arg: data if isinstance(data, pd.DataFrame) else data[key]
        for arg, key in job.inputs.items()
    }


def _check(job: DemoJob, data: st.DataObject) -> None:
    base = _inputs(job)
    name = data.draw(st.sampled_from(sorted(base)), label="input")
    frame = base[name]
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    column = data.draw(st.sampled_from(list(frame.columns)), label="column")
    rows = data.draw(
        st.one_of(
            st.lists(st.integers(0, len(frame) - 1), min_size=1, max_size=3, unique=True),
            st.just(list(range(len(frame)))),  # the whole column
        ),
        label="rows",
    )
    kwargs: dict[str, Any] = {**base, name: mutate(frame, kind, column, rows), **job.options}
    if job.by:
        kwargs["by"] = list(job.by)
    try:
        result = mi.compute(job.indicator, **kwargs)
    except MigIndicatorsError:
        return
    except Exception as exc:  # the point of the test: nothing else may escape
        pytest.fail(
            f"{job.indicator}: {kind} in {name}.{column} rows {rows} raised "
            f"{type(exc).__name__}: {exc}"
        )
    assert isinstance(result, Result)
    assert result.rows_accounted(), (
        f"{job.indicator}: {kind} in {name}.{column}: rows do not add up "
        f"{result.metadata.get('rows')}"
    )


@pytest.mark.parametrize("job", JOBS, ids=lambda j: f"{j.indicator}[{j.dataset}]")
@settings(
    max_examples=2,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_inputs_give_a_result_or_a_library_error(job: DemoJob, data: st.DataObject) -> None:
    _check(job, data)


@pytest.mark.slow
@pytest.mark.parametrize("job", JOBS, ids=lambda j: f"{j.indicator}[{j.dataset}]")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_inputs_many(job: DemoJob, data: st.DataObject) -> None:
    _check(job, data)


def test_the_fuzz_covers_every_input_kind_of_the_jobs() -> None:
    kinds = {
        inp.kind
        for job in JOBS
        for inp in mi.registry[job.indicator].inputs
        if inp.name in job.inputs
    }
    used = {inp.kind for spec in mi.registry.values() for inp in spec.inputs}
    assert used - kinds <= {"any"}, sorted(used - kinds)
    assert len(MUTATIONS) >= 10
