"""Say what pip-audit really found, and fail only on a known vulnerability.

    scripts/pip_audit_report.py var/log/pip-audit.json

pip-audit prints "No known vulnerabilities found" even when it could look up none of
the packages (a closed network: each one is skipped, "could not be audited"). This
reads its JSON report and tells the three cases apart:

- a known vulnerability in any package: listed, exit 1;
- every package looked up, none vulnerable: "N packages audited, 0 known
  vulnerabilities", exit 0;
- some or all packages not looked up: how many were and were not, and that nothing
  is claimed about the others, exit 0 (exit 1 with PIP_AUDIT_REQUIRED=1, for a CI
  that has the network and must not pass without the audit).

A report that is missing or unreadable (pip-audit itself could not run) counts as
nothing audited.
"""

import json
import os
import sys
from pathlib import Path


def summary(report: dict) -> tuple[int, list[str]]:
    """(exit code, lines to print) for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    if vulnerable:
        lines = [f"pip-audit: {len(vulnerable)} vulnerable packages:"]
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
                lines.append(f"    {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
        return 1, lines
    if not skipped:
        return 0, [f"pip-audit: {len(audited)} packages audited, 0 known vulnerabilities"]
    required = os.environ.get("PIP_AUDIT_REQUIRED") == "1"
    if audited:
        head = (
            f"pip-audit: {len(audited)} of {len(dependencies)} packages audited, 0 known "
            f"vulnerabilities among them; {len(skipped)} NOT audited"
        )
    else:
        head = (
            f"pip-audit: NOT AUDITED: none of the {len(dependencies)} packages could be "
            "looked up (no vulnerability service reachable); nothing is claimed about them"
        )
    reason = skipped[0]["skip_reason"]
    return (1 if required else 0), [head, f"    first reason: {reason}"]


def main(path: str) -> int:
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        print(f"pip-audit: NOT AUDITED: pip-audit left no report ({exc}); nothing is claimed")
        return 1 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0
    code, lines = summary(report)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
