"""The starting points rules (staff change them in the admin)."""

from django.db import migrations

DEFAULTS = [
    # key, points, daily cap, minutes
    ("watch", 10, 3, 10),
    ("answered", 20, 10, 0),
    ("rating", 5, 5, 0),
    ("first_purchase", 50, 0, 0),
    ("check_in", 5, 1, 0),
    ("referral", 100, 0, 0),
]


def create_rules(apps, schema_editor):
    PointsRule = apps.get_model("rewards", "PointsRule")
    for key, points, cap, minutes in DEFAULTS:
        PointsRule.objects.get_or_create(
            key=key, defaults={"points": points, "daily_cap": cap, "minutes": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_points_rules_checkins_referrals")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
