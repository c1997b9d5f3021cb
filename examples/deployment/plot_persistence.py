"""
============================================
Saving a trained network and loading it back
============================================

Training takes time; using a trained network should not. Like any
scikit-learn estimator, :class:`skmlp.MLPClassifier` can be saved with
:func:`joblib.dump` (or :mod:`pickle`) and loaded back with
:func:`joblib.load`, weights, classes and optimizer state included.

.. warning::

    Loading a pickle or joblib file **runs code** chosen by whoever wrote the
    file: a malicious file can do anything your user account can. Only load
    files you created yourself or that come from a source you trust, and
    never from an untrusted download or upload (for those, see skops at the
    end). Load them with the same versions of skmlp, scikit-learn and NumPy
    that saved them.
"""

# %%
# Train, save, load
# -----------------
#
# The classic network of two hidden layers of 16 sigmoid units, trained on the
# 8x8 digits, is written to a file in a temporary directory and read back.

import tempfile
import warnings
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
clf = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=30,
    tol=0.0, n_iter_no_change=30, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
    clf.fit(X_train, y_train)

with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "classic_network.joblib"
    joblib.dump(clf, path)
    print(f"saved to {path.name}: {path.stat().st_size / 1024:.1f} KiB")
    loaded = joblib.load(path)  # only ever load files you trust!

# %%
# The same network
# ----------------
#
# The loaded copy has the same parameters, weights and classes, and it makes
# exactly the same predictions, down to the last bit of every probability.

proba, proba_loaded = clf.predict_proba(X_test), loaded.predict_proba(X_test)
print(f"same parameters: {loaded.get_params() == clf.get_params()}")
print(f"same weights: {all(np.array_equal(a, b) for a, b in zip(clf.coefs_, loaded.coefs_))}")
print(f"identical predict_proba on {len(X_test)} held-out digits: "
      f"{np.array_equal(proba, proba_loaded)}")
print(f"identical predict: {np.array_equal(clf.predict(X_test), loaded.predict(X_test))}")
print(f"held-out accuracy: original {clf.score(X_test, y_test):.3f}, "
      f"loaded {loaded.score(X_test, y_test):.3f}")

# %%
# The training state is saved too, so the loaded network can keep learning
# where the original left off. Ten more steps of
# :meth:`~skmlp.MLPClassifier.partial_fit` (one step per call) on the same
# mini-batches take the original and the loaded copy to the same weights.

steps_before = loaded.n_iter_
for start in range(0, 320, 32):
    for model in (clf, loaded):
        model.partial_fit(X_train[start:start + 32], y_train[start:start + 32])
print(f"n_iter_ {steps_before} -> {loaded.n_iter_}; same weights after the extra steps: "
      f"{all(np.array_equal(a, b) for a, b in zip(clf.coefs_, loaded.coefs_))}")

# %%
# Loading files from others: skops
# ---------------------------------
#
# A file from someone else should not be loaded with joblib. The ``skops``
# extra (``pip install ".[skops]"``) saves the same network in a format
# that :func:`skops.io.load` rebuilds without running code from the file: it
# only creates objects of the types you list as trusted. A fitted
# :class:`~skmlp.MLPClassifier` needs one: its own class. Its training state
# (weights, optimizer, loss history, random generator) is saved as plain
# arrays, numbers and dictionaries, which skops trusts already, as it trusts
# scikit-learn's types.

trusted = ["skmlp._classifier.MLPClassifier"]
try:
    import skops.io as sio
except ImportError:
    print("skops is not installed (pip install \".[skops]\" from a checkout): "
          "skipping the skops part.")
else:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "classic_network.skops"
        sio.dump(clf, path)
        print(f"types skops does not trust by default: {sio.get_untrusted_types(file=path)}")
        from_skops = sio.load(path, trusted=trusted)
    print(f"identical predict_proba after loading with skops: "
          f"{np.array_equal(from_skops.predict_proba(X_test), clf.predict_proba(X_test))}")

# %%
# Some held-out digits with the predictions of the loaded network and its
# probability for them (before the extra steps above).

fig, axes = plt.subplots(2, 8, figsize=(9, 2.8), layout="constrained")
predicted_loaded = loaded.classes_[proba_loaded.argmax(axis=1)]
for ax, image, label, p in zip(axes.flat, X_test, predicted_loaded, proba_loaded.max(axis=1)):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{label} ({p:.2f})", fontsize="small")
    ax.set_axis_off()
fig.suptitle("Predictions of the loaded network (probability)")

plt.show()
