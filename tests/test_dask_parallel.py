"""skmlp.dask: data-parallel training on a real ``LocalCluster``.

One cluster of two worker processes (one thread each, loopback) for the
module. The data are made *on the workers* (``dask.array.random``) and
persisted there, as data that lives on a cluster would be; the in-memory
references compute the same arrays in this process, with one BLAS thread as
the workers have.
"""

import os
import pickle
from concurrent.futures import CancelledError

import numpy as np
import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import dask.dataframe as ddf  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skmlp  # noqa: E402
from skmlp import _dask_training  # noqa: E402
from skmlp.dask import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_ROWS, N_FEATURES, CHUNK = 4000, 8, 500


@pytest.fixture(scope="module")
def data(client):
    """``(X, y_class, y_real, w)`` as dask arrays on the workers and in memory."""
    rng = da.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, N_FEATURES), chunks=(CHUNK, N_FEATURES))
    y_class = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    y_real = X[:, 0] - 2 * X[:, 1] + da.sin(X[:, 2])
    w = rng.uniform(0.5, 2.0, size=N_ROWS, chunks=CHUNK)
    lazy = client.persist([X, y_class, y_real, w])
    return lazy, dask.compute(*lazy)


def _local(estimator, *args, **kwargs):
    with threadpool_limits(limits=1):
        return estimator.fit(*args, **kwargs)


def _bytes_sent_by_workers(client):
    """Bytes each worker has sent to others or to the client so far, summed."""
    logs = client.run(lambda dask_worker: sum(
        entry["total"] for entry in dask_worker.transfer_outgoing_log))
    return sum(logs.values())


# ---------------------------------------------------------------- L-BFGS
@pytest.mark.parametrize("weighted", [True])
def test_lbfgs_classifier_equals_the_in_memory_fit(client, data, weighted):
    (X, y, _, w), (X_np, y_np, _, w_np) = data
    params = dict(hidden_layer_sizes=(12,), solver="lbfgs", alpha=1e-3, max_iter=25,
                  random_state=0)
    remote = MLPClassifier(**params).fit(X, y, sample_weight=w if weighted else None)
    local = _local(skmlp.MLPClassifier(**params), X_np, y_np,
                   sample_weight=w_np if weighted else None)
    assert remote.n_iter_ == local.n_iter_
    assert remote.loss_ == pytest.approx(local.loss_, rel=1e-6)
    np.testing.assert_array_equal(remote.classes_, [0, 1, 2])
    np.testing.assert_array_equal(remote.predict(X_np), local.predict(X_np))
    assert remote.n_features_in_ == N_FEATURES and remote.t_ == 0


def test_lbfgs_regressor_equals_the_in_memory_fit_and_moves_little(client, data,
                                                                   monkeypatch):
    (X, _, y, _), (X_np, _, y_np, _) = data
    params = dict(hidden_layer_sizes=(12,), solver="lbfgs", max_iter=20, random_state=0)
    reduce, evaluations = _dask_training.ShardedData.reduce, []

    def counting_reduce(self, parts):
        if not evaluations:  # from the first evaluation on: training only
            evaluations.append(_bytes_sent_by_workers(client))
        evaluations.append(1)
        return reduce(self, parts)

    monkeypatch.setattr(_dask_training.ShardedData, "reduce", counting_reduce)
    remote = MLPRegressor(**params).fit(X, y)
    moved = _bytes_sent_by_workers(client) - evaluations.pop(0)
    local = _local(skmlp.MLPRegressor(**params), X_np, y_np)
    assert remote.loss_ == pytest.approx(local.loss_, rel=1e-6)
    np.testing.assert_allclose(remote.predict(X_np), local.predict(X_np), rtol=1e-5, atol=1e-6)
    # Per evaluation, a few vectors of n_params floats leave the workers (the
    # parameters copied to the second worker, one partial sum per worker),
    # never the rows: about 1% of the data here.
    vector = 8 * (N_FEATURES * 12 + 12 + 12 + 1)
    per_evaluation = moved / len(evaluations)
    assert len(evaluations) >= remote.n_iter_ > 0
    assert per_evaluation < 4 * vector, (moved, len(evaluations))
    assert per_evaluation < 0.02 * X_np.nbytes


