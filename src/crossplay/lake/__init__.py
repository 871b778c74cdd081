"""The lake: partitioned Parquet files under the data directory, committed atomically."""

from crossplay.lake.store import Lake, Manifest, RunRecord

__all__ = ["Lake", "Manifest", "RunRecord"]
