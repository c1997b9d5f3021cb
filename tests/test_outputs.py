"""The output table: functions, derivatives, logarithms, the (output, loss) pairs
and their output deltas, and the losses' values against scikit-learn's."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import mean_poisson_deviance, mean_squared_error

from skmlp._core.activations import ACTIVATIONS
from skmlp._core.losses import LOSSES
from skmlp._core.objective import loss_and_gradient
from skmlp._core.outputs import OUTPUTS, log_output, output_loss, paired_losses

PAIRS = [(output, loss) for output, entry in OUTPUTS.items() for loss in entry.losses]


def targets(output, rng, n_samples, n_outputs):
    """Targets of the kind each output layer models; one per entry of OUTPUTS."""
    makers = {
        "identity": lambda: rng.normal(scale=2, size=(n_samples, n_outputs)),
        "logistic": lambda: rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float),
        "softmax": lambda: np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)],
        "exp": lambda: rng.poisson(2.0, size=(n_samples, n_outputs)).astype(float),
    }
    assert set(makers) == set(OUTPUTS), "add a target maker for every new output"
    return makers[output]()


def test_functions_match_independent_formulas(rng):
    Z = rng.normal(scale=3, size=(7, 5))
    reference = {
        "identity": Z,
        "logistic": 1 / (1 + np.exp(-Z)),
        "softmax": np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True),
        "exp": np.exp(Z),
    }
    assert set(reference) == set(OUTPUTS), "add a reference for every new output"
    for name, output in OUTPUTS.items():
        np.testing.assert_allclose(output.function(Z.copy()), reference[name], rtol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_derivative_is_the_jacobian_vector_product(name, rng):
    """``derivative(A, g)[i, j] = sum_k g[i, k] dA[i, k] / dZ[i, j]``, numerically."""
    f = OUTPUTS[name].function
    Z = rng.normal(size=(3, 4))
    g = rng.normal(size=Z.shape)  # dC/dA
    eps = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        dZ = np.zeros_like(Z)
        dZ[idx] = eps
        numeric[idx] = np.sum(g * (f(Z + dZ) - f(Z - dZ))) / (2 * eps)
    analytic = OUTPUTS[name].derivative(f(Z.copy()), g.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", ["identity", "logistic", "softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bounded_outputs_are_stable_at_extreme_inputs(name, dtype):
    Z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = OUTPUTS[name].function(Z.copy())
    assert A.dtype == dtype and np.all(np.isfinite(A))
    if name == "softmax":
        np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-6)
    if name == "logistic":
        assert np.all((A >= 0) & (A <= 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_overflow_is_not_hidden_and_makes_the_poisson_loss_non_finite(dtype):
    # No silent clipping (scikit-learn has none): an overflowing output gives
    # inf, and the loss is non-finite, which the training loop reads as divergence.
    Z = np.array([[0.0, 1e4]], dtype=dtype)
    with np.errstate(over="ignore"):
        A = OUTPUTS["exp"].function(Z)
    assert A.dtype == dtype and A[0, 0] == 1 and A[0, 1] == np.inf
    with np.errstate(invalid="ignore"):
        value = output_loss("exp", "poisson").value(np.ones((1, 2), dtype), A, 1.0)
    assert not np.isfinite(value)


@pytest.mark.parametrize("name", [n for n, o in OUTPUTS.items() if o.log is not None])
def test_log_is_finite_where_the_output_underflows(name, rng):
    Z = rng.normal(size=(5, 3))
    expected = np.log(OUTPUTS[name].function(Z.copy()))
    np.testing.assert_allclose(log_output(name, Z.copy()), expected, rtol=1e-10)
    extreme = np.array([[-1e4, 0.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_a = log_output(name, extreme.copy())
    assert np.all(np.isfinite(log_a))
    assert log_a[0, 0] < -1e3  # exp of it underflows to 0, its log does not


def test_probability_outputs_have_a_log_and_the_others_refuse_it():
    assert {n for n, o in OUTPUTS.items() if o.log is not None} == {"logistic", "softmax"}
    for name in ("identity", "exp", "relu"):
        with pytest.raises(ValueError, match="defined for 'logistic', 'softmax', got"):
            log_output(name, np.zeros((1, 1)))


@pytest.mark.parametrize("shape", [(3, 4), (200, 10), (500, 3), (300, 40), (1, 1)],
                         ids=["short", "tall-narrow", "binary-like", "wide", "single"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_row_reductions_on_every_shape(shape, dtype, rng):
    # softmax takes the row max and row sum column by column for tall, narrow
    # inputs and with one reduction otherwise: both must give the same as the
    # textbook formula, with extreme entries in some rows.
    Z = rng.normal(scale=5, size=shape)
    Z[::7, -1] = 1e4
    Z[1::7, 0] = -1e4
    shifted = Z - Z.max(axis=1, keepdims=True)
    reference = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = OUTPUTS["softmax"].function(Z.astype(dtype))
    assert A.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(A, reference, rtol=rtol, atol=1e-30)


def test_every_entry_is_documented_and_pairs_with_known_losses():
    for name, output in OUTPUTS.items():
        assert output.formula and output.losses, name
        for loss, pairing in output.losses.items():
            assert loss in LOSSES and pairing.formula, (name, loss)
            if not pairing.canonical:  # the long way needs the loss's dC/dA
                assert LOSSES[loss].derivative is not None, (name, loss)
    for name, loss in LOSSES.items():
        assert loss.formula and any(name in o.losses for o in OUTPUTS.values()), name


def test_the_estimators_pairs_are_in_the_table():
    # MLPClassifier: softmax (multiclass) or logistic (binary, multilabel, and
    # multiclass on request) with log-loss or the quadratic cost; MLPRegressor:
    # identity for the squared error, exp for poisson.
    assert paired_losses("softmax", "logistic") == ("log_loss", "squared_error")
    assert paired_losses("identity") == ("squared_error",)
    assert paired_losses("exp") == ("poisson",)
    assert output_loss("logistic", "squared_error").pairing.canonical is False
    for output, loss in [("softmax", "log_loss"), ("logistic", "log_loss"),
                         ("identity", "squared_error"), ("exp", "poisson")]:
        assert output_loss(output, loss).pairing.canonical


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_pairs_outside_the_table_are_refused_by_name(output, loss):
    if loss in OUTPUTS[output].losses:
        assert output_loss(output, loss).loss == loss
        return
    allowed = ", ".join(repr(name) for name in OUTPUTS[output].losses)
    with pytest.raises(ValueError) as info:
        output_loss(output, loss)
    message = str(info.value)
    assert f"loss={loss!r}" in message and f"output activation {output!r}" in message
    assert f"{output!r} pairs with {allowed}" in message
    followers = [n for n, o in OUTPUTS.items() if loss in o.losses]
    assert f"{loss!r} pairs with {', '.join(map(repr, followers))}" in message


@pytest.mark.parametrize("output, loss, match", [
    ("relu", "log_loss", "Unknown output activation 'relu'; the output activations are "
                         "'identity', 'logistic', 'softmax', 'exp'"),
    ("softmax", "hinge", "Unknown loss 'hinge'; the losses are 'log_loss'"),
    (["softmax"], "log_loss", "Unknown output activation"),
])
def test_unknown_names_are_refused(output, loss, match):
    with pytest.raises(ValueError, match=match):
        output_loss(output, loss)


def test_the_objective_refuses_a_bad_pair_before_computing(rng):
    from skmlp._core.network import ParameterLayout

    layout = ParameterLayout((2, 3, 2))
    grad = np.full(layout.n_params, 7.0)
    with pytest.raises(ValueError, match="loss='poisson' cannot be paired"):
        loss_and_gradient(np.zeros(layout.n_params), layout, np.ones((4, 2)), np.ones((4, 2)),
                          hidden_activation="relu", output_activation="softmax",
                          loss="poisson", grad=grad)
    assert np.all(grad == 7.0)


@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
def test_output_delta_is_dC_dZ(output, loss, weighted, rng):
    """delta^L against central differences of C(f(Z)) with respect to Z."""
    n, k = 5, 3
    Z = rng.normal(size=(n, k))
    Y = targets(output, rng, n, k)
    scale = rng.uniform(0.1, 1, size=(n, 1)) if weighted else 1 / n
    pair, f = output_loss(output, loss), OUTPUTS[output].function

    def cost(Z_):
        return pair.value(Y, f(Z_.copy()), scale)

    eps = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        dZ = np.zeros_like(Z)
        dZ[idx] = eps
        numeric[idx] = (cost(Z + dZ) - cost(Z - dZ)) / (2 * eps)
    A = f(Z.copy())
    delta = pair.delta(Y, A, scale, out=np.empty_like(A))
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_and_delta_keep_the_dtype(output, loss, dtype, rng):
    Y = targets(output, rng, 6, 2).astype(dtype)
    A = OUTPUTS[output].function(rng.normal(size=(6, 2)).astype(dtype))
    pair = output_loss(output, loss)
    assert np.isfinite(pair.value(Y, A, 1 / 6))
    assert pair.delta(Y, A, dtype(1 / 6), out=np.empty_like(A)).dtype == dtype


def _regression_problem(rng, n_outputs):
    y = rng.poisson(3.0, size=(40, n_outputs)).astype(float)
    y[:5] = 0  # zero counts: the 0 log 0 = 0 terms
    prediction = np.exp(rng.normal(1, 0.5, size=y.shape))
    return y, prediction, rng.uniform(0.1, 5, size=40)


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_value_is_scikit_learns(n_outputs, weighted, rng):
    from sklearn._loss import HalfPoissonLoss
    from sklearn.neural_network._base import poisson_loss

    y, prediction, w = _regression_problem(rng, n_outputs)
    w = w if weighted else None
    scale = 1 / 40 if w is None else (w / w.sum())[:, None]
    ours = output_loss("exp", "poisson").value(y, prediction, scale)
    # scikit-learn's MLPRegressor loss (the deviance, zero at a perfect fit) ...
    assert ours == pytest.approx(poisson_loss(y, prediction, sample_weight=w), rel=1e-12)
    # ... which is half the mean Poisson deviance, summed over outputs ...
    deviance = sum(mean_poisson_deviance(y[:, k], prediction[:, k], sample_weight=w)
                   for k in range(n_outputs))
    assert ours == pytest.approx(deviance / 2, rel=1e-12)
    # ... and HalfPoissonLoss plus the constant it drops.
    half = HalfPoissonLoss()
    sw = np.ones(40) if w is None else w
    for k in range(n_outputs):
        raw, yk = np.log(prediction[:, k]), np.ascontiguousarray(y[:, k])
        single = output_loss("exp", "poisson").value(yk[:, None], prediction[:, k:k + 1], scale)
        reference = (np.sum(sw * half.loss(y_true=yk, raw_prediction=raw))
                     + np.sum(half.constant_to_optimal_zero(yk, sw))) / sw.sum()
        assert single == pytest.approx(reference, rel=1e-12)


def test_poisson_value_is_zero_for_perfect_predictions(rng):
    y = rng.poisson(2.0, size=(30, 2)).astype(float) + 0.5
    y[0] = 0.0
    A = y.copy()
    A[0] = 1e-300  # the limit of a perfect prediction of 0
    assert output_loss("exp", "poisson").value(y, A, 1 / 30) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_regressor_squared_error_is_scikit_learns_mean_over_outputs(n_outputs, weighted, rng):
    from sklearn.neural_network._base import squared_loss

    y = rng.normal(size=(40, n_outputs))
    prediction = y + rng.normal(size=y.shape)
    w = rng.uniform(0.1, 5, size=40) if weighted else None
    scale = 1 / 40 if w is None else (w / w.sum())[:, None]
    ours = output_loss("identity", "squared_error").value(y, prediction, scale)
    assert ours == pytest.approx(squared_loss(y, prediction, sample_weight=w), rel=1e-12)
    assert ours == pytest.approx(mean_squared_error(y, prediction, sample_weight=w) / 2,
                                 rel=1e-12)
    delta = output_loss("identity", "squared_error").delta(y, prediction, scale,
                                                          out=np.empty_like(y))
    np.testing.assert_allclose(delta, (prediction - y) * scale / n_outputs, rtol=1e-14)


@pytest.mark.parametrize("output", ["logistic", "softmax"])
def test_classifier_quadratic_cost_sums_over_outputs(output, rng):
    # The cost of the story, 1/(2n) sum_x ||y(x) - a(x)||^2: unlike the
    # regressor's squared error, it is not divided by the number of outputs.
    Y = targets(output, rng, 8, 3)
    A = OUTPUTS[output].function(rng.normal(size=(8, 3)))
    expected = np.mean([0.5 * np.sum((a - y) ** 2) for a, y in zip(A, Y)])
    assert output_loss(output, "squared_error").value(Y, A, 1 / 8) == pytest.approx(expected)
    assert LOSSES["squared_error"].value(Y, A, output, 1 / 8) == pytest.approx(expected)


def test_hidden_and_output_tables_share_the_functions_they_have_in_common():
    for name in set(OUTPUTS) & set(ACTIVATIONS):
        assert OUTPUTS[name].function is ACTIVATIONS[name].function
        assert OUTPUTS[name].derivative is ACTIVATIONS[name].derivative
        assert OUTPUTS[name].formula == ACTIVATIONS[name].formula
    assert "softmax" not in ACTIVATIONS and "exp" not in ACTIVATIONS
