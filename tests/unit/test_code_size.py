"""Size limits of the code, so that no module grows back into a tangle of concerns: every module under
src/a11yaudit is under 500 lines, and no function is over 100 lines."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "a11yaudit"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 100


def _modules():
    return sorted(SRC.rglob("*.py"))


def test_every_module_is_under_500_lines():
    long = [f"{p.relative_to(SRC)}: {n} lines" for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_MODULE_LINES]
    assert not long, "split these modules by concern:\n  " + "\n  ".join(long)


def test_no_function_is_over_100_lines():
    long = []
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{p.relative_to(SRC)}:{node.lineno} {node.name}: {n} lines")
    assert not long, "split these functions:\n  " + "\n  ".join(long)
