"""Reference training loops for ``bench_fit.py``: a bare-NumPy floor and plain PyTorch.

Both train, for one configuration of ``bench_fit.CONFIGS``, the same network
with the same mathematics as the estimators: fully connected layers, a
logistic or ReLU activation in the hidden layers, a softmax output with the
log-loss averaged over the mini-batch, the L2 penalty
``alpha / (2 n) * ||W||^2`` on the weights only (``n`` the rows of the
mini-batch), plain SGD or Adam, Glorot-uniform initial weights and biases
(the bound is ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(2 / ...)`` for the
logistic activation, as in scikit-learn), and a new shuffle of the rows every
epoch.

* :func:`numpy_floor` is the loop a careful NumPy programmer would write for
  speed, for this one network only: everything in float32, every buffer
  allocated once, in-place ufuncs with ``out=``, one flat parameter vector
  with a view per layer so that the optimizer step is one vectorised update
  of all parameters. It computes no loss value (the update does not need
  one; the estimators record ``loss_curve_``).
* :func:`torch_loop` is a plain PyTorch CPU training loop: ``nn.Sequential``,
  ``nn.CrossEntropyLoss``, ``torch.optim.SGD`` or ``torch.optim.Adam``, the
  data as tensors made once, an index tensor per mini-batch; no
  ``DataLoader``, no ``torch.compile``. PyTorch is optional: see
  :func:`torch_info`.

Each function trains one warm-up epoch, then times ``epochs`` more, and
returns the milliseconds of each timed epoch and the test accuracy after all
of them. Nothing here imports skmlp: the loops are references to measure
skmlp against, not users of it.
"""

import gc
import math
import os
import sys
import time
import traceback

import numpy as np

DTYPE = np.float32

#: The estimator parameters a reference loop reads (``get_params()`` names).
SPEC_KEYS = ("hidden_layer_sizes", "activation", "solver", "batch_size", "learning_rate_init",
             "learning_rate", "alpha", "momentum", "beta_1", "beta_2", "epsilon")
TORCH_MISSING = "n/a (torch not installed)"


def usable_cores():
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_spec(spec):
    """The estimator parameters of ``spec`` a reference loop supports, checked.

    Parameters
    ----------
    spec : dict
        Estimator parameters (``get_params()``), at least ``SPEC_KEYS``.

    Returns
    -------
    spec : dict
        Only the keys of ``SPEC_KEYS``.
    """
    spec = {key: spec[key] for key in SPEC_KEYS}
    if spec["activation"] not in ("logistic", "relu"):
        raise ValueError(f"activation {spec['activation']!r}: only logistic and relu")
    if spec["solver"] not in ("sgd", "adam"):
        raise ValueError(f"solver {spec['solver']!r}: only sgd and adam")
    if spec["solver"] == "sgd" and (spec["momentum"] != 0 or spec["learning_rate"] != "constant"):
        raise ValueError("sgd: only plain SGD (momentum=0, learning_rate='constant')")
    return spec


def glorot_bound(fan_in, fan_out, activation):
    """Half-width of the Glorot-uniform initial weights (scikit-learn's rule)."""
    factor = 2.0 if activation == "logistic" else 6.0
    return math.sqrt(factor / (fan_in + fan_out))


def time_epochs(train_epoch, epochs):
    """Milliseconds of each of ``epochs`` calls of ``train_epoch``, after one untimed call."""
    train_epoch()  # warm-up: first-call costs, caches, thread pools
    times = []
    for _ in range(epochs):
        gc.collect()
        start = time.perf_counter()
        train_epoch()
        times.append(1e3 * (time.perf_counter() - start))
    return times


# ------------------------------------------------------------- NumPy floor
def _activate(Z, activation):
    """Apply the hidden activation to ``Z`` in place."""
    if activation == "relu":
        np.maximum(Z, 0, out=Z)
    else:  # logistic: 1 / (1 + exp(-Z))
        np.negative(Z, out=Z)
        np.exp(Z, out=Z)
        np.add(Z, 1, out=Z)
        np.reciprocal(Z, out=Z)


