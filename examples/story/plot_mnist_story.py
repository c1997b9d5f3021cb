"""
============================================
The story's numbers on MNIST's 60,000 images
============================================

The classic introduction to neural networks trains a network of 784 input
pixels, two hidden layers of 16 sigmoid neurons and 10 sigmoid outputs on
MNIST's 60,000 training images, with the quadratic cost and mini-batch
stochastic gradient descent (mini-batches of 10 images, learning rate 3). It
then counts how many of the 10,000 test images, written by other people, the
network gets right after each epoch: about 95%. It promises 96% with a little
more care at the same size, and 98% with "tweaks".

This example reproduces those numbers with :class:`skmlp.MLPClassifier` on
MNIST's standard split, read by :func:`skmlp.datasets.load_mnist`, and fits
:class:`sklearn.neural_network.MLPClassifier` side by side where it can train
the same network. To keep the page quick, the last two networks train for
fewer epochs here than in the full runs; the table at the end gives the
figures of the full runs, measured separately with
``benchmarks/bench_story.py``.
"""

# %%
# The data
# --------
#
# :func:`~skmlp.datasets.load_mnist` reads the four gzipped IDX files of the
# standard split from a directory: here the one in the environment variable
# ``SKMLP_MNIST_DIR``, else ``../shared/data/mnist`` next to the repository.
# Pixels are scaled to [0, 1], in float32. Without the files the example says
# so and stops.

import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
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
    X_train, X_test, y_train, y_test = load_mnist(mnist_directory())
    print(f"{len(X_train)} training images, {len(X_test)} test images, "
          f"{X_train.shape[1]} pixels each, {X_train.dtype}")
except FileNotFoundError as exc:
    print(f"{exc}\nSkipping this example: set SKMLP_MNIST_DIR to the directory of the "
          "MNIST files.")
    X_train = None


