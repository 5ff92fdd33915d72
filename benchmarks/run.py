"""Run every benchmark case and print library/baseline ratios against their targets.

Usage: ``python benchmarks/run.py [substring ...]`` (only cases whose name contains one of the
substrings). Exit status is 0 whatever the ratios: benchmarks inform, they do not gate.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Case, CaseResult, time_best


def _load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(getattr(module, "CASES", []))
    return cases


def main(argv: list[str]) -> int:
    cases = [c for c in _load_cases() if not argv or any(a in c.name for a in argv)]
    results: list[CaseResult] = []
    for case in cases:
        print(f"== {case.name}: setting up", flush=True)
        data = case.setup()
        baseline_s, baseline_out = time_best(lambda d=data, c=case: c.baseline(d), case.repeat)
        library_s, library_out = time_best(lambda d=data, c=case: c.run(d), case.repeat)
        if case.check is not None:
            case.check(library_out, baseline_out)
        result = CaseResult(case.name, library_s, baseline_s, case.target_ratio, case.notes)
        results.append(result)
        print(
            f"   library {library_s:8.3f}s  baseline {baseline_s:8.3f}s  "
            f"ratio {result.ratio:5.2f} (target <= {case.target_ratio:g}) "
            f"{'OK' if result.ok else 'ABOVE TARGET'}  {case.notes}",
            flush=True,
        )
        del data
    if not results:
        print("no benchmark cases found")
    else:
        print("\nsummary")
        for r in results:
            print(
                f"  {r.name:55s} ratio {r.ratio:5.2f}  target {r.target_ratio:g}  "
                f"{'OK' if r.ok else 'ABOVE TARGET'}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
