"""Peak memory of one step (a model's ``fit``), without slowing the step down.

On Linux the kernel's resident-set high-water mark (``VmHWM`` in ``/proc/self/status``) is
reset before the step by writing ``5`` to ``/proc/self/clear_refs``; the figure is the peak
resident memory during the step minus the resident memory before it, so it sees native
buffers (BLAS, implicit's C++) as well as Python's. Memory the allocator already held
from earlier work and reuses is not counted again, so the figure is the step's *growth*
of the process. Where that interface is missing, ``tracemalloc`` (Python and NumPy
allocations only; it slows allocation-heavy code) is used and the method says so.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from types import TracebackType

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_hwm() -> bool:
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    hwm, rss = _status_kb("VmHWM"), _status_kb("VmRSS")
    return hwm is not None and rss is not None and hwm <= rss + 64


class PeakMemory:
    """``with PeakMemory() as m: fit()`` then ``m.peak_mb`` and ``m.method``
    (``rss-hwm`` or ``tracemalloc``)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.method = "rss-hwm"
        self._rss0 = 0

    def __enter__(self) -> PeakMemory:
        if _reset_hwm():
            self._rss0 = _status_kb("VmRSS") or 0
        else:
            self.method = "tracemalloc"
            tracemalloc.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.method == "tracemalloc":
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.peak_mb = peak / 2**20
        else:
            hwm = _status_kb("VmHWM") or self._rss0
            self.peak_mb = max(0, hwm - self._rss0) / 1024
