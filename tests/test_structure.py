"""The package's plan: a subpackage per pipeline phase, named like its rules file, and pieces a reader can hold.

``python tests/test_structure.py`` lists what breaks the size limits, largest first.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mtickets"
MAX_TOP_LEVEL_MODULES = 10
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100


def subpackages() -> list[Path]:
    return sorted(path.parent for path in PACKAGE.glob("*/__init__.py"))


def oversized() -> list[tuple[int, str]]:
    """``(lines, what)`` for every module over ``MAX_MODULE_LINES`` and every function or method over
    ``MAX_FUNCTION_LINES`` (from its ``def`` line to its last line, docstring included)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE.parent).as_posix()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append((lines, name))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append((length, f"{name}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def test_at_most_ten_modules_at_the_top_level():
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


def test_no_module_or_function_is_too_long():
    assert oversized() == [], f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function"


@pytest.mark.parametrize("package", subpackages(), ids=lambda path: path.name)
def test_every_subpackage_says_what_it_does(package):
    assert ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))


@pytest.mark.parametrize("rules", sorted(set((ROOT / "rules").glob("*.smk")) - {ROOT / "rules/common.smk"}),
                         ids=lambda path: path.name)
def test_every_rules_file_has_the_subpackage_of_its_name(rules):
    assert (PACKAGE / rules.stem / "__init__.py").is_file(), f"{rules.name} has no mtickets.{rules.stem}"


def test_the_subpackages_import_no_torch():
    """Their ``__init__`` stays light: a stage that needs no torch starts without it."""
    names = [f"mtickets.{package.name}" for package in subpackages()]
    code = f"import sys\nfor name in {names!r}:\n    __import__(name)\nprint('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


if __name__ == "__main__":
    for lines, what in oversized():
        print(f"{lines:5d}  {what}")
