"""The personalisation switch moves to accounts' consents (the Privacy page): every
stored "off" becomes a consent record, then the old table goes."""

from django.db import migrations


def forward(apps, schema_editor):
    setting = apps.get_model("recommend", "PersonalisationSetting")
    record = apps.get_model("accounts", "ConsentRecord")
    record.objects.bulk_create(
        record(user_id=row.user_id, purpose="personalisation", granted=False)
        for row in setting.objects.filter(opted_out=True)
    )


def backward(apps, schema_editor):
    setting = apps.get_model("recommend", "PersonalisationSetting")
    record = apps.get_model("accounts", "ConsentRecord")
    latest: dict[int, bool] = {}
    for row in record.objects.filter(purpose="personalisation").order_by("created_at", "id"):
        latest[row.user_id] = row.granted
    setting.objects.bulk_create(
        setting(user_id=user_id, opted_out=True)
        for user_id, granted in latest.items()
        if not granted
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recommend", "0002_topic_choices_and_interest_strengths"),
        ("accounts", "0005_privacy_consents_exports_deletions"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="PersonalisationSetting"),
    ]
