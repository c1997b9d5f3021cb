"""Output layers and the losses they pair with: the one table of outputs.

Every output layer is an entry of :data:`OUTPUTS`: its function, its
derivative, how to take its logarithm stably (for ``predict_log_proba``), and
the losses it may be trained with. Each (output, loss) pair says how the
output delta ``delta^L = dC/dZ^L`` that backpropagation starts from is made
(:class:`Pairing`):

- canonical pairs (the loss is the negative log-likelihood of the output's
  distribution, and the output its canonical link): log-loss after softmax or
  logistic outputs, half the Poisson deviance after ``exp``, the squared error
  after ``identity``. The derivative of the activation cancels against that of
  the loss and ``delta^L = s * (A - Y)``;
- any other pair goes the long way: ``dC/dA`` from the loss, then the
  output's derivative, ``delta^L = f'(Z^L) * dC/dA``. The classic network of
  the story, sigmoid outputs with the quadratic cost, is such a pair.

A pair that is not in the table is refused by :func:`output_loss` with a
:class:`ValueError` naming it and the pairs allowed. Parameter validation,
documentation and the gradient checks of the tests derive from this table.

Conventions are those of :mod:`skmlp._core.activations` (``function`` and
``derivative`` work in place) and :mod:`skmlp._core.losses` (``Y``, ``A``,
``sample_scale``).
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import numpy as np
from scipy.special import logsumexp

from .activations import ACTIVATIONS
from .losses import LOSSES


def _row_max(Z):
    """The maximum of each row of ``Z``, shape ``(n_samples, 1)``.

    NumPy reduces along a short last axis slowly (about 40 ns a row for 10
    columns); for a tall, narrow ``Z`` such as the output of a classifier, a
    running maximum over the columns is several times faster.
    """
    n_samples, n_units = Z.shape
    if n_units > 32 or n_samples < 8 * n_units:
        return np.maximum.reduce(Z, axis=1, keepdims=True)
    result = Z[:, 0].copy()
    for k in range(1, n_units):
        np.maximum(result, Z[:, k], out=result)
    return result[:, np.newaxis]


def _row_sum(Z):
    """The sum of each row of ``Z``, shape ``(n_samples, 1)``: a product with a
    column of ones, which BLAS does faster than a reduction along short rows."""
    return Z @ np.ones((Z.shape[1], 1), dtype=Z.dtype)


def _softmax(Z):
    # Subtracting the row maximum makes every exponent <= 0 (no overflow for
    # inputs like +-1e4) and the largest term exactly 1 (no division by 0).
    Z -= _row_max(Z)
    np.exp(Z, out=Z)
    Z /= _row_sum(Z)
    return Z


def _softmax_derivative(A, delta):
    # dC/dz_j = sum_k dC/da_k * da_k/dz_j = a_j (dC/da_j - sum_k dC/da_k a_k)
    weighted_sum = np.einsum("ij,ij->i", delta, A)[:, np.newaxis]
    delta -= weighted_sum
    delta *= A
    return delta


def _log_softmax(Z):
    Z -= logsumexp(Z, axis=1, keepdims=True).astype(Z.dtype, copy=False)
    return Z


def _log_logistic(Z):
    # log(1 / (1 + exp(-z))) = -log(1 + exp(-z))
    return np.negative(np.logaddexp(0, -Z, out=Z), out=Z)


def _exp(Z):
    # No clipping: exp(z) overflows to inf for z > ~709 (float64), as in
    # scikit-learn; the training loop reads the non-finite loss as divergence.
    return np.exp(Z, out=Z)


def _exp_derivative(A, delta):
    # f'(z) = exp(z) = A
    delta *= A
    return delta


@dataclass(frozen=True)
class Pairing:
    """How an output layer and a loss make the output delta.

    Attributes
    ----------
    canonical : bool
        ``delta^L = s * (A - Y)`` directly. Otherwise
        ``delta^L = f'(Z^L) * dC/dA``, from the loss's ``derivative`` and the
        output's ``derivative``.
    output_mean : bool
        The loss is averaged over the outputs instead of summed:
        ``C = sum_i s_i loss_i / n_outputs`` (value and delta both divided by
        ``n_outputs``). This is scikit-learn's ``MLPRegressor`` squared error;
        the classifier's quadratic cost sums over the outputs.
    formula : str
        The output delta, for documentation.
    """

    canonical: bool
    output_mean: bool = False
    formula: str = ""


#: The output delta is ``s * (A - Y)``.
CANONICAL = Pairing(True, formula="delta = s (a - y)")
#: Canonical, and the loss is averaged over the outputs (scikit-learn's regressor).
CANONICAL_OUTPUT_MEAN = Pairing(
    True, output_mean=True, formula="delta = s (a - y) / n_outputs (loss averaged over outputs)"
)
#: Through the derivative of the output activation.
THROUGH_DERIVATIVE = Pairing(False, formula="delta = f'(z) * dC/da")


@dataclass(frozen=True)
class Output:
    """One row of the output table.

    Attributes
    ----------
    function : callable
        ``function(Z) -> A``, in place on ``Z`` of shape ``(n_samples, n_outputs)``.
    derivative : callable
        ``derivative(A, delta) -> dC/dZ`` from ``delta = dC/dA``, in place on
        ``delta``: the Hadamard product with ``f'`` for element-wise outputs,
        the product with the Jacobian for softmax.
    formula : str
        The formula, for documentation.
    losses : mapping of str to Pairing
        The losses this output may be trained with, in order of preference.
    log : callable or None
        ``log(Z) -> log f(Z)`` computed stably from the pre-activations, in
        place on ``Z``; ``None`` for outputs that are not probabilities.
    graph : str or tuple, default="z"
        The function as an expression of ONNX operators, for the ONNX export;
        see :class:`~skmlp._core.activations.Activation`.
    """

    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    losses: Mapping[str, Pairing] = field(default_factory=dict)
    log: Optional[Callable[[np.ndarray], np.ndarray]] = None
    graph: Any = "z"


#: The table: output name -> :class:`Output`.
OUTPUTS = {
    "identity": Output(
        ACTIVATIONS["identity"].function,
        ACTIVATIONS["identity"].derivative,
        ACTIVATIONS["identity"].formula,
        {"squared_error": CANONICAL_OUTPUT_MEAN},
    ),
    "logistic": Output(
        ACTIVATIONS["logistic"].function,
        ACTIVATIONS["logistic"].derivative,
        ACTIVATIONS["logistic"].formula,
        {"log_loss": CANONICAL, "squared_error": THROUGH_DERIVATIVE},
        log=_log_logistic,
        graph=ACTIVATIONS["logistic"].graph,
    ),
    "softmax": Output(
        _softmax,
        _softmax_derivative,
        "f(z)_k = exp(z_k) / sum_j exp(z_j)",
        {"log_loss": CANONICAL, "squared_error": THROUGH_DERIVATIVE},
        log=_log_softmax,
        # exp(z - max_j z_j) / sum: every exponent <= 0, the largest term 1
        graph=("Div", ("Exp", ("Sub", "z", ("ReduceMax", "z"))),
               ("ReduceSum", ("Exp", ("Sub", "z", ("ReduceMax", "z"))))),
    ),
    "exp": Output(_exp, _exp_derivative, "f(z) = exp(z)", {"poisson": CANONICAL},
                  graph=("Exp", "z")),
}


class OutputLoss:
    """An allowed (output, loss) pair: the loss value and the output delta.

    Get one from :func:`output_loss`, which checks the pair.

    Attributes
    ----------
    output, loss : str
        Names in :data:`OUTPUTS` and :data:`~skmlp._core.losses.LOSSES`.
    pairing : Pairing
    """

    __slots__ = ("output", "loss", "pairing", "_value", "_loss_derivative",
                 "_output_derivative")

    def __init__(self, output, loss):
        self.output, self.loss = output, loss
        self.pairing = OUTPUTS[output].losses[loss]
        self._value = LOSSES[loss].value
        self._loss_derivative = LOSSES[loss].derivative
        self._output_derivative = OUTPUTS[output].derivative

    def __repr__(self):
        return f"OutputLoss({self.output!r}, {self.loss!r})"

    def _scale(self, sample_scale, n_outputs):
        if self.pairing.output_mean and n_outputs != 1:
            return sample_scale * (1.0 / n_outputs)
        return sample_scale

    def value(self, Y, A, sample_scale):
        """The loss ``C`` (without penalty) of outputs ``A`` for targets ``Y``.

        Parameters
        ----------
        Y, A : ndarray of shape (n_samples, n_outputs)
        sample_scale : float or ndarray of shape (n_samples, 1)

        Returns
        -------
        loss : float
        """
        return self._value(Y, A, self.output, self._scale(sample_scale, Y.shape[1]))

    def delta(self, Y, A, sample_scale, out):
        """The output delta ``delta^L = dC/dZ^L``, written into ``out``.

        Parameters
        ----------
        Y, A : ndarray of shape (n_samples, n_outputs)
        sample_scale : float or ndarray of shape (n_samples, 1)
        out : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        delta : ndarray of shape (n_samples, n_outputs)
            ``out``.
        """
        scale = self._scale(sample_scale, Y.shape[1])
        if self.pairing.canonical:
            np.subtract(A, Y, out=out)
            out *= scale
            return out
        return self._output_derivative(A, self._loss_derivative(Y, A, scale, out))


def _pairs_text(output):
    return f"{output!r} pairs with {', '.join(map(repr, OUTPUTS[output].losses))}"


def _refusal(output, loss):
    if not isinstance(output, str) or output not in OUTPUTS:
        return (f"Unknown output activation {output!r}; "
                f"the output activations are {', '.join(map(repr, OUTPUTS))}.")
    if not isinstance(loss, str) or loss not in LOSSES:
        return f"Unknown loss {loss!r}; the losses are {', '.join(map(repr, LOSSES))}."
    followers = [name for name, o in OUTPUTS.items() if loss in o.losses]
    return (f"loss={loss!r} cannot be paired with the output activation {output!r}: "
            f"{_pairs_text(output)}; {loss!r} pairs with "
            f"{', '.join(map(repr, followers)) or 'no output'}.")


#: Every allowed pair, built once: (output, loss) -> OutputLoss.
_PAIRS = {(output, loss): OutputLoss(output, loss)
          for output, entry in OUTPUTS.items() for loss in entry.losses}


def output_loss(output_activation, loss):
    """The checked (output, loss) pair.

    Parameters
    ----------
    output_activation : str
        A name in :data:`OUTPUTS`.
    loss : str
        A name in :data:`~skmlp._core.losses.LOSSES`.

    Returns
    -------
    pair : OutputLoss

    Raises
    ------
    ValueError
        If the pair is not in the table; the message names it and the pairs
        allowed.

    Examples
    --------
    >>> import numpy as np
    >>> pair = output_loss("exp", "poisson")
    >>> Y, A = np.array([[1.0], [3.0]]), np.array([[1.0], [3.0]])
    >>> pair.value(Y, A, 0.5)
    0.0
    >>> output_loss("softmax", "poisson")
    Traceback (most recent call last):
    ...
    ValueError: loss='poisson' cannot be paired with the output activation 'softmax': \
