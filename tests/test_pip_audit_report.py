"""The CI's pip-audit step claims only what was audited (scripts/pip_audit_report.py)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts/pip_audit_report.py"
spec = importlib.util.spec_from_file_location("pip_audit_report", SCRIPT)
assert spec and spec.loader
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)

OK = {"name": "django", "version": "5.2", "vulns": []}
SKIPPED = {"name": "numpy", "version": "2.4", "skip_reason": "could not be audited"}
BAD = {"name": "pillow", "version": "1.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.0"]}]}


def test_a_known_vulnerability_fails_and_is_named():
    code, lines = report.summary({"dependencies": [OK, BAD, SKIPPED]})
    assert code == 1 and "pillow 1.0: PYSEC-1 (fixed in 2.0)" in "\n".join(lines)


def test_everything_audited_and_clean_passes():
    assert report.summary({"dependencies": [OK, OK]}) == (
        0,
        ["pip-audit: 2 packages audited, 0 known vulnerabilities"],
    )


@pytest.mark.parametrize("required, code", [("", 0), ("1", 1)])
def test_nothing_looked_up_is_said_and_claims_nothing(monkeypatch, required, code):
    monkeypatch.setenv("PIP_AUDIT_REQUIRED", required)
    got, lines = report.summary({"dependencies": [SKIPPED, SKIPPED]})
    assert got == code
    assert lines[0].startswith("pip-audit: NOT AUDITED") and "0 known" not in lines[0]


def test_partly_looked_up_counts_both(monkeypatch):
    monkeypatch.delenv("PIP_AUDIT_REQUIRED", raising=False)
    code, lines = report.summary({"dependencies": [OK, SKIPPED]})
    assert code == 0 and "1 of 2 packages audited" in lines[0] and "1 NOT audited" in lines[0]


def test_a_missing_report_is_not_a_pass_claimed(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PIP_AUDIT_REQUIRED", raising=False)
    assert report.main(str(tmp_path / "none.json")) == 0
    assert "NOT AUDITED" in capsys.readouterr().out
