"""
=====================================================
Choosing the architecture and learning rate by search
=====================================================

How many hidden units, how many layers, what learning rate? The classic story
picks them by hand. Since :class:`skmlp.MLPClassifier` is a scikit-learn
estimator, scikit-learn's tools can choose them instead: this example puts it
in a :class:`~sklearn.pipeline.Pipeline` after a
:class:`~sklearn.preprocessing.StandardScaler` and lets
:class:`~sklearn.model_selection.GridSearchCV` try every combination of
``hidden_layer_sizes`` and ``learning_rate_init`` with 3-fold cross-validation
on two processes (``n_jobs=2``).
"""

# %%
# The pipeline and the grid
# -------------------------
#
# Adam (skmlp's default solver) with ReLU units, for at most 30 epochs. That
# budget is part of what is being compared: a learning rate that would
# eventually work but needs hundreds of epochs scores badly here. The scaler
# is refitted on the training part of every fold, so no information from the
# validation fold leaks into it.

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = Pipeline([
    ("scaler", StandardScaler()),
    ("mlp", MLPClassifier(max_iter=30, random_state=0)),
])
hidden_layer_sizes = [(16,), (16, 16), (64,), (128, 64)]
learning_rates = [1e-4, 1e-3, 1e-2, 1e-1]
param_grid = {
    "mlp__hidden_layer_sizes": hidden_layer_sizes,
    "mlp__learning_rate_init": learning_rates,
}
search = GridSearchCV(pipe, param_grid, cv=3, n_jobs=2)

started = time.perf_counter()
with warnings.catch_warnings():
    # 30 epochs on purpose; scikit-learn passes this filter on to its workers.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print(f"{len(search.cv_results_['params'])} combinations x 3 folds fitted in "
      f"{time.perf_counter() - started:.1f} s (this build)")
print(f"best parameters: {search.best_params_}")
print(f"best mean cross-validation accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# The results as a heatmap
# ------------------------
#
# Mean cross-validation accuracy of each combination. Too small a learning
# rate barely moves the weights in 30 epochs, too large a one makes the
# optimizer overshoot, especially for the deeper network; in between, a wide
# range of sizes works, with larger networks doing slightly better.

results = search.cv_results_
scores = np.empty((len(hidden_layer_sizes), len(learning_rates)))
for params, score in zip(results["params"], results["mean_test_score"]):
    row = hidden_layer_sizes.index(params["mlp__hidden_layer_sizes"])
    column = learning_rates.index(params["mlp__learning_rate_init"])
    scores[row, column] = score

fig, ax = plt.subplots(figsize=(6.5, 4.5))
image = ax.imshow(scores, cmap="viridis", vmin=0, vmax=1)
for row in range(scores.shape[0]):
    for column in range(scores.shape[1]):
        value = scores[row, column]
        ax.text(column, row, f"{value:.3f}", ha="center", va="center",
                color="black" if value > 0.6 else "white")
ax.set_xticks(range(len(learning_rates)), [f"{rate:g}" for rate in learning_rates])
ax.set_yticks(range(len(hidden_layer_sizes)), [str(sizes) for sizes in hidden_layer_sizes])
ax.set_xlabel("learning_rate_init")
ax.set_ylabel("hidden_layer_sizes")
ax.set_title("Mean 3-fold cross-validation accuracy")
fig.colorbar(image, ax=ax, label="accuracy")
fig.tight_layout()

plt.show()