class NumpyFloor:
    """A float32 MLP classifier with every training buffer allocated once.

    Parameters
    ----------
    spec : dict
        Checked estimator parameters (:func:`check_spec`).
    n_features, n_classes : int
    seed : int
        Seeds the initial weights and the shuffles.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All weights, layer by layer, then all biases, in one float32 vector.
    grad : ndarray of shape (n_params,)
        The gradient, laid out as ``params``.
    W, gW : list of ndarray of shape (n_in, n_out)
        Per-layer views of the weights in ``params`` and ``grad``.
    b, gb : list of ndarray of shape (n_out,)
        Per-layer views of the biases in ``params`` and ``grad``.
    """

    def __init__(self, spec, n_features, n_classes, seed):
        self.spec, self.n_classes = spec, n_classes
        self.units = [n_features, *spec["hidden_layer_sizes"], n_classes]
        shapes = list(zip(self.units[:-1], self.units[1:]))
        self.n_weights = sum(n_in * n_out for n_in, n_out in shapes)
        self.params = np.empty(self.n_weights + sum(self.units[1:]), dtype=DTYPE)
        self.grad = np.empty_like(self.params)
        self.W, self.b = self._layer_views(self.params, shapes)
        self.gW, self.gb = self._layer_views(self.grad, shapes)
        self.rng = np.random.default_rng(seed)
        for W, b in zip(self.W, self.b):
            bound = glorot_bound(*W.shape, spec["activation"])
            W[...] = self.rng.uniform(-bound, bound, W.shape)
            b[...] = self.rng.uniform(-bound, bound, b.shape)
        # Adam's moments, kept divided by (1 - beta): see _adam_step.
        self.m, self.v = np.zeros_like(self.params), np.zeros_like(self.params)
        self.scratch = np.empty_like(self.params)
        # The weights part (the L2 penalty's) of params, grad and scratch.
        self.w_flat, self.gw_flat, self.sw_flat = (a[:self.n_weights] for a in
                                                   (self.params, self.grad, self.scratch))
        self.t = 0
        batch = spec["batch_size"]
        self.x = np.empty((batch, n_features), dtype=DTYPE)
        self.y = np.empty((batch, n_classes), dtype=DTYPE)
        # acts[i]: the activation of layer i (acts[-1]: the output, later its delta);
        # deltas[i]: the delta of hidden layer i; tmp[i]: the activation's derivative.
        self.acts = [np.empty((batch, k), dtype=DTYPE) for k in self.units[1:]]
        self.deltas = [np.empty((batch, k), dtype=DTYPE) for k in self.units[1:-1]]
        self.tmp = [np.empty((batch, k), dtype=DTYPE) for k in self.units[1:-1]]
        self.row = np.empty((batch, 1), dtype=DTYPE)
        self.ones = np.ones((n_classes, 1), dtype=DTYPE)
        self._views = {}

    def _layer_views(self, flat, shapes):
        """Per-layer weight and bias views into the flat vector ``flat``."""
        weights, biases, w_at, b_at = [], [], 0, self.n_weights
        for n_in, n_out in shapes:
            weights.append(flat[w_at:w_at + n_in * n_out].reshape(n_in, n_out))
            biases.append(flat[b_at:b_at + n_out])
            w_at, b_at = w_at + n_in * n_out, b_at + n_out
        return weights, biases

    def batch_views(self, n):
        """The first ``n`` rows of every batch buffer (made once per ``n``).

        Returns
        -------
        views : tuple
            ``(x, y, inputs, acts, deltas, tmp, row)``: ``x`` of shape
            (n, n_features), ``y`` of shape (n, n_classes), lists of (n, units)
            arrays (``inputs``: the input of each layer, ``x`` then
            ``acts[:-1]``), and ``row`` of shape (n, 1).
        """
        if n not in self._views:
            x, acts = self.x[:n], [a[:n] for a in self.acts]
            self._views[n] = (x, self.y[:n], [x, *acts[:-1]], acts,
                              [d[:n] for d in self.deltas], [t[:n] for t in self.tmp],
                              self.row[:n])
        return self._views[n]

    def train_epoch(self, X, Y):
        """One epoch of mini-batch training on a new permutation of the rows.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features), float32
        Y : ndarray of shape (n_samples, n_classes), float32
            One-hot labels.
        """
        batch, n_samples = self.spec["batch_size"], len(X)
        rows = self.rng.permutation(n_samples)
        with np.errstate(over="ignore"):  # exp(-Z) of the logistic may overflow to inf: fine
            for start in range(0, n_samples, batch):
                index = rows[start:start + batch]
                x, y, inputs, acts, deltas, tmp, row = self.batch_views(len(index))
                # mode="clip": with the default mode="raise", np.take fills a
                # temporary and copies it to ``out``; a permutation is in range.
                np.take(X, index, axis=0, out=x, mode="clip")
                np.take(Y, index, axis=0, out=y, mode="clip")
                self._gradient(y, inputs, acts, deltas, tmp, row)
                if self.spec["solver"] == "sgd":
                    self._sgd_step(len(index))
                else:
                    self._adam_step(len(index))

    def _gradient(self, y, inputs, acts, deltas, tmp, row):
        """Forward and backward pass of one mini-batch of ``n`` rows into ``grad``.

        ``grad`` then holds the gradient of the mean log-loss without the L2
        term, times ``learning_rate_init`` for SGD (whose step then is
        ``params -= grad``).

        Parameters
        ----------
        y : ndarray of shape (n, n_classes)
            One-hot labels.
        inputs, acts, deltas, tmp : list of ndarray of shape (n, units)
            The buffers of :meth:`batch_views`; ``inputs[0]`` holds the rows.
        row : ndarray of shape (n, 1)
        """
        W, b, gW, gb, relu = self.W, self.b, self.gW, self.gb, self.spec["activation"] == "relu"
        n_layers, n = len(W), len(y)
        for i in range(n_layers):
            np.matmul(inputs[i], W[i], out=acts[i])
            np.add(acts[i], b[i], out=acts[i])
            if i < n_layers - 1:
                _activate(acts[i], self.spec["activation"])
        # ufunc.reduce rather than np.max / np.sum: the same loop without the
        # wrapper's microsecond, which counts on batches of 10 rows.
        out = acts[-1]  # softmax, then its delta (P - Y) * scale, in place
        np.maximum.reduce(out, axis=1, keepdims=True, out=row)
        np.subtract(out, row, out=out)
        np.exp(out, out=out)
        np.matmul(out, self.ones, out=row)  # row sums by BLAS: the output is tall and narrow
        np.divide(out, row, out=out)
        np.subtract(out, y, out=out)
        scale = (self.spec["learning_rate_init"] if self.spec["solver"] == "sgd" else 1.0) / n
        np.multiply(out, scale, out=out)
        delta = out
        for i in range(n_layers - 1, -1, -1):
            np.matmul(inputs[i].T, delta, out=gW[i])
            np.add.reduce(delta, axis=0, out=gb[i])
            if i == 0:
                break  # the input needs no gradient
            np.matmul(delta, W[i].T, out=deltas[i - 1])
            a, d = inputs[i], deltas[i - 1]
            if relu:  # f'(z) = 1 where a > 0, else 0
                np.greater(a, 0, out=tmp[i - 1])
            else:  # f'(z) = a (1 - a)
                np.subtract(1, a, out=tmp[i - 1])
                np.multiply(tmp[i - 1], a, out=tmp[i - 1])
            np.multiply(d, tmp[i - 1], out=d)
            delta = d

    def _sgd_step(self, n):
        """``W <- W - lr (grad + alpha / n W)``, ``b <- b - lr grad`` (grad holds lr grad)."""
        np.multiply(self.w_flat, 1 - self.spec["learning_rate_init"] * self.spec["alpha"] / n,
                    out=self.w_flat)
        np.subtract(self.params, self.grad, out=self.params)

    def _adam_step(self, n):
        """Adam with the L2 term ``alpha / n W`` added to the weights' gradient.

        The moments are kept as ``m' = m / (1 - beta_1)`` and
        ``v' = v / (1 - beta_2)``, which saves a pass over the parameters in
        each update (``m' <- beta_1 m' + g``); the step
        ``eta_t m / (sqrt(v) + eps)``, with
        ``eta_t = eta sqrt(1 - beta_2^t) / (1 - beta_1^t)``, is then
        ``c_t m' / (sqrt(v') + eps / sqrt(1 - beta_2))`` with
        ``c_t = eta_t (1 - beta_1) / sqrt(1 - beta_2)``.
        """
        spec, m, v, s, g = self.spec, self.m, self.v, self.scratch, self.grad
        b1, b2 = spec["beta_1"], spec["beta_2"]
        np.multiply(self.w_flat, spec["alpha"] / n, out=self.sw_flat)
        np.add(self.gw_flat, self.sw_flat, out=self.gw_flat)
        self.t += 1
        np.multiply(m, b1, out=m)
        np.add(m, g, out=m)
        np.multiply(v, b2, out=v)
        np.multiply(g, g, out=s)
        np.add(v, s, out=v)
        # Python floats, so that NumPy computes in float32 (NEP 50).
        eta_t = spec["learning_rate_init"] * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        np.sqrt(v, out=s)
        np.add(s, spec["epsilon"] / math.sqrt(1 - b2), out=s)
        np.divide(m, s, out=s)
        np.multiply(s, eta_t * (1 - b1) / math.sqrt(1 - b2), out=s)
        np.subtract(self.params, s, out=self.params)

    def predict(self, X):
        """Class indices, shape (n_samples,), for ``X`` of shape (n_samples, n_features)."""
        A = X
        with np.errstate(over="ignore"):
            for i, (W, b) in enumerate(zip(self.W, self.b)):
                A = A @ W + b
                if i < len(self.W) - 1:
                    _activate(A, self.spec["activation"])
        return A.argmax(axis=1)


