"""Public helpers: checking that backpropagation computes the right gradient."""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import validate_data

from ._core.network import ParameterLayout
from ._core.objective import loss_and_gradient

__all__ = ["check_gradients"]


def _relative_error(analytic, numeric):
    scale = max(np.max(np.abs(analytic)), np.max(np.abs(numeric)), 1e-12)
    return float(np.max(np.abs(analytic - numeric)) / scale)


def check_gradients(estimator, X, y, *, sample_weight=None, eps=1e-6, max_params=200,
                    random_state=0):
    """Compare backpropagation's gradient with central finite differences.

    The loss ``C`` of ``estimator`` (its ``loss``, ``alpha``, activations and
    architecture) on ``(X, y)`` is differentiated twice, in float64: once by
    skmlp's backward pass, and once numerically, one parameter at a time,
    ``(C(p + eps) - C(p - eps)) / (2 eps)``, which only evaluates the loss.
    A fitted estimator is checked at its fitted weights; an unfitted one at
    the initial weights its ``random_state`` gives. Dropout is left out (the
    check needs a deterministic loss).

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
    eps : float, default=1e-6
        Step of the central differences.
    max_params : int, default=200
        At most this many parameters per layer are checked, drawn at random
        (all of them when the layer is smaller).
    random_state : int, default=0
        Draws the parameters checked in large layers.

    Returns
    -------
    errors : ndarray of shape (n_layers - 1,)
        For each layer, ``max |analytic - numeric| / max(|analytic|, |numeric|)``
        over its checked weights and biases. Values around 1e-7 or below mean
        the gradient is right; an error in the backward pass gives values near 1.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.utils import check_gradients
    >>> X, y = load_iris(return_X_y=True)
    >>> errors = check_gradients(MLPClassifier(hidden_layer_sizes=(5, 4), alpha=0.1),
    ...                          X[::10], y[::10])
    >>> errors.shape, bool(errors.max() < 1e-6)
    ((3,), True)
    """
    params, layout, X, Y, objective = _float64_problem(estimator, X, y)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)

    def loss(p):
        return loss_and_gradient(p, layout, X, Y, sample_weight=sample_weight, **objective)[0]

    _, analytic = loss_and_gradient(params, layout, X, Y, sample_weight=sample_weight,
                                    **objective)
    rng = np.random.default_rng(random_state)
    index = np.arange(layout.n_params)
    coef_index, intercept_index = layout.unpack(index)
    errors = []
    for W_index, b_index in zip(coef_index, intercept_index):
        layer = np.concatenate([W_index.ravel(), b_index])
        if layer.size > max_params:
            layer = rng.choice(layer, size=max_params, replace=False)
        numeric = np.array([_central_difference(loss, params, i, eps) for i in layer])
        errors.append(_relative_error(analytic[layer], numeric))
    return np.array(errors)


def _central_difference(loss, params, i, eps):
    saved = params[i]
    params[i] = saved + eps
    plus = loss(params)
    params[i] = saved - eps
    minus = loss(params)
    params[i] = saved
    return (plus - minus) / (2 * eps)


def _float64_problem(estimator, X, y):
    """Parameters, layout, data and objective of ``estimator`` in float64."""
    model = clone(estimator).set_params(dropout=0.0)
    X, y = validate_data(model, X, y, accept_sparse=["csr", "csc"], dtype=np.float64,
                         multi_output=True)
    if hasattr(estimator, "coefs_"):
        model._label_binarizer = estimator._label_binarizer
        model.out_activation_ = estimator.out_activation_
        layout = ParameterLayout([estimator.coefs_[0].shape[0]]
                                 + [b.shape[0] for b in estimator.intercepts_])
        params = layout.pack(estimator.coefs_, estimator.intercepts_, np.float64)
        objective = dict(estimator._trainer.objective)
    else:
        model._fit_labels(np.ravel(y) if np.ndim(y) == 2 and y.shape[1] == 1 else y)
        Y = model._label_binarizer.transform(y)
        trainer = model._new_trainer(X.shape[1], Y.shape[1], np.float64, model._rng())
        layout, params, objective = trainer.layout, trainer.params, model._objective()
    Y = model._label_binarizer.transform(y).astype(np.float64)
    return params.copy(), layout, X, Y, objective
