"""Targets, weights and checks: what the estimator learns from ``y`` and checks
in its inputs and fitted weights.

Part of the estimator layer (it uses scikit-learn's label and weight
utilities); :class:`~skmlp.MLPClassifier` calls these functions and keeps no
label logic of its own. Nothing here touches the network.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import _check_sample_weight, column_or_1d

_TARGET_TYPES = ("binary", "multiclass", "multilabel-indicator")


def ravel_column(y):
    """A column vector ``y`` of shape ``(n_samples, 1)`` becomes 1-D, with a warning."""
    if y.ndim == 2 and y.shape[1] == 1:
        return column_or_1d(y, warn=True)
    return y


def fit_label_binarizer(y, classes=None):
    """The label encoding of ``y`` (or of ``classes``, when given).

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a 0/1 indicator matrix.
    classes : array-like of shape (n_classes,), default=None
        All classes there will ever be (``partial_fit``); every label of ``y``
        must be among them.

    Returns
    -------
    binarizer : sklearn.preprocessing.LabelBinarizer
        Fitted; ``binarizer.y_type_`` is 'binary' (also for a single class),
        'multiclass' or 'multilabel-indicator'.
    """
    target_type = type_of_target(y, input_name="y")
    if target_type not in _TARGET_TYPES:
        raise ValueError(
            f"Unknown label type: {target_type!r}. MLPClassifier needs class labels "
            "(binary or multiclass) or a 0/1 multilabel indicator matrix."
        )
    binarizer = LabelBinarizer()
    if classes is not None and target_type != "multilabel-indicator":
        binarizer.fit(np.asarray(classes))
        unknown = np.setdiff1d(unique_labels(y), binarizer.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown.tolist()} that are not in classes "
                             f"{binarizer.classes_.tolist()}.")
    else:
        binarizer.fit(y)
    # One class is accepted, as in scikit-learn: the network has one output
    # and the estimator predicts that class (see MLPClassifier.predict_proba).
    return binarizer


def check_labels(binarizer, y, same_classes=False):
    """Check that ``y`` fits the label encoding learnt before.

    Parameters
    ----------
    binarizer : sklearn.preprocessing.LabelBinarizer
        As returned by :func:`fit_label_binarizer`.
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
    same_classes : bool, default=False
        Also require every class to appear in ``y`` (a warm-started ``fit``).
    """
    classes = binarizer.classes_
    if binarizer.y_type_ == "multilabel-indicator":
        if type_of_target(y) != "multilabel-indicator" or y.shape[1] != len(classes):
            raise ValueError(f"y must be a 0/1 indicator matrix with {len(classes)} "
                             "columns, as when the model was first fitted.")
        return
    labels = unique_labels(y)
    if same_classes and not np.array_equal(labels, classes):
        # scikit-learn's words, so that code matching them keeps working.
        raise ValueError("warm_start can only be used where `y` has the same classes as in "
                         f"the previous call to fit. Previously got {classes}, `y` has "
                         f"{labels}")
    unknown = np.setdiff1d(labels, classes)
    if unknown.size:
        raise ValueError(f"y has labels {unknown.tolist()} that are not in classes_ "
                         f"{classes.tolist()}.")


def check_sample_weight(sample_weight, X):
    """Finite, non-negative weights of the right length, not all zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated data.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        In float64, whatever the dtype of ``X``: the estimator casts the
        combined weights to the training dtype, rescaled if they would not
        fit it (see :func:`weights_in_dtype`).
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                         ensure_non_negative=True)
    # scikit-learn >= 1.9 rejects all-zero weights itself; older releases let
    # them through, and the weighted mean would divide by zero.
    if not np.any(sample_weight):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def with_class_weight(class_weight, binarizer, sample_weight, y, dtype):
    """Multiply the sample weights by the weights of their classes.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
    binarizer : sklearn.preprocessing.LabelBinarizer
    sample_weight : ndarray of shape (n_samples,) or None
    y : ndarray of shape (n_samples,)
    dtype : dtype

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        ``None`` only when both ``class_weight`` and ``sample_weight`` are.
    """
    if class_weight is None:
        return sample_weight
    if binarizer.y_type_ == "multilabel-indicator":
        raise ValueError("class_weight is not supported for multilabel targets; "
                         "use sample_weight instead.")
    classes = binarizer.classes_
    if isinstance(class_weight, dict):
        unknown = set(class_weight) - set(classes.tolist())
        if unknown:
            raise ValueError(f"class_weight has classes {sorted(unknown, key=str)} that "
                             f"are not in classes_ {classes.tolist()}.")
        _check_class_weight_values(class_weight)
        # Looked up against classes_, not the classes present in y, so that a
        # partial_fit mini-batch may lack some of the classes in the dict.
        per_class = np.array([class_weight.get(c, 1.0) for c in classes.tolist()], dtype=dtype)
        weights = per_class[np.searchsorted(classes, y)]
    else:  # 'balanced', from the frequencies in y
        weights = compute_sample_weight(class_weight, y).astype(dtype)
    if not np.any(weights):
        raise ValueError(f"class_weight={class_weight!r} gives weight 0 to every class in y "
                         f"({unique_labels(y).tolist()}): at least one must be positive.")
    if sample_weight is None:
        return weights
    with np.errstate(over="ignore"):  # a product beyond float64: its ratios are lost
        combined = sample_weight * weights
    if not np.isfinite(combined).all():
        raise ValueError(
            f"The sample weights times the class weights overflow float64 (largest "
            f"sample weight {float(np.max(sample_weight)):.3g}, class weight "
            f"{float(np.max(weights)):.3g}). Only their ratios matter; divide them by a "
            "common factor.")
    return combined


