"""A server-side posting path for the ledger, on PostgreSQL.

`payments_ledger_post(...)` does in one round trip what payments.ledger._post did in
five to eight statements: checks that the legs balance per currency, locks the
debited non-negative accounts in id order and checks their balances (folding their
shards into the row when short), inserts the transaction with ON CONFLICT on the
idempotency key, inserts the entries, subtracts the debits from the locked rows and
adds every other change to the caller's shard of each account (account id order).
PL/pgSQL keeps each statement's plan for the session, so a posting is planned once
per connection, not once per call.

It returns one row (transaction_id, posted, short_account, short_balance):
- (id, true, NULL, NULL): this call wrote transaction `id`;
- (id, false, NULL, NULL): a transaction with the key exists (an earlier call, or a
  concurrent twin that committed while this one waited): nothing written;
- (NULL, false, account, balance): `account` does not hold enough (its balance after
  the fold is `balance`): nothing written but the fold (which only moves a balance
  within one account); the caller raises InsufficientFunds.

Which accounts are guarded (must not go negative) is the caller's to say (the kinds of
LedgerAccount.NON_NEGATIVE); the account table's CHECK constraint backs it. The
deferred balance trigger of 0002 still checks every transaction at commit.
SQLite has no such function: payments.ledger keeps its Python path there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION payments_ledger_post(
    p_kind text,
    p_key text,
    p_reference_type text,
    p_reference_id text,
    p_memo text,
    p_created_at timestamptz,
    p_accounts bigint[],
    p_amounts bigint[],
    p_currencies text[],
    p_guarded bigint[],
    p_shard integer
) RETURNS TABLE (transaction_id bigint, posted boolean, short_account bigint, short_balance bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_legs integer := coalesce(array_length(p_accounts, 1), 0);
    v_ids bigint[];
    v_changes bigint[];
    v_short bigint[];
    v_id bigint;
    v_account bigint;
    v_held bigint;
BEGIN
    IF v_legs < 2 OR v_legs <> coalesce(array_length(p_amounts, 1), 0)
            OR v_legs <> coalesce(array_length(p_currencies, 1), 0) THEN
        RAISE EXCEPTION 'a ledger transaction needs at least two entries, each with an amount and a currency'
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_amounts) AS a(amount) WHERE amount IS NULL OR amount = 0)
            OR EXISTS (
                SELECT 1 FROM unnest(p_amounts, p_currencies) AS l(amount, currency)
                GROUP BY currency HAVING sum(amount) <> 0
            ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', p_key
            USING ERRCODE = 'check_violation';
    END IF;

    -- The net change per account, in account id order.
    SELECT array_agg(account ORDER BY account), array_agg(total ORDER BY account)
        INTO v_ids, v_changes
        FROM (
            SELECT account, sum(amount)::bigint AS total
            FROM unnest(p_accounts, p_amounts) AS l(account, amount)
            GROUP BY account
        ) AS c;

    IF coalesce(array_length(p_guarded, 1), 0) > 0 THEN
        -- Lock the debited accounts that must stay non-negative, in id order.
        PERFORM 1 FROM payments_ledgeraccount
            WHERE id = ANY (p_guarded) ORDER BY id FOR UPDATE;
        SELECT array_agg(a.id ORDER BY a.id) INTO v_short
            FROM payments_ledgeraccount AS a
            JOIN unnest(v_ids, v_changes) AS c(account, total) ON c.account = a.id
            WHERE a.id = ANY (p_guarded) AND a.balance + c.total < 0;
        IF v_short IS NOT NULL THEN
            -- Take the short accounts' shards into their rows (same total), shard
            -- rows locked in (account, shard) order like every other posting.
            PERFORM 1 FROM payments_ledgerbalanceshard
                WHERE account_id = ANY (v_short) ORDER BY account_id, shard FOR UPDATE;
            WITH taken AS (
                DELETE FROM payments_ledgerbalanceshard
                WHERE account_id = ANY (v_short)
                RETURNING account_id, amount
            ), moved AS (
                SELECT account_id, sum(amount)::bigint AS amount FROM taken GROUP BY account_id
            )
            UPDATE payments_ledgeraccount AS a SET balance = a.balance + moved.amount
                FROM moved WHERE a.id = moved.account_id;
            SELECT a.id, a.balance INTO v_account, v_held
                FROM payments_ledgeraccount AS a
                JOIN unnest(v_ids, v_changes) AS c(account, total) ON c.account = a.id
                WHERE a.id = ANY (v_short) AND a.balance + c.total < 0
                ORDER BY a.id LIMIT 1;
            IF v_account IS NOT NULL THEN
                -- A twin that held the lock may have posted this key meanwhile.
                SELECT t.id INTO v_id FROM payments_ledgertransaction AS t
                    WHERE t.idempotency_key = p_key;
                IF v_id IS NOT NULL THEN
                    RETURN QUERY SELECT v_id, false, NULL::bigint, NULL::bigint;
                ELSE
                    RETURN QUERY SELECT NULL::bigint, false, v_account, v_held;
                END IF;
                RETURN;
            END IF;
        END IF;
    END IF;

    INSERT INTO payments_ledgertransaction
            (kind, idempotency_key, reference_type, reference_id, memo, created_at)
        VALUES (p_kind, p_key, p_reference_type, p_reference_id, p_memo, p_created_at)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id INTO v_id;
    IF v_id IS NULL THEN  -- posted before under this key: nothing moves again
        SELECT t.id INTO v_id FROM payments_ledgertransaction AS t
            WHERE t.idempotency_key = p_key;
        RETURN QUERY SELECT v_id, false, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;

    INSERT INTO payments_ledgerentry (transaction_id, account_id, amount, currency)
        SELECT v_id, l.account, l.amount, l.currency
        FROM unnest(p_accounts, p_amounts, p_currencies) AS l(account, amount, currency);

    IF coalesce(array_length(p_guarded, 1), 0) > 0 THEN
        UPDATE payments_ledgeraccount AS a SET balance = a.balance + c.total
            FROM unnest(v_ids, v_changes) AS c(account, total)
            WHERE a.id = c.account AND a.id = ANY (p_guarded);
    END IF;

    INSERT INTO payments_ledgerbalanceshard (account_id, shard, amount)
        SELECT c.account, p_shard, c.total
        FROM unnest(v_ids, v_changes) AS c(account, total)
        WHERE c.total <> 0 AND NOT (c.account = ANY (coalesce(p_guarded, '{}')))
        ORDER BY c.account
        ON CONFLICT (account_id, shard) DO UPDATE
            SET amount = payments_ledgerbalanceshard.amount + excluded.amount;

    RETURN QUERY SELECT v_id, true, NULL::bigint, NULL::bigint;
END;
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS payments_ledger_post(
    text, text, text, text, text, timestamptz, bigint[], bigint[], text[], bigint[], integer
);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor: the SQL's % signs are PL/pgSQL, not query parameters.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("payments", "0017_wallet_debt_and_disputed_top_ups")]

    operations = [migrations.RunPython(forward, backward)]
