"""One optimizer step against numbers worked out by hand."""

import numpy as np
import pytest

from skmlp._core.optimizers import SGD, Adam

# The optimizers have no defaults of their own (the estimators' parameter
# table has them); these tests spell out what they do not vary.
SGD_ARGS = dict(learning_rate_init=0.1, momentum=0.9, nesterov=True, schedule="constant",
                power_t=0.5)
ADAM_ARGS = dict(learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8)


def sgd(n_params, dtype=np.float64, **arguments):
    return SGD(n_params, dtype, **{**SGD_ARGS, **arguments})


def adam(n_params, dtype=np.float64, **arguments):
    return Adam(n_params, dtype, **{**ADAM_ARGS, **arguments})


def test_plain_sgd_step():
    opt = sgd(3, learning_rate_init=0.1, momentum=0.0)
    params = np.array([1.0, -2.0, 0.5])
    opt.update(params, np.array([10.0, 0.0, -5.0]))
    np.testing.assert_allclose(params, [0.0, -2.0, 1.0])


def test_classical_momentum_two_steps():
    opt = sgd(1, learning_rate_init=0.1, momentum=0.5, nesterov=False)
    params = np.array([1.0])
    opt.update(params, np.array([2.0]))  # v = -0.2, p = 0.8
    opt.update(params, np.array([2.0]))  # v = 0.5 * -0.2 - 0.2 = -0.3, p = 0.5
    np.testing.assert_allclose(opt.velocity, [-0.3])
    np.testing.assert_allclose(params, [0.5])


def test_nesterov_momentum_two_steps():
    opt = sgd(1, learning_rate_init=0.1, momentum=0.5, nesterov=True)
    params = np.array([1.0])
    opt.update(params, np.array([2.0]))  # v = -0.2; p += 0.5 * -0.2 - 0.2 = -0.3
    np.testing.assert_allclose(params, [0.7])
    opt.update(params, np.array([2.0]))  # v = -0.3; p += 0.5 * -0.3 - 0.2 = -0.35
    np.testing.assert_allclose(params, [0.35])


def test_adam_two_steps():
    opt = adam(1, learning_rate_init=0.1, epsilon=0.0)
    params = np.array([1.0])
    opt.update(params, np.array([2.0]))
    # m = 0.2, v = 0.004; eta_1 = 0.1 sqrt(0.001) / 0.1; step = eta_1 * 0.2 / sqrt(0.004) = 0.1
    np.testing.assert_allclose(params, [0.9])
    opt.update(params, np.array([-1.0]))
    m = 0.9 * 0.2 - 0.1
    v = 0.999 * 0.004 + 0.001
    eta = 0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    np.testing.assert_allclose(params, [0.9 - eta * m / np.sqrt(v)])
    assert opt.t == 2


@pytest.mark.parametrize("make", [sgd, adam])
def test_float32_state_stays_float32(make):
    opt = make(4, np.float32, learning_rate_init=0.01)
    params = np.ones(4, dtype=np.float32)
    opt.update(params, np.full(4, 0.5, dtype=np.float32))
    assert params.dtype == np.float32
    assert all(a.dtype == np.float32 for a in vars(opt).values() if isinstance(a, np.ndarray))


def test_invscaling_schedule():
    opt = sgd(1, learning_rate_init=0.2, schedule="invscaling", power_t=0.5)
    opt.iteration_ends(n_samples_seen=99)
    assert opt.learning_rate == pytest.approx(0.2 / 10)


def test_constant_schedule_ignores_iterations():
    opt = sgd(1, learning_rate_init=0.2)
    opt.iteration_ends(1000)
    assert opt.learning_rate == 0.2
    assert opt.on_plateau() is True


def test_adaptive_schedule_divides_by_five_until_tiny():
    opt = sgd(1, learning_rate_init=1e-4, schedule="adaptive")
    assert opt.on_plateau() is False and opt.learning_rate == pytest.approx(2e-5)
    assert opt.on_plateau() is False and opt.learning_rate == pytest.approx(4e-6)
    assert opt.on_plateau() is False and opt.learning_rate == pytest.approx(8e-7)
    assert opt.on_plateau() is True


def test_new_learning_rate_init_takes_effect():
    opt = sgd(1, learning_rate_init=0.1, momentum=0.0)
    opt.set_learning_rate_init(0.5)
    params = np.array([0.0])
    opt.update(params, np.array([1.0]))
    np.testing.assert_allclose(params, [-0.5])
