"""The documentation builds without a single Sphinx warning.

The build is the one of ``docs/README.md`` with ``-W`` (every warning is an
error), ``--keep-going`` (report all of them), ``-E`` (re-read every page) and
``-D plot_gallery=0``: the gallery pages are generated but the example
scripts are not run, since ``tests/test_examples.py`` runs each of them
already. It takes about 15 s.

The sources (``docs/``, ``examples/`` and ``skmlp/``, which the user guide
quotes with ``literalinclude``) are copied to a temporary directory first:
Sphinx writes ``generated/``, ``auto_examples/`` and ``gen_modules/`` next to
the sources, and the copy keeps the test from touching the working tree or
racing with a build of the real ``docs/``.

The ``>>>`` snippets of the ``.rst`` pages, which Sphinx does not run, are
run here as doctests, and the code fragments that the user guide quotes from
the core (the table "Where each equation is computed") are checked against
the source of the functions they are attributed to.
"""

import doctest
import importlib
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS = REPO_ROOT / "docs"
BUILD_OUTPUTS = ("_build", "generated", "auto_examples", "gen_modules", "__pycache__")
TIMEOUT = 600  # seconds; the build takes about 15


def _copy_sources(dest):
    ignore = shutil.ignore_patterns(*BUILD_OUTPUTS, "*.pyc")
    for name in ("docs", "examples", "skmlp"):
        shutil.copytree(REPO_ROOT / name, dest / name, ignore=ignore)
    return dest / "docs"


def _problems(output):
    """The lines of Sphinx's output that report a warning or an error."""
    return [line for line in output.splitlines()
            if "WARNING" in line or "ERROR" in line or "CRITICAL" in line
            or "Traceback" in line or "Exception" in line]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("matplotlib")  # sphinx-gallery's image scraper imports it
    source = _copy_sources(tmp_path / "src")
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q",
        "-b", "html", "-D", "plot_gallery=0",
        "-d", str(tmp_path / "doctrees"), str(source), str(tmp_path / "html"),
    ]
    try:
        # From the repository root, so that conf.py imports the skmlp under test.
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the docs build did not finish within {TIMEOUT} s:\n{exc.stderr or ''}")
    problems = _problems(result.stdout + "\n" + result.stderr)
    print("\n".join(problems))
    assert result.returncode == 0, (
        f"sphinx exited with status {result.returncode}; warnings and errors:\n"
        + ("\n".join(problems) or result.stderr[-5000:])
    )
    assert (tmp_path / "html" / "index.html").is_file()


RST_PAGES = sorted(path for path in DOCS.rglob("*.rst")
                   if not set(path.relative_to(DOCS).parts) & set(BUILD_OUTPUTS))
PAGES_WITH_DOCTESTS = [path for path in RST_PAGES if ">>>" in path.read_text()]


def test_rst_pages_found():
    assert len(RST_PAGES) >= 10, RST_PAGES
    assert PAGES_WITH_DOCTESTS, "no .rst page has a >>> snippet any more"


@pytest.mark.parametrize("path", PAGES_WITH_DOCTESTS,
                         ids=[str(path.relative_to(DOCS)) for path in PAGES_WITH_DOCTESTS])
def test_rst_doctests(path):
    result = doctest.testfile(str(path), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"


def _resolve(dotted):
    """The object named ``dotted``, e.g. ``skmlp._core.optimizers.SGD.update``."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def _quoted_code_rows(page, heading):
    """``(functions, fragments)`` of each row of the list-table under ``heading``:
    the objects named by ``:func:``/``:meth:`` roles in the second cell, and
    the ``literal`` fragments of that cell."""
    text = page.read_text()
    table = text[text.index(heading):]
    table = table[table.index(".. list-table::"):]
    table = table[:re.search(r"\n\n(?! )", table).start()]  # up to the first unindented line
    rows = re.split(r"\n   \* - ", table)[2:]  # skip the options and the header row
    result = []
    for row in rows:
        code_cell = re.split(r"\n     - ", row)[1]
        functions = re.findall(r":(?:func|meth):`~?(skmlp[\w.]+)`", code_cell)
        fragments = re.findall(r"``([^`]+)``", code_cell)
        result.append((functions, fragments))
    return result


def test_code_quoted_by_the_user_guide_is_in_the_code():
    rows = _quoted_code_rows(DOCS / "user_guide" / "learning.rst",
                             "Where each equation is computed")
    assert len(rows) >= 5
    stale = []
    for functions, fragments in rows:
        assert functions, fragments
        source = "\n".join(inspect.getsource(_resolve(name)) for name in functions)
        for fragment in fragments:
            # "..." stands for arguments left out; anything else is verbatim.
            pattern = ".*?".join(re.escape(part) for part in fragment.split("..."))
            if not re.search(pattern, source, flags=re.DOTALL):
                stale.append(f"{fragment!r} is not in {', '.join(functions)}")
    assert not stale, "learning.rst quotes code that is no longer there:\n" + "\n".join(stale)
