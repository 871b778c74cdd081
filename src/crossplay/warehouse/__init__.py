"""DuckDB over the lake: read-only views of every committed table."""

from crossplay.warehouse.duck import connect, lake_stats
from crossplay.warehouse.readonly import QueryResult, query

__all__ = ["QueryResult", "connect", "lake_stats", "query"]
