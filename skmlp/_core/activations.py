"""Hidden-layer activation functions and their derivatives: the one table.

Every hidden activation is an entry of :data:`ACTIVATIONS`. Everything else
that needs a list of activation names (parameter validation, documentation,
tests) derives it from this table. Output layers (identity, logistic, softmax,
exp) have their own table, :data:`skmlp._core.outputs.OUTPUTS`, which reuses
these functions where they coincide.

Conventions
-----------
``function(Z)`` applies ``f`` to the pre-activations ``Z`` of shape
``(n_samples, n_units)`` **in place** and returns ``Z``, which then holds the
activations ``A = f(Z)``.

``derivative(A, delta)`` turns ``delta = dC/dA`` into ``dC/dZ`` **in place**
and returns it, using only ``A = f(Z)``: the Hadamard product
``delta * f'(Z)``, with ``f'`` written in terms of ``A`` so that ``Z`` never
has to be kept.
"""

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.special import expit

#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_RELU_SLOPE = 0.01
#: Scale ``alpha`` of ``elu`` for negative inputs: ``alpha * (exp(z) - 1)``.
ELU_ALPHA = 1.0


@dataclass(frozen=True)
class Activation:
    """One row of the activation table.

    Attributes
    ----------
    function : callable
        ``function(Z) -> A``, in place on ``Z`` of shape ``(n_samples, n_units)``.
    derivative : callable
        ``derivative(A, delta) -> delta * f'(Z)``, in place on ``delta``.
    formula : str
        The formula, for documentation.
    init_factor : float, default=6.0
        The Glorot uniform initialisation of a layer of these units draws
        from ``[-bound, bound]``, ``bound = sqrt(init_factor / (n_in +
        n_out))``: 6 (Glorot & Bengio), 2 for logistic units (as in
        scikit-learn).
    graph : str or tuple, default="z"
        The function as an expression of ONNX operators, for the ONNX export
        (:mod:`skmlp.onnx`): ``"z"`` is the pre-activation, a number a
        constant of the model's dtype, and ``(op, *arguments)`` the ONNX
        operator ``op`` applied to the arguments' expressions (``ReduceMax``
        and ``ReduceSum`` reduce each row).
    """

    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str
    init_factor: float = 6.0
    graph: Any = "z"


def _identity(Z):
    return Z


def _identity_derivative(A, delta):
    return delta


def _logistic(Z):
    # expit is exact and overflow-free for any finite input, e.g. +-1e4.
    return expit(Z, out=Z)


def _logistic_derivative(A, delta):
    # f'(z) = f(z) (1 - f(z)) = A (1 - A)
    delta *= A
    delta *= 1 - A
    return delta


def _tanh(Z):
    return np.tanh(Z, out=Z)


def _tanh_derivative(A, delta):
    # f'(z) = 1 - tanh(z)^2 = 1 - A^2
    delta *= 1 - A**2
    return delta


def _relu(Z):
    return np.maximum(Z, 0, out=Z)


def _relu_derivative(A, delta):
    # f'(z) = 1 where z > 0 (i.e. A > 0), else 0. Multiplying by the boolean
    # array is ~10x faster than the masked assignment delta[A <= 0] = 0.
    return np.multiply(delta, A > 0, out=delta)


def _leaky_relu(Z):
    # For a slope below 1, max(z, slope z) is z for z > 0 and slope z otherwise.
    return np.maximum(Z, Z * Z.dtype.type(LEAKY_RELU_SLOPE), out=Z)


def _leaky_relu_derivative(A, delta):
    # f'(z) = 1 where z > 0, else the slope; sign(A) == sign(Z)
    slope = np.where(A < 0, A.dtype.type(LEAKY_RELU_SLOPE), A.dtype.type(1))
    return np.multiply(delta, slope, out=delta)


def _elu(Z):
    # f(z) = max(z, 0) + alpha (exp(min(z, 0)) - 1): one formula for both sides
    negative_part = np.expm1(np.minimum(Z, 0))
    negative_part *= Z.dtype.type(ELU_ALPHA)
    np.maximum(Z, 0, out=Z)
    Z += negative_part
    return Z


def _elu_derivative(A, delta):
    # f'(z) = 1 where z > 0, else alpha * exp(z) = A + alpha
    slope = np.where(A < 0, A + A.dtype.type(ELU_ALPHA), A.dtype.type(1))
    return np.multiply(delta, slope, out=delta)


#: The table: activation name -> :class:`Activation`.
ACTIVATIONS = {
    "identity": Activation(_identity, _identity_derivative, "f(z) = z"),
    "logistic": Activation(
        _logistic, _logistic_derivative, "f(z) = 1 / (1 + exp(-z))", init_factor=2.0,
        graph=("Sigmoid", "z"),
    ),
    "tanh": Activation(_tanh, _tanh_derivative, "f(z) = tanh(z)", graph=("Tanh", "z")),
    "relu": Activation(_relu, _relu_derivative, "f(z) = max(0, z)", graph=("Relu", "z")),
    "leaky_relu": Activation(
        _leaky_relu,
        _leaky_relu_derivative,
        f"f(z) = z if z > 0 else {LEAKY_RELU_SLOPE} z",
        # max(z, slope z), as computed here (the slope is below 1)
        graph=("Max", "z", ("Mul", "z", LEAKY_RELU_SLOPE)),
    ),
    "elu": Activation(
        _elu, _elu_derivative, f"f(z) = z if z > 0 else {ELU_ALPHA} (exp(z) - 1)",
        # max(z, 0) + alpha (exp(min(z, 0)) - 1): no overflow for large z
        graph=("Add", ("Max", "z", 0.0),
               ("Mul", ("Sub", ("Exp", ("Min", "z", 0.0)), 1.0), ELU_ALPHA)),
    ),
}

#: Names allowed for hidden layers, in table order.
HIDDEN_ACTIVATIONS = tuple(ACTIVATIONS)

