"""The import graph of yimen/: every arrow points down; and the domain apps name none of the web layer's
routes.

core imports no other app; the domain apps import only those below them (core → org → catalog → cases →
certificates → publishing → disclosure → reports → privacy → opendata); no domain app imports the web layer (portal, office) or the project's
own modules (settings, urls, api); only demo, which sits on top of everything, imports demo; and no module
imports another app's private helpers (a name starting with `_`). Every module is parsed with `ast`, so
imports inside functions count as much as those at the top, and so do modules named by string to
`import_module` or `include`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yimen
from yimen.core import pages

ROOT = Path(yimen.__file__).resolve().parent
# Lowest first: an app may import the apps before it, never one after it.
DOMAIN = (
    "core",
    "org",
    "catalog",
    "cases",
    "certificates",
    "publishing",
    "disclosure",
    "reports",
    "privacy",
    "exchange",
    "opendata",
)
WEB = ("portal", "office")
PROJECT = "yimen"  # yimen/settings.py, urls.py, api.py, cli.py, wsgi.py: the project that composes the apps
DEMO = "demo"
# Arrows against the rules that a design needs, each with its reason: (importing module, imported module).
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    line: int
    names: tuple[str, ...] = ()  # the names taken from it (`from target import a, b`), or attributes read

    def __str__(self) -> str:
        taken = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.source} → {self.target}{taken}, line {self.line}"


def module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_of(module: str) -> str:
    """The app a yimen module belongs to: yimen.cases.services → cases; yimen.urls → the project."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in (*DOMAIN, *WEB, DEMO)) else PROJECT


def is_module(name: str, root: Path) -> bool:
    relative = Path(*name.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def arrows(path: Path, root: Path) -> Iterator[Arrow]:
    """Every import of a yimen module by the module at `path`: statements anywhere in it, modules named to
    import_module()/include(), and private attributes read from an imported module of yimen."""
    module = module_of(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}  # a local name → the yimen module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("yimen."):
                    yield Arrow(module, alias.name, node.lineno)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            if source != "yimen" and not source.startswith("yimen."):
                continue
            plain: list[str] = []
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if is_module(submodule, root):
                    yield Arrow(module, submodule, node.lineno)
                    aliases[alias.asname or alias.name] = submodule
                else:
                    plain.append(alias.name)
            if plain:
                yield Arrow(module, source, node.lineno, tuple(plain))
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0] if node.args else None
            if (
                called in ("import_module", "include")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.startswith("yimen.")
            ):
                yield Arrow(module, first.value, node.lineno)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and is_private(node.attr)
        ):
            yield Arrow(module, aliases[node.value.id], node.lineno, (node.attr,))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def broken_rule(arrow: Arrow) -> str:
    """Why an arrow must not be there, or "" when it may."""
    source, target = app_of(arrow.source), app_of(arrow.target)
    if source == target:
        return ""
    if any(is_private(name) for name in arrow.names):
        return "another app's private helper"
    if target == DEMO and source != DEMO:
        return "only demo imports demo"
    if source == DEMO:
        return ""
    if source == "core":
        return "core imports no app"
    if source in DOMAIN and target in WEB:
        return "a domain app does not import the web layer"
    if source in DOMAIN and target == PROJECT:
        return "a domain app does not import the project's modules"
    if source in DOMAIN and target in DOMAIN and DOMAIN.index(target) > DOMAIN.index(source):
        return "a lower app imports a higher one"
    return ""


