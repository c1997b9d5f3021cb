"""Targets and weights: what the estimator learns from ``y`` and checks in it.

Part of the estimator layer (it uses scikit-learn's label and weight
utilities); :class:`~skmlp.MLPClassifier` calls these functions and keeps no
label logic of its own. Nothing here touches the network.
"""

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
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
        Fitted; ``binarizer.y_type_`` is 'binary', 'multiclass' or
        'multilabel-indicator'.
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
    if len(binarizer.classes_) < 2:
        raise ValueError(
            "MLPClassifier needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {binarizer.classes_.tolist()[0]!r}."
        )
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
        Validated data; the weights take its dtype.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
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
    with np.errstate(over="ignore"):  # an overflow is refused by the estimator's sum check
        return sample_weight * weights


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
