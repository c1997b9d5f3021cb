"""Data-parallel training on a Dask cluster (the ``dask`` extra).

:class:`MLPClassifier` and :class:`MLPRegressor` are skmlp's estimators, with
the same parameters and defaults, whose ``fit`` also takes dask arrays and
dask DataFrames and trains **where the chunks live**, on the cluster of the
current ``distributed.Client``: every evaluation of the objective sends the
parameter vector to the workers once, each worker returns the loss and
gradient *sums* of its chunks, a tree of tasks adds them, and the client
takes the optimizer's step (see :ref:`scaling`, "Training on a cluster").
In-memory input (NumPy, pandas, sparse) trains in memory exactly as
:class:`skmlp.MLPClassifier` and :class:`skmlp.MLPRegressor` do.

After ``fit`` the estimator is an ordinary fitted skmlp model: it predicts
NumPy input and pickles (unpickling needs this module, hence dask).
``predict``, ``predict_proba``, ``predict_log_proba`` on a dask array return
dask arrays computed chunk by chunk; ``score`` on dask input computes its
sums chunk by chunk and returns a float.

What differs on dask input:

- ``solver='lbfgs'`` is SciPy's L-BFGS-B on the client over the full-batch
  objective of all chunks: the same iterates as in memory, up to the order
  of floating-point sums;
- ``solver='sgd'`` and ``'adam'`` take steps on global mini-batches: an
  epoch is ``ceil(n_samples / batch_size)`` steps, and step ``s`` uses the
  ``s``-th slice of every chunk's rows (in a new random order per epoch
  with ``shuffle=True``), so each mini-batch is spread over all chunks and
  every row is used once per epoch. Every step costs a round trip to the
  workers: prefer large ``batch_size`` values (thousands of rows);
- with ``early_stopping=True`` every row is held out for validation with
  probability ``validation_fraction``, on its worker (not stratified);
- not supported (a ``ValueError``): ``dropout``, multilabel targets;
  ``partial_fit`` on dask input takes one step on all its rows as one
  mini-batch, computed on the cluster.
"""

import functools

import dask
import dask.array as da
import numpy as np
from distributed import get_client
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from . import _dask_data as dd
from ._base import Targets, _Plan, _random_state_kept_on_failure
from ._classifier import MLPClassifier as _MLPClassifier
from ._core.optimizers import SOLVERS
from ._dask_training import ShardedData, ShardedTrainer, run_sharded_epoch
from ._regressor import MLPRegressor as _MLPRegressor
from ._regressor import _output_for
from ._parameters import parameters_of
from ._targets import fit_label_binarizer, with_class_weight
from ._fitting import fit_trainer, partial_fit_step
from ._training import TrainingDiverged

__all__ = ["MLPClassifier", "MLPRegressor"]


def _client():
    """The current ``distributed.Client``, or a ValueError that says how to get one."""
    try:
        return get_client()
    except ValueError:
        raise ValueError("skmlp.dask trains dask input on the cluster of the current "
                         "distributed.Client, and there is none: create one first "
                         "(distributed.Client(...) or Client(LocalCluster())).") from None


def _apply(block, estimator, method):
    """``estimator.method(block)`` on one in-memory chunk (a task)."""
    return getattr(estimator, method)(block)


