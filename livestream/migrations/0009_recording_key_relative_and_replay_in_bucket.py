"""Recording.path (an absolute path on the ingest host) becomes Recording.key, relative
to VIDEO_ROOT ("rec/<file>.flv"); LiveSession.replay_in_bucket records that a replay's
files moved to object storage."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def paths_to_keys(apps, schema_editor):
    Recording = apps.get_model("livestream", "Recording")
    root = Path(settings.VIDEO_ROOT).resolve()
    for recording in Recording.objects.exclude(key="").only("pk", "key"):
        path = Path(recording.key)
        if not path.is_absolute():
            continue
        try:
            key = str(path.relative_to(root))
        except ValueError:  # recorded under another root: keep its place in rec/
            key = f"rec/{path.name}"
        Recording.objects.filter(pk=recording.pk).update(key=key)


def keys_to_paths(apps, schema_editor):
    Recording = apps.get_model("livestream", "Recording")
    root = Path(settings.VIDEO_ROOT).resolve()
    for recording in Recording.objects.exclude(key="").only("pk", "key"):
        if not Path(recording.key).is_absolute():
            Recording.objects.filter(pk=recording.pk).update(key=str(root / recording.key))


class Migration(migrations.Migration):
    dependencies = [("livestream", "0008_roomquestion")]

    operations = [
        migrations.RenameField(model_name="recording", old_name="path", new_name="key"),
        migrations.RunPython(paths_to_keys, keys_to_paths),
        migrations.AddField(
            model_name="livesession",
            name="replay_in_bucket",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