def timed_fit(estimator):
    """Fit on the training images for the estimator's max_iter epochs; return seconds."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epochs on purpose
        estimator.fit(X_train, y_train)
    return time.perf_counter() - started


# %%
# The classic network, trained as in the story
# --------------------------------------------
#
# Sigmoid (``"logistic"``) hidden units and outputs, the quadratic cost
# ``1/2 ||a - y||^2`` (``loss="squared_error"``), plain SGD on mini-batches
# of 10 with a learning rate of 3 and no momentum. With ``warm_start=True``
# and ``max_iter=1`` every call of ``fit`` is one more epoch, so we can score
# the test images after each, as the story does. (SGD without momentum keeps
# no state between epochs, so this is the same training as one fit of 30
# epochs; the random state object hands each epoch a new shuffle.)

EPOCHS = 30
classic = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", output_activation="logistic",
    loss="squared_error", solver="sgd", batch_size=10, learning_rate_init=3.0,
    momentum=0.0, max_iter=1, warm_start=True, random_state=np.random.RandomState(0),
)
curve, losses, classic_seconds = [], [], 0.0
if X_train is not None:
    for epoch in range(EPOCHS):
        classic_seconds += timed_fit(classic)
        curve.append(classic.score(X_test, y_test))
        losses.append(classic.loss_curve_[-1])
        print(f"Epoch {epoch}: {round(curve[-1] * len(y_test))} / {len(y_test)}")
    print(f"{EPOCHS} epochs in {classic_seconds:.1f} s (this build's machine)")

# %%
# The learning curve
# ------------------
#
# Most of the learning happens in the first epoch: after one pass over the
# 60,000 images the network already recognises about 9 digits in 10. Then it
# creeps up to about 95%, wandering by up to a point from one epoch to the
# next; the training loss, on the right, keeps falling slowly.

if curve:
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    ax_acc.plot(np.arange(EPOCHS), np.asarray(curve) * 100, marker=".")
    ax_acc.set_xlabel("Epoch")
    ax_acc.set_ylabel("Test images right (%)")
    ax_acc.set_title("Accuracy on the 10,000 test images")
    ax_loss.plot(np.arange(EPOCHS), losses, color="tab:orange")
    ax_loss.set_xlabel("Epoch")
    ax_loss.set_ylabel("Quadratic cost")
    ax_loss.set_title("Training loss during each epoch")

# %%
# The digits it gets wrong
# ------------------------
#
# The story asks us to "cut it a little slack": many of the test digits the
# network misses are hard for people too: 9s with an open loop that read as
# 4s, a 2 drawn like a 7, a 5 closed into a 0. Others, though, such as the
# very first 3, are clear digits it simply has not learnt well enough; that
# is where the rest of this page gains. (Which digits these are depends on
# the run; they were these when this was written.)

if curve:
    predicted = classic.predict(X_test)
    wrong = np.flatnonzero(predicted != y_test)
    print(f"{len(wrong)} of {len(y_test)} test digits wrong")
    fig, axes = plt.subplots(3, 10, figsize=(10, 3.8), layout="constrained")
    for ax, index in zip(axes.flat, wrong):
        ax.imshow(X_test[index].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{predicted[index]} (is {y_test[index]})", fontsize="small")
    for ax in axes.flat:
        ax.set_axis_off()
    fig.suptitle("The first 30 test digits the classic network gets wrong: "
                 "its answer (the true digit)")

# %%
# 96% at the same size
# --------------------
#
# The same 784-16-16-10 shape, with the modern defaults instead of the story's
# choices: ReLU hidden units, a softmax output with the cross-entropy cost,
# and the Adam optimizer on mini-batches of 32. Here 5 epochs (about 95%);
# in the full run, 60 epochs reach 96%. scikit-learn's ``MLPClassifier`` trains the same
# network with the same parameters (it has no sigmoid output layer, so the
# classic network above has no scikit-learn twin).

RELU_EPOCHS = 5
small = dict(hidden_layer_sizes=(16, 16), activation="relu", solver="adam", batch_size=32,
             max_iter=RELU_EPOCHS, tol=0.0, n_iter_no_change=RELU_EPOCHS, random_state=0)
results = {}
if X_train is not None:
    results["classic, 30 epochs"] = {"skmlp": (curve[-1], classic_seconds)}
    name = f"16-16 ReLU, Adam, {RELU_EPOCHS} epochs"
    results[name] = {}
    for library, cls in (("skmlp", MLPClassifier), ("scikit-learn", SklearnMLPClassifier)):
        net = cls(**small)
        seconds = timed_fit(net)
        results[name][library] = (net.score(X_test, y_test), seconds)
        print(f"{library:>12}: test accuracy {results[name][library][0]:.4f}, "
              f"fit {seconds:.1f} s")

# %%
# 98% with tweaks
# ---------------
#
# The story's 98% needs a bigger network: two hidden layers of 512 ReLU units
# (669,706 weights and biases instead of 13,002), Adam on mini-batches of
# 128. Here a single epoch, which already gets about 97% right; the full
# run of 20 epochs reaches 98%.

WIDE_EPOCHS = 1
wide = dict(hidden_layer_sizes=(512, 512), activation="relu", solver="adam", batch_size=128,
            max_iter=WIDE_EPOCHS, tol=0.0, n_iter_no_change=WIDE_EPOCHS, random_state=0)
if X_train is not None:
    name = f"512-512 ReLU, Adam, {WIDE_EPOCHS} epoch"
    results[name] = {}
    for library, cls in (("skmlp", MLPClassifier), ("scikit-learn", SklearnMLPClassifier)):
        net = cls(**wide)
        seconds = timed_fit(net)
        results[name][library] = (net.score(X_test, y_test), seconds)
        print(f"{library:>12}: test accuracy {results[name][library][0]:.4f}, "
              f"fit {seconds:.1f} s")

# %%
# Side by side
# ------------
#
# Test accuracy of each network, and its fit time in this build of the
# documentation (on whatever machine built it, and whatever else it was doing
# then: compare the times only with each other).

if results:
    fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    positions = np.arange(len(results))
    for offset, library, color in ((-0.2, "skmlp", "tab:blue"),
                                   (0.2, "scikit-learn", "tab:orange")):
        rows = [(i, entry[library]) for i, entry in enumerate(results.values())
                if library in entry]
        bars = ax.bar([i + offset for i, _ in rows], [100 * acc for _, (acc, _) in rows],
                      width=0.4, color=color, label=library)
        ax.bar_label(bars, labels=[f"{100 * acc:.1f}%\n{sec:.0f} s" for _, (acc, sec) in rows],
                     fontsize="small")
    ax.set_xticks(positions, list(results))
    ax.set_ylim(80, 101)
    ax.set_ylabel("Test images right (%)")
    ax.set_title("Test accuracy, with the fit time of this build")
    ax.legend(loc="lower right")

plt.show()

# %%
# The full runs
# -------------
#
# The same networks trained for the full number of epochs on the 60,000
# training images and scored on the 10,000 test images, one seed each,
# measured with ``python benchmarks/bench_story.py`` on a 2-core Intel Xeon
# virtual machine (OpenBLAS 0.3.31 with its SkylakeX kernels, 2 threads)
# that other work shared at the same time (load averages of 0.4 to 5 on its
# 2 cores). Fit times on such a machine move by tens of percent, and more:
# an earlier run of the 512-512 pair under a load of about 8 took 1,212 s and
# 476 s. Compare the times within a row rather than with other machines.
#
# ============================================  =======  =============  =============
# network                                       epochs   skmlp          scikit-learn
# ============================================  =======  =============  =============
# classic: sigmoid, quadratic cost, SGD, lr 3   30       94.92%, 10 s   (no twin)
# classic: sigmoid, quadratic cost, SGD, lr 3   60       94.72%, 23 s   (no twin)
# 16-16 ReLU, Adam, batches of 32               60       96.13%, 24 s   95.60%, 67 s
# 512-512 ReLU, Adam, batches of 128            20       98.02%, 171 s  98.29%, 359 s
# ============================================  =======  =============  =============
#
# So the story's numbers hold on the real split: the classic network gets
# about 95% of the test digits right (94.92%, 94.60% and 94.83% with seeds 0,
# 1 and 2, about 10 s each; training it longer does not help), the same size
# with ReLU units and Adam 96%, and 512-512 ReLU units 98%.
