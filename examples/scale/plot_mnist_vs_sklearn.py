"""
=====================================================
MNIST: skmlp side by side with scikit-learn's network
=====================================================

:class:`skmlp.MLPClassifier` takes the parameters of
:class:`sklearn.neural_network.MLPClassifier`, with the same names and
defaults, but trains with its own hand-written backpropagation. This example
fits both, with identical settings, on real 28x28 MNIST digits and compares
their fit time and test accuracy.

The data are MNIST's standard split, read by
:func:`skmlp.datasets.load_mnist` from the directory in the environment
variable ``SKMLP_MNIST_DIR``, else ``../shared/data/mnist`` next to the
repository. To keep this page quick, the networks train on the first 20,000
of the 60,000 training images, for 10 epochs; they are scored on all 10,000
test images. Without the files the example says so and stops early.
"""

# %%
# Reading MNIST
# -------------
#
# Pixels are scaled to [0, 1] and kept in float32, in which both libraries
# train.

import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skmlp import MLPClassifier
from skmlp.datasets import load_mnist


def mnist_directory():
    """$SKMLP_MNIST_DIR, else ../shared/data/mnist next to the repository."""
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # This script's folder, examples/<section>/ (sphinx-gallery runs the
    # scripts there, without __file__); the repository is two levels up.
    here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
    return here.resolve().parents[1].parent / "shared" / "data" / "mnist"


try:
    X_train, X_test, y_train, y_test = load_mnist(mnist_directory(), n_train=20_000)
    print(f"MNIST: {X_train.shape[0]} training and {X_test.shape[0]} test images "
          f"of {X_train.shape[1]} pixels, dtype {X_train.dtype}")
except FileNotFoundError as exc:
    print(f"{exc}\nSkipping the MNIST part: set SKMLP_MNIST_DIR to the directory of the "
          "MNIST files.")
    X_train = None

# %%
# Identical settings
# ------------------
#
# One hidden layer of 100 ReLU units and the Adam optimizer in mini-batches of
# 200 images: scikit-learn's defaults. ``tol=0`` and ``n_iter_no_change=20``
# make both run exactly 10 epochs. The two libraries draw their initial
# weights and shuffle the mini-batches with different random streams, so
# their accuracies agree only up to the spread one would see between two
# seeds of the same library.

settings = dict(
    hidden_layer_sizes=(100,), activation="relu", solver="adam", batch_size=200,
    max_iter=10, tol=0.0, n_iter_no_change=10, random_state=0,
)
estimators = {
    "skmlp": MLPClassifier(**settings),
    "scikit-learn": SklearnMLPClassifier(**settings),
}
results = {name: {"fit time (s)": float("inf")} for name in estimators}
if X_train is not None:
    # Two rounds, the libraries alternating; the faster round of each counts,
    # which is less sensitive to other work on the machine than a single fit.
    for _ in range(2):
        for name, estimator in estimators.items():
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # 10 epochs on purpose
                estimator.fit(X_train, y_train)
            fit_time = time.perf_counter() - started
            results[name]["fit time (s)"] = min(fit_time, results[name]["fit time (s)"])
    print("Fit time (best of 2 in this build), test accuracy, weights:")
    for name, estimator in estimators.items():
        results[name]["test accuracy"] = estimator.score(X_test, y_test)
        print(f"{name:>12}: {estimator.n_iter_} epochs in {results[name]['fit time (s)']:.2f} s, "
              f"{results[name]['test accuracy']:.4f}, {estimator.coefs_[0].dtype}")
    ratio = results["scikit-learn"]["fit time (s)"] / results["skmlp"]["fit time (s)"]
    print(f"scikit-learn's fit time / skmlp's, in this build: {ratio:.2f}")

# %%
# Side by side
# ------------
#
# Both get about 95.5% of the test digits right after 10 epochs on 20,000
# images; their accuracies differ by about as much as two seeds of one
# library do. The times are wall-clock times of this build of the
# documentation, on whatever machine ran it and whatever else it was doing:
# only their ratio means something, and even that moves with the load and the
# number of BLAS threads. ``benchmarks/bench_fit.py`` in the repository
# measures carefully (alternating rounds, medians, the machine's matrix
# product throughput); see :ref:`performance` for its results on the full
# training set, where skmlp fits this network faster than scikit-learn.

if X_train is not None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    names = list(results)
    for ax, metric in zip(axes, ("fit time (s)", "test accuracy")):
        values = [results[name][metric] for name in names]
        bars = ax.bar(names, values, color=["tab:blue", "tab:orange"])
        ax.bar_label(bars, fmt="%.3f" if metric == "test accuracy" else "%.2f")
        ax.set_title(metric if metric == "test accuracy" else "fit time (s), this build")
        ax.margins(y=0.15)
    fig.suptitle("MNIST, 20,000 training images, 100 ReLU units, Adam, 10 epochs, float32")
    fig.tight_layout()
    plt.show()
else:
    print("No MNIST data: nothing to compare.")
