"""The first released schema: every table as crossplay 0.1 created it (``create_all``).

Generated once with Alembic's autogenerate from the tables declared on
``crossplay.opdb.meta.metadata`` on 2026-12-05, then reviewed: the Python-side markers of
``Table.info`` (erasure rules) are not part of the database and were left out. A store made
before migrations existed holds exactly these tables; ``crossplay db upgrade`` checks that,
stamps it at this revision and upgrades it.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_api_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=256), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_access_api_keys")),
    )
    op.create_index(
        op.f("ix_access_api_keys_partner"), "access_api_keys", ["partner"], unique=False
    )
    op.create_table(
        "api_idempotency",
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("idem_key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("partner", "idem_key", name=op.f("pk_api_idempotency")),
    )
    op.create_table(
        "campaign_checkins",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "person_id", "platform", "local_day", name=op.f("pk_campaign_checkins")
        ),
    )
    op.create_table(
        "campaign_inbox",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_key", name=op.f("pk_campaign_inbox")),
    )
    op.create_table(
        "campaign_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_outbox")),
        sa.UniqueConstraint("message_key", name=op.f("uq_campaign_outbox_message_key")),
    )
    op.create_index(
        "ix_campaign_outbox_pending", "campaign_outbox", ["delivered_at", "id"], unique=False
    )
    op.create_table(
        "campaign_rewards",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("reward_id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("redeemed", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "stock >= 0 AND reserved >= 0 AND redeemed >= 0",
            name=op.f("ck_campaign_rewards_stock_non_negative"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "reward_id", name=op.f("pk_campaign_rewards")),
    )
    op.create_table(
        "campaign_state",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_state")),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("debt", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "allow_negative OR balance >= 0", name=op.f("ck_ledger_accounts_non_negative")
        ),
        sa.CheckConstraint("debt >= 0", name=op.f("ck_ledger_accounts_debt_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint(
            "kind", "holder", "currency", name=op.f("uq_ledger_accounts_kind_holder_currency")
        ),
    )
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idem_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reverses"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_transactions_reverses_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_ledger_transactions_idem_key")),
        sa.UniqueConstraint("reverses", name=op.f("uq_ledger_transactions_reverses")),
    )
    op.create_table(
        "measure_experiments",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("layer", sa.String(length=128), nullable=True),
        sa.Column("layer_lo", sa.Float(), nullable=False),
        sa.Column("layer_hi", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_measure_experiments")),
    )
    op.create_index("ix_measure_experiments_layer", "measure_experiments", ["layer"], unique=False)
    op.create_table(
        "privacy_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_privacy_audit")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_privacy_audit_prev_hash")),
    )
    op.create_table(
        "privacy_budget",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("query", sa.String(length=64), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_budget")),
    )
    op.create_index(op.f("ix_privacy_budget_partner"), "privacy_budget", ["partner"], unique=False)
    op.create_table(
        "privacy_consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_consents")),
    )
    op.create_index(
        op.f("ix_privacy_consents_user_key"), "privacy_consents", ["user_key"], unique=False
    )
    op.create_table(
        "privacy_key_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_rekeyed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_key_versions")),
        sa.UniqueConstraint(
            "partner", "version", name=op.f("uq_privacy_key_versions_partner_version")
        ),
    )
    op.create_table(
        "privacy_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("k_user_key", sa.String(length=64), nullable=False),
        sa.Column("g_user_key", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_links")),
    )
    op.create_index(
        op.f("ix_privacy_links_g_user_key"), "privacy_links", ["g_user_key"], unique=False
    )
    op.create_index(
        op.f("ix_privacy_links_k_user_key"), "privacy_links", ["k_user_key"], unique=False
    )
    op.create_table(
        "privacy_release_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("query", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_release_snapshots")),
        sa.UniqueConstraint(
            "query", "period", name=op.f("uq_privacy_release_snapshots_query_period")
        ),
    )
    op.create_table(
        "web_operators",
        sa.Column("operator_id", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("disabled_at", sa.BigInteger(), nullable=True),
        sa.Column("last_login_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_web_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_web_operators_username")),
    )
    op.create_table(
        "campaign_awards",
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("device", sa.String(length=128), nullable=True),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tx_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_campaign_awards_tx_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_campaign_awards")),
    )
    op.create_index(
        "ix_campaign_awards_person_day",
        "campaign_awards",
        ["campaign_id", "person_id", "local_day"],
        unique=False,
    )
    op.create_table(
        "campaign_redemptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("reward_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reserve_tx", sa.Integer(), nullable=False),
        sa.Column("settle_tx", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reserve_tx"],
            ["ledger_transactions.id"],
            name=op.f("fk_campaign_redemptions_reserve_tx_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["settle_tx"],
            ["ledger_transactions.id"],
            name=op.f("fk_campaign_redemptions_settle_tx_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_redemptions")),
    )
    op.create_table(
        "ledger_lots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= amount", name=op.f("ck_ledger_lots_remaining_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_lots_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["tx_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_lots_tx_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lots")),
    )
    op.create_index("ix_ledger_lots_expiry", "ledger_lots", ["expires_at"], unique=False)
    op.create_index("ix_ledger_lots_open", "ledger_lots", ["account_id", "remaining"], unique=False)
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_postings_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["tx_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_postings_tx_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    op.create_index(
        "ix_ledger_postings_account_ts", "ledger_postings", ["account_id", "ts"], unique=False
    )
    op.create_index("ix_ledger_postings_tx", "ledger_postings", ["tx_id"], unique=False)
    op.create_table(
        "campaign_redemption_partners",
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["campaign_redemptions.id"],
            name=op.f("fk_campaign_redemption_partners_redemption_id_campaign_redemptions"),
        ),
        sa.PrimaryKeyConstraint("redemption_id", name=op.f("pk_campaign_redemption_partners")),
    )
    op.create_table(
        "ledger_lot_moves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["ledger_lots.id"], name=op.f("fk_ledger_lot_moves_lot_id_ledger_lots")
        ),
        sa.ForeignKeyConstraint(
            ["tx_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_lot_moves_tx_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lot_moves")),
    )
    op.create_index("ix_ledger_lot_moves_tx", "ledger_lot_moves", ["tx_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_lot_moves_tx", table_name="ledger_lot_moves")
    op.drop_table("ledger_lot_moves")
    op.drop_table("campaign_redemption_partners")
    op.drop_index("ix_ledger_postings_tx", table_name="ledger_postings")
    op.drop_index("ix_ledger_postings_account_ts", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_lots_open", table_name="ledger_lots")
    op.drop_index("ix_ledger_lots_expiry", table_name="ledger_lots")
    op.drop_table("ledger_lots")
    op.drop_table("campaign_redemptions")
    op.drop_index("ix_campaign_awards_person_day", table_name="campaign_awards")
    op.drop_table("campaign_awards")
    op.drop_table("web_operators")
    op.drop_table("privacy_release_snapshots")
    op.drop_index(op.f("ix_privacy_links_k_user_key"), table_name="privacy_links")
    op.drop_index(op.f("ix_privacy_links_g_user_key"), table_name="privacy_links")
    op.drop_table("privacy_links")
    op.drop_table("privacy_key_versions")
    op.drop_index(op.f("ix_privacy_consents_user_key"), table_name="privacy_consents")
    op.drop_table("privacy_consents")
    op.drop_index(op.f("ix_privacy_budget_partner"), table_name="privacy_budget")
    op.drop_table("privacy_budget")
    op.drop_table("privacy_audit")
    op.drop_index("ix_measure_experiments_layer", table_name="measure_experiments")
    op.drop_table("measure_experiments")
    op.drop_table("ledger_transactions")
    op.drop_table("ledger_accounts")
    op.drop_table("campaign_state")
    op.drop_table("campaign_rewards")
    op.drop_index("ix_campaign_outbox_pending", table_name="campaign_outbox")
    op.drop_table("campaign_outbox")
    op.drop_table("campaign_inbox")
    op.drop_table("campaign_checkins")
    op.drop_table("api_idempotency")
    op.drop_index(op.f("ix_access_api_keys_partner"), table_name="access_api_keys")
    op.drop_table("access_api_keys")
