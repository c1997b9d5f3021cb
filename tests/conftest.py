import numpy as np
import pytest


def central_differences(f, params, eps=1e-6):
    """Gradient of the scalar function ``f`` at ``params`` by central differences.

    An independent reference for backpropagation: it only evaluates ``f``.
    """
    params = params.copy()
    grad = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        f_plus = f(params)
        params[i] = saved - eps
        f_minus = f(params)
        params[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a|, |b|), the scale-free error of a gradient check."""
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