# -------------------------------------------------------------- sgd, adam
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_learn_as_in_memory(client, data, solver):
    (X, y, _, _), (X_np, y_np, _, _) = data
    params = dict(hidden_layer_sizes=(16,), solver=solver, batch_size=500, max_iter=6,
                  learning_rate_init=0.2 if solver == "sgd" else 0.02, random_state=0)
    remote = MLPClassifier(**params).fit(X, y)
    local = _local(skmlp.MLPClassifier(**params), X_np, y_np)
    assert remote.n_iter_ == local.n_iter_ == 6
    assert remote.t_ == 6 * N_ROWS
    assert remote.score(X_np, y_np) >= local.score(X_np, y_np) - 0.03
    assert remote.score(X_np, y_np) > 0.75  # the majority class is about 0.45


def test_early_stopping_holds_validation_rows_out_on_the_workers(client, data):
    (X, _, y, _), (X_np, _, y_np, _) = data
    remote = MLPRegressor(hidden_layer_sizes=(16,), solver="adam", batch_size=1000,
                          learning_rate_init=0.01, max_iter=6, early_stopping=True,
                          random_state=0).fit(X, y)
    assert len(remote.validation_scores_) == remote.n_iter_ == 6
    assert remote.best_validation_score_ == max(remote.validation_scores_)
    assert remote.validation_scores_[-1] > remote.validation_scores_[0]
    assert remote.t_ < 6 * N_ROWS  # about 10% of the rows were held out


# --------------------------------------------------------------- predict
def test_predictions_on_dask_input_are_lazy_and_equal_in_memory_ones(client, data):
    (X, y, y_real, w), (X_np, y_np, y_real_np, w_np) = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=10,
                        random_state=0).fit(X_np, y_np)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        lazy = getattr(clf, method)(X)
        assert isinstance(lazy, da.Array) and lazy.numblocks[0] == X.numblocks[0]
        np.testing.assert_array_equal(lazy.compute(), getattr(clf, method)(X_np))
    assert clf.score(X, y) == pytest.approx(clf.score(X_np, y_np), rel=1e-12)
    assert clf.score(X, y, sample_weight=w) == pytest.approx(
        clf.score(X_np, y_np, sample_weight=w_np), rel=1e-12)
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=10,
                       random_state=0).fit(X_np, y_real_np)
    assert isinstance(reg.predict(X), da.Array)
    assert reg.score(X, y_real, sample_weight=w) == pytest.approx(
        reg.score(X_np, y_real_np, sample_weight=w_np), rel=1e-9)


def test_numpy_input_trains_in_memory_exactly_as_skmlp(data):
    _, (X_np, y_np, _, _) = data
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    ours = MLPClassifier(**params).fit(X_np[:500], y_np[:500])
    theirs = skmlp.MLPClassifier(**params).fit(X_np[:500], y_np[:500])
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_dask_dataframe_input_trains_like_the_array(client, data):
    (X, y, _, _), (X_np, _, _, _) = data
    frame = ddf.from_dask_array(X, columns=[f"x{i}" for i in range(N_FEATURES)])
    labels = ddf.from_dask_array(y)
    params = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=8, random_state=0)
    from_frame = MLPClassifier(**params).fit(frame, labels)
    from_array = MLPClassifier(**params).fit(X, y)
    assert from_frame.loss_ == pytest.approx(from_array.loss_, rel=1e-9)
    assert isinstance(from_frame.predict(frame), da.Array)


def test_partial_fit_on_a_dask_array_is_one_step_on_all_its_rows(client, data):
    (X, y, _, _), (X_np, y_np, _, _) = data
    remote, local = (cls(hidden_layer_sizes=(8,), random_state=0)
                     for cls in (MLPClassifier, skmlp.MLPClassifier))
    for _ in range(2):
        remote.partial_fit(X, y, classes=[0, 1, 2])
        with threadpool_limits(limits=1):
            local.partial_fit(X_np, y_np, classes=[0, 1, 2])
    assert remote.n_iter_ == 2 and remote.t_ == 2 * N_ROWS
    for a, b in zip(remote.coefs_ + remote.intercepts_, local.coefs_ + local.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------ bad chunks
def _with_bad_value(X, chunk, value):
    def poison(block, block_info=None):
        if block_info[0]["chunk-location"][0] == chunk:
            block = block.copy()
            block[3, 1] = value
        return block
    return X.map_blocks(poison, dtype=X.dtype)


@pytest.mark.parametrize("bad, message", [
    (lambda X, y, w: (_with_bad_value(X, 2, np.nan), y, None), r"X has NaN in chunk 2 \(rows 1000"),
    (lambda X, y, w: (_with_bad_value(X, 5, np.inf), y, None), "X has infinity in chunk 5"),
    (lambda X, y, w: (X, y[:-1], None), "X has 4000 rows but y has 3999"),
    (lambda X, y, w: (X.astype(str), y, None), "X has dtype <U"),
    (lambda X, y, w: (X, y, -w), "sample_weight has negative values in chunk 0"),
    (lambda X, y, w: (X[:, 0], y, None), "X must be 2-D"),
])
def test_bad_chunks_are_refused_before_training_and_the_model_kept(client, data, bad, message):
    (X, y, _, w), (X_np, y_np, _, _) = data
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=3,
                        random_state=0).fit(X_np[:200], y_np[:200])
    before = pickle.dumps(clf)
    X_bad, y_bad, w_bad = bad(X, y, w)
    with pytest.raises(ValueError, match=message):
        clf.fit(X_bad, y_bad, sample_weight=w_bad)
    assert pickle.dumps(clf) == before


