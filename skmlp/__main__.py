"""``python -m skmlp``: the classic digit-recognition network.

Trains a network with two hidden layers of 16 logistic units by mini-batch
stochastic gradient descent on the 8x8 handwritten digits that ship with
scikit-learn, then prints the held-out accuracy, the training time and the
loss at a few epochs.
"""

import argparse
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier


def main(argv=None):
    """Train the classic 64-16-16-10 network and print what it learnt."""
    parser = argparse.ArgumentParser(prog="python -m skmlp", description=__doc__.split("\n\n")[1])
    parser.add_argument("--epochs", type=int, default=30, help="epochs of SGD (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
        learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=args.epochs,
        tol=0.0, n_iter_no_change=args.epochs, random_state=args.seed,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        # A fixed number of epochs is the point here, not convergence.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    elapsed = time.perf_counter() - started
    n_params = sum(W.size for W in clf.coefs_) + sum(b.size for b in clf.intercepts_)

    print("skmlp: a 64-16-16-10 network of logistic units, trained by backpropagation")
    print(f"data: {len(X_train)} training / {len(X_test)} held-out 8x8 digits; "
          f"{n_params} weights and biases")
    for epoch in sorted({1, 2, 5, 10, 20, clf.n_iter_}):
        if epoch <= clf.n_iter_:
            print(f"  epoch {epoch:3d}  loss {clf.loss_curve_[epoch - 1]:.4f}")
    print(f"training time: {elapsed:.2f} s for {clf.n_iter_} epochs")
    print(f"held-out accuracy: {clf.score(X_test, y_test):.4f}")
    return clf


if __name__ == "__main__":
    main()
