"""Benchmark skmlp's MLPClassifier against scikit-learn's, fit and predict.

Only the public API of both libraries is used::

    from skmlp import MLPClassifier
    from sklearn.neural_network import MLPClassifier as SkMLP

What is measured, for three configurations on MNIST's standard split (train
on the 60,000 training images, or the first ``--n-train`` of them, and score
on the 10,000 test images):

* fit time, as the median over ``--rounds`` alternating rounds (skmlp,
  sklearn, skmlp, sklearn, ...) of milliseconds per epoch (fit time divided
  by ``n_iter_``); both estimators run exactly ``max_iter`` epochs
  (``tol=0`` and a huge ``n_iter_no_change``), in float32;
* test accuracy, the mean over the rounds (round ``r`` uses
  ``random_state=r`` in both libraries), and ``predict_proba`` throughput
  (median over alternating repeats);
* the float32 GEMM throughput of this machine for the matrix products one
  mini-batch of backpropagation needs, and the share of that limit skmlp
  reaches over a whole epoch (``fraction_of_gemm``), and the speed-up over
  sklearn that running at 100% of that limit would give (``speedup_ceiling``:
  both libraries compute the same matrix products);
* two reference loops on the same data (``reference_loops.py``; skip them
  with ``--no-reference``): the bare-NumPy floor, the configuration's
  mathematics hand-written in float32 NumPy with preallocated buffers, and a
  plain PyTorch CPU loop (only where ``torch`` is importable, "n/a"
  otherwise). After a warm-up epoch, the median ms/epoch of a few epochs
  gives each its share of the GEMM limit (as ``fraction_of_gemm``) and
  skmlp's speed-up over it (its ms/epoch over skmlp's); its test accuracy
  shows that it trains;
* peak traced memory of one fit of each (``tracemalloc``, in separate,
  untimed runs).

A "scale" section then fits the scikit-learn default settings for two epochs
on 15,000 and 60,000 synthetic rows, to check that time grows linearly with
the number of rows and that fitting does not copy the data.

Usage (from the repository root)::

    python benchmarks/bench_fit.py                 # full run, about 10 minutes
    python benchmarks/bench_fit.py --n-train 10000 --rounds 1   # a smaller run
    python benchmarks/bench_fit.py --quick         # smoke test, seconds
    python benchmarks/bench_fit.py --no-scale --rounds 5 \\
        --mnist-dir /path/to/mnist --output /tmp/bench.json
    python benchmarks/bench_fit.py --no-reference  # without the reference loops

The four MNIST files are read with :func:`skmlp.datasets.load_mnist` from
``--mnist-dir`` (default ``../shared/data/mnist`` next to the repository);
they are never copied into the repository. A
markdown table goes to stdout and every number to the JSON file ``--output``
(default ``benchmarks/results/bench_fit.json``, or ``bench_fit_quick.json``
with ``--quick``).
"""

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import traceback
import warnings
from pathlib import Path

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP

import skmlp
from skmlp import MLPClassifier
from skmlp.datasets import load_mnist

# A sibling module: run as a script, this file's folder is sys.path[0].
import reference_loops

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST_DIR = (REPO_ROOT / ".." / "shared" / "data" / "mnist").resolve()
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
RANDOM_STATE = 0
DTYPE = np.float32

#: Settings common to every fit: run exactly ``max_iter`` epochs.
COMMON = dict(shuffle=True, random_state=RANDOM_STATE, tol=0.0, n_iter_no_change=10**6)

CONFIGS = {
    "classic": dict(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
                    batch_size=10, learning_rate_init=0.5, momentum=0.0, max_iter=10),
    "sklearn-defaults": dict(hidden_layer_sizes=(100,), activation="relu", solver="adam",
                             batch_size=200, max_iter=30),
    "wide": dict(hidden_layer_sizes=(512, 512), activation="relu", solver="adam",
                 batch_size=256, max_iter=10),
}

#: Minimum speed-up (sklearn time / skmlp time) wanted per configuration.
SPEEDUP_TARGETS = {"classic": 2.5, "sklearn-defaults": 2.0, "wide": 1.8}
#: Minimum share of the GEMM limit wanted per configuration (issue 21).
GEMM_FRACTION_TARGETS = {"classic": 0.30, "sklearn-defaults": 0.55, "wide": 0.70}
PROBA_TARGET = 1.5
ACCURACY_TOLERANCE = 0.005  # half a percentage point
MEMORY_TARGET = 0.25
SCALING_RANGE = (3.6, 4.4)


