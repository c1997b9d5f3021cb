"""Dask input for :mod:`skmlp.dask`: checks on the cluster, targets, shards.

Part of the estimator layer (it knows what labels and weights are), used by
the data-parallel estimators only. Everything that reads the rows runs on
the workers, chunk by chunk, and returns a few numbers per chunk
(:func:`chunk_summary`); the checks of :func:`check_summaries` run on the
client over those summaries. The training shards (:func:`make_shard`) are
built on the workers from the same chunks and stay there.
"""

from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np

from ._core.outputs import output_loss


# ------------------------------------------------------------------ inputs
def is_dask_collection(*values):
    """Whether any of ``values`` is a dask collection (array, DataFrame, Series)."""
    return any(dask.is_dask_collection(v) for v in values if v is not None)


def as_dask_array(value, name, *, chunks=None):
    """A dask array with known chunk sizes, from a dask array, DataFrame, Series
    or in-memory array (``chunks``: the row chunks to give in-memory input)."""
    if dask.is_dask_collection(value) and not isinstance(value, da.Array):
        if not hasattr(value, "to_dask_array"):
            raise ValueError(f"{name} is a {type(value).__name__}; skmlp.dask takes dask "
                             "arrays, dask DataFrames or Series, or in-memory arrays.")
        return value.to_dask_array(lengths=True)
    if isinstance(value, da.Array):
        return value.compute_chunk_sizes() if np.isnan(value.shape[0]) else value
    value = np.asarray(value)
    return da.from_array(value, chunks=(chunks,) + value.shape[1:] if chunks else -1)


def aligned_inputs(X, y, sample_weight):
    """``X`` (2-D, one column block), ``y`` and the weights on ``X``'s row chunks.

    Raises
    ------
    ValueError
        ``X`` not 2-D, non-numeric dtypes, or lengths that differ.
    """
    X = as_dask_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got {X.ndim} dimension(s) "
                         f"with shape {X.shape}.")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X has dtype {X.dtype}; expected numbers (float, int or bool).")
    X = X.rechunk({1: -1})
    rows = X.chunks[0]
    y = as_dask_array(y, "y", chunks=rows)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    arrays = {"y": y}
    if sample_weight is not None:
        arrays["sample_weight"] = as_dask_array(sample_weight, "sample_weight", chunks=rows)
        if arrays["sample_weight"].ndim != 1:
            raise ValueError("sample_weight must be 1-D (n_samples,); got shape "
                             f"{arrays['sample_weight'].shape}.")
    for name, array in arrays.items():
        if array.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but {name} has {array.shape[0]}: "
                             "every row of X needs one.")
        arrays[name] = array.rechunk({0: rows})
    return X, arrays["y"], arrays.get("sample_weight")


def blocks(X, y, w):
    """One ``(X_block, y_block, w_block)`` of delayed values per row chunk."""
    xs = X.to_delayed().ravel()
    ys = y.to_delayed().ravel() if y.ndim == 1 else y.to_delayed()[:, 0]
    ws = [None] * len(xs) if w is None else list(w.to_delayed().ravel())
    return list(zip(xs, ys, ws))


# ----------------------------------------------------------------- checks
def chunk_summary(X, y, w, labels):
    """What the client needs to know about one chunk (runs on a worker).

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
    y : ndarray of shape (n_rows,) or (n_rows, n_targets)
    w : ndarray of shape (n_rows,) or None
    labels : bool
        Class labels (count each class) rather than numeric targets.

    Returns
    -------
    summary : dict
        Counts of non-finite values, per-class counts or the targets'
        minimum, and the weights' minimum and sum: a few numbers.
    """
    summary = {"x_nan": int(np.isnan(X).sum()) if X.dtype.kind == "f" else 0,
               "x_inf": int(np.isinf(X).sum()) if X.dtype.kind == "f" else 0}
    if labels:
        summary["y_bad"] = int(np.sum(y != y)) if y.dtype.kind in "fc" else 0
        kept = y[y == y] if y.dtype.kind in "fc" else y
        summary["classes"], summary["counts"] = np.unique(kept, return_counts=True)
    else:
        summary["y_bad"] = int(np.size(y) - np.isfinite(y).sum())
        summary["y_min"] = float(np.min(y)) if np.size(y) else np.inf
    if w is not None:
        summary["w_bad"] = int(np.size(w) - np.isfinite(w).sum())
        summary["w_min"] = float(np.min(w)) if np.size(w) else np.inf
        summary["w_sum"] = float(np.sum(w, dtype=np.float64))
    return summary


def check_summaries(summaries, rows):
    """Refuse non-finite or negative values, naming the first chunk that has them.

    Parameters
    ----------
    summaries : list of dict
        :func:`chunk_summary` of each chunk, in order.
    rows : tuple of int
        Rows per chunk.
    """
    starts = np.concatenate([[0], np.cumsum(rows)])
    problems = [("x_nan", "X has NaN"), ("x_inf", "X has infinity"),
                ("y_bad", "y has NaN or infinity"), ("w_bad", "sample_weight has NaN or inf")]
    for i, summary in enumerate(summaries):
        where = f"in chunk {i} (rows {starts[i]} to {starts[i + 1] - 1})"
        for key, what in problems:
            if summary.get(key, 0):
                raise ValueError(f"{what} {where}: {summary[key]} value(s). Every chunk "
                                 "must be finite; impute or drop those rows first.")
        if summary.get("w_min", 0) < 0:
            raise ValueError(f"sample_weight has negative values {where} (down to "
                             f"{summary['w_min']}); weights must be non-negative.")
    if "w_sum" in summaries[0] and not sum(s["w_sum"] for s in summaries) > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")


