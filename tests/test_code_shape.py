"""The shape of the code: modules under 600 lines, functions under 60.

Long modules and functions are where facts get spelled twice; the limits
are the project's (see the contributing notes). A function's length is
counted from its first statement after the docstring, so that thorough
numpydoc docstrings are never a reason to split a function.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skmlp"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 600, 60


def _function_lengths(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[1] if ast.get_docstring(node) is not None and len(body) > 1 else body[0]
            yield node.name, node.end_lineno - first.lineno + 1


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_function_lengths(path):
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = [(name, n) for name, n in _function_lengths(ast.parse(source))
            if n > MAX_FUNCTION_LINES]
    assert long == []


def test_the_length_check_sees_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    tree = ast.parse(f'def f():\n    """Doc."""\n{body}\n')
    assert list(_function_lengths(tree)) == [("f", 61)]
