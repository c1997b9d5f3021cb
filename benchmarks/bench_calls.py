"""Per-call cost: ``partial_fit`` on a small mini-batch and ``predict`` on one row.

Streaming and serving code calls these many times on little data, so what
matters is the cost of one call, not the arithmetic. This script times, in
one run and side by side:

- ``partial_fit`` on 32 rows (classifier with Adam, regressor with Adam), for
  skmlp and scikit-learn, and the same step written as bare NumPy (forward,
  backward, Adam update on preallocated arrays: the floor of any NumPy
  implementation);
- ``predict`` and ``predict_proba`` (classifier) and ``predict`` (regressor)
  on one row, for skmlp and scikit-learn.

Data: 20 features, one hidden layer of 32 ReLU units, 3 classes (or 1
target). Each call is timed many times and the median is reported, in
microseconds, with the ratios. Only the public API of both libraries is used.

Usage::

    python benchmarks/bench_calls.py [--repeats 2000] [--rounds 5]
"""

import argparse
import platform
import time
import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from skmlp import MLPClassifier, MLPRegressor

N_FEATURES, N_HIDDEN, N_CLASSES, BATCH = 20, 32, 3, 32


def _median_us(call, repeats, rounds):
    """Median over ``rounds`` of the mean time of ``repeats`` calls, in us."""
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            call()
        means.append((time.perf_counter() - start) / repeats * 1e6)
    return float(np.median(means))


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4096, N_FEATURES))
    y = rng.integers(0, N_CLASSES, size=4096)
    y_real = X @ rng.normal(size=N_FEATURES)
    return X, y, y_real


class BareAdamStep:
    """One mini-batch step of the same network in bare NumPy: the floor.

    Forward (ReLU, softmax), cross-entropy gradient, backward, Adam update,
    all on preallocated arrays. No checks, no label encoding.
    """

    def __init__(self, rng, n_outputs=N_CLASSES, lr=1e-3, beta_1=0.9, beta_2=0.999, eps=1e-8):
        self.W1 = rng.normal(size=(N_FEATURES, N_HIDDEN)) * 0.1
        self.b1 = np.zeros(N_HIDDEN)
        self.W2 = rng.normal(size=(N_HIDDEN, n_outputs)) * 0.1
        self.b2 = np.zeros(n_outputs)
        self.params = [self.W1, self.b1, self.W2, self.b2]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t, self.lr, self.b1_, self.b2_, self.eps = 0, lr, beta_1, beta_2, eps

    def __call__(self, X, Y):
        Z1 = X @ self.W1
        Z1 += self.b1
        A1 = np.maximum(Z1, 0, out=Z1)
        Z2 = A1 @ self.W2
        Z2 += self.b2
        Z2 -= Z2.max(axis=1, keepdims=True)
        np.exp(Z2, out=Z2)
        Z2 /= Z2.sum(axis=1, keepdims=True)
        D2 = Z2 - Y
        D2 /= len(X)
        D1 = D2 @ self.W2.T
        D1 *= A1 > 0
        grads = [X.T @ D1, D1.sum(axis=0), A1.T @ D2, D2.sum(axis=0)]
        self.t += 1
        step = self.lr * np.sqrt(1 - self.b2_ ** self.t) / (1 - self.b1_ ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1_
            m += (1 - self.b1_) * g
            v *= self.b2_
            v += (1 - self.b2_) * g * g
            p -= step * m / (np.sqrt(v) + self.eps)


def _streaming(model, X, y, classes=None):
    """A partial_fit call on the next 32 rows of a cycling stream."""
    position = [0]
    model.partial_fit(X[:BATCH], y[:BATCH], **({} if classes is None else {"classes": classes}))

    def call():
        start = position[0]
        position[0] = (start + BATCH) % (len(X) - BATCH)
        model.partial_fit(X[start:start + BATCH], y[start:start + BATCH])

    return call


def measure(repeats, rounds):
    X, y, y_real = _data()
    Y = np.eye(N_CLASSES)[y]
    params = dict(hidden_layer_sizes=(N_HIDDEN,), random_state=0)
    rows = {}
    classes = np.arange(N_CLASSES)
    rows["partial_fit, classifier (32 rows)"] = (
        _median_us(_streaming(MLPClassifier(**params), X, y, classes), repeats, rounds),
        _median_us(_streaming(SkClassifier(**params), X, y, classes), repeats, rounds),
    )
    bare = BareAdamStep(np.random.default_rng(0))
    position = [0]

    def bare_call():
        start = position[0]
        position[0] = (start + BATCH) % (len(X) - BATCH)
        bare(X[start:start + BATCH], Y[start:start + BATCH])

    floor = _median_us(bare_call, repeats, rounds)
    rows["partial_fit, regressor (32 rows)"] = (
        _median_us(_streaming(MLPRegressor(**params), X, y_real), repeats, rounds),
        _median_us(_streaming(SkRegressor(**params), X, y_real), repeats, rounds),
    )
    clf = MLPClassifier(max_iter=5, **params).fit(X[:500], y[:500])
    sk_clf = SkClassifier(max_iter=5, **params).fit(X[:500], y[:500])
    reg = MLPRegressor(max_iter=5, **params).fit(X[:500], y_real[:500])
    sk_reg = SkRegressor(max_iter=5, **params).fit(X[:500], y_real[:500])
    one = X[:1]
    rows["predict_proba, classifier (1 row)"] = (
        _median_us(lambda: clf.predict_proba(one), repeats, rounds),
        _median_us(lambda: sk_clf.predict_proba(one), repeats, rounds))
    rows["predict, classifier (1 row)"] = (
        _median_us(lambda: clf.predict(one), repeats, rounds),
        _median_us(lambda: sk_clf.predict(one), repeats, rounds))
    rows["predict, regressor (1 row)"] = (
        _median_us(lambda: reg.predict(one), repeats, rounds),
        _median_us(lambda: sk_reg.predict(one), repeats, rounds))
    return rows, floor


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1000, help="calls per timing")
    parser.add_argument("--rounds", type=int, default=5, help="timings per call (median)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')} "
                         f"({i['num_threads']} threads)" for i in threadpool_info())
    except ImportError:  # pragma: no cover
        blas = "unknown"
    print(f"# Per-call cost ({platform.processor() or platform.machine()}; BLAS: {blas})\n")
    rows, floor = measure(args.repeats, args.rounds)
    print("| call | skmlp (us) | scikit-learn (us) | scikit-learn / skmlp | skmlp / bare step |")
    print("|---|---|---|---|---|")
    for name, (ours, theirs) in rows.items():
        bare = f"{ours / floor:.1f}x" if name.startswith("partial_fit") else "-"
        print(f"| {name} | {ours:.0f} | {theirs:.0f} | {theirs / ours:.1f}x | {bare} |")
    print(f"\nBare NumPy step (the same network, Adam, preallocated): {floor:.0f} us")


if __name__ == "__main__":
    main()