# --------------------------------------------------------------------- data
def load_data(mnist_dir, n_train=None):
    """MNIST's standard split as float32: (X_train, y_train, X_test, y_test).

    ``n_train`` keeps the first training images only (all 60,000 if None);
    the test images are always all 10,000. Exits with status 2, saying
    which files are missing, when ``mnist_dir`` lacks any of the four files.
    """
    try:
        X_train, X_test, y_train, y_test = load_mnist(mnist_dir, dtype=DTYPE, n_train=n_train)
    except FileNotFoundError as exc:
        print(f"error: {exc}\n  pass the directory holding them with --mnist-dir",
              file=sys.stderr)
        sys.exit(2)
    return X_train, y_train, X_test, y_test


# ------------------------------------------------------------------ machine
def cpu_model():
    """CPU model name from ``/proc/cpuinfo`` (or :func:`platform.processor`)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info():
    """Platform, CPU, core count, library versions and BLAS libraries.

    Returns
    -------
    info : dict
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    blas = [{**{k: lib.get(k) for k in ("user_api", "internal_api", "version", "num_threads",
                                        "threading_layer", "architecture")},
             "file": Path(lib.get("filepath", "")).name}
            for lib in threadpoolctl.threadpool_info()]
    return {
        "platform": platform.platform(), "python": platform.python_version(),
        "cpu": cpu_model(), "nproc": usable, "cpu_count": os.cpu_count(),
        "numpy": np.__version__, "sklearn": sklearn.__version__,
        "skmlp": skmlp.__version__, "blas": blas,
    }


def machine_line(info):
    """One human-readable line summarising :func:`machine_info`."""
    blas = "; ".join(f"{b['internal_api']} {b['version']} ({b['num_threads']} threads, "
                     f"{b['architecture']}, {b['file']})"
                     for b in info["blas"] if b["user_api"] == "blas") or "none found"
    torch = info.get("torch")
    torch = (f"torch {torch['version']} ({torch['threads']} threads)"
             if isinstance(torch, dict) else f"torch: {torch}")
    return (f"{info['platform']} | Python {info['python']} | CPU: {info['cpu']} | "
            f"nproc={info['nproc']} | numpy {info['numpy']} | scikit-learn "
            f"{info['sklearn']} | skmlp {info['skmlp']} | {torch} | BLAS: {blas}")


# -------------------------------------------------------------- estimators
def make_pair(config, max_iter=None, random_state=RANDOM_STATE):
    """A fresh (skmlp, sklearn) pair of estimators with identical parameters."""
    params = {**COMMON, **config, "random_state": random_state}
    if max_iter is not None:
        params["max_iter"] = max_iter
    return MLPClassifier(**params), SkMLP(**params)


def timed_fit(estimator, X, y):
    """Fit ``estimator`` and return the wall time in seconds."""
    gc.collect()
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def proba_rates(skmlp_est, sklearn_est, X, repeats):
    """Median rows per second of ``predict_proba(X)``, the libraries alternating."""
    times = {"skmlp": [], "sklearn": []}
    for est in (skmlp_est, sklearn_est):
        est.predict_proba(X[:10])  # warm-up
    for _ in range(repeats):
        for lib, est in (("skmlp", skmlp_est), ("sklearn", sklearn_est)):
            start = time.perf_counter()
            est.predict_proba(X)
            times[lib].append(time.perf_counter() - start)
    return {lib: len(X) / statistics.median(t) for lib, t in times.items()}


def traced_peak(estimator, X, y):
    """Peak bytes ``tracemalloc`` sees while ``estimator`` fits ``X``.

    ``X`` and ``y`` exist before tracing starts, so the peak is what the fit
    allocates on top of its input (NumPy reports its buffers to tracemalloc;
    BLAS work space does not show).
    """
    gc.collect()
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def warm_up(X, y):
    """One tiny fit of each library, so first-call costs stay out of timings."""
    for est in make_pair(CONFIGS["sklearn-defaults"], max_iter=1):
        est.fit(X[:500], y[:500])


