"""The layout rules of docs/architecture.md that import-linter cannot see.

import-linter (`.importlinter`, run by the test command) holds the layers. These
tests hold the rest: only `payments` touches the ledger, imports sit at the top of a
module unless a comment says why, and no services module grows past 400 lines.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "config",
    "core",
    "accounts",
    "payments",
    "moderation",
    "marketplace",
    "livestream",
    "content",
    "qa",
    "discussions",
    "recommend",
    "assistant",
    "demo",
]
LEDGER_NAMES = {"LedgerAccount", "LedgerEntry", "LedgerTransaction", "Leg", "post"}


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node, node.module, alias.name


def test_only_payments_imports_the_ledger():
    offenders = []
    for app, path in _app_modules():
        if app == "payments":
            continue
        for node, module, name in _imports(ast.parse(path.read_text())):
            if module == "payments.ledger" or module.startswith("payments.ledger."):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
            elif module == "payments" and name == "ledger":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports payments.ledger")
            elif module == "payments.models" and name in LEDGER_NAMES:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert offenders == []


def _commented(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or on the line above the block of imports it
    stands in."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        if "#" in lines[above]:
            return True
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_imports_inside_functions_say_why():
    """An import inside a function hides a dependency (often a circle being dodged);
    the few that must stay (models not loaded before AppConfig.ready(), a heavy
    library loaded only when asked) carry a comment on the line or just above."""
    unexplained = []
    for _app, path in _app_modules():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                if not _commented(lines, node.lineno):
                    unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert sorted(set(unexplained)) == []


@pytest.mark.parametrize("kind", ["services", "selectors"])
def test_no_services_or_selectors_module_over_400_lines(kind):
    too_long = []
    for app in APPS:
        candidates = [ROOT / app / f"{kind}.py", *sorted((ROOT / app / kind).glob("*.py"))]
        for path in candidates:
            if path.exists() and len(path.read_text().splitlines()) > 400:
                too_long.append(str(path.relative_to(ROOT)))
    assert too_long == []
