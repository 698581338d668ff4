# The room's sequence counter moves off the session row into a row of its own.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livestream", "0017_roomquestion_hidden_by_moderation"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoomSequence",
            fields=[
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="sequence",
                        serialize=False,
                        to="livestream.livesession",
                    ),
                ),
                ("last_seq", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO livestream_roomsequence (session_id, last_seq) "
            "SELECT id, last_seq FROM livestream_livesession WHERE last_seq > 0",
            "UPDATE livestream_livesession s SET last_seq = q.last_seq "
            "FROM livestream_roomsequence q WHERE q.session_id = s.id",
        ),
        migrations.RemoveField(model_name="livesession", name="last_seq"),
    ]