# -------------------------------------------------------------------- GEMM
def layer_units(config, n_features, n_classes):
    """Widths of all layers, input to output."""
    return [n_features, *config["hidden_layer_sizes"], n_classes]


def backprop_products(units, batch):
    """The matrix products of one mini-batch of backpropagation.

    Per layer ``(n_in -> n_out)``: the forward ``X @ W`` of shape
    (batch, n_in) @ (n_in, n_out), the weight gradient ``X.T @ delta`` and,
    except for the first layer (whose input needs no gradient), the input
    gradient ``delta @ W.T``.

    Returns
    -------
    products : list of tuple
        ``(name, m, k, n, transpose_a, transpose_b)`` for an (m, k) @ (k, n)
        product whose operands are transposed views when flagged.
    """
    products = []
    for i, (n_in, n_out) in enumerate(zip(units[:-1], units[1:])):
        products.append((f"L{i} X@W", batch, n_in, n_out, False, False))
        products.append((f"L{i} X.T@dZ", n_in, batch, n_out, True, False))
        if i > 0:
            products.append((f"L{i} dZ@W.T", batch, n_out, n_in, False, True))
    return products


def time_matmul(m, k, n, transpose_a, transpose_b, min_time, rng):
    """Seconds of one float32 ``np.matmul`` of an (m, k) by a (k, n) matrix.

    The best of 5 timed blocks: a throughput *limit*, so the least disturbed
    block by other load on the machine is the one that counts.
    """
    a = rng.random((k, m) if transpose_a else (m, k), dtype=DTYPE)
    b = rng.random((n, k) if transpose_b else (k, n), dtype=DTYPE)
    a, b = (a.T if transpose_a else a), (b.T if transpose_b else b)
    out = np.empty((m, n), dtype=DTYPE)
    np.matmul(a, b, out=out)
    reps, start = 1, time.perf_counter()
    while True:  # calibrate: one block of reps should take about min_time / 5
        for _ in range(reps):
            np.matmul(a, b, out=out)
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / 5 or reps >= 1 << 20:
            break
        reps, start = reps * 2, time.perf_counter()
    per_call = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        per_call.append((time.perf_counter() - start) / reps)
    return min(per_call)


def gemm_limit(units, batch, min_time):
    """Float32 GEMM throughput of this machine for one mini-batch's products.

    Returns
    -------
    result : dict
        ``gflops``: total FLOPs of the products over their total measured time,
        in GFLOP/s; ``batch_flop``: FLOPs of one mini-batch; ``products``:
        the per-product shapes and GFLOP/s.
    """
    rng = np.random.default_rng(RANDOM_STATE)
    total_flop, total_time, details = 0, 0.0, []
    for name, m, k, n, ta, tb in backprop_products(units, batch):
        seconds = time_matmul(m, k, n, ta, tb, min_time, rng)
        flop = 2 * m * k * n
        total_flop, total_time = total_flop + flop, total_time + seconds
        details.append({"name": name, "shape": f"({m},{k})@({k},{n})",
                        "gflops": flop / seconds / 1e9})
    return {"gflops": total_flop / total_time / 1e9, "batch_flop": total_flop,
            "products": details}


# ------------------------------------------------------------ configurations
def compare_fits(config, X, y, rounds, max_iter):
    """Alternate skmlp and sklearn fits over ``rounds`` rounds.

    Returns
    -------
    ms_per_epoch : dict
        Lists of per-round milliseconds per epoch, keyed "skmlp" and "sklearn".
    n_iter : dict
        ``n_iter_`` of each library's last fit.
    estimators : dict
        Lists of the fitted estimators of every round. Round ``r`` uses
        ``random_state=RANDOM_STATE + r`` for both libraries, so accuracy can
        be averaged over initialisations (one seed's accuracy on 2,000 digits
        varies by several tenths of a point).
    """
    ms_per_epoch, n_iter = {"skmlp": [], "sklearn": []}, {}
    estimators = {"skmlp": [], "sklearn": []}
    for r in range(rounds):
        for lib, est in zip(("skmlp", "sklearn"),
                            make_pair(config, max_iter, random_state=RANDOM_STATE + r)):
            seconds = timed_fit(est, X, y)
            ms_per_epoch[lib].append(1e3 * seconds / est.n_iter_)
            n_iter[lib] = int(est.n_iter_)
            estimators[lib].append(est)
    return ms_per_epoch, n_iter, estimators


