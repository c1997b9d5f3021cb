"""Loss functions: the one table of losses.

Each entry of :data:`LOSSES` gives the loss value ``C`` of a mini-batch and,
where some output layer needs it, its derivative with respect to the output
activations, ``dC/dA``. Which output layer a loss may follow, and how the two
make the output delta ``delta^L = dC/dZ^L`` that backpropagation starts from,
is the business of the output table, :data:`skmlp._core.outputs.OUTPUTS`.

Notation (rows are samples)
---------------------------
``Y``
    Targets, shape ``(n_samples, n_outputs)``: one-hot rows for multiclass
    problems, one 0/1 column per label for binary and multilabel ones, the
    targets themselves for regression.
``A``
    Output activations ``A = f(Z^L)``, same shape as ``Y``.
``sample_scale``
    The weight of each sample in the mean: the float ``1 / n_samples``, or an
    array of shape ``(n_samples, 1)`` holding ``w_i / sum(w)`` for sample
    weights ``w``. Every loss is a weighted mean ``C = sum_i s_i * loss_i``,
    where ``loss_i`` sums over the outputs.

The L2 penalty is not part of these functions; see
:func:`skmlp._core.network.l2_penalty`.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy.special import xlogy


def _clipped(A):
    """A copy of ``A`` clipped to ``[eps, 1 - eps]``, so that its logarithm is finite."""
    eps = _EPS[A.dtype]
    clipped = np.maximum(A, eps)
    return np.minimum(clipped, 1 - eps, out=clipped)


_EPS = {np.dtype(t): np.finfo(t).eps for t in (np.float16, np.float32, np.float64)}


def _weighted_total(terms, sample_scale):
    """``sum_i s_i * sum_k terms_ik`` for ``terms`` of shape (n_samples, n_outputs)."""
    if np.ndim(sample_scale) == 0:
        return float(np.add.reduce(terms, axis=None)) * sample_scale
    return float(np.add.reduce(terms, axis=1) @ sample_scale[:, 0])


def log_loss_value(Y, A, output_activation, sample_scale):
    """Cross-entropy between targets and output probabilities.

    For softmax outputs: ``loss_i = -sum_k Y_ik log A_ik``.
    For logistic outputs (binary or multilabel), each output is an independent
    Bernoulli: ``loss_i = -sum_k [Y_ik log A_ik + (1 - Y_ik) log(1 - A_ik)]``.

    Parameters
    ----------
    Y, A : ndarray of shape (n_samples, n_outputs)
    output_activation : {'softmax', 'logistic'}
    sample_scale : float or ndarray of shape (n_samples, 1)

    Returns
    -------
    loss : float
    """
    A = _clipped(A)
    if output_activation == "logistic":
        log_not_A = np.log1p(-A)  # log(1 - A)
        # Y log A + (1 - Y) log(1 - A) = Y (log A - log(1 - A)) + log(1 - A)
        log_likelihood = np.log(A, out=A)
        log_likelihood -= log_not_A
        log_likelihood *= Y
        log_likelihood += log_not_A
    else:
        log_likelihood = np.log(A, out=A)
        log_likelihood *= Y
    return -_weighted_total(log_likelihood, sample_scale)


def squared_error_value(Y, A, output_activation, sample_scale):
    """Quadratic cost: ``loss_i = 1/2 * ||A_i - Y_i||^2``.

    Parameters
    ----------
    Y, A : ndarray of shape (n_samples, n_outputs)
    output_activation : str
        Unused; the value depends on ``A`` only.
    sample_scale : float or ndarray of shape (n_samples, 1)

    Returns
    -------
    loss : float
    """
    diff = A - Y
    diff *= diff
    return 0.5 * _weighted_total(diff, sample_scale)


def squared_error_derivative(Y, A, sample_scale, out):
    """``dC/dA = s * (A - Y)`` of the quadratic cost.

    Parameters
    ----------
    Y, A : ndarray of shape (n_samples, n_outputs)
    sample_scale : float or ndarray of shape (n_samples, 1)
    out : ndarray of shape (n_samples, n_outputs)
        Where to write the derivative.

    Returns
    -------
    dC_dA : ndarray of shape (n_samples, n_outputs)
        ``out``.
    """
    np.subtract(A, Y, out=out)
    out *= sample_scale
    return out


def poisson_value(Y, A, output_activation, sample_scale):
    """Half the Poisson deviance: ``loss_i = sum_k [y log(y / a) - y + a]``.

    The value is zero for perfect predictions: the term ``y log y - y``,
    constant in the parameters, is kept, as in scikit-learn's
    ``MLPRegressor`` (whose ``loss_`` is :class:`HalfPoissonLoss` plus its
    ``constant_to_optimal_zero``). ``0 log 0`` is 0. Targets must be
    non-negative; a prediction that overflowed to ``inf`` (or underflowed to
    0 under a positive target) gives a non-finite value, which the training
    loop reads as divergence.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Non-negative targets.
    A : ndarray of shape (n_samples, n_outputs)
        Predicted means, ``exp(Z^L)``.
    output_activation : str
        Unused; the value depends on ``A`` only.
    sample_scale : float or ndarray of shape (n_samples, 1)

    Returns
    -------
    loss : float
    """
    terms = xlogy(Y, Y)
    terms -= xlogy(Y, A)
    terms += A
    terms -= Y
    return _weighted_total(terms, sample_scale)


@dataclass(frozen=True)
class Loss:
    """One row of the loss table.

    Attributes
    ----------
    value : callable
        ``value(Y, A, output_activation, sample_scale) -> float``, the
        weighted mean over samples of the per-sample loss summed over outputs.
    derivative : callable or None
        ``derivative(Y, A, sample_scale, out) -> dC/dA``, written into
        ``out``. Needed only where an output layer pairs with the loss through
        its own derivative (see :class:`skmlp._core.outputs.Pairing`); ``None``
        when the loss only ever follows its canonical output layers.
    formula : str
        The per-sample loss, for documentation.
    """

    value: Callable
    derivative: Optional[Callable]
    formula: str


#: The table: loss name -> :class:`Loss`.
LOSSES = {
    "log_loss": Loss(
        log_loss_value,
        None,
        "-sum_k y_k log a_k (softmax outputs); "
        "-sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] (logistic outputs)",
    ),
    "squared_error": Loss(
        squared_error_value, squared_error_derivative, "1/2 ||a - y||^2 (quadratic cost)"
    ),
    "poisson": Loss(
        poisson_value,
        None,
        "sum_k [y_k log(y_k / a_k) - y_k + a_k] (half Poisson deviance)",
    ),
}
