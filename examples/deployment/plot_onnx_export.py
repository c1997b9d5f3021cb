"""
=============================================
Exporting the classic network to ONNX
=============================================

A trained network is most useful where the predictions are needed, and that is
often not a Python process: a web service in Java or C#, a phone, a browser.
ONNX is a file format for models that runtimes in all of these languages
read; `onnxruntime <https://onnxruntime.ai>`_ is the most common of them.

This example trains the classic 64-16-16-10 network of sigmoid neurons on the
8x8 digits, converts it to ONNX with skl2onnx, runs the file with
onnxruntime, and checks that it predicts what skmlp predicts. It needs the
``onnx`` extra (``pip install ".[onnx]"``); see :ref:`deploying`.
"""

# %%
# Training the network
# --------------------
#
# The same network and mini-batch gradient descent as in
# :ref:`sphx_glr_auto_examples_story_plot_classic_network.py`, in ``float32``: the
# ONNX graph computes in the type of its input, and ``float32`` is what most
# serving code sends.

import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import skmlp.onnx  # noqa: F401  (registers skmlp's converters with skl2onnx)
from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

classic = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd", batch_size=10,
    learning_rate_init=0.5, momentum=0.0, max_iter=30, tol=0.0, n_iter_no_change=30,
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs, on purpose
    classic.fit(X_train, y_train)
print(f"held-out accuracy: {classic.score(X_test, y_test):.3f}")

# %%
# Converting
# ----------
#
# ``import skmlp.onnx`` (above) taught skl2onnx how to convert skmlp's
# models; :func:`skl2onnx.to_onnx` then needs the model and one row of input,
# from which it takes the number of features and the type. With
# ``zipmap=False`` the probabilities come out as an ``(n_samples, 10)``
# array rather than as one dictionary per row. The file is written to a
# temporary directory here; a real deployment ships it with the service.

onx = to_onnx(classic, X_train[:1], options={"zipmap": False})
path = Path(tempfile.mkdtemp()) / "classic_digits.onnx"
path.write_bytes(onx.SerializeToString())
print(f"{path.name}: {path.stat().st_size:,} bytes, "
      f"{len(onx.graph.node)} ONNX operators, opset {onx.opset_import[0].version}")

# %%
# Predicting with onnxruntime
# ---------------------------
#
# The session knows nothing of skmlp or scikit-learn: it reads the file and
# computes. Its input is called ``X``; its outputs are called ``label`` and
# ``probabilities``, as for scikit-learn's own MLPClassifier.

session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
print("inputs: ", [(i.name, i.type, i.shape) for i in session.get_inputs()])
print("outputs:", [(o.name, o.type, o.shape) for o in session.get_outputs()])
labels, proba = session.run(None, {"X": X_test})

# %%
# The same predictions
# --------------------
#
# The labels are those of :meth:`~skmlp.MLPClassifier.predict`, every one,
# and the probabilities agree with :meth:`~skmlp.MLPClassifier.predict_proba`
# to within the rounding of ``float32`` arithmetic (the two programs add the
# same products in different orders).

same_labels = np.array_equal(labels, classic.predict(X_test))
difference = np.abs(proba - classic.predict_proba(X_test))
print(f"labels identical: {same_labels}")
print(f"largest probability difference: {difference.max():.1e}")
assert same_labels and difference.max() < 1e-5

fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
for ax, image, label, p in zip(axes.flat, X_test, labels, proba):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{label} ({p[label]:.2f})", fontsize="small")
    ax.set_axis_off()
fig.suptitle("onnxruntime's label (probability) for held-out digits")

plt.show()
