"""Backpropagation against central finite differences, and the forward pass
against scikit-learn's MLP as an independent reference."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import central_differences, relative_error
from test_outputs import PAIRS, targets

from skmlp._core.activations import HIDDEN_ACTIVATIONS
from skmlp._core.init import glorot_uniform
from skmlp._core.network import NonFiniteLayerInput, ParameterLayout, backward, forward
from skmlp._core.objective import loss_and_gradient

# Every check here runs with the compiled kernels and with the NumPy reference.
pytestmark = pytest.mark.usefixtures("kernel_path")

TARGETS = {
    # name: (output activation, number of output units)
    "binary": ("logistic", 1),
    "multiclass": ("softmax", 3),
    "multilabel": ("logistic", 3),
}


def _problem(rng, n_features, hidden, target, n_samples=7):
    output, n_outputs = TARGETS[target]
    X = rng.normal(size=(n_samples, n_features))
    if target == "multiclass":
        Y = np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    else:
        Y = rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float)
    layout = ParameterLayout((n_features, *hidden, n_outputs))
    return X, Y, layout, output


def _check(params, layout, X, Y, **objective):
    def f(p):
        return loss_and_gradient(p, layout, X, Y, **objective)[0]

    _, grad = loss_and_gradient(params, layout, X, Y, **objective)
    return relative_error(grad, central_differences(f, params))


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(5,), (4, 3), (3, 4, 2)])
@pytest.mark.parametrize("target", list(TARGETS))
def test_backprop_matches_finite_differences(activation, hidden, target, rng):
    X, Y, layout, output = _problem(rng, 4, hidden, target)
    params = glorot_uniform(layout, activation, rng)
    error = _check(params, layout, X, Y, hidden_activation=activation,
                   output_activation=output, loss="log_loss", alpha=0.1)
    assert error < 1e-6


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("activation", ["logistic", "tanh"])
def test_squared_error_gradient_matches_finite_differences(target, activation, rng):
    X, Y, layout, output = _problem(rng, 3, (4, 3), target)
    params = glorot_uniform(layout, activation, rng)
    error = _check(params, layout, X, Y, hidden_activation=activation,
                   output_activation=output, loss="squared_error", alpha=0.05)
    assert error < 1e-6


# Every (hidden activation, output, loss) the tables allow, with one output
# and with several (softmax needs two at least), unweighted and weighted.
EVERY_PAIRING = [
    (hidden, output, loss, n_outputs)
    for hidden in HIDDEN_ACTIVATIONS
    for output, loss in PAIRS
    for n_outputs in ((2, 3) if output == "softmax" else (1, 3))
]


@pytest.mark.parametrize("hidden, output, loss, n_outputs", EVERY_PAIRING,
                         ids=["-".join(map(str, case)) for case in EVERY_PAIRING])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_pairing_matches_finite_differences(hidden, output, loss, n_outputs,
                                                  weighted, rng):
    X = rng.normal(size=(9, 4))
    Y = targets(output, rng, 9, n_outputs)
    w = rng.uniform(0.1, 3, size=9) if weighted else None
    layout = ParameterLayout((4, 5, 4, n_outputs))
    params = glorot_uniform(layout, hidden, rng)
    error = _check(params, layout, X, Y, hidden_activation=hidden, output_activation=output,
                   loss=loss, alpha=0.1, sample_weight=w)
    assert error < 1e-6


def test_weighted_gradient_matches_finite_differences(rng):
    X, Y, layout, output = _problem(rng, 3, (4,), "multiclass")
    params = glorot_uniform(layout, "tanh", rng)
    w = rng.uniform(0, 3, size=X.shape[0])
    error = _check(params, layout, X, Y, hidden_activation="tanh", output_activation=output,
                   alpha=0.2, sample_weight=w)
    assert error < 1e-6


def test_integer_weights_equal_repeated_rows(rng):
    X, Y, layout, output = _problem(rng, 3, (4,), "multiclass")
    params = glorot_uniform(layout, "relu", rng)
    w = np.array([0, 1, 2, 3, 1, 0, 2])
    kwargs = dict(hidden_activation="relu", output_activation=output, alpha=0.3)
    weighted = loss_and_gradient(params, layout, X, Y, sample_weight=w.astype(float), **kwargs)
    repeated = loss_and_gradient(params, layout, X.repeat(w, axis=0), Y.repeat(w, axis=0), **kwargs)
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-10, atol=1e-14)


def test_sparse_input_gives_the_dense_gradient(rng):
    X, Y, layout, output = _problem(rng, 6, (4,), "multiclass")
    X[X < 0.3] = 0
    params = glorot_uniform(layout, "relu", rng)
    kwargs = dict(hidden_activation="relu", output_activation=output, alpha=0.1)
    dense = loss_and_gradient(params, layout, X, Y, **kwargs)
    sparse = loss_and_gradient(params, layout, sp.csr_matrix(X), Y, **kwargs)
    assert dense[0] == pytest.approx(sparse[0])
    np.testing.assert_allclose(dense[1], sparse[1], rtol=1e-12)


def test_layout_views_share_memory_and_round_trip(rng):
    layout = ParameterLayout((5, 4, 3, 2))
    params = rng.normal(size=layout.n_params)
    coefs, intercepts = layout.unpack(params)
    assert [W.shape for W in coefs] == [(5, 4), (4, 3), (3, 2)]
    assert [b.shape for b in intercepts] == [(4,), (3,), (2,)]
    assert all(np.shares_memory(W, params) for W in coefs + intercepts)
    np.testing.assert_array_equal(layout.pack(coefs, intercepts), params)
    coefs[1][0, 0] = 123.0
    assert 123.0 in params
    with pytest.raises(ValueError, match="expected 47 parameters"):
        layout.pack(coefs[:2], intercepts)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_forward_matches_scikit_learn(activation, rng):
    """scikit-learn's MLP with our weights predicts our probabilities."""
    from sklearn.neural_network import MLPClassifier as SkMLP

    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, size=30)
    sk = SkMLP(hidden_layer_sizes=(5, 4), activation=activation, max_iter=1)
    with pytest.warns(Warning):
        sk.fit(X, y)
    layout = ParameterLayout((4, 5, 4, 3))
    params = glorot_uniform(layout, activation, rng)
    coefs, intercepts = layout.unpack(params)
    sk.coefs_, sk.intercepts_ = [c.copy() for c in coefs], [b.copy() for b in intercepts]
    activations, _ = forward(coefs, intercepts, X, activation, "softmax")
    np.testing.assert_allclose(activations[-1], sk.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("loss, output", [("squared_error", "identity"), ("poisson", "exp")])
def test_regression_forward_matches_scikit_learn(loss, output, rng):
    """scikit-learn's MLPRegressor with our weights predicts our outputs."""
    from sklearn.neural_network import MLPRegressor as SkMLP

    X = rng.normal(size=(30, 4))
    y = rng.poisson(2.0, size=(30, 3)).astype(float)
    sk = SkMLP(loss=loss, hidden_layer_sizes=(5,), activation="tanh", max_iter=1)
    with pytest.warns(Warning):
        sk.fit(X, y)
    assert sk.out_activation_ == output
    layout = ParameterLayout((4, 5, 3))
    coefs, intercepts = layout.unpack(glorot_uniform(layout, "tanh", rng))
    sk.coefs_, sk.intercepts_ = [c.copy() for c in coefs], [b.copy() for b in intercepts]
    activations, _ = forward(coefs, intercepts, X, "tanh", output)
    np.testing.assert_allclose(activations[-1], sk.predict(X), rtol=1e-12)


def test_forward_writes_into_given_buffers_and_backward_into_gradients(rng):
    X, Y, layout, output = _problem(rng, 3, (4,), "multiclass")
    params = glorot_uniform(layout, "relu", rng)
    coefs, intercepts = layout.unpack(params)
    buffers = [np.empty((7, 4)), np.empty((7, 3))]
    activations, inputs = forward(coefs, intercepts, X, "relu", output, activations=buffers)
    assert activations[1] is buffers[0] and activations[2] is buffers[1]
    grad = np.zeros_like(params)
    coef_grads, intercept_grads = layout.unpack(grad)
    delta = (activations[-1] - Y) / 7
    backward(coefs, activations, inputs, delta, "relu", coef_grads, intercept_grads)
    np.testing.assert_allclose(coef_grads[1], activations[1].T @ delta)
    np.testing.assert_allclose(intercept_grads[1], delta.sum(axis=0))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_check_input_catches_any_non_finite_entry(bad, activation, rng):
    # relu(-inf) = 0 and expit(inf) = 1: the output alone would hide these.
    layout = ParameterLayout((6, 4, 3))
    coefs, intercepts = layout.unpack(glorot_uniform(layout, activation, rng))
    X = rng.standard_normal((5, 6))
    forward(coefs, intercepts, X, activation, "softmax", check_input=True)  # no error
    for i, j in [(0, 0), (4, 5), (2, 3)]:
        X_bad = X.copy()
        X_bad[i, j] = bad
        with pytest.raises(NonFiniteLayerInput):
            forward(coefs, intercepts, X_bad, activation, "softmax", check_input=True)
