"""Trigram (pg_trgm) GIN indexes on the columns site-wide search matches, so a search
reads the indexes instead of scanning the tables. Django's `icontains` on PostgreSQL
is `UPPER(column) LIKE UPPER('%term%')`, so the indexes are on UPPER(column): an
index on the bare column would not be used. PostgreSQL
only: the SQLite default run keeps scanning (its tables are small). The indexes
belong to search, which reads them; the apps that own the tables know nothing of them.

pg_trgm cuts text into three-character grams, Chinese included (the database's
C.UTF-8 ctype counts Han characters as letters). A term of one or two characters
has no trigram of its own, so PostgreSQL reads the whole index for it: still no
table scan, but no faster than one.
"""

from django.db import migrations

# (app label, model, fields): every column search.selectors matches.
COLUMNS = [
    ("marketplace", "Course", ("title", "summary", "description")),
    ("marketplace", "Channel", ("title", "tagline", "description")),
    ("marketplace", "CreatorProfile", ("display_name", "headline", "bio")),
    ("livestream", "LiveSession", ("title", "description")),
    ("content", "Lesson", ("title", "summary")),
    ("content", "Article", ("title", "summary")),
    ("qa", "Question", ("text",)),
    ("discussions", "Thread", ("title", "body")),
]


def _indexes(apps):
    for app_label, model_name, fields in COLUMNS:
        model = apps.get_model(app_label, model_name)
        table = model._meta.db_table
        for name in fields:
            column = model._meta.get_field(name).column
            yield f"search_trgm_{table}_{column}"[:63], table, column


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table, column in _indexes(apps):
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index)} ON {quote(table)} "
            f"USING gin ((UPPER({quote(column)})) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _table, _column in _indexes(apps):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_channel_cover_course_cover"),
        ("livestream", "0017_roomquestion_hidden_by_moderation"),
        ("content", "0001_initial"),
        ("qa", "0003_question_withdrawn_on_account_deletion"),
        ("discussions", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
