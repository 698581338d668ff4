"""The layout rules of docs/architecture.md that import-linter cannot see.

import-linter (`.importlinter`, run by the test command) holds the layers. These
tests hold the rest: only `payments` touches the ledger, imports sit at the top of a
module unless a comment says why, and no services module grows past 400 lines.
"""

import ast
import re
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


def test_api_serializers_refuse_fields_they_do_not_declare():
    """Every API serializer derives from core.api_serializers (which refuses a field a
    body does not take, as the schema's `additionalProperties: false` promises), not
    from DRF's bases directly."""
    drf_bases = {"Serializer", "ModelSerializer"}
    offenders = []
    for _app, path in _app_modules():
        if path == ROOT / "core" / "api_serializers.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for base in node.bases:
                if (
                    isinstance(base, ast.Attribute)
                    and isinstance(base.value, ast.Name)
                    and base.value.id == "serializers"
                    and base.attr in drf_bases
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
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


def _layer_of_app() -> dict[str, int]:
    """App -> its layer in .importlinter's layers contract (0 = the top)."""
    text = (ROOT / ".importlinter").read_text()
    block = text.split("[importlinter:contract:layers]", 1)[1].split("layers =", 1)[1]
    layers: dict[str, int] = {}
    for depth, line in enumerate(
        line for line in block.split("\n[", 1)[0].splitlines() if line.strip()
    ):
        for app in line.replace(":", "|").split("|"):
            layers[app.strip()] = depth
    return layers


def _tag_library_apps() -> dict[str, str]:
    return {
        module.stem: module.parent.parent.name
        for module in ROOT.glob("*/templatetags/*.py")
        if module.stem != "__init__"
    }


# Pages of a lower app that still use a higher app's tags, URLs or templates, each
# with its reason. Empty: every such use is a place the higher app fills
# (core/page_parts.py).
KNOWN_UPWARD_IN_TEMPLATES: set[str] = set()

TEMPLATE_LOAD = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")
TEMPLATE_URL = re.compile(r"{%\s*url\s+['\"](\w+):")
TEMPLATE_INCLUDE = re.compile(r"{%\s*(?:include|extends)\s+['\"](\w+)/")


def test_templates_use_only_tags_and_urls_of_their_layer_or_below():
    """A page of a lower app may not load a higher app's template tags, link to its URLs
    by name or include its templates: it leaves a place open instead (core/page_parts.py)."""
    layers, libraries = _layer_of_app(), _tag_library_apps()
    upward = []
    for template in sorted((ROOT / "templates").glob("*/**/*.html")):
        app = template.relative_to(ROOT / "templates").parts[0]
        if app not in layers:
            continue
        text = template.read_text()
        used = {
            libraries[name]
            for match in TEMPLATE_LOAD.finditer(text)
            for name in match.group(1).split()
            if name in libraries
        }
        used |= {namespace for namespace in TEMPLATE_URL.findall(text) if namespace in layers}
        used |= {folder for folder in TEMPLATE_INCLUDE.findall(text) if folder in layers}
        upward += [
            f"{template.relative_to(ROOT)} -> {other}"
            for other in sorted(used)
            if layers[other] < layers[app]
        ]
    assert sorted(set(upward) - KNOWN_UPWARD_IN_TEMPLATES) == []
    assert sorted(KNOWN_UPWARD_IN_TEMPLATES - set(upward)) == [], "fixed: strike it off the list"
