import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss as sklearn_log_loss

from skmlp._core.activations import ACTIVATIONS
from skmlp._core.losses import LOSSES


def _one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


def test_log_loss_matches_scikit_learn(rng):
    Z = rng.normal(size=(20, 4))
    labels = rng.integers(0, 4, size=20)
    A = ACTIVATIONS["softmax"].function(Z.copy())
    ours = LOSSES["log_loss"].value(_one_hot(labels, 4), A, "softmax", 1 / 20)
    assert ours == pytest.approx(sklearn_log_loss(labels, A, labels=range(4)), rel=1e-12)


def test_binary_log_loss_matches_scikit_learn(rng):
    A = ACTIVATIONS["logistic"].function(rng.normal(size=(30, 1)))
    labels = rng.integers(0, 2, size=30)
    ours = LOSSES["log_loss"].value(labels[:, None].astype(float), A, "logistic", 1 / 30)
    assert ours == pytest.approx(sklearn_log_loss(labels, A[:, 0]), rel=1e-12)


def test_squared_error_is_the_quadratic_cost(rng):
    A = rng.uniform(size=(8, 3))
    Y = _one_hot(rng.integers(0, 3, size=8), 3)
    expected = np.mean([0.5 * np.sum((a - y) ** 2) for a, y in zip(A, Y)])
    assert LOSSES["squared_error"].value(Y, A, "softmax", 1 / 8) == pytest.approx(expected)


def test_sample_scale_gives_a_weighted_mean(rng):
    A = ACTIVATIONS["softmax"].function(rng.normal(size=(5, 3)))
    Y = _one_hot([0, 1, 2, 0, 1], 3)
    w = np.array([1.0, 2.0, 0.0, 3.0, 1.0])
    per_sample = [LOSSES["log_loss"].value(Y[i : i + 1], A[i : i + 1], "softmax", 1.0)
                  for i in range(5)]
    weighted = LOSSES["log_loss"].value(Y, A, "softmax", (w / w.sum())[:, None])
    assert weighted == pytest.approx(np.dot(w, per_sample) / w.sum())


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_output_delta_is_dC_dZ(loss, output, rng):
    """delta^L against central differences of C(f(Z)) with respect to Z."""
    n, k = 4, 3
    Z = rng.normal(size=(n, k))
    Y = _one_hot(rng.integers(0, k, size=n), k)
    scale = rng.uniform(0.1, 1, size=(n, 1))
    f = ACTIVATIONS[output].function

    def cost(Z_):
        return LOSSES[loss].value(Y, f(Z_.copy()), output, scale)

    eps = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        dZ = np.zeros_like(Z)
        dZ[idx] = eps
        numeric[idx] = (cost(Z + dZ) - cost(Z - dZ)) / (2 * eps)
    A = f(Z.copy())
    delta = LOSSES[loss].output_delta(Y, A, output, scale, out=np.empty_like(A))
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-10)


def test_log_loss_never_takes_log_of_zero():
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for output in ("softmax", "logistic"):
            value = LOSSES["log_loss"].value(Y, A, output, 0.5)
            assert np.isfinite(value) and value > 0


def test_log_loss_delta_needs_a_canonical_output():
    with pytest.raises(ValueError, match="softmax"):
        LOSSES["log_loss"].output_delta(np.zeros((1, 2)), np.zeros((1, 2)), "identity",
                                        1.0, out=np.zeros((1, 2)))
