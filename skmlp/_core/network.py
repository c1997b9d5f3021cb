"""Forward and backward passes of a fully connected network.

Notation (rows are samples, as in scikit-learn)
-----------------------------------------------
=================================  ========================  ===============================
symbol                             code name                 shape
=================================  ========================  ===============================
``X = a^0``                        ``activations[0]``        ``(n_samples, n_features)``
``W^l, b^l``                       ``coefs[l-1]``,           ``(n_in, n_out)``, ``(n_out,)``
                                   ``intercepts[l-1]``
``z^l = a^{l-1} W^l + b^l``        (in place)                ``(n_samples, n_out)``
``a^l = f(z^l)``                   ``activations[l]``        ``(n_samples, n_out)``
``delta^l = dC/dz^l``              ``deltas[l-1]``           ``(n_samples, n_out)``
``dC/dW^l = (a^{l-1})^T delta^l``  ``coef_grads[l-1]``       ``(n_in, n_out)``
``dC/db^l = sum_i delta^l_i``      ``intercept_grads[l-1]``  ``(n_out,)``
=================================  ========================  ===============================

``C`` is the mean loss over the mini-batch, so the ``1/n`` of the mean is
already inside the output delta ``delta^L`` (see :mod:`skmlp._core.outputs`),
and the gradients are plain sums over samples.

The four equations of backpropagation, in the order :func:`backward` applies
them::

    delta^L     = dC/dz^L                             (outputs.OutputLoss.delta)
    delta^{l-1} = (delta^l W^l^T) * f'(z^{l-1})       (backward, hidden layers)
    dC/dW^l     = a^{l-1}^T delta^l                   (backward)
    dC/db^l     = sum over samples of delta^l         (backward)

All parameters live in one flat vector (weights of every layer first, then
biases); ``coefs`` and ``intercepts`` are views into it, and so are the
gradients. Optimizers update the whole vector in one vectorised call.
"""

import numpy as np
import scipy.sparse as sp

from .activations import ACTIVATIONS
from .outputs import OUTPUTS


class ParameterLayout:
    """Where each layer's weights and biases sit in the flat parameter vector.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.

    Attributes
    ----------
    layer_units : tuple of int
    n_coefs : int
        Number of weights; they occupy ``params[:n_coefs]``.
    n_params : int
        Number of weights and biases.

    Examples
    --------
    >>> import numpy as np
    >>> layout = ParameterLayout((3, 2, 1))
    >>> layout.n_coefs, layout.n_params
    (8, 11)
    >>> coefs, intercepts = layout.unpack(np.arange(11.0))
    >>> coefs[1].ravel(), intercepts[0]
    (array([6., 7.]), array([8., 9.]))
    """

    def __init__(self, layer_units):
        self.layer_units = tuple(int(u) for u in layer_units)
        fan_in, fan_out = self.layer_units[:-1], self.layer_units[1:]
        self.coef_shapes = list(zip(fan_in, fan_out))
        self.n_coefs = sum(i * o for i, o in self.coef_shapes)
        self.n_params = self.n_coefs + sum(fan_out)

    def unpack(self, flat):
        """Per-layer views into ``flat``.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)

        Returns
        -------
        coefs : list of ndarray of shape (n_in, n_out)
        intercepts : list of ndarray of shape (n_out,)
        """
        coefs, intercepts = [], []
        start, bias_start = 0, self.n_coefs
        for n_in, n_out in self.coef_shapes:
            coefs.append(flat[start : start + n_in * n_out].reshape(n_in, n_out))
            intercepts.append(flat[bias_start : bias_start + n_out])
            start += n_in * n_out
            bias_start += n_out
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype=None):
        """Copy per-layer arrays into a new flat vector.

        Parameters
        ----------
        coefs : list of ndarray of shape (n_in, n_out)
        intercepts : list of ndarray of shape (n_out,)
        dtype : dtype, default=None
            dtype of the result; that of ``coefs[0]`` by default.

        Returns
        -------
        flat : ndarray of shape (n_params,)
        """
        parts = [np.ravel(W) for W in coefs] + [np.ravel(b) for b in intercepts]
        flat = np.concatenate(parts).astype(dtype or coefs[0].dtype, copy=False)
        if flat.shape != (self.n_params,):
            raise ValueError(
                f"expected {self.n_params} parameters for layers "
                f"{self.layer_units}, got {flat.shape[0]}"
            )
        return flat


def _matmul(A, B, out=None):
    """``A @ B`` for dense or scipy-sparse ``A``, into ``out`` if given."""
    if sp.issparse(A):
        result = A @ B
        if out is None:
            return np.asarray(result)
        out[...] = result
        return out
    return np.matmul(A, B, out=out)


class NonFiniteLayerInput(ValueError):
    """The first layer's pre-activations are not finite (see :func:`forward`)."""