'softmax' pairs with 'log_loss', 'squared_error'; 'poisson' pairs with 'exp'.
    """
    try:
        return _PAIRS[output_activation, loss]
    except (KeyError, TypeError):
        raise ValueError(_refusal(output_activation, loss)) from None


def paired_losses(*outputs):
    """The losses that pair with every one of ``outputs``, in table order.

    Parameters
    ----------
    *outputs : str
        Names in :data:`OUTPUTS`.

    Returns
    -------
    losses : tuple of str

    Examples
    --------
    >>> paired_losses("softmax", "logistic")
    ('log_loss', 'squared_error')
    >>> paired_losses("identity", "exp")
    ()
    >>> paired_losses("identity") + paired_losses("exp")
    ('squared_error', 'poisson')
    """
    return tuple(loss for loss in LOSSES
                 if all(loss in OUTPUTS[output].losses for output in outputs))


def log_output(name, Z):
    """Logarithm of the output activation, computed stably from ``Z``.

    Parameters
    ----------
    name : str
        An output whose ``log`` is defined ('logistic', 'softmax').
    Z : ndarray of shape (n_samples, n_outputs)
        Pre-activations of the output layer. Modified in place.

    Returns
    -------
    log_A : ndarray of shape (n_samples, n_outputs)
        ``log f(Z)``, finite even where ``f(Z)`` underflows to 0.
    """
    entry = OUTPUTS.get(name)
    if entry is None or entry.log is None:
        defined = [n for n, o in OUTPUTS.items() if o.log is not None]
        raise ValueError(f"the logarithm of the output is defined for "
                         f"{', '.join(map(repr, defined))}, got {name!r}")
    return entry.log(Z)