def numpy_floor(spec, data, epochs, seed):
    """Time the bare-NumPy training loop for one configuration.

    Parameters
    ----------
    spec : dict
        Estimator parameters (``get_params()``), see :func:`check_spec`.
    data : tuple
        ``(X, y, X_test, y_test)``: float32 arrays of shape
        (n_samples, n_features) and (n_test, n_features), integer labels
        0 to n_classes - 1 of shape (n_samples,) and (n_test,).
    epochs : int
        Timed epochs, after one untimed warm-up epoch.
    seed : int

    Returns
    -------
    result : dict
        ``ms_per_epoch`` (list of the timed epochs), ``accuracy`` (on the
        test rows after all ``epochs + 1`` epochs), ``epochs_trained``.
    """
    X, y, X_test, y_test = data
    X = np.ascontiguousarray(X, dtype=DTYPE)
    n_classes = int(max(y.max(), y_test.max())) + 1
    Y = np.zeros((len(y), n_classes), dtype=DTYPE)
    Y[np.arange(len(y)), y] = 1
    net = NumpyFloor(check_spec(spec), X.shape[1], n_classes, seed)
    times = time_epochs(lambda: net.train_epoch(X, Y), epochs)
    accuracy = float(np.mean(net.predict(np.asarray(X_test, dtype=DTYPE)) == y_test))
    return {"ms_per_epoch": times, "accuracy": accuracy, "epochs_trained": epochs + 1}