def _check_class_weight_values(class_weight):
    """Class weights are checked like sample weights: finite and non-negative."""
    for label, weight in class_weight.items():
        try:
            ok = bool(np.isfinite(weight)) and weight >= 0
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(f"class_weight must map classes to finite, non-negative numbers; "
                             f"class {label!r} has {weight!r}.")


def weights_in_dtype(sample_weight, dtype):
    """The combined sample weights in the training dtype, rescaled if needed.

    Only the ratios of the weights matter (the loss is a weighted mean), so
    weights whose sum or largest value is beyond the range of ``dtype`` (or
    so small that they underflow) are divided by their largest value first;
    ordinary weights are only cast.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,) or None
        Finite and non-negative, in float64.
    dtype : dtype
        The training dtype.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
    """
    if sample_weight is None:
        return None
    if not np.any(sample_weight):
        raise ValueError("The sample weights times the class weights are all zero: at least "
                         "one sample must have a positive weight.")
    finfo = np.finfo(dtype)
    with np.errstate(over="ignore"):
        total = np.sum(sample_weight)
    largest = float(np.max(sample_weight))
    if not (np.isfinite(total) and total <= finfo.max and largest >= finfo.tiny):
        sample_weight = sample_weight / largest
    return sample_weight.astype(dtype, copy=False)


def check_finite_cast(cast, original, name):
    """Refuse values that are not finite after the cast to the model's dtype.

    Parameters
    ----------
    cast : {ndarray, sparse matrix}
        The values in the training dtype.
    original : {ndarray, sparse matrix}
        The values as given (after scikit-learn's validation).
    name : str
        'X' or 'y', for the message.
    """
    values = cast.data if sp.issparse(cast) else cast
    if np.isfinite(values).all():
        return
    given = original.data if sp.issparse(original) else np.asarray(original)
    if given.dtype.kind == "f" and not np.isfinite(given).all():
        assert_all_finite(given, input_name=name)  # raises, naming nan or inf
    bad = given[~np.isfinite(values).reshape(given.shape)] if given.shape == values.shape else []
    example = f" (for example {bad.flat[0]!r})" if len(bad) else ""
    raise ValueError(
        f"Input {name} holds values that are not finite in {cast.dtype}{example}: NaN, "
        f"None, or numbers beyond the largest {cast.dtype} ({np.finfo(cast.dtype).max:.3g}). "
        "Remove them, or scale the data.")

def check_fitted_weights(coefs, intercepts, n_features, n_outputs, n_layers):
    """Fitted weights (which users may edit) must chain from ``n_features``
    inputs to ``n_outputs`` outputs in ``n_layers - 1`` layers.

    A few shape comparisons and no pass over the weights, so that every
    prediction can afford it.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)
    n_features, n_outputs, n_layers : int
        ``n_features_in_``, ``n_outputs_`` and ``n_layers_`` of the model.
    """
    shapes = [np.shape(W) for W in coefs]
    n_in = n_features
    ok = len(coefs) == len(intercepts) == n_layers - 1
    for W_shape, b in zip(shapes, intercepts) if ok else ():
        ok = len(W_shape) == 2 and W_shape[0] == n_in and np.shape(b) == W_shape[1:]
        if not ok:
            break
        n_in = W_shape[1]
    if not (ok and n_in == n_outputs):
        raise ValueError(
            f"The fitted weights do not form a network from {n_features} inputs to "
            f"{n_outputs} outputs in {n_layers - 1} layers: coefs_ has shapes {shapes} and "
            f"intercepts_ {[np.shape(b) for b in intercepts]}. Restore them, or fit again.")
