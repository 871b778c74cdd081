"""Joint campaigns: documents, the points ledger, rules, check-ins, redemption, outbox."""
