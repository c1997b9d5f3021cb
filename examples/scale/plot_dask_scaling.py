"""
==================================================================
Scaling out with Dask: distributed search and out-of-core training
==================================================================

When one machine is not enough, the scikit-learn ecosystem reaches for
`Dask <https://www.dask.org>`_. :class:`skmlp.MLPClassifier` works with it in
two ways:

* **distributed search**: joblib's ``"dask"`` backend sends the fits of a
  :class:`~sklearn.model_selection.GridSearchCV` (or of
  :func:`~sklearn.model_selection.cross_validate`) to the workers of a
  ``dask.distributed`` cluster, and gives the same results as a local run;
* **out-of-core training**: ``dask_ml.wrappers.Incremental`` feeds the chunks
  of a ``dask.array`` to :meth:`~skmlp.MLPClassifier.partial_fit`, one chunk
  at a time, so the training set never has to fit in memory. In skmlp every
  ``partial_fit`` call is exactly one optimizer step, so **each chunk is one
  mini-batch**.

**This example needs the** ``dask`` **extra** (``pip install ".[dask]"``)
and starts a small cluster on this machine. Without dask it says so and skips
every step (each cell below runs only ``if HAVE_DASK``). The :ref:`scaling` page has timings
and says when a cluster actually helps.
"""

# %%
# A cluster on this machine
# -------------------------
#
# A ``LocalCluster`` of two workers with one thread each, listening on the
# loopback interface only. A real cluster is created the same way with its
# scheduler's address (``Client("tcp://scheduler:8786")``); nothing else in
# this example changes.
#
# This page uses *threads* (``processes=False``) for its workers, because a
# gallery example runs cell by cell as a plain script: worker *processes*
# are started with ``spawn``, which re-imports the main script in every
# worker, and that only works when the script keeps its code under
# ``if __name__ == "__main__":``. In a script of your own, put the code under
# that guard and use ``processes=True`` (the default), as the tests and
# ``benchmarks/bench_dask.py`` do; the rest of the code is the same. The
# workers still talk to each other over TCP on the loopback interface, so
# models and data are serialized between them as on a real cluster.

import time
import warnings

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier

try:  # the dask extra: pip install ".[dask]"
    import dask.array as da
    from dask_ml.wrappers import Incremental
    from distributed import Client, LocalCluster
except ImportError as missing:
    HAVE_DASK = False
    print(f"This example needs the dask extra (pip install \".[dask]\" from a checkout): "
          f"{missing}. Without it, no cluster is started and every step below is skipped.")
else:
    HAVE_DASK = True

    cluster = LocalCluster(host="127.0.0.1", protocol="tcp", n_workers=2, threads_per_worker=1,
                           processes=False, dashboard_address=None)
    client = Client(cluster)
    print(f"{len(client.scheduler_info()['workers'])} workers at {cluster.scheduler_address}")

# %%
# Distributed grid search
# -----------------------
#
# A :class:`~sklearn.pipeline.Pipeline` of a scaler and the network, and a
# grid over ``hidden_layer_sizes`` and ``learning_rate_init``. The same
# search runs twice: locally, then inside ``joblib.parallel_backend("dask")``,
# which makes every fit of the search a task on the cluster. The seeds are
# the same, so the scores and the best parameters are the same.

if HAVE_DASK:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    pipe = Pipeline([
        ("scaler", StandardScaler()),
        ("mlp", MLPClassifier(max_iter=20, random_state=0)),
    ])
    param_grid = {
        "mlp__hidden_layer_sizes": [(16,), (64,)],
        "mlp__learning_rate_init": [1e-3, 1e-2],
    }

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 20 epochs on purpose
        started = time.perf_counter()
        local = GridSearchCV(pipe, param_grid, cv=3).fit(X_train, y_train)
        local_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(pipe, param_grid, cv=3, n_jobs=-1).fit(X_train, y_train)
        remote_seconds = time.perf_counter() - started

    print(f"local: {local_seconds:.1f} s (this build), best {local.best_params_}")
    print(f"dask:  {remote_seconds:.1f} s (this build), best {remote.best_params_}")
    print("same best parameters:", remote.best_params_ == local.best_params_)
    print("same mean scores:",
          np.array_equal(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]))

# %%
# :func:`~sklearn.model_selection.cross_validate` runs on the cluster in the
# same way (``joblib.parallel_config(backend="dask")`` is the newer spelling
# of the same context manager).

if HAVE_DASK:
    with warnings.catch_warnings(), joblib.parallel_config(backend="dask"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = cross_validate(remote.best_estimator_, X_train, y_train, cv=3, n_jobs=-1)
    print("fold accuracies on the cluster:", np.round(cv["test_score"], 3))

# %%
# Out-of-core training with ``Incremental``
# -----------------------------------------
#
# The training set becomes a ``dask.array`` of chunks of 64 rows. Here it is
# made from a NumPy array; with real out-of-core data it would come from
# ``da.from_zarr``, ``dask.dataframe.read_parquet(...).to_dask_array()`` or
# similar, and no chunk would be read before it is needed.
#
# ``Incremental.partial_fit`` makes **one pass** over the chunks, calling the
# network's ``partial_fit`` once per chunk, on a worker. Passing a
# ``RandomState`` instance as ``random_state`` visits the chunks in a new
# order on every pass (an integer would repeat the same order every pass).

if HAVE_DASK:
    CHUNK = 64
    PASSES = 8
    classes = np.unique(y)
    X_train_dask = da.from_array(X_train, chunks=(CHUNK, -1))
    y_train_dask = da.from_array(y_train, chunks=CHUNK)
    X_test_dask = da.from_array(X_test, chunks=(CHUNK, -1))
    y_test_dask = da.from_array(y_test, chunks=CHUNK)
    print(f"{X_train_dask.numblocks[0]} chunks of at most {CHUNK} rows")

    inc = Incremental(
        MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=1e-2, random_state=0),
        scoring="accuracy", random_state=np.random.RandomState(0),
    )
    streamed_accuracy = []
    for _ in range(PASSES):
        inc.partial_fit(X_train_dask, y_train_dask, classes=classes)
        streamed_accuracy.append(inc.score(X_test_dask, y_test_dask))
    print(f"{inc.estimator_.n_iter_} partial_fit steps "
          f"({PASSES} passes x {X_train_dask.numblocks[0]} chunks)")

