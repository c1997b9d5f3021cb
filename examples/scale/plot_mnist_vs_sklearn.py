"""
=====================================================
MNIST: skmlp side by side with scikit-learn's network
=====================================================

:class:`skmlp.MLPClassifier` takes the parameters of
:class:`sklearn.neural_network.MLPClassifier`, with the same names and
defaults, but trains with its own hand-written backpropagation. This example
fits both, with identical settings, on real 28x28 MNIST digits and compares
their fit time and held-out accuracy.

The data are the 10,000 images of the MNIST test set in their original
gzipped IDX format: the first 8,000 train and the last 2,000 are held out.
The directory holding ``t10k-images-idx3-ubyte.gz`` and
``t10k-labels-idx1-ubyte.gz`` is the first command-line argument of this
script, else the environment variable ``SKMLP_MNIST_DIR``, else
``../shared/data/mnist`` next to the repository. Without the files the example
says so and stops early.
"""

# %%
# Reading MNIST
# -------------
#
# An IDX file is a big-endian header (a magic number, then one 32-bit size per
# dimension) followed by the raw bytes; a dozen lines of NumPy read it. Pixels
# are scaled to [0, 1] and kept in float32, in which both libraries train.

import gzip
import os
import sys
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skmlp import MLPClassifier

MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def mnist_directory():
    """First command-line argument, else $SKMLP_MNIST_DIR, else the default."""
    try:
        script_dir = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery and notebooks: no __file__, no arguments to read
        script_dir = None
    if script_dir is not None and len(sys.argv) > 1:
        return Path(sys.argv[1])
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # ../shared/data/mnist from the repository root: the parent of examples/; without
    # __file__, the parent of the CWD (sphinx-gallery runs examples in examples/) or the CWD.
    roots = [script_dir.parent] if script_dir else [Path.cwd().parent, Path.cwd()]
    defaults = [root.parent / "shared" / "data" / "mnist" for root in roots]
    return next((path for path in defaults if path.is_dir()), defaults[0])


def read_idx(path):
    """An array of unsigned bytes from a gzipped IDX file (big-endian header)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")  # 2051: images (n, rows, cols); 2049: labels (n,)
    if magic not in (2049, 2051):
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic number {magic}).")
    ndim = magic & 0xFF
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", count=ndim, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(directory, n_train=8_000):
    """X_train, X_test, y_train, y_test (pixels in [0, 1], float32), or None if absent."""
    paths = [Path(directory) / name for name in MNIST_FILES]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        print(f"MNIST files not found: {', '.join(missing)} missing in {directory}. "
              "Skipping the MNIST part; pass the directory as the first argument or "
              "set SKMLP_MNIST_DIR.")
        return None
    images, labels = (read_idx(path) for path in paths)
    X = images.reshape(len(images), -1).astype(np.float32) / 255
    y = labels.astype(np.int64)
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


mnist = load_mnist(mnist_directory())
if mnist is not None:
    X_train, X_test, y_train, y_test = mnist
    print(f"MNIST: {X_train.shape[0]} training and {X_test.shape[0]} held-out images "
          f"of {X_train.shape[1]} pixels, dtype {X_train.dtype}")

# %%
# Identical settings
# ------------------
#
# One hidden layer of 100 ReLU units and the Adam optimizer in mini-batches of
# 200 images: scikit-learn's defaults. ``tol=0`` and ``n_iter_no_change=20``
# make both run exactly 20 epochs. The two libraries draw their initial
# weights and shuffle the mini-batches with different random streams, so
# their accuracies agree only up to the spread one would see between two
# seeds of the same library.

settings = dict(
    hidden_layer_sizes=(100,), activation="relu", solver="adam", batch_size=200,
    max_iter=20, tol=0.0, n_iter_no_change=20, random_state=0,
)
estimators = {
    "skmlp": MLPClassifier(**settings),
    "scikit-learn": SklearnMLPClassifier(**settings),
}
results = {}
if mnist is not None:
    for name, estimator in estimators.items():
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # 20 epochs on purpose
            estimator.fit(X_train, y_train)
        fit_time = time.perf_counter() - started
        results[name] = {
            "fit time (s)": fit_time,
            "held-out accuracy": estimator.score(X_test, y_test),
        }
        print(f"{name:>12}: {estimator.n_iter_} epochs in {fit_time:.2f} s "
              f"({1000 * fit_time / estimator.n_iter_:.0f} ms/epoch), held-out accuracy "
              f"{results[name]['held-out accuracy']:.4f}, weights "
              f"{estimator.coefs_[0].dtype}")

# %%
# Side by side
# ------------
#
# Both reach about 95% on the held-out digits in 20 epochs. Times are
# wall-clock times of a single fit, so they vary with the machine, its load
# and the number of BLAS threads; ``benchmarks/bench_fit.py`` in the repository
# measures more carefully.

if results:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    names = list(results)
    for ax, metric in zip(axes, ("fit time (s)", "held-out accuracy")):
        values = [results[name][metric] for name in names]
        bars = ax.bar(names, values, color=["tab:blue", "tab:orange"])
        ax.bar_label(bars, fmt="%.3f" if metric == "held-out accuracy" else "%.2f")
        ax.set_title(metric)
        ax.margins(y=0.15)
    fig.suptitle("MNIST, one hidden layer of 100 ReLU units, Adam, 20 epochs, float32")
    fig.tight_layout()
    plt.show()
else:
    print("No MNIST data: nothing to compare.")
