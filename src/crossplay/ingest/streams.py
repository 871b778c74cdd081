"""The bytes of a source file: decompressed by suffix, with errors that say what to do.

``.gz``, ``.zst`` and ``.bz2`` files are read through Arrow's streaming decompressors, so
the header sample, the fast readers and the row-by-row readers all see the same text. A
compressed stream that ends early or is corrupt raises :class:`SourceError` for the file
(an export cut off in transfer must be sent again, not half loaded).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from crossplay.core.errors import SourceError

COMPRESSED_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2"}

# Arrow's CSV errors quote the offending row ("Expected 7 columns, got 8: <row>"): never
# repeat a row in a message (it may hold a native id)
_ROW_IN_MESSAGE = re.compile(r"(got \d+)\s*:.*", re.DOTALL)


def compression_of(path: Path) -> str | None:
    return COMPRESSED_SUFFIXES.get(path.suffix.lower())


def open_stream(path: Path) -> pa.NativeFile:
    """A readable byte stream of ``path``, decompressed when its suffix says so."""
    try:
        raw = pa.OSFile(str(path), "rb")
        codec = compression_of(path)
        return raw if codec is None else pa.CompressedInputStream(raw, codec)
    except (OSError, pa.ArrowException) as exc:
        detail = describe(exc)
        raise SourceError(f"cannot open {path}: {detail}", code="ingest_open_failed",
                          params={"path": str(path), "detail": detail}) from None


def read_sample(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the (decompressed) file."""
    with open_stream(path) as fh:
        try:
            return bytes(fh.read(size))
        except (OSError, pa.ArrowException) as exc:
            raise stream_error(path, exc) from None


def stream_error(path: Path, exc: BaseException) -> SourceError:
    """The file-level error for a stream that cannot be read to its end."""
    what = describe(exc)
    if compression_of(path) is not None:
        return SourceError(f"{path} is a truncated or corrupt "
                           f"{compression_of(path)} file ({what}); export it again",
                           code="ingest_compressed_corrupt",
                           params={"path": str(path), "compression": compression_of(path),
                                   "detail": what})
    return SourceError(f"cannot read {path}: {what}", code="ingest_read_failed",
                       params={"path": str(path), "detail": what})


def describe(exc: BaseException) -> str:
    """An exception's message on one line, without any row it may quote."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = _ROW_IN_MESSAGE.sub(r"\1", text)
    return text if len(text) <= 200 else text[:200] + "…"
