"""content's personal data (accounts.personal_data), registered from
ContentConfig.ready(): reading progress, and for authors their lessons, articles
and uploaded files. A creator's published works stay (buyers paid for them; the
creator's public face is erased by marketplace)."""

from accounts import personal_data
from accounts.models import User
from content.models import Article, Asset, Lesson, LessonProgress

rows = personal_data.rows


def asset_files(user: User) -> personal_data.Files:
    return [
        (f"{asset.key}-{asset.name}", asset.image or asset.file)
        for asset in Asset.objects.filter(uploaded_by=user)
        if asset.image or asset.file
    ]


def progress_erase(user: User, remove_contributions: bool) -> None:
    LessonProgress.objects.filter(user=user).delete()


def authored_export(user: User) -> personal_data.Rows:
    return (
        rows(Lesson.objects.filter(author=user), "id title status created_at")
        + rows(Article.objects.filter(author=user), "id title status created_at")
        + rows(Asset.objects.filter(uploaded_by=user), "key name content_type size created_at")
    )


def register() -> None:
    personal_data.register_rows(
        "reading_progress",
        lambda user: LessonProgress.objects.filter(user=user),
        "lesson_id lesson__title course_id done_at last_opened_at scroll_position",
        erase=progress_erase,
        order=40,
    )
    personal_data.register("authored_content", export=authored_export, files=asset_files)
