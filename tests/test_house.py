"""The house rules that a reader of the code relies on, counted on every run (issue: one home per fact)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline.extracts.kinds import EXTRACTS
from pipeline.settings import PROJECT_ROOT

CODE = [p for folder in ("pipeline", "assets") for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))]
MAX_FUNCTION_LINES = 60
MAX_MACRO_LINES = 30


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lignes)"
        for path in CODE
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, long


# The stages in the order a run goes: a module imports only from its own stage or those before it.
STAGES = (
    ("pipeline.settings", "pipeline.french", "pipeline.timing"),  # the ground floor every stage uses
    ("pipeline.extracts",),
    ("pipeline.ingest",),
    ("pipeline.warehouse",),
    ("pipeline.exports",),
    ("pipeline.demo",),
    ("assets",),  # the Dagster definitions
    ("assets.cli",),  # the command line and what only it uses
)


def _stage(module: str) -> int:
    """The stage of a module: its longest matching prefix in STAGES (the top packages' docstrings: none)."""
    if module in ("pipeline", "assets"):
        return 0
    matches = [
        (len(p), i) for i, prefixes in enumerate(STAGES) for p in prefixes if module == p or module.startswith(p + ".")
    ]
    assert matches, f"{module} belongs to no stage of tests/test_house.py's STAGES"
    return max(matches)[1]


def _graph() -> dict[str, set[str]]:
    modules = {_module(p).removesuffix(".__init__"): p for p in CODE}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_packages_import_only_downward():
    upward = [
        f"{name} ({STAGES[_stage(name)][0]}) imports {dep} ({STAGES[_stage(dep)][0]})"
        for name, deps in _graph().items()
        for dep in deps
        if _stage(dep) > _stage(name)
    ]
    assert not upward, upward


def test_imports_go_one_way_without_cycles():
    graph = _graph()

    def cycle_from(start: str, node: str, seen: tuple[str, ...]) -> tuple[str, ...] | None:
        for dep in graph[node]:
            if dep == start:
                return (*seen, dep)
            if dep not in seen:
                found = cycle_from(start, dep, (*seen, dep))
                if found:
                    return found
        return None

    cycles = [c for name in graph if (c := cycle_from(name, name, (name,)))]
    assert not cycles, cycles[0]


def _public_functions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in CODE:
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                found.setdefault(node.name, []).append(_module(path))
    return found


def test_one_name_per_meaning():
    twice = {name: modules for name, modules in _public_functions().items() if len(modules) > 1}
    assert not twice, twice


def test_formatting_and_parsing_say_so_in_their_verb():
    """`french` formats values for a person, `parsing` parses a sender's text: format_/write_, parse_."""
    french = [n for n, modules in _public_functions().items() if "pipeline.french" in modules]
    assert french and all(n.startswith(("format_", "write_")) for n in french), french
    text_to_value = [
        node.name
        for node in _tree(PROJECT_ROOT / "pipeline" / "extracts" / "parsing.py").body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and [a.arg for a in node.args.args][:1] == ["expr"]
        and ast.unparse(node.returns) == "pl.Expr"
    ]
    assert text_to_value and all(n.startswith(("parse_", "siret_")) for n in text_to_value), text_to_value


def test_no_code_branches_on_an_extract_name():
    names = {e.name for e in EXTRACTS}
    branches = []
    for path in CODE:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Compare):
                constants = [c.value for c in ast.walk(node) if isinstance(c, ast.Constant)]
                if any(v in names for v in constants if isinstance(v, str)):
                    branches.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert not branches, branches


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "dbt_project" / "macros").glob("*.sql")), ids=lambda p: p.name)
def test_dbt_macros_are_short(path):
    text = path.read_text(encoding="utf-8")
    for name, body in re.findall(r"{%-?\s*(?:macro|test)\s+(\w+).*?%}(.*?){%-?\s*end(?:macro|test)", text, re.S):
        assert len(body.strip().splitlines()) <= MAX_MACRO_LINES, name


def test_every_dbt_model_has_its_own_yaml_beside_it():
    models = PROJECT_ROOT / "dbt_project" / "models"
    missing = [p.name for p in models.rglob("*.sql") if not p.with_suffix(".yml").exists()]
    assert not missing, missing


# The dbt layers, in the order the data flows: a model reads only the layers listed for its folder.
DBT_READS = {
    "staging": {"source", "seed"},
    "core": {"staging", "core", "seed"},
    "intermediate": {"staging", "core", "intermediate", "seed"},
    "marts": {"core", "intermediate", "seed"},
    "qualite": {"staging", "core", "intermediate", "seed"},
}
# The quality tables that publish the ingest's own accounting (files read, rows set aside) as it is written:
# a staging view between them and landing would add nothing (docs/architecture.md).
READS_LANDING_AS_IS = {"quarantaine", "qualite_fichiers"}
# ... and which the other quality tables may read as they would a staging model (qualite_sorties: the months each
# timesheet states).
QUALITY_BASES = {"qualite_fichiers"}


def test_dbt_layers_flow_one_way():
    import json

    manifest = json.loads((PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = {**manifest["nodes"], **manifest["sources"]}

    def layer(unique_id: str) -> str:
        node = nodes[unique_id]
        return node["resource_type"] if node["resource_type"] in ("source", "seed") else node["fqn"][1]

    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert {layer(uid) for uid in models} == set(DBT_READS)
    against = [
        f"{n['name']} ({layer(uid)}) reads {nodes[dep]['name']} ({layer(dep)})"
        for uid, n in models.items()
        for dep in n["depends_on"]["nodes"]
        if layer(dep) not in DBT_READS[layer(uid)]
        and not (layer(dep) == "source" and n["name"] in READS_LANDING_AS_IS)
        and not (layer(uid) == "qualite" and nodes[dep]["name"] in QUALITY_BASES)
    ]
    assert not against, against


SPEC_NAMES = re.compile(r"\.\./shared|shared/spec|\b(achats|retours|extracts|indicators|interfaces)\.md\b")


def test_the_project_explains_itself_without_the_specification_folder():
    """Code, models and docs point to the project's own docs/, never to a folder a user's clone lacks; only the
    tests that read the real public files name where those files are."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    files = [f for f in tracked.stdout.split() if not f.startswith("tests/") and f != "uv.lock"]
    pointing = [f for f in files if SPEC_NAMES.search(_text(PROJECT_ROOT / f))]
    assert files and not pointing, pointing


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return ""
