"""Sections other apps add to the profile page.

accounts sits at the bottom of the layers and knows no app above it; an app that has
something to show a user on their profile (marketplace: the creator studio or "Become
a creator") registers a section from its `AppConfig.ready()`:

    profile_sections.register(
        template="marketplace/includes/profile_creator.html",
        context=lambda user: {"creator": creator_get_for_user(user=user)},
    )

The page includes each section's template with the page's context plus the section's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import User


@dataclass(frozen=True)
class ProfileSection:
    template: str
    context: Callable[[User], dict[str, Any]]


_sections: dict[str, ProfileSection] = {}


def register(*, template: str, context: Callable[[User], dict[str, Any]]) -> None:
    """Add (or replace: `ready()` may run twice in tests) the section of `template`."""
    _sections[template] = ProfileSection(template=template, context=context)


def sections_for(user: User) -> list[dict[str, Any]]:
    """What the profile page includes, in registration order: each section's template
    and its context for `user`."""
    return [
        {"template": section.template, **section.context(user)} for section in _sections.values()
    ]
