"""The one timer the benchmark scripts share."""

from __future__ import annotations

import time
from collections.abc import Callable


def median_of_5(fn: Callable[[], object]) -> float:
    """Call ``fn`` once (loading or compiling it), then the median wall time of 5 calls, in s."""
    fn()
    passes = []
    for _ in range(5):
        t = time.perf_counter()
        fn()
        passes.append(time.perf_counter() - t)
    return sorted(passes)[2]