class _DataParallel:
    """What the dask estimators add to skmlp's: dask input for fit, lazy predictions."""

    # ----------------------------------------------------------------- fit
    def _prepare(self, X, y, sample_weight, *, partial, classes=None):
        if not dd.is_dask_collection(X, y, sample_weight):
            return super()._prepare(X, y, sample_weight, partial=partial, classes=classes)
        if partial and self.early_stopping:
            return super()._prepare(X, y, sample_weight, partial=True)  # raises
        if any(self._dropout_rates()):
            raise ValueError(f"dropout={self.dropout!r} is not supported on dask input "
                             "by skmlp.dask; set dropout=0.0.")
        client = _client()
        X, y, w = dd.aligned_inputs(X, y, sample_weight)
        self._check_target_dtype(y)
        parts = dd.blocks(X, y, w)
        summaries = dask.compute(*[dask.delayed(dd.chunk_summary)(*part, self._labels)
                                   for part in parts])
        dd.check_summaries(summaries, X.chunks[0])
        fitted = hasattr(self, "_trainer")
        continuing = fitted if partial else (self.warm_start and fitted)
        dtype = (self._trainer.params.dtype if continuing
                 else np.dtype(np.float32 if X.dtype == np.float32 else np.float64))
        targets, encoding = self._sharded_targets(summaries, y, dtype, continuing=continuing,
                                                  classes=classes, partial=partial)
        layer_units, objective = self._network(X.shape[1], targets)
        rng = None if (partial and continuing) else self._rng()
        trainer = self._start_trainer(layer_units, dtype, objective, self._dropout_rates(),
                                      rng, continuing)
        early = not partial and self.early_stopping and SOLVERS[self.solver].stochastic
        data, validation = self._shards(client, parts, encoding, X.shape[1],
                                        rng if early else None)
        plan = _Plan(data, y, targets, trainer, None if continuing else
                     {"n_features_in_": X.shape[1]}, first_call=partial and not continuing,
                     rng=rng, validation=validation)
        return plan

    def _shards(self, client, parts, encoding, n_features, split_rng):
        """The training shards (and validation shards, with ``split_rng``) on the workers.

        Returns
        -------
        data : ShardedData
        validation : ShardedData or None
        """
        seed = None if split_rng is None else int(split_rng.integers(2**62))

        def build(part):
            return [dask.delayed(dd.make_shard)(
                *chunk, encoding, None if seed is None else
                (seed, i, self.validation_fraction, part)) for i, chunk in enumerate(parts)]

        shards = build("train") + (build("validation") if seed is not None else [])
        futures = client.compute(shards)
        sizes = client.gather(client.map(dd.shard_size, futures))
        n = len(parts)
        data = ShardedData(client, futures[:n], sizes[:n], n_features)
        if seed is None:
            return data, None
        validation = ShardedData(client, futures[n:], sizes[n:], n_features)
        if validation.shape[0] < 2 or data.shape[0] < 1:  # scikit-learn's rule
            raise ValueError(
                f"The validation set is too small. Increase 'validation_fraction' or the "
                f"size of your dataset: validation_fraction={self.validation_fraction} held "
                f"out {validation.shape[0]} of {sum(sizes)} rows, and early stopping needs "
                "at least 2 in it and 1 in the training part (or set early_stopping=False).")
        return data, validation

    def _run_solver(self, plan, hooks):
        if not isinstance(plan.X, ShardedData):
            return super()._run_solver(plan, hooks)
        data = plan.X
        validation = (None if plan.validation is None
                      else self._sharded_scorer(plan.targets, plan.validation))
        return fit_trainer(ShardedTrainer(plan.trainer, data), data, None, None,
                           self._solver_spec(data.shape[0]), rng=plan.rng,
                           validation=validation, hooks=hooks, epoch=run_sharded_epoch)

    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        if not dd.is_dask_collection(X, y, sample_weight):
            return super()._partial_fit(X, y, sample_weight=sample_weight, classes=classes)
        return self._partial_fit_sharded(X, y, sample_weight, classes)

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit_sharded(self, X, y, sample_weight, classes):
        """One step over all the rows of dask input, validated in full."""
        with _random_state_kept_on_failure(self.random_state):
            plan = self._prepare(X, y, sample_weight, partial=True, classes=classes)
            try:
                partial_fit_step(ShardedTrainer(plan.trainer, plan.X), plan.X, None, None,
                                 self._solver_spec())
            except TrainingDiverged as reason:  # on new state: the model is as it was
                raise self._partial_fit_diverged(reason) from None
            self._publish(plan)
        return self

    # ------------------------------------------------------------- predict
    def _lazy(self, method, X, drop_columns):
        """``method`` applied to each row chunk of the dask input ``X``, lazily."""
        check_is_fitted(self)
        if not isinstance(X, da.Array):
            X = X.to_dask_array() if hasattr(X, "to_dask_array") else da.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        X = X.rechunk({1: -1})
        sample = getattr(self, method)(np.zeros((1, X.shape[1]), X.dtype))
        if drop_columns and sample.ndim == 1:
            return X.map_blocks(_apply, self, method, dtype=sample.dtype, drop_axis=1)
        return X.map_blocks(_apply, self, method, dtype=sample.dtype,
                            chunks=(X.chunks[0], (sample.shape[1],)))

    def predict(self, X):
        if dd.is_dask_collection(X):
            return self._lazy("predict", X, drop_columns=True)
        return super().predict(X)


