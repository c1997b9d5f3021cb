"""Public helpers: checking that backpropagation computes the right gradient."""

import numpy as np

from ._core.objective import loss_and_gradient

__all__ = ["check_gradients"]


#: Gradients are compared relative to at least this many times the rounding
#: noise of a central difference, ``finfo(float64).eps * |C| / eps``.
_NOISE_MULTIPLE = 1e6


def _gradient_floor(loss, eps):
    """The smallest gradient scale :func:`check_gradients` divides by.

    Each loss value is rounded to about ``finfo(float64).eps * |C|``, so a
    central difference carries a rounding noise of about
    ``finfo(float64).eps * |C| / eps`` whatever the true derivative. A layer
    whose gradients are all at that level would show a relative error of
    order 1 although its gradient is right; dividing by at least a million
    times the noise reads such a layer as agreeing (an error of about 1e-6),
    while a wrong gradient above the floor still shows an error near 1.
    """
    noise = np.finfo(np.float64).eps * abs(float(loss)) / eps
    return max(_NOISE_MULTIPLE * noise, np.finfo(np.float64).tiny)


def _relative_error(analytic, numeric, floor):
    scale = max(np.max(np.abs(analytic)), np.max(np.abs(numeric)), floor)
    return float(np.max(np.abs(analytic - numeric)) / scale)


def check_gradients(estimator, X, y, *, sample_weight=None, eps=1e-5, max_params=200,
                    random_state=0):
    """Compare backpropagation's gradient with central finite differences.

    The loss ``C`` of ``estimator`` (its ``loss``, ``alpha``, activations and
    architecture) on ``(X, y)`` is differentiated twice, in float64: once by
    skmlp's backward pass, and once numerically, one parameter at a time,
    ``(C(p + eps) - C(p - eps)) / (2 eps)``, which only evaluates the loss.
    A fitted estimator is checked at its fitted weights, with the loss,
    ``alpha`` and activations it was fitted with (parameters changed with
    ``set_params`` since then take effect at the next fit); an unfitted one
    at the initial weights its ``random_state`` gives. Dropout is left out
    (the check needs a deterministic loss), and so is ``class_weight``: pass
    the per-row weights as ``sample_weight`` to check a weighted loss.

    Parameters
    ----------
    estimator : MLPClassifier
        The configuration (and, if fitted, the weights) to check. It is not
        modified.
    X : array-like of shape (n_samples, n_features)
        Input data; keep it small, every parameter costs two loss evaluations.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    eps : float, default=1e-5
        Step of the central differences. Their error has two parts: the
        truncation error of the formula, which grows like ``eps**2``, and the
        rounding error of subtracting two nearly equal losses, which grows
        like ``1e-16 * |C| / eps``; 1e-5 balances the two for networks of the
        usual scales (with 1e-6, the errors of logistic networks are about ten
        times larger).
    max_params : int, default=200
        At most this many parameters per layer are checked, drawn at random
        (all of them when the layer is smaller).
    random_state : int, default=0
        Draws the parameters checked in large layers.

    Returns
    -------
    errors : ndarray of shape (n_layers - 1,)
        For each layer (``errors[i]`` for ``coefs_[i]`` and
        ``intercepts_[i]``), ``max |analytic - numeric| / scale`` over its
        checked weights and biases, where ``scale`` is the larger of
        ``max |analytic|``, ``max |numeric|`` and a floor of
        ``1e6 * finfo(float64).eps * |C| / eps`` (about ``2e-5 * |C|`` with
        the default ``eps``), a million times the rounding noise of the
        differences. The floor keeps a layer whose gradients are all near
        zero (saturated units, for instance) from showing an error of order 1
        made of rounding noise alone: such a layer is compared in absolute
        terms, and a wrong gradient smaller than the floor shows a
        proportionally smaller error.

        A correct backward pass gives values of 1e-7 or below at the initial
        weights and during training: with the default ``eps``, at most 5e-8
        for logistic, tanh and ReLU networks on small data sets. At the
        weights of a model trained to convergence, where the gradient itself
        is close to zero, expect up to about 1e-5. A mistake in the backward
        pass typically gives values close to 1.

    Raises
    ------
    ValueError
        If ``eps`` is not positive.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.utils import check_gradients
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(5, 4), alpha=0.1, random_state=0)
    >>> errors = check_gradients(clf, X[::10], y[::10])
    >>> errors.shape, bool(errors.max() < 1e-6)
    ((3,), True)
    """
    # Read-only: the estimator is not changed (and dropout is left out).
    params, layout, X, Y, sample_weight, objective = estimator._gradient_problem(
        X, y, sample_weight)

    def loss(p):
        return loss_and_gradient(p, layout, X, Y, sample_weight=sample_weight, **objective)[0]

    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}.")
    loss_value, analytic = loss_and_gradient(params, layout, X, Y, sample_weight=sample_weight,
                                             **objective)
    floor = _gradient_floor(loss_value, eps)
    rng = np.random.default_rng(random_state)
    index = np.arange(layout.n_params)
    coef_index, intercept_index = layout.unpack(index)
    errors = []
    for W_index, b_index in zip(coef_index, intercept_index):
        layer = np.concatenate([W_index.ravel(), b_index])
        if layer.size > max_params:
            layer = rng.choice(layer, size=max_params, replace=False)
        numeric = np.array([_central_difference(loss, params, i, eps) for i in layer])
        errors.append(_relative_error(analytic[layer], numeric, floor))
    return np.array(errors)


def _central_difference(loss, params, i, eps):
    saved = params[i]
    params[i] = saved + eps
    plus = loss(params)
    params[i] = saved - eps
    minus = loss(params)
    params[i] = saved
    return (plus - minus) / (2 * eps)
