"""Benchmark skmlp's MLPRegressor against scikit-learn's, fit time and R^2.

Only the public API of both libraries is used::

    from skmlp import MLPRegressor
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor

The data are synthetic: scikit-learn's Friedman #1 problem
(:func:`sklearn.datasets.make_friedman1`, a non-linear function of 5 of the
20 features plus Gaussian noise), because scikit-learn's large bundled
regression sets (California housing, ...) are downloaded on first use and
this benchmark must run offline. Features are uniform on [0, 1]; the target
is standardised with the training rows' mean and standard deviation.

Two configurations:

* ``sklearn-defaults``: scikit-learn's defaults, ``(100,)`` relu units and
  Adam with mini-batches of 200, on 60,000 training rows;
* ``wide``: ``(512, 512)`` relu units, Adam, mini-batches of 256, on
  10,000 training rows.

For each, as in ``bench_fit.py``: milliseconds per epoch as the median over
``--rounds`` alternating rounds (skmlp, sklearn, skmlp, ...), both libraries
running exactly ``max_iter`` epochs (``tol=0``, a huge ``n_iter_no_change``)
in float32; held-out R^2 on 10,000 rows averaged over the rounds (round
``r`` uses ``random_state=r`` in both libraries); and the ratio of the
median times (sklearn / skmlp).

Usage (from the repository root)::

    python benchmarks/bench_regression.py --rounds 3 --blas-threads 1
    python benchmarks/bench_regression.py --quick      # smoke test, seconds
"""

import argparse
import contextlib
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import threadpoolctl
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from bench_fit import COMMON, RESULTS_DIR, machine_info, machine_line, timed_fit
from skmlp import MLPRegressor

N_TEST = 10_000
DTYPE = np.float32

CONFIGS = {
    "sklearn-defaults": dict(hidden_layer_sizes=(100,), activation="relu", solver="adam",
                             batch_size=200, max_iter=10, n_train=60_000),
    "wide": dict(hidden_layer_sizes=(512, 512), activation="relu", solver="adam",
                 batch_size=256, max_iter=3, n_train=10_000),
}


def make_data(n_train, random_state=0):
    """Friedman #1 rows in float32, the target standardised on the training rows.

    Returns
    -------
    X_train : ndarray of shape (n_train, 20)
    y_train : ndarray of shape (n_train,)
    X_test : ndarray of shape (10000, 20)
    y_test : ndarray of shape (10000,)
    """
    X, y = make_friedman1(n_samples=n_train + N_TEST, n_features=20, noise=1.0,
                          random_state=random_state)
    mean, std = y[:n_train].mean(), y[:n_train].std()
    X, y = X.astype(DTYPE), ((y - mean) / std).astype(DTYPE)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def compare_fits(params, data, rounds):
    """Alternate skmlp and sklearn fits; per-round ms per epoch and held-out R^2."""
    X, y, X_test, y_test = data
    out = {lib: {"ms_per_epoch": [], "r2": []} for lib in ("skmlp", "sklearn")}
    for r in range(rounds):
        for lib, Estimator in (("skmlp", MLPRegressor), ("sklearn", SkMLPRegressor)):
            est = Estimator(**{**COMMON, **params, "random_state": r})
            seconds = timed_fit(est, X, y)
            out[lib]["ms_per_epoch"].append(1e3 * seconds / est.n_iter_)
            out[lib]["r2"].append(float(est.score(X_test, y_test)))
    return out


def run_config(config, opts):
    """Time and score one configuration; returns a dict of results."""
    params = dict(config)
    n_train = min(params.pop("n_train"), opts.n_rows or 10**9)
    params["max_iter"] = min(params["max_iter"], opts.max_iter or 10**9)
    data = make_data(n_train)
    runs = compare_fits(params, data, opts.rounds)
    res = {"params": {**COMMON, **params}, "n_train": n_train, "n_test": N_TEST,
           "rounds": runs}
    for lib, run in runs.items():
        res[f"{lib}_ms_per_epoch"] = statistics.median(run["ms_per_epoch"])
        res[f"{lib}_r2"] = statistics.mean(run["r2"])
    res["speedup"] = res["sklearn_ms_per_epoch"] / res["skmlp_ms_per_epoch"]
    res["r2_diff"] = res["skmlp_r2"] - res["sklearn_r2"]
    return res


def print_report(report):
    """A markdown table of the configurations on stdout."""
    print(machine_line(report["machine"]))
    print(f"rounds={report['options']['rounds']} "
          f"blas_threads={report['options']['blas_threads']}\n")
    print("| config | rows | epochs | skmlp ms/epoch | sklearn ms/epoch | speed-up "
          "| skmlp R^2 | sklearn R^2 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, res in report["configs"].items():
        print(f"| {name} | {res['n_train']} | {res['params']['max_iter']} "
              f"| {res['skmlp_ms_per_epoch']:.1f} | {res['sklearn_ms_per_epoch']:.1f} "
              f"| {res['speedup']:.2f}x | {res['skmlp_r2']:.4f} | {res['sklearn_r2']:.4f} |")


def parse_args(argv=None):
    """Command-line options; ``--quick`` fills in small sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (3)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 round, 2,000 rows, at most 2 epochs")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads for both libraries (threadpoolctl)")
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/bench_regression.json)")
    opts = parser.parse_args(argv)
    opts.rounds = opts.rounds or (1 if opts.quick else 3)
    opts.n_rows, opts.max_iter = (2_000, 2) if opts.quick else (None, None)
    name = "bench_regression_quick.json" if opts.quick else "bench_regression.json"
    opts.output = opts.output or RESULTS_DIR / name
    return opts


def main(argv=None):
    """Run the benchmark, write the JSON file and print the table."""
    opts = parse_args(argv)
    limit = (threadpoolctl.threadpool_limits(limits=opts.blas_threads, user_api="blas")
             if opts.blas_threads else contextlib.nullcontext())
    start = time.perf_counter()
    report = {"machine": machine_info(),
              "options": {"quick": opts.quick, "rounds": opts.rounds,
                          "blas_threads": opts.blas_threads}, "configs": {}}
    with limit, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, config in CONFIGS.items():
            print(f"[bench_regression] config {name} ...", file=sys.stderr, flush=True)
            report["configs"][name] = run_config(config, opts)
    report["wall_time_s"] = time.perf_counter() - start
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
