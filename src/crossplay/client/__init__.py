"""A small typed client of crossplay's HTTP faces, on httpx.

:class:`CrossplayClient` calls the HTTP API (``crossplay serve``) with a partner key;
:class:`~crossplay.client.psi.PsiClient` is what ``psi join`` speaks to ``psi serve``.
Both turn a refusal into :class:`ApiError` carrying the server's problem+json.
"""

from crossplay.client.api import CrossplayClient
from crossplay.client.base import ApiError, Transport

__all__ = ["ApiError", "CrossplayClient", "Transport"]