def run_config(config, data, opts):
    """Time, score, profile and measure memory of one configuration.

    Parameters
    ----------
    config : dict
        Estimator parameters (see ``CONFIGS``).
    data : tuple
        ``(X_train, y_train, X_test, y_test)``.
    opts : argparse.Namespace
        With ``rounds``, ``max_iter``, ``proba_repeats``, ``gemm_time``.

    Returns
    -------
    result : dict
    """
    X, y, X_test, y_test = data
    max_iter = min(config["max_iter"], opts.max_iter or config["max_iter"])
    times, n_iter, ests = compare_fits(config, X, y, opts.rounds, max_iter)
    res = {"params": {**COMMON, **config, "max_iter": max_iter},
           "n_train": len(X), "n_iter": n_iter, "ms_per_epoch_rounds": times}
    for lib in ("skmlp", "sklearn"):
        res[f"{lib}_ms_per_epoch"] = statistics.median(times[lib])
        res[f"{lib}_best_ms_per_epoch"] = min(times[lib])
        accuracies = [float(est.score(X_test, y_test)) for est in ests[lib]]
        res[f"{lib}_accuracy_rounds"] = accuracies
        res[f"{lib}_accuracy"] = statistics.mean(accuracies)
        res[f"{lib}_coef_dtype"] = str(ests[lib][-1].coefs_[0].dtype)
    # predict_proba on 2,000 and on all 10,000 test images.
    for key, rows in (("proba", X_test[:2_000]), ("proba_all", X_test)):
        rates = proba_rates(ests["skmlp"][-1], ests["sklearn"][-1], rows, opts.proba_repeats)
        for lib in ("skmlp", "sklearn"):
            res[f"{lib}_{key}_rows_per_s"] = rates[lib]
    res["speedup"] = res["sklearn_ms_per_epoch"] / res["skmlp_ms_per_epoch"]
    res["speedup_best"] = res["sklearn_best_ms_per_epoch"] / res["skmlp_best_ms_per_epoch"]
    res["proba_ratio"] = res["skmlp_proba_rows_per_s"] / res["sklearn_proba_rows_per_s"]
    res["proba_all_ratio"] = (res["skmlp_proba_all_rows_per_s"]
                              / res["sklearn_proba_all_rows_per_s"])
    res["accuracy_diff"] = res["skmlp_accuracy"] - res["sklearn_accuracy"]
    units = layer_units(config, X.shape[1], len(np.unique(y)))
    res.update(gemm_section(units, config["batch_size"], len(X), res, opts.gemm_time))
    res.update(reference_section(config, data, res, opts))
    res.update(memory_section(config, X, y, max_iter=1))  # the peak of one epoch
    return res


def gemm_section(units, batch, n_samples, res, min_time):
    """GEMM limit and the fraction of it one skmlp epoch reaches."""
    gemm = gemm_limit(units, batch, min_time)
    epoch_flop = gemm["batch_flop"] * n_samples / batch
    skmlp_gflops = epoch_flop / (res["skmlp_ms_per_epoch"] / 1e3) / 1e9
    sklearn_gflops = epoch_flop / (res["sklearn_ms_per_epoch"] / 1e3) / 1e9
    return {"layer_units": units, "gemm_gflops": gemm["gflops"],
            "gemm_products": gemm["products"], "epoch_gflop": epoch_flop / 1e9,
            "skmlp_gflops": skmlp_gflops, "sklearn_gflops": sklearn_gflops,
            "fraction_of_gemm": skmlp_gflops / gemm["gflops"],
            "sklearn_fraction_of_gemm": sklearn_gflops / gemm["gflops"],
            # Both libraries do the same products; at 100% of the GEMM limit
            # skmlp would be this much faster than sklearn, and no faster.
            "speedup_ceiling": gemm["gflops"] / sklearn_gflops}


