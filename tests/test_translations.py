"""Every user-facing string has a Simplified Chinese translation."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.makemessages import Command as MakeMessages
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
PO = LOCALE / "zh_Hans/LC_MESSAGES/django.po"


def test_chinese_catalogue_is_complete_and_valid():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # e.g. "227 translated messages." with no "fuzzy" or "untranslated" part
    assert "translated messages" in result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def _make_messages_commands() -> list[list[str]]:
    """The makemessages arguments of `make messages`, read from the Makefile so that
    this test extracts exactly what the maintainers' command does."""
    lines = (ROOT / "Makefile").read_text().split("\n")
    start = lines.index("messages:") + 1
    commands = []
    for line in lines[start:]:
        if not line.startswith("\t"):
            break
        words = shlex.split(line)
        commands.append(words[words.index("makemessages") + 1 :])
    assert commands, "the Makefile's messages target runs no makemessages"
    return commands


class _MakeMessagesInto(MakeMessages):
    """makemessages that writes its .pot and merged .po files under `into`, not into
    the project's locale directory, so the test leaves the checkout untouched."""

    def __init__(self, into: Path):
        super().__init__()
        self.into = str(into)

    def find_files(self, root):
        files = super().find_files(root)
        for translatable in files:
            translatable.locale_dir = self.into
        self.locale_paths = [self.into]
        return files


def _entries(po: Path, *attrib_options: str) -> list[str]:
    out = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *attrib_options, str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line[len("msgid ") :] for line in out.splitlines() if line.startswith('msgid "')]


def test_every_string_in_the_code_has_a_checked_translation(tmp_path, monkeypatch):
    """`make messages` run now would add no untranslated or fuzzy entry: a string
    added or changed in the code without its translation fails here, not in front of
    a Chinese reader. (The catalogue is merged into a copy; line references may
    drift, translations may not.)"""
    shutil.copytree(LOCALE, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.chdir(ROOT)
    for arguments in _make_messages_commands():
        call_command(_MakeMessagesInto(tmp_path), *arguments, verbosity=0)
    merged = sorted((tmp_path / "zh_Hans/LC_MESSAGES").glob("*.po"))
    assert tmp_path / "zh_Hans/LC_MESSAGES/django.po" in merged
    problems = {
        f"{po.name} {kind}": found
        for po in merged
        for kind, option in (("untranslated", "--untranslated"), ("fuzzy", "--only-fuzzy"))
        if (found := [m for m in _entries(po, option) if m != '""'])
    }
    assert not problems, f"run `make messages` and translate these: {problems}"


@pytest.mark.django_db
def test_chinese_is_served_for_the_request_only(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert "知了" in page and "发现" in page
    # The test client handles the request in this thread: the language LocaleMiddleware
    # activated must not outlive the response (core.middleware.RequestLanguageMiddleware),
    # or the next test, or the next job of a worker thread, speaks Chinese.
    assert translation.get_language() == settings.LANGUAGE_CODE
