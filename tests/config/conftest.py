"""Figures of the API fuzzing run (tests/config/test_api_fuzz.py), shown after the test run."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass(kw_only=True)
class FuzzRun:
    caller: str
    operations: int = 0
    examples: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)  # "2xx": 120, of the answers that passed
    failures: list[str] = field(default_factory=list)


FUZZ_FIGURES: list[FuzzRun] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if not FUZZ_FIGURES:
        return
    terminalreporter.section("API fuzzing (schemathesis)")
    for run in FUZZ_FIGURES:
        terminalreporter.write_line(
            f"{run.caller}: {run.operations} operations, {run.examples} examples, "
            f"{len(run.failures)} failures, {run.seconds:.0f} s "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(run.statuses.items()))})"
        )
