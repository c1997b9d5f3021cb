"""Sphinx helpers for the skmlp documentation.

Directives
----------
``.. skmlp-table:: activations | losses | outputs | schedules``
    A table generated at build time from the core's own tables
    (:data:`skmlp._core.activations.ACTIVATIONS`,
    :data:`skmlp._core.losses.LOSSES`, :data:`skmlp._core.outputs.OUTPUTS`,
    :data:`skmlp._core.optimizers.LEARNING_RATE_SCHEDULES`), so that the
    documentation cannot fall out of step with the code. The formulas are
    typeset from :data:`FORMULAS_LATEX`, the LaTeX of each entry's ASCII
    ``formula``; ``tests/test_docs.py`` fails when an entry of the core's
    tables has no LaTeX here, or when a constant of its ``formula`` is
    missing from the LaTeX.

``.. gallery-links:: plot_a plot_b ...``
    A "See also the examples" line that links to those gallery examples
    which sphinx-gallery generated in this build, and renders nothing when
    none was.
    The gallery scripts are written independently of the prose; this keeps a
    missing script from breaking the ``-W`` build.

``.. markdown-report::``
    Renders a small subset of Markdown (``#`` headings, paragraphs, pipe
    tables, ```code``` and ``**bold**``) given as the directive's content.
    Used by ``performance_results.rst`` so that the Markdown report printed
    by ``benchmarks/bench_fit.py`` can be pasted as is. Text is never parsed
    as reStructuredText, so characters such as ``*`` or ``_`` in the report
    cannot produce markup warnings.

Gallery ordering
----------------
:func:`section_order` is the ``subsection_order`` of sphinx-gallery: the
sections (folders of ``examples/``) listed in :data:`SECTION_ORDER` first,
in that order; :class:`ExampleOrder` is its ``within_subsection_order``: the
examples listed in :data:`EXAMPLE_ORDER` first, then any other example by
file name.
"""

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx import addnodes

#: Order of the gallery's sections (folders of ``examples/``); a section not
#: listed comes after these, sorted by name.
SECTION_ORDER = ("story", "training", "regression", "deployment", "scale")

#: Order of the gallery examples within their sections (file names without
#: ``.py``); examples not listed come after these, sorted by file name.
EXAMPLE_ORDER = (
    "plot_classic_network",
    "plot_mnist_story",
    "plot_sigmoid_output_network",
    "plot_hidden_unit_weights",
    "plot_confidently_wrong",
    "plot_random_labels",
    "plot_grid_search",
    "plot_partial_fit_streaming",
    "plot_gradient_check",
    "plot_regression_curve_fit",
    "plot_regression_diabetes",
    "plot_persistence",
    "plot_onnx_export",
    "plot_mnist_vs_sklearn",
    "plot_dask_scaling",
)


def _rank(name, order):
    return (order.index(name) if name in order else len(order), name)


def section_order(path):
    """Sort key for sphinx-gallery's ``subsection_order`` (a section's path)."""
    return _rank(Path(path).name, SECTION_ORDER)


