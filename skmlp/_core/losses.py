"""Loss functions and the output-layer delta: the one table of losses.

Each entry of :data:`LOSSES` gives the loss value ``C`` of a mini-batch and the
delta of the output layer, ``delta^L = dC/dZ^L``, from which backpropagation
starts.

Notation (rows are samples)
---------------------------
``Y``
    Targets, shape ``(n_samples, n_outputs)``: one-hot rows for multiclass
    problems, one 0/1 column per label otherwise.
``A``
    Output activations ``A = f(Z^L)``, same shape as ``Y``.
``sample_scale``
    The weight of each sample in the mean: the float ``1 / n_samples``, or an
    array of shape ``(n_samples, 1)`` holding ``w_i / sum(w)`` for sample
    weights ``w``. Every loss is a weighted mean ``C = sum_i s_i * loss_i``.

The L2 penalty is not part of these functions; see
:func:`skmlp._core.network.l2_penalty`.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import ACTIVATIONS


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


def log_loss_delta(Y, A, output_activation, sample_scale, out):
    """Output delta of the cross-entropy: ``delta^L = s * (A - Y)``.

    This short form holds because softmax is paired with the categorical
    cross-entropy and logistic with the binary one (canonical links): the
    derivative of the activation cancels against that of the logarithm.

    Parameters
    ----------
    Y, A : ndarray of shape (n_samples, n_outputs)
    output_activation : {'softmax', 'logistic'}
    sample_scale : float or ndarray of shape (n_samples, 1)
    out : ndarray of shape (n_samples, n_outputs)
        Where to write the delta.

    Returns
    -------
    delta : ndarray of shape (n_samples, n_outputs)
        ``out``, holding ``dC/dZ^L``.
    """
    if output_activation not in ("softmax", "logistic"):
        raise ValueError(
            "log_loss needs a 'softmax' or 'logistic' output activation, "
            f"got {output_activation!r}"
        )
    np.subtract(A, Y, out=out)
    out *= sample_scale
    return out


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


def squared_error_delta(Y, A, output_activation, sample_scale, out):
    """Output delta of the quadratic cost.

    ``dC/dA = s * (A - Y)``, then through the output activation:
    ``delta^L = dC/dZ^L = derivative(A, dC/dA)`` (the Jacobian of softmax, or
    ``A (1 - A)`` for logistic outputs).

    Parameters
    ----------
    Y, A : ndarray of shape (n_samples, n_outputs)
    output_activation : str
        A name in :data:`~skmlp._core.activations.ACTIVATIONS`.
    sample_scale : float or ndarray of shape (n_samples, 1)
    out : ndarray of shape (n_samples, n_outputs)

    Returns
    -------
    delta : ndarray of shape (n_samples, n_outputs)
    """
    np.subtract(A, Y, out=out)
    out *= sample_scale
    return ACTIVATIONS[output_activation].derivative(A, out)


@dataclass(frozen=True)
class Loss:
    """One row of the loss table.

    Attributes
    ----------
    value : callable
        ``value(Y, A, output_activation, sample_scale) -> float``.
    output_delta : callable
        ``output_delta(Y, A, output_activation, sample_scale, out) -> delta^L``.
    formula : str
        The per-sample loss, for documentation.
    """

    value: Callable
    output_delta: Callable
    formula: str


#: The table: loss name -> :class:`Loss`.
LOSSES = {
    "log_loss": Loss(
        log_loss_value,
        log_loss_delta,
        "-sum_k y_k log a_k (softmax outputs); "
        "-sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] (logistic outputs)",
    ),
    "squared_error": Loss(
        squared_error_value, squared_error_delta, "1/2 ||a - y||^2 (quadratic cost)"
    ),
}
