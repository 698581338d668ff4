# The live room's question gets a name of its own: qa.Question is the paid question
# to an expert. RenameModel keeps the rows (the table and the content type are
# renamed); the admin permissions of the old names are renamed too, so the groups
# that held them (the Moderators) keep them.

from django.conf import settings
from django.db import migrations

RENAMED = {"question": "roomquestion", "questionvote": "roomquestionvote"}


def permissions_rename(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for old, new in RENAMED.items():
        for action in ("add", "change", "delete", "view"):
            Permission.objects.filter(
                content_type__app_label="livestream",
                content_type__model=new,
                codename=f"{action}_{old}",
            ).update(codename=f"{action}_{new}")


class Migration(migrations.Migration):

    dependencies = [
        ("livestream", "0007_priority_questions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="Question", new_name="RoomQuestion"),
        migrations.RenameModel(old_name="QuestionVote", new_name="RoomQuestionVote"),
        # The (session, status) index is named after the model.
        migrations.RenameIndex(
            model_name="roomquestion",
            new_name="livestream__session_3d78fa_idx",
            old_name="livestream__session_1c03b7_idx",
        ),
        migrations.RunPython(permissions_rename, migrations.RunPython.noop),
    ]
