"""The import layering of the data flow, checked on the source with ast:

    sites.yaml → config (+ policy) → discover → gather → artifacts → rules / checks (pure) → store → report / gate

Every import counts: module level and inside functions, absolute and relative. Imports under
`if TYPE_CHECKING:` are annotations only (never executed) and are not dependencies. A package-level import
(`from .. import checks`) counts as an import of that package. Each rule is its own test and names every offending
module:line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "a11yaudit"
SRC = Path(__file__).resolve().parents[2] / "src" / PACKAGE
BROWSER_LIBS = ("playwright", "selenium")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(line, imported module) for every import executed at some point: TYPE_CHECKING blocks are skipped."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                if node.module:
                    yield node.lineno, ".".join(base + [node.module])
                else:   # from . import x, y: each name may be a submodule
                    for alias in node.names:
                        yield node.lineno, ".".join(base + [alias.name])
            else:
                yield node.lineno, node.module
        stack.extend(ast.iter_child_nodes(node))


def _build_graph() -> list[tuple[str, str, int, str]]:
    """(importing module, file relative to src/, line, imported module) for every import of the package."""
    edges = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in _imports(tree, module, path.name == "__init__.py"):
            edges.append((module, str(path.relative_to(SRC.parent)), line, target))
    return edges


EDGES = _build_graph()


def _unit(module: str) -> str:
    """The layer unit of a module: the subpackage or top-level module right below the package (`checks`,
    `config`, `cli_shiken` …); outside the package, the top-level distribution name (`playwright`)."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return parts[0]
    return parts[1] if len(parts) > 1 else ""


def _in(unit: str, names) -> bool:
    """`cli` covers cli, cli_plans, cli_shiken; `gate` covers gate and gate_server."""
    return any(unit == n or unit.startswith(n + "_") for n in names)


def _violations(importers, forbidden) -> list[str]:
    return sorted(f"{file}:{line}: imports {target}" for module, file, line, target in EDGES
                  if _in(_unit(module), importers) and _unit(target)
                  and (target.startswith(PACKAGE + ".") or _unit(target) in BROWSER_LIBS)
                  and _in(_unit(target), forbidden))


def _assert_none(found: list[str], rule: str) -> None:
    assert not found, f"{rule}; offending imports:\n  " + "\n  ".join(found)


def test_the_graph_is_read():
    units = {_unit(m) for m, *_ in EDGES}
    assert {"checks", "rules", "gather", "store", "report", "discover", "config", "policy"} <= units


def test_checks_and_rules_are_pure():
    _assert_none(_violations(("checks", "rules"), ("gather", "store", "report", "discover", "audit", "gate",
                                                   "pagework", "cli", "act")),
                 "checks/ and rules/ are pure functions of the artifacts: they import nothing from gather, store, "
                 "report, discover, audit, gate, pagework, act or cli")


def test_gather_does_not_import_what_comes_after_it():
    _assert_none(_violations(("gather",), ("rules", "checks", "store", "report")),
                 "gather/ collects artifacts: it imports nothing from rules, checks, store or report")


def test_report_does_not_gather():
    _assert_none(_violations(("report",), ("gather",) + BROWSER_LIBS),
                 "report/ works on stored results: it imports nothing from gather, playwright or selenium")


def test_store_does_not_import_its_consumers():
    _assert_none(_violations(("store",), ("report", "gather", "gate", "audit")),
                 "store/ imports nothing from report, gather, gate or audit")


def test_discover_does_not_import_later_layers():
    _assert_none(_violations(("discover",), ("store", "report", "rules", "checks")),
                 "discover/ imports nothing from store, report, rules or checks")


def test_policy_does_not_read_the_store():
    found = sorted(f"{file}:{line}: imports {target}" for module, file, line, target in EDGES
                   if _unit(module) == "policy" and _unit(target) == "store" and target.startswith(PACKAGE + "."))
    _assert_none(found, "policy.py does not read the store: its callers (the policy lint) query it")


def _unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, _file, _line, target in EDGES:
        a, b = _unit(module), _unit(target)
        if a and b and a != b and target.startswith(PACKAGE + "."):
            graph.setdefault(a, set()).add(b)
    return graph


def _path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """One import path start → … → goal through the whole package (breadth first), or None."""
    came: dict[str, str | None] = {start: None}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt in came:
                continue
            came[nxt] = node
            if nxt == goal:
                path = [goal]
                while came[path[-1]] is not None:
                    path.append(came[path[-1]])
                return path[::-1]
            todo.append(nxt)
    return None


def _where(a: str, b: str) -> list[str]:
    return sorted(f"{file}:{line}: imports {target}" for module, file, line, target in EDGES
                  if _unit(module) == a and _unit(target) == b and target.startswith(PACKAGE + "."))


@pytest.mark.parametrize("a,b", [
    ("config", "policy"),
    ("config", "discover"),
    ("policy", "discover"),
])
def test_no_import_cycle_among_config_policy_discover(a, b):
    """sites.yaml → config (+ policy) → discover: no two of them import each other, directly or through any other
    module of the package."""
    graph = _unit_graph()
    there, back = _path(graph, a, b), _path(graph, b, a)
    if there and back:
        steps = there + back[1:]
        detail = [x for s, t in zip(steps, steps[1:]) for x in _where(s, t)]
        pytest.fail(f"import cycle {' → '.join(steps)}:\n  " + "\n  ".join(detail))


def test_browser_libraries_only_in_gather():
    found = sorted(f"{file}:{line}: imports {target}" for module, file, line, target in EDGES
                   if _unit(target) in BROWSER_LIBS and _unit(module) not in ("gather", "testing"))
    _assert_none(found, "playwright and selenium are imported only under gather/ (and testing/)")