class MLPClassifier(_DataParallel, _MLPClassifier):
    """:class:`skmlp.MLPClassifier` that trains dask input data-parallel on a cluster.

    The parameters, their defaults and the fitted attributes are those of
    :class:`skmlp.MLPClassifier`; see the module's description above and
    :ref:`scaling` for what changes when ``X`` is a dask array or DataFrame.

    Parameters
    ----------
    PARAMETER_NAMES
        As for :class:`skmlp.MLPClassifier`. ``batch_size`` is the size of a
        global mini-batch over all chunks; ``dropout`` must be 0 on dask input.

    See Also
    --------
    skmlp.MLPClassifier : The in-memory estimator.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from skmlp.dask import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> X_chunks, y_chunks = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, \\
    ...         Client(cluster):
    ...     clf = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    ...     clf = clf.fit(X_chunks, y_chunks)  # 4 chunks, summed on the workers
    ...     labels = clf.predict(X_chunks)     # a dask array
    ...     accuracy = float((labels == y_chunks).mean().compute())
    >>> accuracy > 0.95, clf.predict(X[:3]).tolist() == y[:3].tolist()
    (True, True)
    """

    _labels = True

    def _check_target_dtype(self, y):
        if y.ndim != 1:
            raise ValueError(f"y has shape {y.shape}; skmlp.dask.MLPClassifier takes 1-D "
                             "class labels (multilabel targets are not supported).")

    def _sharded_targets(self, summaries, y, dtype, *, continuing, classes, partial):
        """The label encoding from the classes found on the cluster."""
        found, counts = dd.class_counts(summaries)
        if continuing:
            binarizer = self._label_binarizer
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(f"classes={np.unique(classes).tolist()} differs from the "
                                 f"classes of the earlier calls, {self.classes_.tolist()}.")
            if (np.setdiff1d(found, self.classes_).size
                    or not (partial or np.array_equal(found, self.classes_))):
                raise ValueError(f"y has the classes {found.tolist()}, but the fitted model "
                                 f"has {self.classes_.tolist()}; they must be the same.")
        else:
            if partial and classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit "
                    "(all labels the model will ever see, e.g. classes=np.unique(y)).")
            binarizer = fit_label_binarizer(found if classes is None else np.asarray(classes))
            unknown = np.setdiff1d(found, binarizer.classes_)
            if unknown.size:
                raise ValueError(f"y has labels {unknown.tolist()} that are not in classes "
                                 f"{binarizer.classes_.tolist()}.")
        all_classes = binarizer.classes_
        per_class = None
        if self.class_weight == "balanced":
            present = np.zeros(len(all_classes))
            present[np.searchsorted(all_classes, found)] = counts
            per_class = (present.sum() / (len(all_classes) * np.maximum(present, 1))
                         ).astype(dtype)
        elif self.class_weight is not None:
            per_class = with_class_weight(self.class_weight, binarizer, None, all_classes,
                                          dtype)
        encoding = dd.Encoding(all_classes, per_class, dtype)
        n_outputs = 1 if len(all_classes) == 2 else len(all_classes)
        targets = Targets(Y=np.empty((0, n_outputs), dtype), sample_weight=None,
                          out_activation=self._output_layer(binarizer.y_type_),
                          attributes={"classes_": all_classes, "_label_binarizer": binarizer})
        return targets, encoding

    def _sharded_scorer(self, targets, validation):
        """Accuracy and log-loss over the validation shards, summed on the cluster."""
        statistic = functools.partial(dd.accuracy_statistic,
                                         one_of_k=targets.Y.shape[1] > 1,
                                         output=targets.out_activation)

        def score(trainer):
            correct, total, loss = validation.statistic(trainer.params, trainer.layout,
                                                        trainer.objective, statistic)
            return correct / total, loss / total

        return score

    def predict_proba(self, X):
        if dd.is_dask_collection(X):
            return self._lazy("predict_proba", X, drop_columns=False)
        return super().predict_proba(X)

    def predict_log_proba(self, X):
        if dd.is_dask_collection(X):
            return self._lazy("predict_log_proba", X, drop_columns=False)
        return super().predict_log_proba(X)

    def score(self, X, y, sample_weight=None):
        if not dd.is_dask_collection(X, y, sample_weight):
            return super().score(X, y, sample_weight=sample_weight)
        X, y, w = dd.aligned_inputs(X, y, sample_weight)
        correct = self._lazy("predict", X, drop_columns=True) == y
        if w is None:
            return float(correct.mean().compute())
        hits, total = dask.compute((correct * w).sum(), w.sum())
        return float(hits / total)


