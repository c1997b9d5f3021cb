"""The documentation builds without a single Sphinx warning.

The build is the one of ``docs/README.md`` with ``-W`` (every warning is an
error), ``--keep-going`` (report all of them) and ``-E`` (re-read every page),
gallery included: sphinx-gallery runs every example once, so an example that
raises fails the build and this test. The examples run in full, with the
non-interactive matplotlib backend and one BLAS thread. The build then takes
about a minute and a half on two cores, most of it the examples.

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
import html as html_module
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS = REPO_ROOT / "docs"
EXAMPLES = sorted((REPO_ROOT / "examples").rglob("plot_*.py"))
MNIST_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist"
BUILD_OUTPUTS = ("_build", "generated", "auto_examples", "gen_modules", "__pycache__")
TIMEOUT = 600  # seconds; the build takes about a minute, examples included


def _copy_sources(dest):
    ignore = shutil.ignore_patterns(*BUILD_OUTPUTS, "*.pyc")
    for name in ("docs", "examples", "skmlp"):
        shutil.copytree(REPO_ROOT / name, dest / name, ignore=ignore)
    return dest / "docs"


def _build_env():
    """The environment of the build, as in CI."""
    env = dict(os.environ, MPLBACKEND="Agg")
    # One BLAS thread: the examples train small networks on small batches, for
    # which a second thread brings little and, on a busy machine, makes every
    # matrix product wait for a free core.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    if MNIST_DIR.is_dir():  # conf.py would look next to the temporary copy
        env.setdefault("SKMLP_MNIST_DIR", str(MNIST_DIR))
    return env


def _problems(output):
    """The lines of Sphinx's output that report a warning or an error."""
    return [line for line in output.splitlines()
            if "WARNING" in line or "ERROR" in line or "CRITICAL" in line
            or "Traceback" in line or "Exception" in line]


@pytest.fixture(scope="module")
def built_html(tmp_path_factory):
    """Build the docs once (``-W``, examples run); the build's output directory."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("matplotlib")  # sphinx-gallery's image scraper imports it
    tmp_path = tmp_path_factory.mktemp("docs")
    source = _copy_sources(tmp_path / "src")
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q",
        "-b", "html", "-D", "plot_gallery=1",
        "-d", str(tmp_path / "doctrees"), str(source), str(tmp_path / "html"),
    ]
    try:
        # From the repository root, so that conf.py imports the skmlp under test.
        result = subprocess.run(command, cwd=REPO_ROOT, env=_build_env(), capture_output=True,
                                text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the docs build did not finish within {TIMEOUT} s:\n{exc.stderr or ''}")
    return result, tmp_path / "html"


def test_docs_build_without_warnings(built_html):
    result, html = built_html
    problems = _problems(result.stdout + "\n" + result.stderr)
    print("\n".join(problems))
    assert result.returncode == 0, (
        f"sphinx exited with status {result.returncode}; warnings and errors:\n"
        + "\n".join(problems) + "\n--- the end of its output ---\n" + result.stderr[-5000:]
    )
    assert (html / "index.html").is_file()


def _example_output(page):
    """The text that an example printed, from its gallery page."""
    blocks = re.findall(r'class="sphx-glr-script-out.*?<pre>(.*?)</pre>',
                        page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return html_module.unescape(re.sub(r"<[^>]+>", "", "\n".join(blocks)))


def test_every_example_ran_in_full(built_html):
    """Each example has its page with what it printed or drew, and none says
    that it skipped a part (an optional extra or the MNIST files missing)."""
    result, html = built_html
    assert result.returncode == 0
    assert len(EXAMPLES) >= 9, EXAMPLES
    skipped, silent = [], []
    for script in EXAMPLES:
        relative = script.relative_to(REPO_ROOT / "examples").with_suffix(".html")
        page = html / "auto_examples" / relative
        assert page.is_file(), f"no gallery page for {script.name}"
        output = _example_output(page)
        if not output and "sphx-glr-single-img" not in page.read_text(encoding="utf-8"):
            silent.append(script.name)
        for line in output.splitlines():
            if re.search(r"\bskip|not installed|not found", line, flags=re.IGNORECASE):
                skipped.append(f"{script.name}: {line.strip()}")
    assert not silent, f"examples that printed and drew nothing: {silent}"
    if not MNIST_DIR.is_dir():
        skipped = [line for line in skipped if "MNIST" not in line]
    assert not skipped, "examples that skipped a part in the docs build:\n" + "\n".join(skipped)


_FAILING_GALLERY_CONF = """
import runpy
_docs = runpy.run_path({conf!r})
extensions = ["sphinx_gallery.gen_gallery"]
exclude_patterns = ["_build"]
sphinx_gallery_conf = dict(_docs["sphinx_gallery_conf"], examples_dirs="examples",
                           gallery_dirs="auto_examples")