def _checked_first_layer(X, W, b, out):
    """``z^1 = X W + b``, raising :class:`NonFiniteLayerInput` if it is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):  # the inf and nan we look for
        Z = _matmul(X, W, out=out)
        Z += b
        if not np.isfinite(np.add.reduce(Z, axis=None)):
            raise NonFiniteLayerInput("the first layer's pre-activations are not finite")
    return Z


def forward(coefs, intercepts, X, hidden_activation, output_activation,
            activations=None, dropout_masks=None, check_input=False):
    """Compute the activations of every layer.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    hidden_activation : str
        A name in :data:`~skmlp._core.activations.ACTIVATIONS`.
    output_activation : str
        A name in :data:`~skmlp._core.outputs.OUTPUTS`.
    activations : list of ndarray, default=None
        Buffers of shape ``(n_samples, n_units)`` for layers ``1..L`` to write
        into (reused across mini-batches). New arrays are allocated when
        ``None``, which keeps concurrent calls independent.
    dropout_masks : list of ndarray or None, default=None
        One entry per hidden layer: ``None`` or an array of shape
        ``(n_samples, n_units)`` holding ``keep / (1 - p)``. The next layer
        receives ``a^l * mask``; ``activations[l]`` keeps the unmasked ``a^l``.
    check_input : bool, default=False
        Raise :class:`NonFiniteLayerInput` when ``z^1 = X W^1 + b^1`` is not
        finite. If every entry of ``W^1`` is nonzero, a nan or inf anywhere in
        a row of ``X`` makes that row of ``z^1`` non-finite, so this checks
        ``X`` at the cost of ``(n_samples, n_units_1)`` elements instead of
        ``(n_samples, n_features)``. (A finite ``X`` so large that ``z^1``
        overflows raises too.)

    Returns
    -------
    activations : list of ndarray
        ``[X, a^1, ..., a^L]``, ``L = len(coefs)``.
    layer_inputs : list
        What each layer multiplied by its weights: ``activations[l]``, or
        ``activations[l] * dropout_masks[l - 1]`` under dropout.
    """
    n_layers = len(coefs)
    hidden_function = ACTIVATIONS[hidden_activation].function
    output_function = OUTPUTS[output_activation].function
    result, layer_inputs = [X], [X]
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        out = None if activations is None else activations[l]
        if l == 0 and check_input:
            Z = _checked_first_layer(X, W, b, out)
        elif l == 0:  # only the input can be sparse
            Z = _matmul(X, W, out=out)
            Z += b
        else:
            Z = np.matmul(layer_inputs[l], W, out=out)
            Z += b  # z^{l+1} = a^l W + b
        is_output = l == n_layers - 1
        (output_function if is_output else hidden_function)(Z)
        result.append(Z)
        mask = None if is_output or dropout_masks is None else dropout_masks[l]
        layer_inputs.append(Z if mask is None else Z * mask)
    return result, layer_inputs


def backward(coefs, activations, layer_inputs, output_delta, hidden_activation,
             coef_grads, intercept_grads, deltas=None, dropout_masks=None):
    """Backpropagate the output delta and write every layer's gradients.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
    activations, layer_inputs : list of ndarray
        As returned by :func:`forward`.
    output_delta : ndarray of shape (n_samples, n_outputs)
        ``delta^L = dC/dz^L`` from the loss.
    hidden_activation : str
    coef_grads : list of ndarray of shape (n_in, n_out)
        Written in place with ``dC/dW``.
    intercept_grads : list of ndarray of shape (n_out,)
        Written in place with ``dC/db``.
    deltas : list of ndarray, default=None
        Buffers for the hidden deltas, ``deltas[l]`` of the shape of
        ``activations[l + 1]``; allocated when ``None``.
    dropout_masks : list of ndarray or None, default=None
        The masks used in the forward pass.

    Returns
    -------
    coef_grads, intercept_grads : list of ndarray
    """
    derivative = ACTIVATIONS[hidden_activation].derivative
    delta = output_delta
    for l in range(len(coefs) - 1, -1, -1):
        # dC/dW = a^T delta and dC/db = sum_i delta_i: the last two equations.
        if l == 0 and sp.issparse(layer_inputs[0]):
            coef_grads[0][...] = layer_inputs[0].T @ delta
        else:
            np.matmul(layer_inputs[l].T, delta, out=coef_grads[l])
        np.add.reduce(delta, axis=0, out=intercept_grads[l])
        if l == 0:
            break
        # delta^{l-1} = (delta^l W^T) * f'(z^{l-1}): the second equation.
        delta = np.matmul(delta, coefs[l].T, out=None if deltas is None else deltas[l - 1])
        if dropout_masks is not None and dropout_masks[l - 1] is not None:
            delta *= dropout_masks[l - 1]
        derivative(activations[l], delta)
    return coef_grads, intercept_grads


def l2_penalty(coefs_flat, alpha, n):
    """L2 penalty ``alpha / (2 n) * sum ||W^l||^2`` over all weights.

    Parameters
    ----------
    coefs_flat : ndarray of shape (n_coefs,)
        All weights (not the biases), e.g. ``params[:layout.n_coefs]``.
    alpha : float
    n : float
        Number of samples (or sum of sample weights) in the mini-batch.

    Returns
    -------
    penalty : float
    """
    return 0.5 * alpha * float(coefs_flat @ coefs_flat) / n
