"""One exception tree for crossplay.

    CrossplayError                 every domain error: a stable ``code`` and a message
     ├── ConfigError               settings, secrets, data directory
     ├── MappingError              a mapping file that cannot be applied to a source
     ├── SourceError               an input file that cannot be read at all
     ├── QueryError                a warehouse query that is refused or fails
     └── NotFoundError             a run, table or object that does not exist

Row-level problems are *not* exceptions: they become quarantine rows with a reason.
The CLI maps any ``CrossplayError`` to exit code 2 with its message (never a traceback).
"""

from __future__ import annotations

from collections.abc import Mapping


class CrossplayError(Exception):
    """Base of all crossplay errors; ``code`` is stable, ``message`` says what to do.

    ``params`` are the values the message quotes: a face that has the message in another
    language (the CLI's catalog entry ``err.<code>``) renders it from them.
    """

    code: str = "crossplay_error"

    def __init__(self, message: str, *, code: str | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params: dict[str, object] = dict(params or {})
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(CrossplayError):
    code = "config_error"


class MappingError(CrossplayError):
    code = "mapping_error"


class SourceError(CrossplayError):
    code = "source_error"


class QueryError(CrossplayError):
    code = "query_error"


class NotFoundError(CrossplayError):
    code = "not_found"
