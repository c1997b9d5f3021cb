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
    """``A`` clipped to ``[eps, 1 - eps]`` so that its logarithm is finite."""
    eps = np.finfo(A.dtype).eps
    return np.clip(A, eps, 1 - eps)


def _weighted_sum(per_sample, sample_scale):
    """``sum_i s_i * per_sample_i`` for ``per_sample`` of shape (n_samples,)."""
    if np.ndim(sample_scale) == 0:
        return float(per_sample.sum() * sample_scale)
    return float(per_sample @ sample_scale[:, 0])


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
    log_likelihood = Y * np.log(A)
    if output_activation == "logistic":
        log_likelihood += (1 - Y) * np.log1p(-A)
    return -_weighted_sum(log_likelihood.sum(axis=1), sample_scale)


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
    return 0.5 * _weighted_sum(np.einsum("ij,ij->i", diff, diff), sample_scale)


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
        log_loss_value, log_loss_delta, "-sum_k y_k log a_k (cross-entropy)"
    ),
    "squared_error": Loss(
        squared_error_value, squared_error_delta, "1/2 ||a - y||^2 (quadratic cost)"
    ),
}
