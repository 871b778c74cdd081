"""The measurement area's error (bad experiment input, metric or document)."""

from __future__ import annotations

from crossplay.core.errors import CrossplayError


class MeasureError(CrossplayError):
    code = "measure_error"
