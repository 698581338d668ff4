"""Ledger rows stay append-only except for one change: a transaction's memo may be
rewritten (nothing else in the row may differ), so that an erased person's e-mail
address can be pseudonymised (GDPR Art. 17) while the amounts, accounts and
balances the law requires stay as they were. PostgreSQL only, like 0002."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'payments_ledgertransaction'
       AND (to_jsonb(NEW) - 'memo') = (to_jsonb(OLD) - 'memo') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A plain cursor: the SQL's % signs are PL/pgSQL, not query parameters.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_non_negative_points_and_ad_budget")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