#: The LaTeX of the ``formula`` of each entry of the core's tables, as
#: ``{table: {name: [(latex, condition or None), ...]}}``. A callable builds
#: the LaTeX from the core module's constants (``LEAKY_RELU_SLOPE``, ...), so
#: a changed constant shows up in the docs. Tables are keyed by the name of
#: the core table they document: ``"activations"`` for
#: ``skmlp._core.activations.ACTIVATIONS`` (hidden activations),
#: ``"outputs"`` for ``skmlp._core.outputs.OUTPUTS`` and ``"losses"`` for
#: ``skmlp._core.losses.LOSSES``; ``"deltas"`` is keyed by the ASCII
#: ``formula`` of each way an output layer and a loss make the output delta
#: (the ``Pairing`` values of ``OUTPUTS[name].losses``). To document a new
#: entry, add a line to its table.
FORMULAS_LATEX = {
    "activations": {
        "identity": [(r"f(z) = z", None)],
        "logistic": [(r"f(z) = \dfrac{1}{1 + e^{-z}}", None)],
        "tanh": [(r"f(z) = \tanh z", None)],
        "relu": [(r"f(z) = \max(0, z)", None)],
        "leaky_relu": [(lambda c: rf"f(z) = \begin{{cases}} z & z > 0 \\ "
                                  rf"{c.LEAKY_RELU_SLOPE}\, z & z \le 0 \end{{cases}}", None)],
        "elu": [(lambda c: rf"f(z) = \begin{{cases}} z & z > 0 \\ "
                           rf"{c.ELU_ALPHA}\,(e^{{z}} - 1) & z \le 0 \end{{cases}}", None)],
    },
    "outputs": {
        "identity": [(r"f(z) = z", None)],
        "logistic": [(r"f(z) = \dfrac{1}{1 + e^{-z}}", None)],
        "softmax": [(r"f(z)_k = \dfrac{e^{z_k}}{\sum_j e^{z_j}}", None)],
        "exp": [(r"f(z) = e^{z}", None)],
    },
    "deltas": {
        "delta = s (a - y)": [(r"\delta^L = s\,(a - y)", None)],
        "delta = s (a - y) / n_outputs (loss averaged over outputs)": [
            (r"\delta^L = s\,(a - y) / n_\mathrm{targets}", "averaged over the targets")],
        "delta = f'(z) * dC/da": [
            (r"\delta^L = f'(z) \odot \partial C / \partial a", None)],
    },
    "losses": {
        "log_loss": [(r"-\sum_k y_k \log a_k", "softmax outputs"),
                     (r"-\sum_k \bigl[y_k \log a_k + (1 - y_k) \log(1 - a_k)\bigr]",
                      "logistic outputs")],
        "squared_error": [(r"\tfrac{1}{2} \lVert a - y \rVert^2", "quadratic cost")],
        "poisson": [(r"\sum_k \bigl[y_k \log(y_k / a_k) - y_k + a_k\bigr]",
                     "half Poisson deviance")],
    },
}

#: Where each documented table lives: table key -> (module, attribute).
CORE_TABLES = {
    "activations": ("skmlp._core.activations", "ACTIVATIONS"),
    "losses": ("skmlp._core.losses", "LOSSES"),
    "outputs": ("skmlp._core.outputs", "OUTPUTS"),
}


def core_table(which):
    """The core's table ``which`` (a key of :data:`CORE_TABLES`) and its module."""
    import importlib

    module_name, attribute = CORE_TABLES[which]
    module = importlib.import_module(module_name)
    return getattr(module, attribute), module


def formula_latex(which, name):
    """``[(latex, condition or None), ...]`` of entry ``name`` of table ``which``.

    Raises
    ------
    KeyError
        If the entry has no LaTeX in :data:`FORMULAS_LATEX`, with a message
        that says where to add it.
    """
    try:
        renderings = FORMULAS_LATEX[which][name]
    except KeyError:
        raise KeyError(f"{which} entry {name!r} has no LaTeX: add it to FORMULAS_LATEX "
                       "in docs/_ext/skmlp_docs.py") from None
    module = core_table(which)[1] if which in CORE_TABLES else None
    return [(latex(module) if callable(latex) else latex, condition)
            for latex, condition in renderings]



class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return _rank(Path(filename).stem, EXAMPLE_ORDER)

    def __repr__(self):  # sphinx-gallery puts the repr in its config hash
        return f"<{type(self).__name__}>"


# --------------------------------------------------------------- skmlp-table
class _Wrap(list):
    """Cell content that may wrap at its spaces (CSS class ``skmlp-wrap``)."""

    def __init__(self, *cell):
        super().__init__(cell)


