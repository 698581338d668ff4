"""What assistant puts on the pages of the apps below it (core/page_parts.py): the
instant-answer box on qa's "Ask an expert" search."""

from core import page_parts

ask_box = page_parts.include("assistant/_box.html", place="qa", autoask=True)


def register() -> None:
    page_parts.register("ask_assistant", ask_box)
