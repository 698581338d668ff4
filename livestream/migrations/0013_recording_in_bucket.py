"""Recording.in_bucket: the recording (as MP4) is in the video storage's bucket and off
the ingest host's disk (livestream/recordings.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("livestream", "0012_chat_sender_ip_encrypted")]

    operations = [
        migrations.AddField(
            model_name="recording",
            name="in_bucket",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