def _table(header, rows, widths=None):
    """A docutils table node with a header row; cells are nodes or text."""
    table = nodes.table(classes=["skmlp-table"])
    n_cols = len(header)
    tgroup = nodes.tgroup(cols=n_cols)
    table += tgroup
    for width in widths or [1] * n_cols:
        tgroup += nodes.colspec(colwidth=width)

    def row_node(cells):
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if isinstance(cell, _Wrap):
                entry["classes"].append("skmlp-wrap")
                cell = list(cell)
            if isinstance(cell, list) and cell and all(isinstance(c, nodes.paragraph)
                                                       for c in cell):
                entry.extend(cell)
            elif isinstance(cell, nodes.paragraph):
                entry += cell
            elif isinstance(cell, list):
                entry += nodes.paragraph("", "", *cell)
            elif isinstance(cell, nodes.Node):
                entry += nodes.paragraph("", "", cell)
            else:
                entry += nodes.paragraph("", str(cell))
            row += entry
        return row

    thead = nodes.thead()
    thead += row_node(header)
    tgroup += thead
    tbody = nodes.tbody()
    for cells in rows:
        tbody += row_node(cells)
    tgroup += tbody
    return table


def _literal(text):
    return nodes.literal(text, text)


def _separated(items, separator=", "):
    """``items`` with ``separator`` text between them: a cell that may wrap
    between two names in code, never inside one."""
    cell = []
    for i, item in enumerate(items):
        if i:
            cell.append(nodes.Text(separator))
        cell.append(item)
    return cell


def _func_ref(target):
    """A cross-reference to the Python function ``target``, shown as code by
    its short name (the module is in the link; the cell stays narrow)."""
    title = f"{target.rsplit('.', 1)[-1]}()"
    return addnodes.pending_xref("", nodes.literal(title, title, classes=["xref", "py", "py-func"]),
                                 refdomain="py", reftype="func", reftarget=target,
                                 refexplicit=True, refwarn=False)


class SkmlpTable(Directive):
    """``.. skmlp-table:: activations`` (or ``losses``, ``outputs``, ``schedules``)."""

    required_arguments = 1
    has_content = False

    def run(self):
        which = self.arguments[0]
        if which == "activations":
            table, _ = core_table("activations")
            header = ["name", "f(z)", "where it is used"]
            rows = []
            for name, activation in table.items():
                if getattr(activation, "hidden", True):
                    where = [nodes.Text("hidden layers: "), _literal(f"activation='{name}'")]
                else:
                    where = "output layer only (chosen by the estimator)"
                rows.append([_literal(f"'{name}'"), self._formula("activations", name), where])
            widths = [2, 5, 4]
        elif which == "losses":
            table, _ = core_table("losses")
            outputs, _ = core_table("outputs")
            header = ["loss", "per-sample cost", "output layers"]
            rows = [[_literal(f"'{name}'"), self._formula("losses", name),
                     _separated([_literal(f"'{o}'") for o, entry in outputs.items()
                                 if name in entry.losses])]
                    for name in table]
            widths = [2, 5, 4]
        elif which == "outputs":
            table, _ = core_table("outputs")
            header = ["output layer", "f(z)", "loss: output delta"]
            rows = [[_literal(f"'{name}'"), self._formula("outputs", name),
                     [self._delta(loss, pairing) for loss, pairing in output.losses.items()]]
                    for name, output in table.items()]
            widths = [2, 4, 6]
        elif which == "schedules":
            from skmlp._core.optimizers import LEARNING_RATE_SCHEDULES

            header = ["learning_rate", "step size eta"]
            rows = [[_literal(f"'{name}'"), _Wrap(_literal(meaning))]
                    for name, meaning in LEARNING_RATE_SCHEDULES.items()]
            widths = [2, 7]
        else:
            raise self.error(f"skmlp-table: unknown table {which!r}; expected "
                             "'activations', 'losses', 'outputs' or 'schedules'.")
        return [_table(header, rows, widths)]

    def _delta(self, loss, pairing):
        """A paragraph ``'loss': delta^L = ...`` with the delta typeset."""
        (paragraph,) = self._formula("deltas", pairing.formula)
        paragraph.insert(0, nodes.Text(": "))
        paragraph.insert(0, _literal(f"'{loss}'"))
        return paragraph

    def _formula(self, which, name):
        """The typeset formula(s) of an entry: one paragraph per rendering."""
        try:
            renderings = formula_latex(which, name)
        except KeyError as exc:
            raise self.error(str(exc.args[0])) from None
        paragraphs = []
        for latex, condition in renderings:
            paragraph = nodes.paragraph("", "", nodes.math(latex, latex))
            if condition:
                paragraph += nodes.Text(f" ({condition})")
            paragraphs.append(paragraph)
        return paragraphs


