"""
===========================================================
Diabetes progression: skmlp and scikit-learn side by side
===========================================================

scikit-learn's diabetes data set (442 patients, 10 features, a measure of
disease progression one year later) is small and noisy: a linear model
explains about half of the variance. This example fits
:class:`skmlp.MLPRegressor` and :class:`sklearn.neural_network.MLPRegressor`
with the same settings on the same split, for several seeds, and prints the
held-out R^2 and the fit time of each.

The target (values from 25 to 346) is standardised with
:class:`sklearn.compose.TransformedTargetRegressor`, and the features with a
:class:`~sklearn.preprocessing.StandardScaler`; see the user guide's page on
regression for why.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

# %%
# The same settings for both libraries: one hidden layer of 32 relu units,
# Adam for 200 epochs and a strong weight penalty (the data set is small).

PARAMS = dict(hidden_layer_sizes=(32,), alpha=10.0, max_iter=200)
SEEDS = range(5)


def model(Estimator, seed):
    return TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), Estimator(**PARAMS, random_state=seed)),
        transformer=StandardScaler())


results = {}
for name, Estimator in (("skmlp", MLPRegressor), ("scikit-learn", SklearnMLPRegressor)):
    scores, seconds = [], []
    for seed in SEEDS:
        est = model(Estimator, seed)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X_train, y_train)
        seconds.append(time.perf_counter() - start)
        scores.append(est.score(X_test, y_test))
    results[name] = np.array(scores)
    print(f"{name:12s} held-out R^2 {np.mean(scores):.3f} +- {np.std(scores):.3f} "
          f"(seeds {list(SEEDS)}),\n{'':12s} fit time {1e3 * np.median(seconds):.0f} ms "
          "(median, this build)")

# %%
# The R^2 of every seed. The spread between seeds is as large as the
# difference between the libraries: they draw different random initial
# weights and mini-batch orders from the same ``random_state``.

fig, ax = plt.subplots(figsize=(5, 3))
for i, (name, scores) in enumerate(results.items()):
    ax.scatter(np.full(len(scores), i), scores, label=name)
    ax.hlines(scores.mean(), i - 0.2, i + 0.2, color="k")
ax.set_xticks(range(len(results)), list(results))
ax.set_ylabel("held-out R^2")
ax.set_xlim(-0.5, len(results) - 0.5)
fig.tight_layout()
plt.show()
