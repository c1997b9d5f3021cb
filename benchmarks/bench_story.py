"""The story's networks on MNIST's standard split: test accuracy and fit time.

Trains, through the public API only, the networks of the gallery chapter
"The story's numbers on MNIST" (``examples/story/plot_mnist_story.py``) on
the 60,000 training images for the full number of epochs the chapter quotes,
and scores them on the 10,000 test images:

* the classic 784-16-16-10 network: sigmoid hidden and output units, the
  quadratic cost (``loss="squared_error"``), SGD on mini-batches of 10 with a
  learning rate of 3, 30 epochs (and 60 with ``--long``);
* the same size with ReLU units and Adam, mini-batches of 32, 60 epochs;
* "tweaks": 512-512 ReLU units, Adam, mini-batches of 128, 20 epochs.

The two Adam networks are also fitted with scikit-learn's
``MLPClassifier`` with the same parameters (it has no sigmoid output layer,
so the classic network has no scikit-learn twin). Every fit runs exactly its
number of epochs (``tol=0``), in float32. The gallery page runs shorter
versions of the same fits; this script gives the full-run figures it quotes.

Usage (from the repository root)::

    python benchmarks/bench_story.py                    # a few minutes on 2 cores
    python benchmarks/bench_story.py --seeds 0 1 2      # the classic network, 3 seeds
    python benchmarks/bench_story.py --quick            # 6,000 images, 2 epochs each

A Markdown table goes to stdout, with the CPU, BLAS and load average.
"""

import argparse
import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

import threadpoolctl
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP

from skmlp import MLPClassifier
from skmlp.datasets import load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST_DIR = (REPO_ROOT / ".." / "shared" / "data" / "mnist").resolve()

#: name -> (parameters, epochs, fitted with scikit-learn too)
NETWORKS = {
    "classic: 16-16 sigmoid, quadratic cost, SGD batch 10, lr 3": (
        dict(hidden_layer_sizes=(16, 16), activation="logistic", output_activation="logistic",
             loss="squared_error", solver="sgd", batch_size=10, learning_rate_init=3.0,
             momentum=0.0), 30, False),
    "16-16 ReLU, Adam, batch 32": (
        dict(hidden_layer_sizes=(16, 16), activation="relu", solver="adam", batch_size=32),
        60, True),
    "tweaks: 512-512 ReLU, Adam, batch 128": (
        dict(hidden_layer_sizes=(512, 512), activation="relu", solver="adam", batch_size=128),
        20, True),
}


def fit_and_score(estimator, data):
    """(test accuracy, fit seconds) of ``estimator`` on ``data``."""
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epochs on purpose
        estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return estimator.score(X_test, y_test), seconds


def machine_line():
    """CPU model, usable cores and the BLAS kernels threadpoolctl reports."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    blas = "; ".join(f"{lib['internal_api']} {lib['version']} ({lib['architecture']} kernels, "
                     f"{lib['num_threads']} threads)" for lib in threadpoolctl.threadpool_info()
                     if lib["user_api"] == "blas")
    return f"CPU: {cpu}, {len(os.sched_getaffinity(0))} usable cores. BLAS: {blas}."


def rows(opts, data):
    """Fit every network (and its scikit-learn twin); yield table rows."""
    for name, (params, epochs, with_sklearn) in NETWORKS.items():
        if opts.only and opts.only not in name:
            continue
        epoch_counts = [epochs, 2 * epochs] if opts.long and not with_sklearn else [epochs]
        for n_epochs in [min(e, opts.max_epochs or e) for e in epoch_counts]:
            fixed = dict(params, max_iter=n_epochs, tol=0.0, n_iter_no_change=10**6)
            seeds = opts.seeds if not with_sklearn else opts.seeds[:1]
            for seed in seeds:
                libs = [("skmlp", MLPClassifier)] + ([("scikit-learn", SkMLP)]
                                                     if with_sklearn else [])
                for lib, cls in libs:
                    accuracy, seconds = fit_and_score(cls(**fixed, random_state=seed), data)
                    print(f"[bench_story] {lib} {name}, {n_epochs} epochs, seed {seed}: "
                          f"{accuracy:.4f} in {seconds:.1f} s", file=sys.stderr, flush=True)
                    yield (f"| {name} | {lib} | {n_epochs} | {seed} | {100 * accuracy:.2f}% "
                           f"| {seconds:.1f} s |")


def main(argv=None):
    """Run the fits and print the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist-dir", type=Path, default=DEFAULT_MNIST_DIR)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--long", action="store_true",
                        help="also train the classic network for twice its epochs")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 6,000 training images, at most 2 epochs")
    parser.add_argument("--only", default=None,
                        help="only the networks whose name contains this (e.g. 'tweaks')")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl); 1 is steadier on a busy "
                             "machine")
    opts = parser.parse_args(argv)
    opts.max_epochs = 2 if opts.quick else None
    try:
        data = load_mnist(opts.mnist_dir, n_train=6_000 if opts.quick else None)
    except FileNotFoundError as exc:
        print(f"error: {exc}\n  pass the directory with --mnist-dir", file=sys.stderr)
        return 2
    limit = (threadpoolctl.threadpool_limits(limits=opts.blas_threads, user_api="blas")
             if opts.blas_threads else contextlib.nullcontext())
    load_start = os.getloadavg()
    with limit:
        table = list(rows(opts, data))
        machine = machine_line()
    load_end = os.getloadavg()
    print(f"# The story's networks on MNIST{' (QUICK)' if opts.quick else ''}\n")
    print(f"{len(data[0]):,} training images, {len(data[1]):,} test images, float32.\n")
    print(machine)
    print(f"Load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}.\n")
    print("| network | library | epochs | seed | test accuracy | fit time |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
