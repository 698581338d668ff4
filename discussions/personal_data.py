"""discussions' personal data (accounts.personal_data), registered from
DiscussionsConfig.ready(): threads, replies and likes. Erased, they stay under
"deleted user" or, as the person chose, are removed like a deleted comment."""

from django.utils import timezone

from accounts import personal_data
from accounts.models import User
from discussions.models import Like, Reply, Thread

rows = personal_data.rows


def comments_erase(user: User, remove_contributions: bool) -> None:
    if not remove_contributions:
        return  # the author is shown as "deleted user" (User.public_name)
    now = timezone.now()
    Thread.objects.filter(author=user).update(title="", body="", deleted_at=now)
    Reply.objects.filter(author=user).update(body="", deleted_at=now)


def comments_export(user: User) -> personal_data.Rows:
    return rows(
        Thread.objects.filter(author=user),
        "id content_type__model object_id title body created_at edited_at deleted_at",
    ) + rows(
        Reply.objects.filter(author=user),
        "id thread_id parent_id body created_at edited_at deleted_at",
    )


def register() -> None:
    personal_data.register("comments", export=comments_export, erase=comments_erase, order=40)
    personal_data.register_rows(
        "likes",
        lambda user: Like.objects.filter(user=user),
        "content_type__model object_id created_at",
    )