def reference_section(config, data, res, opts):
    """The bare-NumPy floor and the plain PyTorch loop (``reference_loops.py``).

    Both train the estimators' network with the estimators' parameters on
    ``data``; their GFLOP/s count the same epoch FLOPs as ``gemm_section``'s
    (whose entries ``res`` must hold). Keys, for ``key`` "floor" and "torch":
    ``{key}_status`` ("ok" or why there is no number; the numbers are then
    None), ``{key}_ms_per_epoch`` (median of ``{key}_ms_per_epoch_epochs``),
    ``{key}_gflops``, ``{key}_fraction_of_gemm``, ``{key}_accuracy``,
    ``{key}_epochs_trained`` and ``speedup_vs_{key}`` (its ms over skmlp's).
    """
    out, spec = {}, make_pair(config)[1].get_params()
    for key in ("floor", "torch"):
        ref = (reference_loops.run_reference(key, spec, data, opts.ref_epochs, RANDOM_STATE)
               if opts.reference else {"status": "skipped (--no-reference)"})
        ms = statistics.median(ref["ms_per_epoch"]) if ref["status"] == "ok" else None
        gflops = None if ms is None else res["epoch_gflop"] / (ms / 1e3)
        out.update({f"{key}_status": ref["status"], f"{key}_ms_per_epoch": ms,
                    f"{key}_ms_per_epoch_epochs": ref.get("ms_per_epoch"),
                    f"{key}_gflops": gflops,
                    f"{key}_fraction_of_gemm": None if ms is None else gflops / res["gemm_gflops"],
                    f"{key}_accuracy": ref.get("accuracy"),
                    f"{key}_epochs_trained": ref.get("epochs_trained"),
                    f"speedup_vs_{key}": None if ms is None else ms / res["skmlp_ms_per_epoch"]})
    return out


def memory_section(config, X, y, max_iter):
    """Traced peak memory of one (untimed) fit of each library."""
    out = {"X_nbytes_mb": X.nbytes / 2**20}
    for lib, est in zip(("skmlp", "sklearn"), make_pair(config, max_iter)):
        extra = traced_peak(est, X, y)
        out[f"{lib}_peak_mb"] = (X.nbytes + extra) / 2**20
        out[f"{lib}_extra_peak_mb"] = extra / 2**20
        out[f"{lib}_extra_fraction"] = extra / X.nbytes
    return out


# ------------------------------------------------------------------- scale
def run_scale(opts):
    """Fit time against rows, and memory, on synthetic data.

    The ``sklearn-defaults`` settings are fitted for ``opts.scale_iter``
    epochs on the first ``opts.scale_rows[0]`` rows and on all
    ``opts.scale_rows[1]`` rows of ``make_classification`` data (784 float32
    features, 10 classes), alternating libraries over ``opts.rounds`` rounds.

    Returns
    -------
    result : dict
    """
    small, big = opts.scale_rows
    X, y = make_classification(n_samples=big, n_features=784, n_informative=50,
                               n_classes=10, random_state=RANDOM_STATE)
    X = np.ascontiguousarray(X, dtype=DTYPE)
    config = CONFIGS["sklearn-defaults"]
    res = {"rows": [small, big], "max_iter": opts.scale_iter, "X_nbytes_mb": X.nbytes / 2**20}
    for n in (small, big):
        times, _, _ = compare_fits(config, X[:n], y[:n], opts.rounds, opts.scale_iter)
        for lib in ("skmlp", "sklearn"):
            res[f"{lib}_ms_per_epoch_{n}"] = statistics.median(times[lib])
    for lib in ("skmlp", "sklearn"):
        res[f"{lib}_ratio"] = res[f"{lib}_ms_per_epoch_{big}"] / res[f"{lib}_ms_per_epoch_{small}"]
    res["speedup_big"] = res[f"sklearn_ms_per_epoch_{big}"] / res[f"skmlp_ms_per_epoch_{big}"]
    for lib, est in zip(("skmlp", "sklearn"), make_pair(config, opts.scale_iter)):
        extra = traced_peak(est, X, y)
        res[f"{lib}_extra_peak_mb"] = extra / 2**20
        res[f"{lib}_extra_fraction"] = extra / X.nbytes
    return res