# ----------------------------------------------------------------- PyTorch
def _import_torch():
    """The ``torch`` module, or None where it cannot be imported."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_info(threads=None):
    """Set PyTorch's thread count; its version and thread count, or None without it.

    Parameters
    ----------
    threads : int or None
        Threads for :func:`torch_loop` (``torch.set_num_threads``); None:
        the number of usable cores.

    Returns
    -------
    info : dict or None
        ``{"version", "threads"}``.
    """
    torch = _import_torch()
    if torch is None:
        return None
    torch.set_num_threads(threads or usable_cores())
    return {"version": torch.__version__, "threads": torch.get_num_threads()}


def _torch_model(spec, units, nn, torch):
    """``nn.Sequential`` of ``nn.Linear`` and the activation, Glorot-uniform initialised."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(units[:-1], units[1:])):
        linear = nn.Linear(n_in, n_out)  # float32, torch's default dtype
        bound = glorot_bound(n_in, n_out, spec["activation"])
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound)
            linear.bias.uniform_(-bound, bound)
        layers.append(linear)
        if i < len(units) - 2:
            layers.append(nn.Sigmoid() if spec["activation"] == "logistic" else nn.ReLU())
    return nn.Sequential(*layers)


def torch_loop(spec, data, epochs, seed):
    """Time a plain PyTorch CPU training loop for one configuration.

    Parameters and return value as for :func:`numpy_floor`. It runs on the
    threads :func:`torch_info` set (by default, torch's own choice). Raises
    ImportError without PyTorch.
    """
    import torch
    from torch import nn

    spec = check_spec(spec)
    torch.manual_seed(seed)
    X, y, X_test, y_test = data
    n_classes = int(max(y.max(), y_test.max())) + 1
    model = _torch_model(spec, [X.shape[1], *spec["hidden_layer_sizes"], n_classes], nn, torch)
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    batch = spec["batch_size"]
    # L2 on the weights only. skmlp adds alpha / (2 n) ||W||^2 to the mean
    # log-loss of a mini-batch of n rows, so its gradient gains alpha / n W:
    # for SGD that is exactly weight_decay = alpha / batch_size (the last,
    # smaller batch of an epoch aside). torch's Adam also adds weight_decay W
    # to the gradient before the moments (L2 in the gradient, not AdamW's
    # decoupled decay), so it matches too.
    groups = [{"params": [lin.weight for lin in linears], "weight_decay": spec["alpha"] / batch},
              {"params": [lin.bias for lin in linears], "weight_decay": 0.0}]
    if spec["solver"] == "sgd":
        optimizer = torch.optim.SGD(groups, lr=spec["learning_rate_init"])
    else:
        optimizer = torch.optim.Adam(groups, lr=spec["learning_rate_init"],
                                     betas=(spec["beta_1"], spec["beta_2"]), eps=spec["epsilon"])
    loss_fn = nn.CrossEntropyLoss()  # softmax + mean log-loss
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=DTYPE))
    y_t = torch.from_numpy(np.asarray(y, dtype=np.int64))
    generator = torch.Generator().manual_seed(seed)

    def train_epoch():
        order = torch.randperm(len(X_t), generator=generator)
        for start in range(0, len(X_t), batch):
            index = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X_t[index]), y_t[index])
            loss.backward()
            optimizer.step()

    times = time_epochs(train_epoch, epochs)
    with torch.no_grad():
        scores = model(torch.from_numpy(np.ascontiguousarray(X_test, dtype=DTYPE)))
    accuracy = float(np.mean(scores.argmax(dim=1).numpy() == y_test))
    return {"ms_per_epoch": times, "accuracy": accuracy, "epochs_trained": epochs + 1}


LOOPS = {"floor": numpy_floor, "torch": torch_loop}


def run_reference(name, spec, data, epochs, seed):
    """Run one reference loop, reporting instead of raising.

    Parameters
    ----------
    name : {"floor", "torch"}
    spec, data, epochs, seed
        As for :func:`numpy_floor`.

    Returns
    -------
    result : dict
        The loop's result with ``status`` "ok"; or only ``status``:
        ``TORCH_MISSING``, or "FAILED: ..." (the traceback goes to stderr).
    """
    if name == "torch" and _import_torch() is None:
        return {"status": TORCH_MISSING}
    print(f"[bench_fit]   reference loop {name} ...", file=sys.stderr, flush=True)
    try:
        return {"status": "ok", **LOOPS[name](spec, data, epochs, seed)}
    except Exception as exc:  # a reference must not sink the configuration's results
        traceback.print_exc()
        return {"status": f"FAILED: {type(exc).__name__}: {exc}"}
