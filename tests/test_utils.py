import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier
from skmlp._core import activations
from skmlp.utils import check_gradients


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X[::7], y[::7]


@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=(6,), activation="tanh"),
    dict(hidden_layer_sizes=(5, 4), activation="logistic", loss="squared_error", alpha=0.5),
    dict(hidden_layer_sizes=(3, 3, 3), activation="elu", dropout=0.5),
])
def test_check_gradients_passes_for_correct_backprop(params, iris):
    errors = check_gradients(MLPClassifier(random_state=0, **params), *iris)
    assert errors.shape == (len(params["hidden_layer_sizes"]) + 1,)
    assert errors.max() < 1e-6


def test_check_gradients_uses_fitted_weights_and_leaves_the_model_alone(iris):
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(*iris)
    before = [W.copy() for W in clf.coefs_]
    assert check_gradients(clf, *iris, sample_weight=np.arange(1, 23)).max() < 1e-6
    for W, W0 in zip(clf.coefs_, before):
        np.testing.assert_array_equal(W, W0)


def test_check_gradients_catches_a_wrong_derivative(iris, monkeypatch):
    table = dict(activations.ACTIVATIONS)
    wrong = activations.Activation(table["tanh"].function, lambda A, delta: delta, "wrong")
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", wrong)
    errors = check_gradients(MLPClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                           random_state=0), *iris)
    assert errors[0] > 1e-2  # the first layer's gradient goes through the wrong f'
    assert errors[1] < 1e-6  # the output layer's does not


def test_large_layers_are_sampled(iris):
    errors = check_gradients(MLPClassifier(hidden_layer_sizes=(100,), random_state=0),
                             *iris, max_params=20)
    assert errors.max() < 1e-6


def _saturated_logistic_network(iris, bias):
    """A fitted network whose hidden units all sit deep in the flat tail of the
    logistic (weighted inputs near ``bias``), so that the gradient of the first
    layer is about ``exp(-bias)``: correct, but near or below the rounding
    noise of a central difference."""
    clf = MLPClassifier(hidden_layer_sizes=(5,), activation="logistic", alpha=0.0,
                        max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(*iris)
    clf.coefs_[0][...] *= 0.01
    clf.intercepts_[0][...] = bias
    return clf


@pytest.mark.parametrize("bias", [20.0, 25.0, 30.0])
def test_near_zero_gradients_are_not_reported_as_wrong(iris, bias):
    # Without a floor tied to the rounding noise (|C| * 2.2e-16 / eps), these
    # layers gave relative errors from 1e-2 to 1, the signature of a bug.
    errors = check_gradients(_saturated_logistic_network(iris, bias), *iris)
    assert errors.max() < 1e-6


def test_exactly_zero_gradients_agree(iris):
    # Fully saturated units: both gradients of the first layer are exactly 0.
    errors = check_gradients(_saturated_logistic_network(iris, 40.0), *iris)
    assert errors[0] == 0.0


def test_floor_does_not_hide_a_wrong_gradient_above_it(iris, monkeypatch):
    # A wrong derivative in a layer whose gradient is above the floor (here
    # about 1e-2, the floor about 2e-5) still reads as wrong.
    clf = _saturated_logistic_network(iris, 2.0)
    table = dict(activations.ACTIVATIONS)
    wrong = activations.Activation(table["logistic"].function, lambda A, delta: delta, "wrong")
    monkeypatch.setitem(activations.ACTIVATIONS, "logistic", wrong)
    assert check_gradients(clf, *iris)[0] > 0.5


def test_default_eps_on_the_classic_logistic_network():
    # The default eps (1e-5) keeps the error of a correct logistic network near
    # 1e-8; with eps=1e-6 the rounding noise makes it about ten times larger.
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(16, 16), activation="logistic", random_state=0)
    assert check_gradients(clf, X[:50] / 16, y[:50]).max() < 1e-7


@pytest.mark.parametrize("eps", [0.0, -1e-5])
def test_eps_must_be_positive(iris, eps):
    with pytest.raises(ValueError, match="eps must be positive"):
        check_gradients(MLPClassifier(hidden_layer_sizes=(3,)), *iris, eps=eps)
