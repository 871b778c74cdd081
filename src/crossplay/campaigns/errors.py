"""Errors of campaigns and the points ledger (all :class:`CrossplayError`, CLI exit 2).

Each raise gives its own ``code`` (one per message; the texts in both languages are in
:mod:`crossplay.campaigns.error_messages`). A refused ledger request also has a
:attr:`LedgerError.reason`: the kind of refusal ``apply`` and ``simulate`` count
(``budget``, ``daily_cap`` ...), the same for every message of that kind.
"""

from __future__ import annotations

from crossplay.core.errors import CrossplayError


class CampaignError(CrossplayError):
    """A campaign document or command that cannot be applied."""

    code = "campaign_error"


class LedgerError(CrossplayError):
    """A ledger request that is refused; nothing was written."""

    code = "ledger_error"
    #: the kind of refusal, as apply and simulate count refusals
    kind = "ledger_error"

    @property
    def reason(self) -> str:
        return self.kind


class InsufficientFunds(LedgerError):
    code = kind = "insufficient_funds"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    code = kind = "idempotency_conflict"


class BudgetExhausted(LedgerError):
    code = "budget_exhausted"
    kind = "budget"


class OutOfStock(LedgerError):
    code = kind = "out_of_stock"


class LimitReached(LedgerError):
    """A daily cap or a velocity limit refused the award (the code names the limit:
    ``daily_cap``, ``person_velocity`` or ``device_velocity``)."""

    code = "limit_reached"

    @property
    def reason(self) -> str:
        return self.code