"""


def test_an_example_that_raises_fails_the_build(tmp_path):
    """With the gallery settings of ``docs/conf.py``, an example that raises
    fails the build (not only under ``-W``): it cannot pass as a BROKEN
    thumbnail. A one-page project, so that it takes seconds."""
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("matplotlib")
    (tmp_path / "conf.py").write_text(_FAILING_GALLERY_CONF.format(conf=str(DOCS / "conf.py")))
    (tmp_path / "index.rst").write_text("Test\n====\n\n.. toctree::\n\n   auto_examples/index\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "README.txt").write_text("Examples\n========\n")
    (tmp_path / "examples" / "plot_broken.py").write_text(
        '"""\nBroken\n======\n\nIt raises.\n"""\n\nraise RuntimeError("this example is broken")\n')
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tmp_path), str(tmp_path / "html")],
        cwd=REPO_ROOT, env=_build_env(), capture_output=True, text=True, timeout=TIMEOUT)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "plot_broken.py" in output and "this example is broken" in output, output


class _Assets(HTMLParser):
    """The scripts, stylesheets, fonts and other loaded resources of a page."""

    LOADING_RELS = {"stylesheet", "preload", "prefetch", "icon", "modulepreload",
                    "preconnect", "dns-prefetch"}

    def __init__(self):
        super().__init__()
        self.loaded = []  # (tag, url)
        self.math = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.loaded.append(("script", attrs["src"]))
        elif tag == "link" and set((attrs.get("rel") or "").split()) & self.LOADING_RELS:
            self.loaded.append(("link", attrs.get("href") or ""))
        elif tag in ("img", "iframe", "source", "embed") and attrs.get("src"):
            self.loaded.append((tag, attrs["src"]))
        if "math" in (attrs.get("class") or "").split():
            self.math += 1


_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


def _is_remote(url):
    return bool(_REMOTE.match(url.strip())) and not url.strip().startswith("data:")


def test_built_html_loads_nothing_from_another_host(built_html):
    """No page loads a script, stylesheet, font or image from another host,
    and every page with math loads MathJax from a file of the build."""
    result, html = built_html
    assert result.returncode == 0
    # The pages (the theme's Jinja macros under _static/ are not pages).
    pages = sorted(page for page in html.rglob("*.html")
                   if "_static" not in page.relative_to(html).parts)
    assert len(pages) > 20
    remote, missing, math_pages = [], [], []
    for page in pages:
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, url in parser.loaded:
            if _is_remote(url):
                remote.append(f"{page.relative_to(html)}: <{tag}> {url}")
            elif url and not (page.parent / url.split("?")[0].split("#")[0]).exists():
                missing.append(f"{page.relative_to(html)}: <{tag}> {url}")
        if parser.math:
            scripts = [url for tag, url in parser.loaded if tag == "script" and "mathjax" in url]
            math_pages.append((page, scripts))
    for css in html.rglob("*.css"):
        for url in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if _is_remote(url):
                remote.append(f"{css.relative_to(html)}: url({url})")
    assert not remote, "resources loaded from another host:\n" + "\n".join(remote)
    assert not missing, "resources missing from the build:\n" + "\n".join(missing)
    # The user guide has math; MathJax and its fonts are files of the build.
    assert any(page.name == "network.html" for page, _ in math_pages), math_pages
    for page, scripts in math_pages:
        assert scripts, f"{page.relative_to(html)} has math but loads no MathJax"
        for url in scripts:
            assert (page.parent / url.split("?")[0]).is_file(), (page, url)
    mathjax = html / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file()
    fonts = list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_Main-*.woff"))
    assert fonts, "MathJax's fonts are not in the build"


def test_tables_typeset_formulas(built_html):
    """The activation and loss tables show typeset math, not ASCII formulas."""
    _, html = built_html
    from skmlp._core.activations import ACTIVATIONS
    from skmlp._core.losses import LOSSES

    for page, table in (("parameters.html", ACTIVATIONS), ("learning.html", LOSSES)):
        text = (html / "user_guide" / page).read_text(encoding="utf-8")
        start = text.index("skmlp-table")
        table_html = text[start:text.index("</table>", start)]
        assert table_html.count('class="math') >= len(table), page
        # No formula is left as code (the ASCII of the core's ``formula``).
        assert '<span class="pre">f(z)' not in table_html
        assert '<span class="pre">-sum_k' not in table_html
    assert r"\max(0, z)" in (html / "user_guide" / "parameters.html").read_text()
    # The output deltas of the output-layer table are typeset, not code.
    for page in ("learning.html", "regression.html"):
        text = (html / "user_guide" / page).read_text(encoding="utf-8")
        start = text.index("loss: output delta")
        table_html = text[start:text.index("</table>", start)]
        assert r"\delta^L = s\,(a - y)" in table_html, page
        assert '<span class="pre">delta' not in table_html, page


def _docs_extension():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module("skmlp_docs")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


@pytest.mark.parametrize("which", ["activations", "losses"])
def test_every_core_table_entry_has_latex(which):
    """A new entry of the core's activation or loss table fails here until
    docs/_ext/skmlp_docs.py gives its LaTeX; a constant of its ASCII formula
    (such as the leaky ReLU slope) must appear in the LaTeX too."""
    pytest.importorskip("sphinx")
    ext = _docs_extension()
    table, _ = ext.core_table(which)
    assert table
    undocumented, stale = [], []
    for name, entry in table.items():
        try:
            renderings = ext.formula_latex(which, name)
        except KeyError as exc:
            undocumented.append(str(exc))
            continue
        assert renderings and all(latex for latex, _ in renderings), name
        latex = " ".join(latex for latex, _ in renderings)
        for number in re.findall(r"\d+\.\d+", entry.formula):
            if number not in latex:
                stale.append(f"{name}: {number} of {entry.formula!r} not in {latex!r}")
    assert not undocumented, "\n".join(undocumented)
    assert not stale, "\n".join(stale)


def test_every_output_delta_has_latex():
    """Each way of making the output delta in the core's output table (its
    ASCII ``formula``) has its LaTeX in docs/_ext/skmlp_docs.py."""
    pytest.importorskip("sphinx")
    ext = _docs_extension()
    outputs, _ = ext.core_table("outputs")
    formulas = {pairing.formula for output in outputs.values()
                for pairing in output.losses.values()}
    assert len(formulas) >= 2
    for formula in formulas:
        assert ext.formula_latex("deltas", formula)[0][0].startswith(r"\delta^L")


def test_missing_latex_names_where_to_add_it():
    pytest.importorskip("sphinx")
    ext = _docs_extension()
    with pytest.raises(KeyError, match="FORMULAS_LATEX in docs/_ext/skmlp_docs.py"):
        ext.formula_latex("activations", "no_such_activation")


def _first_python_block(page):
    text = page.read_text()
    block = text[text.index(".. code-block:: python"):].split("\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    return "\n".join(lines)


@pytest.mark.parametrize("page", ["index.rst", "getting_started.rst"])
def test_first_snippet_runs_without_warnings(page):
    """The first code a new user runs converges without a ConvergenceWarning."""
    code = _first_python_block(DOCS / page)
    assert "MLPClassifier(" in code
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(code, page, "exec"), {"__name__": "__snippet__"})


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
