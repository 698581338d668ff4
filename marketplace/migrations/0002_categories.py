"""The fixed top-level categories, in both site languages."""

from django.db import migrations

CATEGORIES = [
    ("technology", "Technology", "科技", 10),
    ("finance", "Finance & investing", "金融理财", 20),
    ("health", "Health & fitness", "健康", 30),
    ("education", "Education & exams", "教育考试", 40),
    ("business", "Business & career", "商业职场", 50),
    ("science", "Science", "科学", 60),
    ("languages", "Languages", "语言学习", 70),
    ("arts", "Arts & culture", "文化艺术", 80),
    ("lifestyle", "Lifestyle", "生活方式", 90),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for slug, name_en, name_zh, position in CATEGORIES:
        Category.objects.update_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
