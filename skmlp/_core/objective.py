"""The training objective: loss and gradient of all parameters at once.

:func:`loss_and_gradient` is the single routine behind every way of training:
one mini-batch step of SGD or Adam, the full-batch L-BFGS objective and the
finite-difference gradient check all call it.
"""

import numpy as np

from .network import backward, forward, l2_penalty
from .outputs import output_loss


class Workspace:
    """Reusable buffers for the forward and backward passes.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    capacity : int
        Largest mini-batch the buffers hold.
    dtype : dtype

    Notes
    -----
    Buffers are C-contiguous of shape ``(capacity, n_units)``; a mini-batch of
    ``n <= capacity`` rows uses the leading ``n`` rows, which are contiguous too.
    """

    def __init__(self, layer_units, capacity, dtype):
        self.capacity = int(capacity)
        self.dtype = np.dtype(dtype)
        units = list(layer_units)[1:]
        self._activations = [np.empty((capacity, u), dtype) for u in units]
        self._deltas = [np.empty((capacity, u), dtype) for u in units]
        self._views = {}  # n_samples -> the lists view() returns
        self._unpacked = {}  # id(flat) -> (flat, its per-layer views)

    def fits(self, n_samples, dtype):
        """Whether ``n_samples`` rows of ``dtype`` fit these buffers."""
        return n_samples <= self.capacity and np.dtype(dtype) == self.dtype

    def view(self, n_samples):
        """Buffers for a mini-batch of ``n_samples`` rows.

        Returns
        -------
        activations, deltas : list of ndarray of shape (n_samples, n_units)
            One per layer ``1..L``.
        """
        if n_samples not in self._views:
            if len(self._views) > 1:  # keep the full batch and one remainder
                self._views.clear()
            self._views[n_samples] = ([a[:n_samples] for a in self._activations],
                                      [d[:n_samples] for d in self._deltas])
        return self._views[n_samples]

    def unpack(self, layout, flat):
        """``layout.unpack(flat)``, remembered for the same ``flat`` array.

        Training unpacks the same parameter and gradient vectors at every
        step; building the per-layer views once saves that Python work. The
        workspace keeps a reference to ``flat``, so its ``id`` stays unique.

        Returns
        -------
        coefs, intercepts : list of ndarray
            Views of ``flat``.
        """
        key = id(flat)
        if key not in self._unpacked or self._unpacked[key][0] is not flat:
            if len(self._unpacked) > 1:  # the parameters and the gradient
                self._unpacked.clear()
            self._unpacked[key] = (flat, layout.unpack(flat))
        return self._unpacked[key][1]


def sample_scale_and_norm(n_samples, sample_weight, dtype):
    """Weights of each sample in the mean, and the normaliser ``n``.

    Parameters
    ----------
    n_samples : int
    sample_weight : ndarray of shape (n_samples,) or None
    dtype : dtype

    Returns
    -------
    sample_scale : float or ndarray of shape (n_samples, 1)
        ``1 / n_samples``, or ``w / sum(w)``.
    norm : float
        ``n_samples``, or ``sum(w)``: the ``n`` of the L2 penalty.
    """
    if sample_weight is None:
        return 1.0 / n_samples, float(n_samples)
    norm = float(np.sum(sample_weight))
    return (np.asarray(sample_weight, dtype=dtype) / dtype.type(norm))[:, np.newaxis], norm


def loss_and_gradient(params, layout, X, Y, *, hidden_activation,
                      output_activation, loss="log_loss", alpha=0.0,
                      sample_weight=None, grad=None, workspace=None,
                      dropout_masks=None):
    """Loss of a mini-batch and its gradient with respect to every parameter.

    ``C = sum_i s_i loss(y_i, a^L_i) + alpha / (2 n) sum_l ||W^l||^2`` with
    ``s_i = 1/n`` (or ``w_i / sum(w)``), ``n`` the number of samples (or the
    sum of the sample weights). ``loss_i`` sums over the outputs, or averages
    over them where the (output, loss) pair says so
    (:attr:`~skmlp._core.outputs.Pairing.output_mean`).

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        All weights then all biases, laid out by ``layout``.
    layout : ParameterLayout
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets (binarised labels, or regression targets), of the dtype of
        ``params``.
    hidden_activation : str
        A name in :data:`~skmlp._core.activations.ACTIVATIONS`.
    output_activation : str
        A name in :data:`~skmlp._core.outputs.OUTPUTS`.
    loss : str, default='log_loss'
        A loss the output pairs with (:func:`~skmlp._core.outputs.output_loss`).
    alpha : float, default=0.0
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), default=None
    grad : ndarray of shape (n_params,), default=None
        Where to write the gradient; allocated when ``None``.
    workspace : Workspace, default=None
        Buffers to reuse; allocated per call when ``None``.
    dropout_masks : list, default=None
        See :func:`~skmlp._core.network.forward`.

    Returns
    -------
    loss : float
        ``C`` before any update, penalty included.
    grad : ndarray of shape (n_params,)
        ``dC/dparams``, laid out like ``params``.

    Raises
    ------
    ValueError
        If ``loss`` does not pair with ``output_activation``; nothing is
        computed then.
    """
    pair = output_loss(output_activation, loss)
    n_samples = X.shape[0]
    dtype = params.dtype
    if grad is None:
        grad = np.empty_like(params)
    if workspace is None or not workspace.fits(n_samples, dtype):
        workspace = Workspace(layout.layer_units, n_samples, dtype)
    activation_buffers, delta_buffers = workspace.view(n_samples)
    coefs, intercepts = workspace.unpack(layout, params)
    coef_grads, intercept_grads = workspace.unpack(layout, grad)
    sample_scale, norm = sample_scale_and_norm(n_samples, sample_weight, dtype)

    activations, layer_inputs = forward(
        coefs, intercepts, X, hidden_activation, output_activation,
        activations=activation_buffers, dropout_masks=dropout_masks,
    )
    value = pair.value(Y, activations[-1], sample_scale)
    output_delta = pair.delta(Y, activations[-1], sample_scale, out=delta_buffers[-1])
    backward(coefs, activations, layer_inputs, output_delta, hidden_activation,
             coef_grads, intercept_grads, deltas=delta_buffers,
             dropout_masks=dropout_masks)
    if alpha:
        weights = params[: layout.n_coefs]
        value += l2_penalty(weights, alpha, norm)
        # d/dW of alpha / (2 n) ||W||^2 is alpha / n * W
        grad[: layout.n_coefs] += (alpha / norm) * weights
    return value, grad
