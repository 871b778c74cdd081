"""DuckDB over the lake: read-only views of every committed table."""

from crossplay.warehouse.duck import QueryResult, connect, lake_stats, query

__all__ = ["QueryResult", "connect", "lake_stats", "query"]
