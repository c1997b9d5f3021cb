"""Time the same GridSearchCV locally and on a dask.distributed cluster.

Only public APIs are used (skmlp, scikit-learn, joblib, dask, distributed,
dask-ml). Needs the ``dask`` extra: ``pip install ".[dask]"``.

For each of two workloads, one ``GridSearchCV`` over a ``Pipeline``
(``StandardScaler`` then :class:`skmlp.MLPClassifier`) and a grid over
``hidden_layer_sizes`` and ``learning_rate_init`` is fitted with four
parallel set-ups, in one process and one run:

* ``local, n_jobs=1``: one process, NumPy's BLAS with its default threads;
* ``local, n_jobs=1, 1 BLAS thread``: the same under
  ``threadpoolctl.threadpool_limits(1)``, because two-thread OpenBLAS slows
  down a lot when another process holds one of the two cores;
* ``local, n_jobs=2 (loky)``: joblib's default process pool of two workers
  (joblib gives each worker ``cores // n_jobs`` BLAS threads);
* ``dask LocalCluster``: ``LocalCluster(host="127.0.0.1", n_workers=2,
  threads_per_worker=1, processes=True)`` through
  ``joblib.parallel_backend("dask")``; the nanny gives each worker one BLAS
  thread.

The workloads are ``digits`` (scikit-learn's 8x8 digits: 27 small fits of a
fraction of a second each, so overheads dominate) and ``synthetic``
(``make_classification`` with 20,000 rows and 100 features: 12 fits of
about half a second each on an idle core). Every set-up is warmed up once
(untimed: it starts the pool's processes and imports skmlp in them), then
the set-ups are timed in turn, ``--rounds`` times, and the table gives the
fastest round; every round is in the JSON. The cluster's start-up time is reported on its own.

A second table times out-of-core training on the cluster: ``--passes``
passes of ``dask_ml.wrappers.Incremental`` over a dask array of 64-row
chunks (one ``partial_fit`` step per chunk), against the same number of
``partial_fit`` calls on in-memory chunks in this process.

A third section times data-parallel training (:mod:`skmlp.dask`):
L-BFGS on ``--rows`` rows (default 2,000,000, 20 features, a (16,) network)
made on the two workers with ``dask.array.random`` and kept there, against
the same fit in memory in this process with one BLAS thread: seconds per
iteration, and the bytes the workers sent (their ``transfer_outgoing_log``)
per evaluation. ``--data-parallel-only`` runs only this section.

Usage (from the repository root)::

    python benchmarks/bench_dask.py             # about 3 minutes on 2 cores
    python benchmarks/bench_dask.py --quick     # smoke test, numbers meaningless

A markdown report goes to stdout, progress to stderr, and every number to
``--output`` (default ``benchmarks/results/bench_dask.json``, git-ignored).
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    import dask
    import dask.array as da
    import dask_ml
    import distributed
    from dask_ml.wrappers import Incremental
    from distributed import Client, LocalCluster
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.exit(f"bench_dask.py needs the dask extra (pip install '.[dask]' from a checkout): {exc}")

import joblib
import sklearn
import threadpoolctl
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPClassifier

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
SETUPS = ("local, n_jobs=1", "local, n_jobs=1, 1 BLAS thread", "local, n_jobs=2 (loky)",
          "dask LocalCluster")
CHUNK = 64


def log(message):
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ machine
def machine_info():
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    blas = [
        {key: info.get(key) for key in ("internal_api", "version", "num_threads",
                                         "threading_layer", "architecture")}
        for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"
    ]
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "versions": {
            "skmlp": skmlp.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "joblib": joblib.__version__,
            "dask": dask.__version__, "distributed": distributed.__version__,
            "dask-ml": dask_ml.__version__,
        },
        "blas": blas,
    }


def load_average():
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


# ---------------------------------------------------------------- workloads
def workloads(quick):
    X_digits, y_digits = load_digits(return_X_y=True)
    X_syn, y_syn = make_classification(
        n_samples=4_000 if quick else 20_000, n_features=100, n_informative=40,
        n_classes=5, random_state=0,
    )
    return {
        "digits": dict(
            X=X_digits, y=y_digits, max_iter=5 if quick else 30,
            grid={"mlp__hidden_layer_sizes": [(16,), (64,), (128, 64)],
                  "mlp__learning_rate_init": [1e-3, 1e-2, 1e-1]},
        ),
        "synthetic": dict(
            X=X_syn, y=y_syn, max_iter=2 if quick else 10,
            grid={"mlp__hidden_layer_sizes": [(64,), (256,)],
                  "mlp__learning_rate_init": [1e-3, 1e-2]},
        ),
    }


def make_search(work, n_jobs):
    pipe = Pipeline([
        ("scaler", StandardScaler()),
        ("mlp", MLPClassifier(max_iter=work["max_iter"], random_state=0)),
    ])
    return GridSearchCV(pipe, work["grid"], cv=3, n_jobs=n_jobs)


def run_search(setup, work):
    """Fit the search with ``setup``; return (seconds, fitted search)."""
    n_jobs = 2 if "loky" in setup else -1 if "dask" in setup else 1
    backend = "dask" if "dask" in setup else "loky"
    blas_threads = 1 if "1 BLAS thread" in setup else None
    search = make_search(work, n_jobs)
    with warnings.catch_warnings(), joblib.parallel_backend(backend), \
            threadpoolctl.threadpool_limits(limits=blas_threads):
        # A fixed budget of epochs on purpose; scikit-learn passes this filter
        # on to its workers.
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(work["X"], work["y"])
        seconds = time.perf_counter() - start
    return seconds, search


# -------------------------------------------------------------- out of core
def run_incremental(X, y, passes):
    """Seconds for ``passes`` passes of Incremental on the cluster and locally."""
    classes = np.unique(y)
    X_dask = da.from_array(X, chunks=(CHUNK, -1)).persist()
    y_dask = da.from_array(y, chunks=CHUNK).persist()
    n_blocks = X_dask.numblocks[0]

    inc = Incremental(MLPClassifier(hidden_layer_sizes=(64,), random_state=0),
                      scoring="accuracy", random_state=np.random.RandomState(0))
    start = time.perf_counter()
    for _ in range(passes):
        inc.partial_fit(X_dask, y_dask, classes=classes)
    cluster_seconds = time.perf_counter() - start

    local = MLPClassifier(hidden_layer_sizes=(64,), random_state=0)
    rng = np.random.RandomState(0)
    starts = np.arange(0, len(X), CHUNK)
    start = time.perf_counter()
    for _ in range(passes):
        for first in starts[rng.permutation(len(starts))]:
            local.partial_fit(X[first:first + CHUNK], y[first:first + CHUNK], classes=classes)
    local_seconds = time.perf_counter() - start
    return {
        "passes": passes, "chunks_per_pass": n_blocks, "steps": passes * n_blocks,
        "cluster_seconds": cluster_seconds, "local_seconds": local_seconds,
        "cluster_accuracy_on_train": float(inc.score(X_dask, y_dask)),
        "local_accuracy_on_train": float(local.score(X, y)),
    }


# ------------------------------------------------------------- data-parallel
def _bytes_sent(client):
    return sum(client.run(lambda dask_worker: sum(
        entry["total"] for entry in dask_worker.transfer_outgoing_log)).values())


def run_data_parallel(client, n_rows, max_iter=10):
    """L-BFGS over shards on the workers against the same fit in memory."""
    from skmlp.dask import MLPClassifier as DataParallelClassifier

    rng = da.random.default_rng(0)
    X = rng.normal(size=(n_rows, 20), chunks=(min(250_000, n_rows), 20))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
    X, y = client.persist([X, y])
    distributed.wait([X, y])
    params = dict(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=max_iter, tol=0.0,
                  random_state=0)
    model = DataParallelClassifier(**params)
    sent, start = _bytes_sent(client), time.perf_counter()
    model.fit(X, y)
    cluster_seconds, moved = time.perf_counter() - start, _bytes_sent(client) - sent
    X_np, y_np = dask.compute(X, y)
    with threadpoolctl.threadpool_limits(limits=1):
        start = time.perf_counter()
        local = MLPClassifier(**params).fit(X_np, y_np)
        local_seconds = time.perf_counter() - start
    return {
        "rows": n_rows, "features": 20, "chunks": X.numblocks[0], "data_bytes": X_np.nbytes,
        "n_params": sum(c.size for c in model.coefs_ + model.intercepts_),
        "iterations": model.n_iter_, "cluster_seconds": cluster_seconds,
        "local_seconds": local_seconds, "bytes_sent_by_workers": moved,
        "loss_cluster": model.loss_, "loss_local": local.loss_,
    }


def data_parallel_report(res):
    per_iteration = res["iterations"] or 1
    return "\n".join([
        f"Data-parallel L-BFGS: {res['rows']:,} rows x {res['features']} features "
        f"({res['data_bytes'] / 2**20:.0f} MiB) in {res['chunks']} chunks on 2 workers, "
        f"a (16,) network ({res['n_params']} parameters), {res['iterations']} iterations.",
        "",
        "| where | seconds | s per iteration | bytes sent by workers per iteration | final loss |",
        "|---|---|---|---|---|",
        f"| skmlp.dask on the cluster | {res['cluster_seconds']:.1f} | "
        f"{res['cluster_seconds'] / per_iteration:.2f} | "
        f"{res['bytes_sent_by_workers'] / per_iteration:,.0f} | {res['loss_cluster']:.8f} |",
        f"| skmlp in memory, 1 BLAS thread | {res['local_seconds']:.1f} | "
        f"{res['local_seconds'] / per_iteration:.2f} | - | {res['loss_local']:.8f} |",
    ])


# -------------------------------------------------------------------- report
def report(results):
    lines = []
    machine = results["machine"]
    lines.append("# skmlp GridSearchCV: local vs dask.distributed")
    lines.append("")
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    blas = "; ".join(f"{b['internal_api']} {b['version']} ({b['num_threads']} threads)"
                     for b in machine["blas"]) or "unknown"
    lines.append(f"Machine: {machine['cpu']}, {machine['logical_cpus']} logical CPUs, "
                 f"{machine['memory_gib']} GiB, {machine['platform']}, Python {machine['python']}.")
    lines.append(f"BLAS: {blas}. Versions: {versions}.")
    lines.append(f"Load average (1, 5, 15 min) at start {results['load_start']}, "
                 f"at end {results['load_end']}. Cluster start-up: "
                 f"{results['cluster_startup_seconds']:.1f} s (not in the table).")
    lines.append("")
    lines.append("| workload | fits | " + " | ".join(SETUPS) + " | best parameters |")
    lines.append("|---|---|" + "---|" * len(SETUPS) + "---|")
    for name, res in results["searches"].items():
        best = {setup: min(times) for setup, times in res["seconds"].items()}
        cells = [f"{best[setup]:.1f} s" for setup in SETUPS]
        params = res["best_params"]
        same = "same in all" if res["same_best_params"] else "DIFFERENT"
        lines.append(f"| {name} | {res['n_fits']} | " + " | ".join(cells)
                     + f" | {same}: {params} |")
    inc = results["incremental"]
    lines.append("")
    lines.append(f"Out-of-core: {inc['passes']} passes over {inc['chunks_per_pass']} chunks of "
                 f"{CHUNK} rows ({inc['steps']} partial_fit steps).")
    lines.append("")
    lines.append("| where | seconds | ms per step | training accuracy |")
    lines.append("|---|---|---|---|")
    for where, key in (("dask_ml Incremental on the cluster", "cluster"),
                       ("partial_fit loop in this process", "local")):
        seconds = inc[f"{key}_seconds"]
        lines.append(f"| {where} | {seconds:.2f} | {1000 * seconds / inc['steps']:.1f} | "
                     f"{inc[f'{key}_accuracy_on_train']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test with tiny workloads")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds per set-up (default 2, 1 with --quick)")
    parser.add_argument("--passes", type=int, default=None,
                        help="passes of the out-of-core section (default 5, 1 with --quick)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file for every number")
    parser.add_argument("--rows", type=int, default=None,
                        help="rows of the data-parallel section (default 2,000,000)")
    parser.add_argument("--data-parallel-only", action="store_true",
                        help="run only the data-parallel section")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 2)
    passes = args.passes or (1 if args.quick else 5)
    output = args.output or RESULTS_DIR / ("bench_dask_quick.json" if args.quick
                                           else "bench_dask.json")

    results = {"machine": machine_info(), "load_start": load_average(), "rounds": rounds,
               "searches": {}}
    log("starting the LocalCluster ...")
    start = time.perf_counter()
    with LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        results["cluster_startup_seconds"] = time.perf_counter() - start
        results["cluster"] = {"workers": len(client.scheduler_info()["workers"]),
                              "threads_per_worker": 1}
        rows = args.rows or (20_000 if args.quick else 2_000_000)
        log(f"data-parallel section: {rows} rows")
        results["data_parallel"] = run_data_parallel(client, rows)
        if args.data_parallel_only:
            print(data_parallel_report(results["data_parallel"]))
            return 0
        all_work = workloads(args.quick)
        for name, work in all_work.items():
            # Untimed warm-up of every set-up: pool processes start, skmlp imports.
            log(f"{name}: warming up")
            small = dict(work, max_iter=1, grid={key: values[:1]
                                                 for key, values in work["grid"].items()})
            for setup in SETUPS:
                run_search(setup, small)
            seconds = {setup: [] for setup in SETUPS}
            best_params = {}
            for round_ in range(rounds):
                for setup in SETUPS:
                    elapsed, search = run_search(setup, work)
                    seconds[setup].append(elapsed)
                    best_params[setup] = search.best_params_
                    log(f"{name}: round {round_ + 1}, {setup}: {elapsed:.2f} s")
            n_candidates = len(search.cv_results_["params"])
            reference = best_params[SETUPS[0]]
            results["searches"][name] = {
                "n_rows": int(work["X"].shape[0]), "n_features": int(work["X"].shape[1]),
                "max_iter": work["max_iter"], "n_candidates": n_candidates,
                "n_fits": 3 * n_candidates, "seconds": seconds,
                "best_params": {key.removeprefix("mlp__"): value
                                for key, value in reference.items()},
                "same_best_params": all(params == reference for params in best_params.values()),
            }
        log("out-of-core section")
        X, y = all_work["digits"]["X"] / 16.0, all_work["digits"]["y"]
        results["incremental"] = run_incremental(X, y, passes)
    results["load_end"] = load_average()

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str))
    print(report(results))
    print()
    print(data_parallel_report(results["data_parallel"]))
    log(f"every number: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
