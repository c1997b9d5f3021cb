"""Write the saved models that ``tests/test_persistence.py`` keeps loading.

Run it with the skmlp to freeze (it imports the skmlp of the checkout it
lives in, not an installed one)::

    python tests/data/make_saved_models.py

For the format this skmlp writes (``skmlp._persistence.FORMAT_VERSION``; 0
before that module existed), it writes ``mlpclassifier_<version>_format<N>``
with the suffixes ``.pkl`` (pickle), ``.skops`` (skops.io) and ``.npz`` (the
inputs and the predictions of the saved model, computed when it was saved).
Commit the new files when the format changes on purpose; never regenerate
the existing ones.
"""

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's skmlp

import numpy as np
import skops.io as sio

import skmlp
from skmlp import MLPClassifier

try:
    from skmlp._persistence import FORMAT_VERSION
except ImportError:  # the format before skmlp._persistence: the trainer pickled
    FORMAT_VERSION = 0


def make_model():
    """A small fitted classifier whose state uses every part of the format:
    Adam's moments, dropout's generator, a history, string labels."""
    rng = np.random.default_rng(42)
    X = rng.normal(size=(30, 4))
    y = np.array(["ant", "bee", "cat"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="adam", dropout=0.2, max_iter=8,
                        learning_rate_init=0.05, random_state=0)
    clf.fit(X, y)
    clf.partial_fit(X[:10], y[:10])
    return clf, X


def main():
    here = Path(__file__).resolve().parent
    stem = str(here / f"mlpclassifier_{skmlp.__version__}_format{FORMAT_VERSION}")
    clf, X = make_model()
    with open(stem + ".pkl", "wb") as file:
        pickle.dump(clf, file, protocol=4)
    sio.dump(clf, stem + ".skops")
    np.savez(stem + ".npz", X=X, predict=clf.predict(X),
             predict_proba=clf.predict_proba(X))
    print(f"wrote {stem}.pkl, .skops and .npz")


if __name__ == "__main__":
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    main()