# ------------------------------------------------------------- gallery-links
class GalleryLinks(Directive):
    """``.. gallery-links:: plot_a plot_b``: links to the examples that exist."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"prefix": directives.unchanged}

    def run(self):
        names = self.arguments[0].split()
        # Look at what sphinx-gallery generated in this build (it runs before
        # the sources are read), not at examples/: a script added while the
        # build runs has no page yet.
        gallery = Path(self.state.document.settings.env.srcdir) / "auto_examples"
        pages = {page.stem: page.relative_to(gallery.parent).with_suffix(".py")
                 for page in gallery.rglob("plot_*.rst")} if gallery.is_dir() else {}
        present = [name for name in names if name in pages]
        if not present:
            return []
        prefix = self.options.get("prefix", "See also the example" if len(present) == 1
                                  else "See also the examples")
        paragraph = nodes.paragraph(classes=["skmlp-gallery-links"])
        paragraph += nodes.Text(f"{prefix}: ")
        for i, name in enumerate(present):
            if i:
                paragraph += nodes.Text(", " if i < len(present) - 1 else " and ")
            # The label sphinx-gallery puts on each example page.
            # (auto_examples/story/plot_x.py -> sphx_glr_auto_examples_story_plot_x.py).
            target = "sphx_glr_" + pages[name].as_posix().replace("/", "_").lower()
            ref = addnodes.pending_xref(
                "", nodes.inline(name, name), refdomain="std", reftype="ref",
                reftarget=target, refexplicit=False, refwarn=True,
            )
            paragraph += ref
        paragraph += nodes.Text(".")
        return [paragraph]


# ----------------------------------------------------------- markdown-report
_INLINE = re.compile(r"(`[^`]+`|\*\*[^*]+\*\*)")


def _inline(text):
    """Markdown inline text as docutils nodes: `code`, **bold**, plain text."""
    result = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            result.append(_literal(part[1:-1]))
        elif part.startswith("**") and part.endswith("**") and len(part) > 4:
            result.append(nodes.strong(part[2:-2], part[2:-2]))
        else:
            result.append(nodes.Text(part))
    return result


def _cells(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def _is_separator(line):
    return bool(re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", line.strip()))


def _pipe_table(lines):
    header = _cells(lines[0])
    body = [_cells(line) for line in lines[1:] if not _is_separator(line)]
    n_cols = max([len(header)] + [len(row) for row in body])

    def pad(row):
        return [nodes.paragraph("", "", *_inline(c)) for c in row + [""] * (n_cols - len(row))]

    return _table(pad(header), [pad(row) for row in body])


class MarkdownReport(Directive):
    """``.. markdown-report::`` followed by indented Markdown."""

    has_content = True

    def run(self):
        result, block = [], []

        def flush():
            if not block:
                return
            if block[0].lstrip().startswith("|"):
                result.append(_pipe_table(block))
            else:
                text = " ".join(line.strip() for line in block)
                heading = re.match(r"(#+)\s+(.*)", text)
                if heading:
                    result.append(nodes.rubric(heading.group(2), "", *_inline(heading.group(2))))
                else:
                    result.append(nodes.paragraph("", "", *_inline(text)))
            block.clear()

        for line in self.content:
            stripped = line.strip()
            is_table_line = stripped.startswith("|")
            starts_new = (not stripped
                          or stripped.startswith("#")
                          or (block and is_table_line != block[0].lstrip().startswith("|")))
            if starts_new:
                flush()
            if stripped:
                block.append(line)
                if stripped.startswith("#"):
                    flush()
        flush()
        container = nodes.container(classes=["skmlp-markdown-report"])
        container.extend(result)
        return [container]


def setup(app):
    app.add_directive("skmlp-table", SkmlpTable)
    app.add_directive("gallery-links", GalleryLinks)
    app.add_directive("markdown-report", MarkdownReport)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