def class_counts(summaries):
    """The classes over all chunks and how many rows each has."""
    classes = np.unique(np.concatenate([s["classes"] for s in summaries]))
    counts = np.zeros(len(classes), dtype=np.int64)
    for s in summaries:
        counts[np.searchsorted(classes, s["classes"])] += s["counts"]
    return classes, counts


# ----------------------------------------------------------------- shards
@dataclass(frozen=True)
class Encoding:
    """How a chunk's ``y`` and weights become the network's targets.

    Attributes
    ----------
    classes : ndarray or None
        Sorted class labels (a classifier), or None for numeric targets.
    class_weights : ndarray of shape (n_classes,) or None
        Multiplies each row's weight by the weight of its class.
    dtype : dtype
        Of ``X``, ``Y`` and the weights of a shard.
    """

    classes: Any
    class_weights: Any
    dtype: Any

    def targets(self, y):
        """``Y`` of shape ``(n_rows, n_outputs)`` (one column for two classes)."""
        if self.classes is None:
            return (y.reshape(-1, 1) if y.ndim == 1 else y).astype(self.dtype)
        index = np.searchsorted(self.classes, y)
        if len(self.classes) == 2:
            return (index == 1).astype(self.dtype)[:, np.newaxis]
        return (index[:, np.newaxis] == np.arange(len(self.classes))).astype(self.dtype)

    def weights(self, y, w):
        """Sample weights times class weights (None when both are)."""
        if self.class_weights is not None:
            per_row = self.class_weights[np.searchsorted(self.classes, y)]
            w = per_row if w is None else w * per_row
        return None if w is None else np.asarray(w, dtype=self.dtype)


def make_shard(X, y, w, encoding, split):
    """A chunk as the network's ``(X, Y, w)`` (runs on a worker).

    Parameters
    ----------
    X, y, w : ndarray
        The chunk.
    encoding : Encoding
    split : tuple or None
        ``(seed, index, fraction, part)``: each row goes to the validation
        part with probability ``fraction`` (drawn from ``(seed, index)``);
        ``part`` is 'train' or 'validation'. None: all rows.

    Returns
    -------
    shard : tuple
        ``(X, Y, w)`` in ``encoding.dtype``; ``w`` may be None.
    """
    X = np.ascontiguousarray(X, dtype=encoding.dtype)
    Y, w = encoding.targets(y), encoding.weights(y, w)
    if split is not None:
        seed, index, fraction, part = split
        held_out = np.random.default_rng([seed, index]).random(X.shape[0]) < fraction
        keep = held_out if part == "validation" else ~held_out
        X, Y, w = X[keep], Y[keep], None if w is None else w[keep]
    return X, Y, w


def shard_size(shard):
    """Rows of a shard."""
    return shard[0].shape[0]


# ------------------------------------------------------------- validation
def accuracy_statistic(A, Y, w, *, one_of_k, output):
    """Weighted correct predictions, weight total and log-loss sum of a shard."""
    if A.shape[0] == 0:
        return 0.0, 0.0, 0.0
    correct = (A.argmax(axis=1) == Y.argmax(axis=1)) if one_of_k else np.all(
        (A > 0.5) == (Y > 0.5), axis=1)
    weights = np.ones(A.shape[0]) if w is None else w
    scale = weights[:, np.newaxis].astype(A.dtype)
    loss = output_loss(output, "log_loss").value(Y, A, scale)
    return float(correct @ weights), float(weights.sum()), float(loss)


def r2_statistic(A, Y, w, *, output, loss):
    """Sums that give R^2 and the loss over shards: weight, Σwy, Σwy², Σw(y-a)², loss."""
    n_outputs = Y.shape[1]
    if A.shape[0] == 0:
        return (0.0, np.zeros(n_outputs), np.zeros(n_outputs), np.zeros(n_outputs), 0.0, 0)
    weights = np.ones(A.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    finite = bool(np.isfinite(A).all())
    value = output_loss(output, loss).value(Y, A, weights[:, np.newaxis].astype(A.dtype)) \
        if finite else 0.0
    return (float(weights.sum()), weights @ Y, weights @ Y**2,
            weights @ (Y - A) ** 2 if finite else np.zeros(n_outputs), float(value),
            0 if finite else 1)


def r2_from_sums(total, s_y, s_y2, ss_res):
    """R^2 averaged over the outputs from one-pass sums (Σw, Σwy, Σwy², Σw(y-a)²)."""
    return r2_from_squares(ss_res, s_y2 - s_y**2 / total)


def r2_from_squares(ss_res, ss_tot):
    """R^2 averaged over the outputs, with scikit-learn's convention for a
    constant target (1 if predicted exactly, else 0)."""
    ss_res, ss_tot = np.asarray(ss_res, dtype=float), np.asarray(ss_tot, dtype=float)
    ok = ss_tot > 0
    scores = np.where(ok, 1 - ss_res / np.where(ok, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(scores))