# %%
# The comparison: an in-memory :meth:`~skmlp.MLPClassifier.fit` with
# ``batch_size`` equal to the chunk size and ``max_iter`` equal to the number
# of passes takes exactly as many steps of the same size. Only the shuffling
# differs (``fit`` reshuffles the rows every epoch, ``Incremental`` only the
# order of the chunks), so the accuracies are close.

if HAVE_DASK:
    in_memory = MLPClassifier(
        hidden_layer_sizes=(32,), learning_rate_init=1e-2, random_state=0,
        batch_size=CHUNK, max_iter=PASSES, tol=0.0, n_iter_no_change=PASSES + 1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # exactly PASSES epochs
        in_memory.fit(X_train, y_train)
    in_memory_accuracy = in_memory.score(X_test, y_test)
    print(f"held-out accuracy: streamed {streamed_accuracy[-1]:.3f}, "
          f"in-memory fit {in_memory_accuracy:.3f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, PASSES + 1), streamed_accuracy, "o-",
            label=f"Incremental over {CHUNK}-row dask chunks")
    ax.axhline(in_memory_accuracy, color="C1", linestyle="--",
               label=f"in-memory fit, batch_size={CHUNK}, max_iter={PASSES}")
    ax.set_xlabel("passes over the training chunks")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("One partial_fit step per dask chunk")
    ax.legend(loc="lower right")
    fig.tight_layout()

# %%
# Predicting and scoring stay lazy and parallel: on a dask array,
# ``Incremental.predict`` returns a dask array with one task per chunk.

if HAVE_DASK:
    predicted = inc.predict(X_test_dask)
    print(f"predictions: a lazy {type(predicted).__module__}.{type(predicted).__name__} in "
          f"{predicted.numblocks[0]} chunks of {predicted.chunks[0][0]} rows")
    print("first predictions:", predicted[:10].compute(), "true:", y_test[:10])

# %%
# A plain ``partial_fit`` loop over dask chunks
# ---------------------------------------------
#
# dask-ml's adaptive searches (``IncrementalSearchCV``,
# ``HyperbandSearchCV``) fail with current dask releases (see
# :ref:`scaling`). Their idea is simple to write by hand: train several
# candidates a few steps at a time, score them on held-out data, and keep
# training only the better half (*successive halving*). Each candidate lives
# on the cluster as a future, and each step is one task,
# ``MLPClassifier.partial_fit(model, chunk_X, chunk_y)``, which returns the
# updated model. The chunks are computed once and stay on the workers.

if HAVE_DASK:
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=0.25, stratify=y_train, random_state=0
    )
    X_chunks = client.compute(da.from_array(X_fit, chunks=(CHUNK, -1)).to_delayed().ravel().tolist())
    y_chunks = client.compute(da.from_array(y_fit, chunks=CHUNK).to_delayed().ravel().tolist())
    X_val_f, y_val_f = client.scatter([X_val, y_val])

    candidates = [
        {"hidden_layer_sizes": h, "learning_rate_init": lr}
        for h in [(16,), (64,)] for lr in [3e-4, 1e-3, 3e-3, 1e-2]
    ]
    models = {i: client.submit(MLPClassifier, random_state=0, **params)
              for i, params in enumerate(candidates)}
    history = {i: [] for i in models}
    rng = np.random.default_rng(0)
    steps, taken = 12, 0
    while True:
        for _ in range(steps):  # the same random chunk for every surviving model
            j = rng.integers(len(X_chunks))
            for i in models:
                models[i] = client.submit(MLPClassifier.partial_fit, models[i], X_chunks[j],
                                          y_chunks[j], classes=classes, pure=False)
        taken += steps
        scores = client.gather({i: client.submit(MLPClassifier.score, m, X_val_f, y_val_f)
                                for i, m in models.items()})
        for i, score in scores.items():
            history[i].append((taken, score))
        if len(models) == 1:
            break
        keep = sorted(scores, key=scores.get, reverse=True)[:len(models) // 2]
        models = {i: models[i] for i in keep}
        steps *= 2

    (best,) = models
    best_model = models[best].result()
    print(f"best candidate: {candidates[best]} after {taken} steps, "
          f"validation {scores[best]:.3f}, held-out {best_model.score(X_test, y_test):.3f}")

    fig, ax = plt.subplots(figsize=(7.5, 3.5))
    for i, points in history.items():
        steps_taken, accuracy = zip(*points)
        params = candidates[i]
        ax.plot(steps_taken, accuracy, "o-", lw=2.5 if i == best else 1,
                label=f"{params['hidden_layer_sizes']}, lr={params['learning_rate_init']:g}")
    ax.set_xticks([step for step, _ in history[best]])
    ax.set_xlabel("partial_fit steps taken (one chunk each)")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Successive halving with partial_fit tasks on the cluster")
    ax.legend(fontsize="small", title="hidden layers, learning rate",
              title_fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()

# %%
# Closing the cluster
# -------------------
#
# A script that starts a cluster closes it, which stops the workers.

if HAVE_DASK:
    client.close()
    cluster.close()
