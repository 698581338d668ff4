"""Database-level guards for the ledger, on PostgreSQL.

- Entries and transactions are append-only: UPDATE and DELETE raise.
- Every transaction balances to zero per currency, checked at commit (a deferred
  constraint trigger), whatever code wrote the rows.
SQLite (the default development database) has no such triggers; the service layer
enforces the same rules there, and CI runs on PostgreSQL.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON payments_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();

CREATE TRIGGER payments_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON payments_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();

CREATE OR REPLACE FUNCTION payments_ledger_balanced() RETURNS trigger AS $$
DECLARE
    unbalanced text;
BEGIN
    SELECT string_agg(currency || ' ' || total, ', ') INTO unbalanced FROM (
        SELECT currency, sum(amount) AS total FROM payments_ledgerentry
        WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount) <> 0
    ) AS off;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: %', NEW.transaction_id, unbalanced
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_ledgerentry_balanced
    AFTER INSERT ON payments_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS payments_ledgerentry_balanced ON payments_ledgerentry;
DROP FUNCTION IF EXISTS payments_ledger_balanced();
DROP TRIGGER IF EXISTS payments_ledgertransaction_append_only ON payments_ledgertransaction;
DROP TRIGGER IF EXISTS payments_ledgerentry_append_only ON payments_ledgerentry;
DROP FUNCTION IF EXISTS payments_ledger_append_only();
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
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