def offending(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for arrow in arrows(path, root):
            rule = broken_rule(arrow)
            if rule and (arrow.source, arrow.target) not in ALLOWED:
                found.append(f"{arrow}: {rule}")
    return found


def none_of(found: list[str], what: str) -> None:
    """Fails naming every one found, each also printed on its own line."""
    for line in found:
        print(line)
    assert not found, f"{what}:\n" + "\n".join(found)


def test_every_arrow_of_the_import_graph_points_down() -> None:
    none_of(offending(ROOT), "arrows against the layering")


def test_every_allowed_exception_still_exists() -> None:
    """An exception the code no longer needs is taken out of ALLOWED, so it cannot hide a new arrow."""
    present = {(a.source, a.target) for path in ROOT.rglob("*.py") for a in arrows(path, ROOT)}
    assert set(ALLOWED) <= present


# --- routes: the web layer passes links in, or registers the pages domain code names (core.pages) -------


def web_routes(root: Path) -> set[str]:
    """The portal's and the office's URL names ("namespace:name"), read from their url modules."""
    found = set()
    for path in [*root.glob("portal/*.py"), *root.glob("office/*.py")]:
        module = ast.parse(path.read_text(encoding="utf-8"))
        namespace = next(
            (
                str(node.value.value)
                for node in module.body
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "app_name" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ),
            None,
        )
        for node in ast.walk(module):
            is_name = isinstance(node, ast.keyword) and node.arg == "name"
            if namespace and is_name and isinstance(node.value, ast.Constant):
                found.add(f"{namespace}:{node.value.value}")
    return found


def named_routes(root: Path) -> list[str]:
    """Every web route a domain app names: a "namespace:name" string in its code, a {% url %} in its
    templates."""
    routes = web_routes(root)
    namespaces = "|".join(sorted({route.split(":")[0] for route in routes}))
    in_template = re.compile(rf"{{%\s*url\s+['\"](?:{namespaces}):[\w-]+['\"]")
    found = []
    for app in DOMAIN:
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in routes:
                    found.append(f"{module_of(path, root)}, line {node.lineno}: {node.value}")
        for path in sorted((root / app).glob("templates/**/*")):
            if path.is_file():
                for match in in_template.finditer(path.read_text(encoding="utf-8")):
                    found.append(f"{path.relative_to(root)}: {match.group(0)}")
    return found


def test_no_domain_app_names_a_route_of_the_portal_or_the_office() -> None:
    none_of(named_routes(ROOT), "routes of the web layer named by a domain app")


def test_every_page_domain_code_links_to_is_registered() -> None:
    asked = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "path"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "pages"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                asked.add(node.args[0].value)
    assert asked and asked <= set(pages.registered())


# --- the checker itself, on a small tree of its own ---------------------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    package = root / "yimen"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(package).parents:
            (package / parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return package


def test_the_checker_names_each_arrow_against_the_layering(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "core/text.py": "def teach():\n    from yimen.org.models import Organisation\n",
            "org/models.py": "class Organisation: ...\n",
            "org/queries.py": "from yimen.catalog import search\n",
            "catalog/search.py": "from yimen.org.models import Organisation\n",
            "cases/links.py": "from django.urls import reverse\nfrom yimen.portal import urls\n",
            "cases/notices.py": "from yimen.publishing.search import _words\n",
            "publishing/search.py": "_words = 1\n",
            "reports/records.py": "from yimen.cases import links\nlinks._TOKEN\n",
            "reports/loader.py": "import importlib\nimportlib.import_module('yimen.demo.org')\n",
            "portal/urls.py": "",
            "office/views.py": "from ..demo import org\n",
            "demo/org.py": "from yimen.office import views\nfrom yimen.org.queries import *\n",
        },
    )
    assert offending(root) == [
        "yimen.cases.links → yimen.portal.urls, line 2: a domain app does not import the web layer",
        "yimen.cases.notices → yimen.publishing.search (_words), line 1: another app's private helper",
        "yimen.core.text → yimen.org.models (Organisation), line 2: core imports no app",
        "yimen.office.views → yimen.demo.org, line 1: only demo imports demo",
        "yimen.org.queries → yimen.catalog.search, line 1: a lower app imports a higher one",
        "yimen.reports.loader → yimen.demo.org, line 2: only demo imports demo",
        "yimen.reports.records → yimen.cases.links (_TOKEN), line 2: another app's private helper",
    ]


def test_the_checker_finds_the_web_routes_a_domain_app_names(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "portal/case_urls.py": 'app_name = "cases"\nurlpatterns = [path("", lookup, name="lookup")]\n',
            "office/urls.py": 'app_name = "office"\nurlpatterns = [path("", home, name="home")]\n',
            "cases/links.py": 'PAGE = "cases:lookup"\nKEY = "cases:lookup-fail"\nOWN = "case_notices:pdf"\n',
            "cases/templates/cases/x.html": "<a href=\"{% url 'office:home' %}\">返回</a>",
        },
    )
    assert named_routes(root) == [
        "yimen.cases.links, line 1: cases:lookup",
        "cases/templates/cases/x.html: {% url 'office:home'",
    ]
