"""The compiled kernels (skmlp/_core/_kernels.pyx) against their NumPy twins.

The optimizer updates and the L2 gradient must equal the NumPy reference bit
for bit; the compiled loss and gradient of a dense mini-batch must equal it up
to rounding (the C library's exp, log and tanh are not NumPy's, and sums run
in another order), on random shapes, both dtypes, every hidden activation and
(output, loss) pair it implements. Where it does not apply (sparse rows,
rows of another dtype, sample weights, dropout, another activation), the NumPy
path runs and the results are those of the reference exactly.
"""

import dataclasses
import hashlib
import shutil
import subprocess
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

from skmlp import MLPClassifier, MLPRegressor
from skmlp._core import kernels
from skmlp._core.activations import ACTIVATIONS
from skmlp._core.init import glorot_uniform
from skmlp._core.network import ParameterLayout
from skmlp._core.objective import Workspace, add_l2_penalty, loss_and_gradient
from skmlp._core.optimizers import SOLVERS
from skmlp._core.outputs import OUTPUTS

COMPILED = kernels.compiled
needs_compiled = pytest.mark.skipif(COMPILED is None, reason="test_kernels_are_built fails")

DTYPES = [np.float32, np.float64]
OPTIMIZER_ARGUMENTS = {
    "sgd": dict(learning_rate_init=0.1, momentum=0.9, nesterov=True, schedule="constant",
                power_t=0.5),
    "sgd-classical": dict(learning_rate_init=0.1, momentum=0.9, nesterov=False,
                          schedule="constant", power_t=0.5),
    "sgd-plain": dict(learning_rate_init=0.3, momentum=0.0, nesterov=False,
                      schedule="constant", power_t=0.5),
    "adam": dict(learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "adamw": dict(learning_rate_init=1e-2, beta_1=0.8, beta_2=0.99, epsilon=1e-7,
                  weight_decay=0.05),
}


def test_kernels_are_built_and_current():
    # pip install builds them (setup.py); a checkout built with another
    # version of _kernels.pyx must not use them.
    assert COMPILED is not None, (
        "the compiled kernels are missing or stale: rebuild with `pip install -e .` "
        "(or `python setup.py build_ext --inplace`)")
    sources = kernels.SOURCE.read_bytes() + kernels.LOOPS.read_bytes()
    assert COMPILED.SOURCE_HASH == hashlib.sha256(sources).hexdigest()


@pytest.mark.parametrize("flags", [[], ["-DSKMLP_NO_CLONES"]],
                         ids=["instruction-set versions", "baseline alone"])
def test_the_c_loops_compile_both_ways(flags, tmp_path):
    # This machine builds the target_clones versions; other compilers and
    # platforms build the baseline branch, which no build here would reach.
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler on this machine")
    source = tmp_path / "loops.c"
    source.write_text(f'#include "{kernels.LOOPS}"\n')
    result = subprocess.run([compiler, "-fsyntax-only", "-Wall", "-Werror", *flags,
                             str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_stale_build_is_not_used(tmp_path, monkeypatch):
    other = tmp_path / "_kernels.pyx"
    other.write_text("# another version of the source\n")
    monkeypatch.setattr(kernels, "SOURCE", other)
    assert kernels._load() is None


def test_the_compiled_network_names_rows_of_the_tables():
    if COMPILED is None:
        pytest.skip("not built")
    assert set(COMPILED.HIDDEN_ACTIVATIONS) <= set(ACTIVATIONS)
    assert all(loss in OUTPUTS[output].losses for output, loss in COMPILED.OUTPUT_LOSSES)


def _run_optimizer(solver, dtype, n, compiled, monkeypatch, steps=4, penalty=False):
    monkeypatch.setattr(kernels, "compiled", compiled)
    arguments = dict(OPTIMIZER_ARGUMENTS[solver])
    layout = ParameterLayout((n // 2, 1, 1)) if n > 4 else ParameterLayout((1, 1, 1))
    kind = SOLVERS[solver.split("-")[0]].optimizer
    optimizer = kind.for_layout(layout, dtype, **arguments)
    rng = np.random.default_rng(n)
    params = rng.normal(size=layout.n_params).astype(dtype)
    params[::7] = np.finfo(dtype).tiny / 4  # subnormal, and not moved: flushed to 0
    for _ in range(steps):
        grad = rng.normal(size=layout.n_params).astype(dtype)
        grad[::7] = 0
        grad[1::5] *= 1e-25  # negligible for Adam in float32
        optimizer.update(params, grad, (layout.n_coefs, 0.3) if penalty else None)
    return params, optimizer.state()


@needs_compiled
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", list(OPTIMIZER_ARGUMENTS))
@pytest.mark.parametrize("n", [4, 37, 5_000])
@pytest.mark.parametrize("penalty", [False, True], ids=["", "penalty"])
def test_optimizer_updates_equal_the_numpy_reference_bit_for_bit(solver, dtype, n, penalty,
                                                                 monkeypatch):
    compiled = _run_optimizer(solver, dtype, n, COMPILED, monkeypatch, penalty=penalty)
    reference = _run_optimizer(solver, dtype, n, None, monkeypatch, penalty=penalty)
    np.testing.assert_array_equal(compiled[0], reference[0])
    for name, value in reference[1].items():
        np.testing.assert_array_equal(compiled[1][name], value)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", list(OPTIMIZER_ARGUMENTS))
def test_no_update_leaves_a_subnormal_number(solver, dtype, monkeypatch):
    # Subnormal arithmetic is up to 100x slower on x86: every update flushes
    # parameters and state below the smallest normal number to 0.
    for compiled in (COMPILED, None):
        params, state = _run_optimizer(solver, dtype, 5_000, compiled, monkeypatch)
        tiny = np.finfo(dtype).tiny
        for array in [params] + [v for v in state.values() if isinstance(v, np.ndarray)]:
            assert not ((array != 0) & (np.abs(array) < tiny)).any()


@pytest.mark.parametrize("solver", list(OPTIMIZER_ARGUMENTS))
@pytest.mark.parametrize("path", ["compiled", "numpy"])
def test_the_penalty_added_by_the_optimizer_equals_the_penalty_in_the_gradient(
        solver, path, rng, monkeypatch):
    # A training step lets Adam add the L2 gradient in its own pass
    # (loss_and_gradient(..., penalty_gradient=False)); the loss and the
    # parameters must be those of adding it to the gradient first.
    if path == "numpy":
        monkeypatch.setattr(kernels, "compiled", None)
    layout = ParameterLayout((30, 8, 3))
    params = glorot_uniform(layout, "relu", rng, np.float32)
    X = rng.normal(size=(11, 30)).astype(np.float32)
    Y = _targets("softmax", "", rng, 11, 3, np.float32)
    objective = dict(hidden_activation="relu", output_activation="softmax", loss="log_loss",
                     alpha=0.7)
    results = []
    for handed_over in (False, True):
        kind = SOLVERS[solver.split("-")[0]].optimizer
        optimizer = kind.for_layout(layout, np.float32, **OPTIMIZER_ARGUMENTS[solver])
        p = params.copy()
        for _ in range(3):
            value, grad = loss_and_gradient(p, layout, X, Y, penalty_gradient=not handed_over,
                                            **objective)
            optimizer.update(p, grad, (layout.n_coefs, 0.7 / 11) if handed_over else None)
        results.append((value, p))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@needs_compiled
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_l2_gradient_equals_the_numpy_reference(dtype, rng, monkeypatch):
    layout = ParameterLayout((30, 20, 3))
    params = rng.normal(size=layout.n_params).astype(dtype)
    grads = {}
    for name, compiled in (("compiled", COMPILED), ("numpy", None)):
        monkeypatch.setattr(kernels, "compiled", compiled)
        grads[name] = np.linspace(-1, 1, layout.n_params, dtype=dtype)
        weights = params[:layout.n_coefs]
        value = add_l2_penalty(0.5, grads[name], params, layout, 0.3, 7.0)
        assert value == pytest.approx(0.5 + 0.15 / 7 * float(weights @ weights))
    np.testing.assert_array_equal(grads["compiled"], grads["numpy"])


def _targets(output, loss, rng, n, n_outputs, dtype):
    if output == "softmax":
        return np.eye(n_outputs, dtype=dtype)[rng.integers(0, n_outputs, n)]
    if output == "logistic":
        return rng.integers(0, 2, size=(n, n_outputs)).astype(dtype)
    return rng.normal(size=(n, n_outputs)).astype(dtype)


def _both_paths(params, layout, X, Y, monkeypatch, workspace=None, **objective):
    results = {}
    for name, compiled in (("compiled", COMPILED), ("numpy", None)):
        monkeypatch.setattr(kernels, "compiled", compiled)
        ws = workspace if workspace is not None else Workspace(layout.layer_units, len(Y),
                                                               params.dtype)
        value, grad = loss_and_gradient(params, layout, X, Y, workspace=ws, **objective)
        results[name] = (value, grad.copy())
    return results


@needs_compiled
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("output, loss", [("softmax", "log_loss"), ("logistic", "log_loss"),
                                          ("identity", "squared_error"),
                                          ("logistic", "squared_error")])
@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_loss_and_gradient_equal_numpy_up_to_rounding(hidden, output, loss, dtype,
                                                                   seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n_layers = rng.integers(1, 4)
    n_outputs = int(rng.integers(2 if output == "softmax" else 1, 6))
    units = (int(rng.integers(1, 30)), *rng.integers(1, 40, size=n_layers - 1).tolist(),
             n_outputs)
    layout = ParameterLayout(units)
    params = glorot_uniform(layout, hidden, rng, dtype)
    n = int(rng.integers(1, 50))
    X = rng.normal(size=(n, units[0])).astype(dtype)
    Y = _targets(output, loss, rng, n, n_outputs, dtype)
    results = _both_paths(params, layout, X, Y, monkeypatch, hidden_activation=hidden,
                          output_activation=output, loss=loss, alpha=float(rng.uniform(0, 1)))
    tolerance = 2e-5 if dtype == np.float32 else 1e-12
    assert results["compiled"][0] == pytest.approx(results["numpy"][0], rel=tolerance)
    assert results["compiled"][1].dtype == dtype
    np.testing.assert_allclose(results["compiled"][1], results["numpy"][1], rtol=tolerance,
                               atol=tolerance * np.abs(results["numpy"][1]).max())


@needs_compiled
@pytest.mark.parametrize("order", ["C", "F"])
def test_rows_of_any_memory_layout_are_taken(order, rng, monkeypatch):
    layout = ParameterLayout((6, 5, 2))
    params = glorot_uniform(layout, "tanh", rng)
    X = np.asarray(rng.normal(size=(9, 6)), order=order)
    Y = np.asarray(rng.normal(size=(9, 2)), order=order)
    network = Workspace(layout.layer_units, 9, np.float64).compiled_network(
        "tanh", "identity", "squared_error")
    assert network.loss_and_gradient(X, Y, params, np.empty_like(params), 0.1) is not None
    results = _both_paths(params, layout, X, Y, monkeypatch, hidden_activation="tanh",
                          output_activation="identity", loss="squared_error", alpha=0.1)
    np.testing.assert_allclose(results["compiled"][1], results["numpy"][1], rtol=1e-12)


@needs_compiled
def test_batches_of_any_size_up_to_the_capacity_reuse_one_network(rng, monkeypatch):
    layout = ParameterLayout((6, 5, 3))
    params = glorot_uniform(layout, "relu", rng)
    workspace = Workspace(layout.layer_units, 20, np.float64)
    objective = dict(hidden_activation="relu", output_activation="softmax", loss="log_loss",
                     alpha=0.1)
    for n in (20, 7, 1, 20):
        X, Y = rng.normal(size=(n, 6)), _targets("softmax", "", rng, n, 3, np.float64)
        results = _both_paths(params, layout, X, Y, monkeypatch, workspace=workspace,
                              **objective)
        np.testing.assert_allclose(results["compiled"][1], results["numpy"][1], rtol=1e-12)


NOT_COMPILED = {
    "sparse rows": dict(X=lambda X: sp.csr_matrix(X)),
    "float64 rows, float32 model": dict(X=lambda X: X.astype(np.float64)),
    "sample weights": dict(sample_weight=np.linspace(0.5, 2, 8)),
    "dropout": dict(dropout_masks=[np.full((8, 5), 2.0, np.float32)]),
    "leaky_relu": dict(hidden_activation="leaky_relu"),
    "exp outputs": dict(output_activation="exp", loss="poisson"),
}


@needs_compiled
@pytest.mark.parametrize("case", list(NOT_COMPILED))
def test_what_the_compiled_network_does_not_take_runs_the_numpy_reference(case, rng,
                                                                         monkeypatch):
    layout = ParameterLayout((4, 5, 3))
    params = glorot_uniform(layout, "relu", rng, np.float32)
    X = rng.uniform(0.5, 1.5, size=(8, 4)).astype(np.float32)
    arguments = dict(hidden_activation="relu", output_activation="softmax", loss="log_loss",
                     alpha=0.1)
    arguments.update(NOT_COMPILED[case])
    X = arguments.pop("X", lambda X: X)(X)
    Y = (np.abs(rng.normal(size=(8, 3))) if arguments["loss"] == "poisson"
         else _targets("softmax", "", rng, 8, 3, np.float32)).astype(np.float32)
    results = _both_paths(params, layout, X, Y, monkeypatch, **arguments)
    assert results["compiled"][0] == results["numpy"][0]
    np.testing.assert_array_equal(results["compiled"][1], results["numpy"][1])


@needs_compiled
@pytest.mark.parametrize("table, name", [(ACTIVATIONS, "relu"), (OUTPUTS, "softmax")])
def test_a_table_row_replaced_at_run_time_is_read_by_the_numpy_path(table, name, rng,
                                                                    monkeypatch):
    layout = ParameterLayout((4, 5, 3))
    params = glorot_uniform(layout, "relu", rng)
    X, Y = rng.normal(size=(6, 4)), _targets("softmax", "", rng, 6, 3, np.float64)
    objective = dict(hidden_activation="relu", output_activation="softmax", loss="log_loss")
    assert Workspace(layout.layer_units, 6, np.float64).compiled_network(
        *objective.values()) is not None
    monkeypatch.setitem(table, name, dataclasses.replace(table[name]))  # an equal copy
    assert Workspace(layout.layer_units, 6, np.float64).compiled_network(
        *objective.values()) is None


@needs_compiled
@pytest.mark.parametrize("dtype", DTYPES)
def test_overflow_gives_a_non_finite_loss_without_warnings(dtype, rng):
    layout = ParameterLayout((3, 4, 2))
    params = np.full(layout.n_params, np.finfo(dtype).max / 10, dtype=dtype)
    X = np.full((5, 3), 1e3, dtype=dtype)
    Y = np.eye(2, dtype=dtype)[[0, 1, 0, 1, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value, grad = loss_and_gradient(params, layout, X, Y, hidden_activation="relu",
                                            output_activation="softmax", loss="log_loss",
                                            alpha=0.0)
    assert not np.isfinite(value) or not np.isfinite(grad).all()


@needs_compiled
@pytest.mark.parametrize("estimator, y_kind", [(MLPClassifier, "labels"),
                                               (MLPRegressor, "targets")])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_estimators_train_alike_with_and_without_the_kernels(estimator, y_kind, solver,
                                                             monkeypatch):
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    if y_kind == "targets":
        y = X[:, 20:23] + 0.1 * y[:, None]
    fits = {}
    for name, compiled in (("compiled", COMPILED), ("numpy", None)):
        monkeypatch.setattr(kernels, "compiled", compiled)
        model = estimator(hidden_layer_sizes=(20,), solver=solver, max_iter=5, batch_size=32,
                          random_state=0, tol=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: 5 epochs
            fits[name] = model.fit(X, y)
    for a, b in zip(fits["compiled"].coefs_, fits["numpy"].coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert fits["compiled"].n_iter_ == fits["numpy"].n_iter_
