"""Item keys: "channel:3", "course:12", "session:5".

Any object the site hands us is mapped to the item it is about (a purchase to its
course or session, a subscription or tier to its channel, a question to its session
or course...) or to nothing.
"""

from typing import Any

from django.apps import apps

from recommend.models import ItemKind

KINDS = {choice.value for choice in ItemKind}
_MODEL_KIND = {
    ("marketplace", "channel"): ItemKind.CHANNEL,
    ("marketplace", "course"): ItemKind.COURSE,
    ("livestream", "livesession"): ItemKind.SESSION,
}
# Attributes that lead from an object to the item it belongs to, tried in order.
_LEADS = (
    "live_session",
    "session",
    "course",
    "channel",
    "tier",
    "content_object",
    "target",
    "thread",
    "question",
)


def item_key(kind: str, pk) -> str | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if kind not in KINDS or pk <= 0:
        return None
    return f"{kind}:{pk}"


def parse_key(key) -> tuple[str, int] | None:
    if not isinstance(key, str) or ":" not in key:
        return None
    kind, _, pk = key.partition(":")
    return (kind, int(pk)) if item_key(kind, pk) else None


def item_key_for(obj, _depth: int = 0) -> str | None:
    """The item key of `obj` (a model instance, an item key, or (kind, id)), or None."""
    if obj is None or _depth > 3:
        return None
    if isinstance(obj, str):
        return obj if parse_key(obj) else None
    if isinstance(obj, tuple) and len(obj) == 2:
        return item_key(*obj)
    meta = getattr(obj, "_meta", None)
    if meta is not None:
        kind = _MODEL_KIND.get((meta.app_label, meta.model_name))
        if kind is not None:
            return item_key(kind, obj.pk)
    for attr in _LEADS:
        try:
            target = getattr(obj, attr, None)
        except Exception:  # noqa: BLE001 - a missing related row is "no item"
            target = None
        if target is not None and target is not obj:
            key = item_key_for(target, _depth + 1)
            if key:
                return key
    return None


def item_key_for_label(label: str, pk: int) -> str | None:
    """The item key of the object `pk` of model `label` ("app_label.model_name", as in
    core.events.Engaged). An item itself (a channel, course or session) costs no
    query; anything else is loaded once to follow it to its item."""
    app_label, _, model_name = label.partition(".")
    kind = _MODEL_KIND.get((app_label, model_name))
    if kind is not None:
        return item_key(kind, pk)
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None
    obj: Any = model._default_manager.filter(pk=pk).first()
    return item_key_for(obj)
