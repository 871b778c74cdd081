"""Errors of campaigns and the points ledger (all :class:`CrossplayError`, CLI exit 2)."""

from __future__ import annotations

from crossplay.core.errors import CrossplayError


class CampaignError(CrossplayError):
    """A campaign document or command that cannot be applied."""

    code = "campaign_error"


class LedgerError(CrossplayError):
    """A ledger request that is refused; nothing was written."""

    code = "ledger_error"


class InsufficientFunds(LedgerError):
    code = "insufficient_funds"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_conflict"


class BudgetExhausted(LedgerError):
    code = "budget_exhausted"


class OutOfStock(LedgerError):
    code = "out_of_stock"


class LimitReached(LedgerError):
    """A daily cap or a velocity limit refused the award."""

    code = "limit_reached"
