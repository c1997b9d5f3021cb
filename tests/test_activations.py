import warnings

import numpy as np
import pytest

from skmlp._core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, log_activation

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]


def test_hidden_activations_derive_from_the_table():
    assert set(HIDDEN_ACTIVATIONS) == {n for n, a in ACTIVATIONS.items() if a.hidden}
    assert "softmax" not in HIDDEN_ACTIVATIONS
    assert {"identity", "logistic", "tanh", "relu"} <= set(HIDDEN_ACTIVATIONS)


def test_functions_match_independent_formulas(rng):
    Z = rng.normal(scale=3, size=(7, 5))
    reference = {
        "identity": Z,
        "logistic": 1 / (1 + np.exp(-Z)),
        "tanh": np.tanh(Z),
        "relu": np.where(Z > 0, Z, 0),
        "leaky_relu": np.where(Z > 0, Z, 0.01 * Z),
        "elu": np.where(Z > 0, Z, np.exp(Z) - 1),
        "softmax": np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True),
    }
    assert set(reference) == set(ACTIVATIONS), "add a reference for every new activation"
    for name, activation in ACTIVATIONS.items():
        out = activation.function(Z.copy())
        np.testing.assert_allclose(out, reference[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_derivative_matches_finite_differences(name, rng):
    act = ACTIVATIONS[name]
    Z = rng.normal(scale=2, size=(6, 4))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from the kinks of relu-like functions
    eps = 1e-6
    numeric = (act.function(Z + eps) - act.function(Z - eps)) / (2 * eps)
    delta = rng.normal(size=Z.shape)
    analytic = act.derivative(act.function(Z.copy()), delta.copy())
    np.testing.assert_allclose(analytic, delta * numeric, rtol=1e-6, atol=1e-9)


def test_softmax_derivative_is_the_jacobian_vector_product(rng):
    softmax = ACTIVATIONS["softmax"]
    z = rng.normal(size=(1, 4))
    g = rng.normal(size=(1, 4))  # dC/dA
    eps = 1e-6
    numeric = np.empty(4)
    for j in range(4):
        dz = np.zeros_like(z)
        dz[0, j] = eps
        numeric[j] = g[0] @ (softmax.function(z + dz)[0] - softmax.function(z - dz)[0]) / (2 * eps)
    analytic = softmax.derivative(softmax.function(z.copy()), g.copy())
    np.testing.assert_allclose(analytic[0], numeric, rtol=1e-6)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_stable(name, dtype):
    Z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS[name].function(Z.copy())
    assert A.dtype == dtype
    assert np.all(np.isfinite(A))
    if name == "softmax":
        np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-6)
    if name == "logistic":
        assert np.all((A >= 0) & (A <= 1))


@pytest.mark.parametrize("name", ["logistic", "softmax"])
def test_log_activation_is_finite_where_the_probability_underflows(name, rng):
    Z = rng.normal(size=(5, 3))
    expected = np.log(ACTIVATIONS[name].function(Z.copy()))
    np.testing.assert_allclose(log_activation(name, Z.copy()), expected, rtol=1e-10)
    extreme = np.array([[-1e4, 0.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_a = log_activation(name, extreme.copy())
    assert np.all(np.isfinite(log_a))
    assert log_a[0, 0] < -1e3  # exp of it underflows to 0, its log does not


def test_log_activation_rejects_other_names():
    with pytest.raises(ValueError, match="logistic"):
        log_activation("relu", np.zeros((1, 1)))


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
        A = ACTIVATIONS["softmax"].function(Z.astype(dtype))
    assert A.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(A, reference, rtol=rtol, atol=1e-30)
