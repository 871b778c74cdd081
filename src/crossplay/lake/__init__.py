"""The lake: partitioned Parquet files under the data directory, committed atomically."""

from crossplay.lake.manifest import Manifest, RunRecord
from crossplay.lake.store import Lake, Recovery

__all__ = ["Lake", "Manifest", "Recovery", "RunRecord"]
