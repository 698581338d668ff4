"""Every user-facing string has a Simplified Chinese translation."""

import subprocess
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"


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


def test_chinese_is_served(client, db):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert "知了" in page and "发现" in page
