import warnings

import numpy as np
import pytest

from skmlp._core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS


def test_hidden_activations_derive_from_the_table():
    assert HIDDEN_ACTIVATIONS == tuple(ACTIVATIONS)
    # scikit-learn's hidden activations; its output-only ones are not here
    assert {"identity", "logistic", "tanh", "relu"} <= set(HIDDEN_ACTIVATIONS)
    assert not {"softmax", "exp"} & set(HIDDEN_ACTIVATIONS)


def test_functions_match_independent_formulas(rng):
    Z = rng.normal(scale=3, size=(7, 5))
    reference = {
        "identity": Z,
        "logistic": 1 / (1 + np.exp(-Z)),
        "tanh": np.tanh(Z),
        "relu": np.where(Z > 0, Z, 0),
        "leaky_relu": np.where(Z > 0, Z, 0.01 * Z),
        "elu": np.where(Z > 0, Z, np.exp(Z) - 1),
    }
    assert set(reference) == set(ACTIVATIONS), "add a reference for every new activation"
    for name, activation in ACTIVATIONS.items():
        out = activation.function(Z.copy())
        np.testing.assert_allclose(out, reference[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_finite_differences(name, rng):
    act = ACTIVATIONS[name]
    Z = rng.normal(scale=2, size=(6, 4))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from the kinks of relu-like functions
    eps = 1e-6
    numeric = (act.function(Z + eps) - act.function(Z - eps)) / (2 * eps)
    delta = rng.normal(size=Z.shape)
    analytic = act.derivative(act.function(Z.copy()), delta.copy())
    np.testing.assert_allclose(analytic, delta * numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_stable(name, dtype):
    Z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS[name].function(Z.copy())
    assert A.dtype == dtype
    assert np.all(np.isfinite(A))
    if name == "logistic":
        assert np.all((A >= 0) & (A <= 1))


def test_the_initialisation_gain_comes_from_the_table():
    from skmlp._core.init import glorot_uniform
    from skmlp._core.network import ParameterLayout

    layout = ParameterLayout((50, 50))  # bound = sqrt(factor / 100)
    for name, activation in ACTIVATIONS.items():
        params = glorot_uniform(layout, name, np.random.default_rng(0))
        bound = np.sqrt(activation.init_factor / 100)
        assert np.abs(params).max() <= bound and np.abs(params).max() > 0.95 * bound
    assert ACTIVATIONS["logistic"].init_factor == 2.0 and ACTIVATIONS["relu"].init_factor == 6.0