class MLPRegressor(_DataParallel, _MLPRegressor):
    """:class:`skmlp.MLPRegressor` that trains dask input data-parallel on a cluster.

    The parameters, their defaults and the fitted attributes are those of
    :class:`skmlp.MLPRegressor`; see the module's description above and
    :ref:`scaling` for what changes when ``X`` is a dask array or DataFrame.

    Parameters
    ----------
    PARAMETER_NAMES
        As for :class:`skmlp.MLPRegressor`. ``batch_size`` is the size of a
        global mini-batch over all chunks; ``dropout`` must be 0 on dask input.

    See Also
    --------
    skmlp.MLPRegressor : The in-memory estimator.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from skmlp.dask import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3))
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> X_chunks, y_chunks = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, \\
    ...         Client(cluster):
    ...     reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    ...     reg = reg.fit(X_chunks, y_chunks)
    ...     r2 = reg.score(X_chunks, y_chunks)  # sums computed chunk by chunk
    >>> r2 > 0.99
    True
    """

    _labels = False

    def _check_target_dtype(self, y):
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y has dtype {y.dtype}; MLPRegressor needs numeric targets.")

    def _sharded_targets(self, summaries, y, dtype, *, continuing, classes, partial):
        """The targets' shape and checks from the chunks' summaries."""
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if continuing and n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} target(s), but the fitted model has "
                             f"{self.n_outputs_}. Set warm_start=False (or call fit rather "
                             "than partial_fit) to start a new network.")
        y_min = min(s["y_min"] for s in summaries)
        if self.loss == "poisson" and y_min < 0:
            raise ValueError(f"loss='poisson' needs non-negative targets (counts, rates); y "
                             f"has values down to {y_min}. Use loss='squared_error' for "
                             "targets of any sign.")
        targets = Targets(Y=np.empty((0, n_outputs), dtype), sample_weight=None,
                          out_activation=_output_for(self.loss), attributes={})
        return targets, dd.Encoding(None, None, dtype)

    def _sharded_scorer(self, targets, validation):
        """R^2 and the loss over the validation shards, summed on the cluster."""
        statistic = functools.partial(dd.r2_statistic, output=targets.out_activation,
                                         loss=self.loss)

        def score(trainer):
            total, s_y, s_y2, s_res, loss, bad = validation.statistic(
                trainer.params, trainer.layout, trainer.objective, statistic)
            if bad:
                return np.nan, np.nan
            return dd.r2_from_sums(total, s_y, s_y2, s_res), loss / total

        return score

    def score(self, X, y, sample_weight=None):
        if not dd.is_dask_collection(X, y, sample_weight):
            return super().score(X, y, sample_weight=sample_weight)
        X, y, w = dd.aligned_inputs(X, y, sample_weight)
        pred = self._lazy("predict", X, drop_columns=True)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        P = pred.reshape(-1, 1) if pred.ndim == 1 else pred
        W = da.ones(Y.shape[0], chunks=Y.chunks[0]) if w is None else w
        total, mean = dask.compute(W.sum(), W @ Y)
        mean = mean / total
        ss_res, ss_tot = dask.compute(W @ (Y - P) ** 2, W @ (Y - mean) ** 2)
        return dd.r2_from_squares(ss_res, ss_tot)


def _with_parameter_names(cls, estimator):
    """Name every parameter of the table in ``cls``'s docstring (one line of
    names, documented as the in-memory estimator's)."""
    names = ", ".join(row.name for row in parameters_of(estimator))
    cls.__doc__ = cls.__doc__.replace("PARAMETER_NAMES", names)


_with_parameter_names(MLPClassifier, "classifier")
_with_parameter_names(MLPRegressor, "regressor")