# ----------------------------------------------------------------- targets
def check_targets(configs, scale):
    """Compare the results with the performance targets.

    Returns
    -------
    targets : list of dict
        ``{"target", "value", "met"}``; ``met`` is None when the measurement
        is missing (a failed configuration or a skipped section).
    """
    def target(text, value, ok):
        """One row: met is None when the value is missing."""
        return {"target": text, "value": value, "met": None if value is None else bool(ok)}

    out = []
    for name, wanted in SPEEDUP_TARGETS.items():
        v = configs.get(name, {}).get("speedup")
        out.append(target(f"{name}: speed-up >= {wanted}x", v, v is not None and v >= wanted))
    for name, wanted in GEMM_FRACTION_TARGETS.items():
        v = configs.get(name, {}).get("fraction_of_gemm")
        out.append(target(f"{name}: fraction of GEMM >= {wanted:.0%}", v,
                          v is not None and v >= wanted))
    for name in CONFIGS:
        v = configs.get(name, {}).get("speedup_vs_torch")  # None without torch: n/a
        out.append(target(f"{name}: faster than PyTorch (torch ms / skmlp ms > 1)", v,
                          v is not None and v > 1))
    for name in CONFIGS:
        v = configs.get(name, {}).get("proba_ratio")
        out.append(target(f"{name}: predict_proba ratio >= {PROBA_TARGET}x", v,
                          v is not None and v >= PROBA_TARGET))
    for name in CONFIGS:
        v = configs.get(name, {}).get("accuracy_diff")
        # The target bounds how far skmlp may fall *below* scikit-learn; being
        # more accurate meets it.
        out.append(target(f"{name}: accuracy at most {100 * ACCURACY_TOLERANCE} pt below sklearn",
                          v, v is not None and v >= -ACCURACY_TOLERANCE))
    v = (scale or {}).get("skmlp_extra_fraction")
    out.append(target(f"scale: skmlp extra peak memory < {MEMORY_TARGET:.0%} of X.nbytes", v,
                      v is not None and v < MEMORY_TARGET))
    v, (lo, hi) = (scale or {}).get("skmlp_ratio"), SCALING_RANGE
    out.append(target(f"scale: skmlp t(big)/t(small) in [{lo}, {hi}]", v,
                      v is not None and lo <= v <= hi))
    return out


