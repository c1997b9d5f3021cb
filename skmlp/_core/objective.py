"""The training objective: loss and gradient of all parameters at once.

:func:`loss_and_gradient` is the single routine behind every way of training:
one mini-batch step of SGD or Adam, the full-batch L-BFGS objective and the
finite-difference gradient check all call it.
"""

import numpy as np

from . import kernels
from .kernels import flush_subnormal
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
        self._compiled = {}  # (hidden, output, loss) -> kernels.dense_network(...)
        self._layer_units = tuple(layer_units)

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

    def compiled_network(self, hidden_activation, output_activation, loss):
        """The compiled loss and gradient on these buffers, or None.

        None where the compiled kernels are not built, or do not implement
        this activation, pair or dtype (see :func:`kernels.dense_network`).
        """
        key = (hidden_activation, output_activation, loss)
        if key not in self._compiled:
            self._compiled[key] = kernels.dense_network(
                self._layer_units, self._activations, self._deltas, *key)
        return self._compiled[key]

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
                      dropout_masks=None, penalty_gradient=True):
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
    penalty_gradient : bool, default=True
        Include the L2 penalty's gradient in ``grad``. A training step passes
        False and has the optimizer add it in its own pass over the
        parameters (:meth:`~skmlp._core.optimizers.Adam.update`), which saves
        one over the weights.

    Returns
    -------
    loss : float
        ``C`` before any update, penalty included.
    grad : ndarray of shape (n_params,)
        ``dC/dparams`` (without the penalty's part if not
        ``penalty_gradient``), laid out like ``params``.

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
    if dropout_masks is None and sample_weight is None:
        # The same computation in one compiled call, where it is built and
        # takes these arrays; the NumPy below is its reference.
        network = workspace.compiled_network(hidden_activation, output_activation, loss)
        value = None if network is None else network.loss_and_gradient(
            X, Y, params, grad, float(alpha), penalty_gradient)
        if value is not None:
            return value, grad
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
    value = add_l2_penalty(value, grad, params, layout, alpha, norm, penalty_gradient)
    return value, grad


def add_l2_penalty(value, grad, params, layout, alpha, norm, gradient=True):
    """Add the L2 penalty ``alpha / (2 n) sum_l ||W^l||^2`` and its gradient.

    Only the weights are penalised, not the biases.

    Parameters
    ----------
    value : float
        The data term of the loss.
    grad : ndarray of shape (n_params,)
        The data term's gradient; the penalty's gradient is added in place.
    params : ndarray of shape (n_params,)
    layout : ParameterLayout
    alpha : float
    norm : float
        ``n``: the number of rows, or the total sample weight.
    gradient : bool, default=True
        Add the penalty's gradient (False: the optimizer adds it, see
        :meth:`~skmlp._core.optimizers.Adam.update`).

    Returns
    -------
    value : float
        ``value`` plus the penalty.
    """
    if not alpha:
        return value
    value += l2_penalty(params[: layout.n_coefs], alpha, norm)
    if gradient:
        add_penalty_gradient(grad, params, layout.n_coefs, alpha / norm)
    return value


def add_penalty_gradient(grad, params, n_weights, scale):
    """Add the L2 penalty's gradient ``scale * W`` to the weights' gradient, in place.

    ``d/dW`` of ``alpha / (2 n) ||W||^2`` is ``alpha / n * W``: ``scale`` is
    ``alpha / n``. Entries of the result below the smallest normal number
    become 0 (see :mod:`skmlp._core.optimizers`: weights that tiny stay put,
    and their subnormal gradient would slow every step).

    Parameters
    ----------
    grad, params : ndarray of shape (n_params,)
    n_weights : int
        The weights are ``params[:n_weights]``.
    scale : float
    """
    weights, weight_grads = params[:n_weights], grad[:n_weights]
    compiled = kernels.for_vectors(weight_grads, weights)
    if compiled is None:
        weight_grads += scale * weights  # the NumPy reference
        flush_subnormal(weight_grads)
    else:  # the same in one pass
        compiled.add_scaled(weight_grads, weights, 0, n_weights, scale)


def loss_and_gradient_sums(params, layout, X, Y, *, hidden_activation, output_activation,
                           loss="log_loss", sample_weight=None, workspace=None):
    """The unnormalised data term of a shard of the rows: what shards add up.

    ``loss_sum = sum_i w_i loss_i`` (``w_i = 1`` without weights), its
    gradient, and the weight total ``sum_i w_i``. The sums of these over any
    split of the rows into shards, handed to :func:`combine_sums`, give what
    :func:`loss_and_gradient` gives on all the rows at once, up to the order
    of floating-point additions: the mean, the sample weights and the L2
    penalty are applied once, at the end.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    layout : ParameterLayout
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    hidden_activation, output_activation, loss : str
        As for :func:`loss_and_gradient`.
    sample_weight : ndarray of shape (n_samples,), default=None
    workspace : Workspace, default=None

    Returns
    -------
    loss_sum : float
    grad_sum : ndarray of shape (n_params,)
        A new array, laid out like ``params``.
    weight_total : float
        ``n_samples``, or ``sum(sample_weight)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp._core.network import ParameterLayout
    >>> layout = ParameterLayout((2, 3, 1))
    >>> params = np.linspace(-1, 1, layout.n_params)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    >>> f = dict(hidden_activation="tanh", output_activation="logistic")
    >>> parts = [loss_and_gradient_sums(params, layout, X[i:i + 1], Y[i:i + 1], **f)
    ...          for i in range(2)]
    >>> total = [sum(p[k] for p in parts) for k in range(3)]
    >>> loss, grad = combine_sums(params, layout, *total, alpha=0.1)
    >>> expected = loss_and_gradient(params, layout, X, Y, alpha=0.1, **f)
    >>> bool(np.isclose(loss, expected[0]) and np.allclose(grad, expected[1]))
    True
    """
    value, grad = loss_and_gradient(params, layout, X, Y, hidden_activation=hidden_activation,
                                    output_activation=output_activation, loss=loss,
                                    sample_weight=sample_weight, workspace=workspace)
    # The mean times the weight total: the sum, up to one rounding per entry.
    _, total = sample_scale_and_norm(X.shape[0], sample_weight, params.dtype)
    grad *= params.dtype.type(total)
    return float(value) * total, grad, total


def combine_sums(params, layout, loss_sum, grad_sum, weight_total, *, alpha=0.0):
    """Summed shard results -> the loss and gradient of :func:`loss_and_gradient`.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    layout : ParameterLayout
    loss_sum : float
    grad_sum : ndarray of shape (n_params,)
        Summed over the shards (see :func:`loss_and_gradient_sums`).
    weight_total : float
        The number of rows (or total weight) of all shards: the ``n`` of the
        mean and of the penalty.
    alpha : float, default=0.0

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_params,)
        A new array of the dtype of ``params``.
    """
    norm = float(weight_total)
    grad = (np.asarray(grad_sum) / norm).astype(params.dtype, copy=False)
    value = add_l2_penalty(float(loss_sum) / norm, grad, params, layout, alpha, norm)
    return value, grad