def test_one_class_trains_and_dropout_is_refused(client, data):
    (X, y, _, _), _ = data
    clf = MLPClassifier(solver="lbfgs", max_iter=5).fit(X, da.zeros_like(y))
    assert (clf.predict(X).compute() == 0).all()
    np.testing.assert_array_equal(clf.predict_proba(X).compute(), np.ones((X.shape[0], 1)))
    with pytest.raises(ValueError, match="dropout=0.5 is not supported on dask input"):
        MLPClassifier(dropout=0.5).fit(X, y)


# ------------------------------------------------------ estimator basics
def test_clone_get_params_and_pickle(client, data):
    (X, y, _, _), (X_np, _, _, _) = data
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0)
    assert clf.get_params() == skmlp.MLPClassifier(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0).get_params()
    assert MLPRegressor().get_params() == skmlp.MLPRegressor().get_params()
    assert clone(clf).get_params() == clf.get_params()
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert type(restored) is MLPClassifier
    np.testing.assert_array_equal(restored.predict_proba(X_np), clf.predict_proba(X_np))


# ---------------------------------------------------------- lost workers
def _exit_process():
    os._exit(1)


def test_a_lost_evaluation_raises_clearly_and_keeps_the_previous_model(client, data,
                                                                         monkeypatch):
    (X, y, _, _), (X_np, y_np, _, _) = data
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=3,
                        random_state=0).fit(X_np[:200], y_np[:200])
    before = pickle.dumps(clf)

    def lost(self, parts):
        raise CancelledError("the futures of the evaluation were lost")

    monkeypatch.setattr(_dask_training.ShardedData, "reduce", lost)
    with pytest.raises(_dask_training.ClusterLost, match="lost the workers or data"):
        clf.fit(X, y)
    assert pickle.dumps(clf) == before


def test_a_worker_killed_during_fit_is_recovered_by_dask(client, data, monkeypatch):
    """One worker process exits in the middle of an L-BFGS fit; Dask recomputes
    its shards on the other worker (from their lineage) and the fit goes on to
    the same model as an undisturbed fit."""
    (X, y, _, _), (X_np, y_np, _, _) = data
    params = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=10, random_state=0)
    undisturbed = MLPClassifier(**params).fit(X, y)
    reduce, calls = _dask_training.ShardedData.reduce, []

    def reduce_and_kill(self, parts):
        calls.append(1)
        if len(calls) == 4:  # in the fourth evaluation, while its tasks run
            victim = sorted(client.scheduler_info()["workers"])[0]
            try:  # the worker process exits without answering
                client.run(_exit_process, workers=[victim])
            except Exception:  # noqa: BLE001 - whatever the broken connection raises
                pass
        return reduce(self, parts)

    monkeypatch.setattr(_dask_training.ShardedData, "reduce", reduce_and_kill)
    disturbed = MLPClassifier(**params).fit(X, y)
    assert len(calls) > 4
    assert disturbed.n_iter_ == undisturbed.n_iter_
    assert disturbed.loss_ == pytest.approx(undisturbed.loss_, rel=1e-9)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it


def test_partial_fit_on_dask_input_validates_the_parameters(client, data):
    (X, y, _, _), _ = data
    clf = MLPClassifier(hidden_layer_sizes=(3,), learning_rate_init=-1.0)
    with pytest.raises(InvalidParameterError, match="learning_rate_init"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "coefs_")
