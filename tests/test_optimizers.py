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
    # (the boolean scratch of the subnormal flush aside)
    assert all(a.dtype == np.float32 for a in vars(opt).values()
               if isinstance(a, np.ndarray) and a.dtype != bool)


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


# ------------------------------------------------------------------ AdamW
def _adamw_reference(params, grads, lr, beta_1, beta_2, epsilon, weight_decay, n_weights):
    """AdamW by the formulas, one element at a time (no vector arithmetic)."""
    params, m, v = list(params), [0.0] * len(params), [0.0] * len(params)
    for t, grad in enumerate(grads, start=1):
        eta_t = lr * (1 - beta_2**t) ** 0.5 / (1 - beta_1**t)
        for i, g in enumerate(grad):
            if i < n_weights:
                params[i] = params[i] * (1 - lr * weight_decay)
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            params[i] = params[i] - eta_t * m[i] / (v[i] ** 0.5 + epsilon)
    return params


def test_adamw_three_steps_match_the_formulas():
    from skmlp._core.optimizers import AdamW

    hyper = dict(learning_rate_init=0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3,
                 weight_decay=0.5)
    grads = [[2.0, -1.0, 0.5], [-1.0, 0.0, 3.0], [0.5, 0.25, -2.0]]
    opt = AdamW(3, np.float64, n_weights=2, **hyper)
    params = np.array([1.0, -2.0, 0.5])
    for g in grads:
        opt.update(params, np.array(g))
    expected = _adamw_reference([1.0, -2.0, 0.5], grads, 0.1, 0.8, 0.99, 1e-3, 0.5, 2)
    np.testing.assert_allclose(params, expected, rtol=1e-13)
    assert opt.t == 3


def test_adamw_first_step_by_hand():
    from skmlp._core.optimizers import AdamW

    # weight 1.0 decays to 1 - 0.1 * 0.5 = 0.95, then Adam's first step moves
    # it by ~eta = 0.1 against the gradient's sign; the bias only by Adam.
    opt = AdamW(2, np.float64, learning_rate_init=0.1, beta_1=0.9, beta_2=0.999,
                epsilon=0.0, weight_decay=0.5, n_weights=1)
    params = np.array([1.0, 1.0])
    opt.update(params, np.array([2.0, -3.0]))
    np.testing.assert_allclose(params, [0.85, 1.1])


def test_adamw_without_decay_is_adam():
    from skmlp._core.optimizers import AdamW

    ours = AdamW(3, np.float64, weight_decay=0.0, **ADAM_ARGS)
    theirs = adam(3)
    p1, p2 = np.ones(3), np.ones(3)
    for g in ([1.0, -2.0, 0.1], [0.3, 0.3, -4.0]):
        ours.update(p1, np.array(g))
        theirs.update(p2, np.array(g))
    np.testing.assert_array_equal(p1, p2)


def test_adamw_decays_the_weights_of_a_layout_not_its_biases():
    from skmlp._core.network import ParameterLayout
    from skmlp._core.optimizers import AdamW

    layout = ParameterLayout((3, 2, 1))
    opt = AdamW.for_layout(layout, np.float64, weight_decay=1.0, **ADAM_ARGS)
    params = np.ones(layout.n_params)
    opt.update(params, np.zeros(layout.n_params))
    coefs, intercepts = layout.unpack(params)
    assert all(np.all(W == 1 - 0.001) for W in coefs)
    assert all(np.all(b == 1.0) for b in intercepts)


# ------------------------------------------------------- state and defaults
def test_state_copies_whatever_mutable_values_it_holds():
    opt = adam(2)
    opt.extra = [np.zeros(2), {"a": np.ones(1)}]  # a state entry that is no ndarray
    saved = opt.state()
    opt.extra[0][0] = 5.0
    opt.extra[1]["a"][0] = 7.0
    assert saved["extra"][0][0] == 0.0 and saved["extra"][1]["a"][0] == 1.0
    opt.load_state(saved)
    opt.extra[0][0] = 9.0
    assert saved["extra"][0][0] == 0.0  # loading did not share the saved value


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_optimizers_have_no_defaults_of_their_own(cls):
    # One default per parameter: the estimators' (the parameter table's).
    with pytest.raises(TypeError):
        cls(1, np.float64)


def test_configure_refuses_arguments_the_optimizer_does_not_take():
    with pytest.raises(TypeError, match="momentum"):
        adam(1).configure(momentum=0.5)