# ------------------------------------------------------------------ report
def config_table(configs):
    """Markdown table, one row per configuration."""
    head = ("| config | skmlp ms/epoch | sklearn ms/epoch | speed-up | acc skmlp | acc sklearn "
            "| proba skmlp rows/s | proba sklearn rows/s | proba ratio (2k / 10k) "
            "| GEMM GFLOP/s | fraction of GEMM skmlp / sklearn | speed-up ceiling "
            "| peak MB skmlp / sklearn |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for name, r in configs.items():
        if "error" in r:
            lines.append(f"| {name} | FAILED: {r['error']} |")
            continue
        lines.append(
            f"| {name} | {r['skmlp_ms_per_epoch']:.1f} | {r['sklearn_ms_per_epoch']:.1f} "
            f"| {r['speedup']:.2f}x | {100 * r['skmlp_accuracy']:.2f}% "
            f"| {100 * r['sklearn_accuracy']:.2f}% | {r['skmlp_proba_rows_per_s']:,.0f} "
            f"| {r['sklearn_proba_rows_per_s']:,.0f} "
            f"| {r['proba_ratio']:.2f}x / {r['proba_all_ratio']:.2f}x "
            f"| {r['gemm_gflops']:.1f} | {r['fraction_of_gemm']:.0%} / "
            f"{r['sklearn_fraction_of_gemm']:.0%} | {r['speedup_ceiling']:.2f}x "
            f"| {r['skmlp_peak_mb']:.1f} / {r['sklearn_peak_mb']:.1f} |")
    return "\n".join(lines)


def share_table(configs):
    """Markdown table: each loop's share of the GEMM limit, and skmlp against the references."""
    def share(r, lib, fraction_key):
        status = r.get(f"{lib}_status", "ok")  # skmlp and sklearn have none
        return (status if status != "ok" else
                f"{r[fraction_key]:.0%} ({r[f'{lib}_ms_per_epoch']:.1f} ms)")

    def ratio(value):
        return "n/a" if value is None else f"{value:.2f}x"

    lines = ["| config | GEMM GFLOP/s | skmlp | bare NumPy floor | PyTorch | scikit-learn "
             "| skmlp vs PyTorch (torch ms / skmlp ms) | skmlp vs floor (floor ms / skmlp ms) "
             "| test acc floor / PyTorch (epochs) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in configs.items():
        if "error" in r:
            lines.append(f"| {name} | FAILED: {r['error']} |")
            continue
        accs = " / ".join("n/a" if r[f"{k}_accuracy"] is None else
                          f"{100 * r[f'{k}_accuracy']:.2f}% ({r[f'{k}_epochs_trained']})"
                          for k in ("floor", "torch"))
        lines.append(f"| {name} | {r['gemm_gflops']:.1f} "
                     f"| {share(r, 'skmlp', 'fraction_of_gemm')} "
                     f"| {share(r, 'floor', 'floor_fraction_of_gemm')} "
                     f"| {share(r, 'torch', 'torch_fraction_of_gemm')} "
                     f"| {share(r, 'sklearn', 'sklearn_fraction_of_gemm')} "
                     f"| {ratio(r['speedup_vs_torch'])} | {ratio(r['speedup_vs_floor'])} "
                     f"| {accs} |")
    return "\n".join(lines)


def scale_table(scale):
    """Markdown table of the scale section."""
    small, big = scale["rows"]
    lines = [f"| library | ms/epoch {small:,} rows | ms/epoch {big:,} rows "
             f"| t({big:,})/t({small:,}) | extra peak MB ({big:,} rows) | extra / X.nbytes |",
             "|---|---|---|---|---|---|"]
    for lib in ("skmlp", "sklearn"):
        lines.append(f"| {lib} | {scale[f'{lib}_ms_per_epoch_{small}']:.1f} "
                     f"| {scale[f'{lib}_ms_per_epoch_{big}']:.1f} | {scale[f'{lib}_ratio']:.2f} "
                     f"| {scale[f'{lib}_extra_peak_mb']:.1f} "
                     f"| {scale[f'{lib}_extra_fraction']:.1%} |")
    return "\n".join(lines)


def targets_table(targets):
    """Markdown table of the targets and whether each is met."""
    lines = ["| target | value | met |", "|---|---|---|"]
    for t in targets:
        value = "n/a" if t["value"] is None else f"{t['value']:.3f}"
        met = {True: "yes", False: "NO", None: "n/a"}[t["met"]]
        lines.append(f"| {t['target']} | {value} | {met} |")
    return "\n".join(lines)


def print_report(report):
    """Print the whole report as markdown to stdout."""
    opts = report["options"]
    quick = " (QUICK smoke test)" if opts["quick"] else ""
    print(f"# skmlp vs scikit-learn MLPClassifier{quick}\n")
    print(f"Machine: {machine_line(report['machine'])}\n")
    load = report["load_average"]
    print(f"Load average (1/5/15 min) at start: {'/'.join(f'{x:.2f}' for x in load['start'])}, "
          f"at end: {'/'.join(f'{x:.2f}' for x in load['end'])} (on {report['machine']['nproc']} "
          "cores; a load above that means other processes shared the CPUs).\n")
    threads = opts["blas_threads"] or "default"
    print(f"MNIST: {report['data']['n_train']:,} training images, {report['data']['n_test']:,} "
          f"test images; float32; {opts['rounds']} alternating round(s); medians; "
          f"BLAS threads: {threads}.\n")
    print(config_table(report["configs"]) + "\n")
    best = ", ".join(f"{name} {r['speedup_best']:.2f}x" for name, r in report["configs"].items()
                     if "error" not in r)
    print(f"Speed-up from each library's best round (less sensitive to other load): {best}\n")
    refs = (f"The reference loops train one warm-up epoch, then time {opts['reference_epochs']} "
            "epoch(s) (median); their test accuracy is after all of them, skmlp's after the "
            "epochs of the table above." if opts["reference"] else
            "Reference loops skipped (--no-reference).")
    print(f"Shares of the GEMM limit (ms/epoch in parentheses). {refs}\n")
    print(share_table(report["configs"]) + "\n")
    scale = report["scale"]
    if scale is None:
        print("Scale section skipped.\n")
    elif "error" in scale:
        print(f"Scale section FAILED: {scale['error']}\n")
    else:
        print(f"Scale (make_classification, 784 float32 features, sklearn-defaults settings, "
              f"max_iter={scale['max_iter']}; skmlp speed-up at {scale['rows'][1]:,} rows: "
              f"{scale['speedup_big']:.2f}x):\n")
        print(scale_table(scale) + "\n")
    print("Targets:\n")
    print(targets_table(report["targets"]) + "\n")
    print(f"Total wall time: {report['wall_time_s']:.0f} s. JSON: {report['output']}")


# -------------------------------------------------------------------- main
def parse_args(argv=None):
    """Command-line options; ``--quick`` fills in small sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist-dir", type=Path, default=DEFAULT_MNIST_DIR,
                        help="directory with MNIST's four gzipped IDX files "
                             "(default: %(default)s)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="train on the first N of the 60,000 training images "
                             "(a smaller, quicker run; default: all)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (3)")
    parser.add_argument("--scale", action=argparse.BooleanOptionalAction, default=True,
                        help="run the scale section (default: on)")
    parser.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                        help="time the bare-NumPy floor and, where torch is installed, a plain "
                             "PyTorch loop for each configuration (default: on)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 round, 2,000 training rows, at most 2 epochs")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads for both libraries and the NumPy floor "
                             "(threadpoolctl), and PyTorch's threads; 1 gives steadier "
                             "numbers on a busy shared machine")
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/bench_fit.json)")
    opts = parser.parse_args(argv)
    q = opts.quick
    opts.rounds = opts.rounds or (1 if q else 3)
    opts.n_rows, opts.max_iter = (2_000, 2) if q else (opts.n_train, None)
    opts.proba_repeats, opts.gemm_time = (3, 0.05) if q else (15, 0.5)
    opts.ref_epochs = 1 if q else 3  # timed epochs of the reference loops, after a warm-up
    opts.scale_rows, opts.scale_iter = ((2_000, 8_000), 1) if q else ((15_000, 60_000), 2)
    opts.output = opts.output or RESULTS_DIR / ("bench_fit_quick.json" if q else "bench_fit.json")
    return opts


def guarded(label, func, *args):
    """Run ``func(*args)``; on an exception print the traceback and return an error record."""
    print(f"[bench_fit] {label} ...", file=sys.stderr, flush=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return func(*args)
    except Exception as exc:  # report and go on with the other sections
        tb = traceback.format_exc()
        print(f"[bench_fit] {label} FAILED:\n{tb}", file=sys.stderr, flush=True)
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": tb}


def main(argv=None):
    """Run the benchmark and write the report; returns the exit status."""
    opts = parse_args(argv)
    limit = (threadpoolctl.threadpool_limits(limits=opts.blas_threads, user_api="blas")
             if opts.blas_threads else contextlib.nullcontext())
    with limit:
        report = run_all(opts)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print_report(report)
    return 0


def run_all(opts):
    """Every section of the benchmark; returns the report as a dict."""
    start, load_start = time.perf_counter(), os.getloadavg()
    data = load_data(opts.mnist_dir, opts.n_rows)
    report = {"machine": machine_info(),
              "options": {"quick": opts.quick, "rounds": opts.rounds,
                          "blas_threads": opts.blas_threads, "reference": opts.reference,
                          "reference_epochs": opts.ref_epochs,
                          "mnist_dir": str(opts.mnist_dir), "scale": opts.scale},
              "data": {"n_train": len(data[0]), "n_test": len(data[2])}, "configs": {}}
    # PyTorch gets as many threads as the BLAS: all usable cores, or --blas-threads.
    report["machine"]["torch"] = (reference_loops.torch_info(opts.blas_threads)
                                  or reference_loops.TORCH_MISSING)
    guarded("warm-up", warm_up, data[0], data[1])
    for name, config in CONFIGS.items():
        report["configs"][name] = guarded(f"config {name}", run_config, config, data, opts)
    report["scale"] = guarded("scale", run_scale, opts) if opts.scale else None
    report["targets"] = check_targets(
        {k: v for k, v in report["configs"].items() if "error" not in v},
        None if report["scale"] is None or "error" in report["scale"] else report["scale"])
    report["wall_time_s"] = time.perf_counter() - start
    report["load_average"] = {"start": load_start, "end": os.getloadavg()}
    report["output"] = str(opts.output)
    return report


if __name__ == "__main__":
    sys.exit(main())
