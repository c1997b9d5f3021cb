"""The objective's shard sums: any split of the rows adds up to the full batch.

:func:`~skmlp._core.objective.loss_and_gradient_sums` is what each worker of
a data-parallel fit (``skmlp.dask``) computes on its chunks; the client adds
the shards' results and :func:`~skmlp._core.objective.combine_sums` applies
the mean, the sample weights' normaliser and the L2 penalty once.
"""

import numpy as np
import pytest
from test_outputs import PAIRS, targets

from skmlp._core.init import glorot_uniform
from skmlp._core.network import ParameterLayout
from skmlp._core.objective import combine_sums, loss_and_gradient, loss_and_gradient_sums

RTOL = 1e-12


def _relative(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(b)), 1e-300)


def _random_split(rng, n_samples):
    """Random rows into a random number of shards of random sizes (some may be one row)."""
    order = rng.permutation(n_samples)
    n_shards = int(rng.integers(1, 6))
    cuts = np.sort(rng.choice(np.arange(1, n_samples), size=n_shards - 1, replace=False))
    return np.split(order, cuts)


@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_shard_sums_add_up_to_the_full_batch(output, loss, weighted, seed):
    rng = np.random.default_rng(seed)
    n_samples, n_outputs = 37, 1 if output == "logistic" and seed % 2 else 3
    layout = ParameterLayout((5, 6, 4, n_outputs))
    params = glorot_uniform(layout, "tanh", rng, np.float64)
    X = rng.normal(size=(n_samples, 5))
    Y = targets(output, rng, n_samples, n_outputs)
    weights = rng.uniform(0, 3, size=n_samples) if weighted else None
    objective = dict(hidden_activation="tanh", output_activation=output, loss=loss)
    alpha = float(rng.choice([0.0, 0.3]))

    expected_loss, expected_grad = loss_and_gradient(params, layout, X, Y, alpha=alpha,
                                                     sample_weight=weights, **objective)
    loss_sum, grad_sum, total = 0.0, np.zeros_like(params), 0.0
    for rows in _random_split(rng, n_samples):
        shard_weights = None if weights is None else weights[rows]
        part = loss_and_gradient_sums(params, layout, X[rows], Y[rows],
                                      sample_weight=shard_weights, **objective)
        loss_sum, grad_sum, total = loss_sum + part[0], grad_sum + part[1], total + part[2]
    loss, grad = combine_sums(params, layout, loss_sum, grad_sum, total, alpha=alpha)

    assert total == pytest.approx(n_samples if weights is None else weights.sum(), rel=1e-14)
    assert _relative(loss, expected_loss) <= RTOL
    assert _relative(grad, expected_grad) <= RTOL


def test_the_penalty_is_applied_once_not_per_shard():
    """Two shards, alpha > 0: the combined loss has one penalty, alpha / (2 n) ||W||^2."""
    rng = np.random.default_rng(1)
    layout = ParameterLayout((3, 4, 1))
    params = glorot_uniform(layout, "relu", rng, np.float64)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    objective = dict(hidden_activation="relu", output_activation="identity",
                     loss="squared_error")
    halves = [loss_and_gradient_sums(params, layout, X[s], Y[s], **objective)
              for s in (slice(0, 4), slice(4, 10))]
    unpenalised, _ = combine_sums(params, layout, halves[0][0] + halves[1][0],
                                  halves[0][1] + halves[1][1], 10.0)
    penalised, _ = combine_sums(params, layout, halves[0][0] + halves[1][0],
                                halves[0][1] + halves[1][1], 10.0, alpha=2.0)
    penalty = 2.0 / (2 * 10) * np.sum(params[: layout.n_coefs] ** 2)
    assert penalised - unpenalised == pytest.approx(penalty, rel=1e-12)


def test_float32_shards_give_a_float32_gradient():
    rng = np.random.default_rng(2)
    layout = ParameterLayout((3, 2, 2))
    params = glorot_uniform(layout, "relu", rng, np.float32)
    X = rng.normal(size=(6, 3)).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, size=6)]
    part = loss_and_gradient_sums(params, layout, X, Y, hidden_activation="relu",
                                  output_activation="softmax")
    assert part[1].dtype == np.float32 and part[2] == 6.0
    _, grad = combine_sums(params, layout, *part, alpha=0.1)
    assert grad.dtype == np.float32
