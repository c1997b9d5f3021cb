"""Data-parallel training on a Dask cluster: the workers sum, the client steps.

The training rows stay on the workers, as *shards*: one ``(X, Y, w)`` tuple
of NumPy arrays per chunk of the user's dask array, held by the futures of a
:class:`ShardedData`. Every evaluation of the objective

1. sends the parameter vector to every worker once (``scatter`` with
   ``broadcast=True``),
2. runs one task per shard: :func:`~skmlp._core.objective.loss_and_gradient_sums`
   on its rows (all of them for L-BFGS, a slice of each shard for a global
   mini-batch of SGD or Adam),
3. adds the shards' ``(loss_sum, grad_sum, weight_total)`` in a tree of
   tasks (``SPLIT_EVERY`` inputs each, shards of one worker side by side),
   so that one vector of ``n_params`` numbers per worker crosses the network,
4. and hands the total to :func:`~skmlp._core.objective.combine_sums` on the
   client, which applies the mean and the L2 penalty once.

The optimizers are the in-memory ones: L-BFGS is :func:`skmlp._lbfgs.fit_lbfgs`
driven through :class:`ShardedTrainer`, whose ``loss_and_gradient`` is the
cluster's; SGD and Adam are :func:`skmlp._training.run_epochs` with
:func:`run_sharded_epoch` as its epoch. Lost workers are Dask's business: the
shards keep their lineage and are recomputed elsewhere; an evaluation whose
futures were lost all the same is retried (``RETRIES`` times) and then
reported as :class:`ClusterLost`.

Part of the training layer: NumPy, SciPy, Dask, the core and the in-memory
training modules only, no scikit-learn. The estimators of :mod:`skmlp.dask`
hand it checked, encoded shards and plain callables.
"""

import math
from concurrent.futures import CancelledError

import numpy as np
from distributed import KilledWorker
from distributed.client import FutureCancelledError

from ._core.network import forward
from ._core.objective import combine_sums, loss_and_gradient_sums
from ._training import TrainingDiverged, TrainingInterrupted

#: Inputs per task of the reduction tree.
SPLIT_EVERY = 8
#: Evaluations retried after the cluster lost their futures.
RETRIES = 2
_LOST = (KilledWorker, FutureCancelledError, CancelledError)

# Per worker process: the row order of a shard for an epoch, keyed by
# (seed, shard index); a handful are kept (the current epoch's).
_ORDERS = {}


class ClusterLost(RuntimeError):
    """The cluster lost the data or the workers of an evaluation, even after retries."""


# ---------------------------------------------------------------- on workers
def _rows(n_rows, batch):
    """The rows of a shard in one step of a global mini-batch.

    Parameters
    ----------
    n_rows : int
        Rows of the shard.
    batch : tuple or None
        ``(seed, index, step, n_steps)``: step ``step`` of ``n_steps`` takes
        the ``step``-th of ``n_steps`` near-equal slices of the shard's rows,
        in the order of a permutation drawn from ``(seed, index)`` (``seed``
        None: the stored order). None: all rows.

    Returns
    -------
    rows : slice or ndarray of int
    """
    if batch is None:
        return slice(None)
    seed, index, step, n_steps = batch
    start, stop = (n_rows * step) // n_steps, (n_rows * (step + 1)) // n_steps
    if seed is None:
        return slice(start, stop)
    key = (seed, index)
    if key not in _ORDERS:
        if len(_ORDERS) > 64:
            _ORDERS.clear()
        _ORDERS[key] = np.random.default_rng([seed, index]).permutation(n_rows)
    return np.sort(_ORDERS[key][start:stop])


def shard_sums(params, shard, layout, objective, batch=None):
    """The loss and gradient sums of a shard's rows (a task on a worker).

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    shard : tuple
        ``(X, Y, w)``: ndarrays of shapes ``(n_rows, n_features)``,
        ``(n_rows, n_outputs)`` and ``(n_rows,)`` (``w`` may be None).
    layout : ParameterLayout
    objective : dict
        ``hidden_activation``, ``output_activation``, ``loss`` (``alpha`` is
        ignored: the client adds the penalty).
    batch : tuple, default=None
        Which rows (see :func:`_rows`); None for all.

    Returns
    -------
    sums : tuple
        ``(loss_sum, grad_sum, weight_total)``, zeros for an empty selection.
    """
    X, Y, w = shard
    rows = _rows(X.shape[0], batch)
    X, Y, w = X[rows], Y[rows], None if w is None else w[rows]
    if X.shape[0] == 0:
        return 0.0, np.zeros_like(params), 0.0
    terms = {k: objective[k] for k in ("hidden_activation", "output_activation", "loss")}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return loss_and_gradient_sums(params, layout, X, Y, sample_weight=w, **terms)


def add_sums(*parts):
    """Element-wise sum of tuples of numbers and arrays, in the order given."""
    total = list(parts[0])
    for part in parts[1:]:
        total = [a + b for a, b in zip(total, part)]
    return tuple(total)


def shard_statistic(params, shard, layout, objective, statistic):
    """``statistic(A, Y, w)`` on a shard's network outputs ``A`` (a task on a worker).

    Returns
    -------
    values : tuple
        What ``statistic`` returns: numbers or arrays that add up over shards.
    """
    X, Y, w = shard
    coefs, intercepts = layout.unpack(params)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        activations, _ = forward(coefs, intercepts, X, objective["hidden_activation"],
                                 objective["output_activation"])
        return tuple(statistic(activations[-1], Y, w))


def count_non_finite(A, Y, w):
    """The number of non-finite outputs ``A`` of a shard (a statistic)."""
    return (int(np.size(A) - np.count_nonzero(np.isfinite(A))),)


def _copy(array):
    """The parameter vector, as the result of a task (so workers fetch it once)."""
    return array.copy()


def shard_head(shard, n_rows):
    """The first ``n_rows`` rows of a shard's ``X``."""
    return shard[0][:n_rows]


# ----------------------------------------------------------------- on client
class ShardedData:
    """Training rows held on the workers, one ``(X, Y, w)`` future per shard.

    Parameters
    ----------
    client : distributed.Client
    shards : list of distributed.Future
        Each the tuple ``(X, Y, w)`` of one chunk, computed with its lineage
        (``client.compute``), so that Dask recomputes a shard a lost worker
        held.
    n_rows : list of int
        Rows per shard.
    n_features : int

    Attributes
    ----------
    shape : tuple of int
        ``(n_samples, n_features)`` over all shards.
    """

    def __init__(self, client, shards, n_rows, n_features):
        holders = client.who_has(shards)
        first_holder = [(sorted(holders.get(f.key, ())) or [None])[0] for f in shards]
        order = sorted(range(len(shards)), key=lambda i: (str(first_holder[i]), i))
        self.client = client
        self.ids = order
        self.shards = [shards[i] for i in order]
        self.holders = [first_holder[i] for i in order]
        self.n_rows = [int(n_rows[i]) for i in order]
        self.shape = (sum(self.n_rows), int(n_features))

    @staticmethod
    def _near(holder):
        """Run a task on the worker ``holder`` (another one only if it is gone)."""
        return {} if holder is None else {"workers": [holder], "allow_other_workers": True}

    def __getitem__(self, rows):
        """The first rows of ``X`` (``data[:k]``), fetched from the first shards."""
        if not (isinstance(rows, slice) and rows.start is None and rows.step is None):
            raise IndexError("sharded data gives only its first rows, data[:k]")
        head = [self.client.submit(shard_head, shard, rows.stop)
                for shard, n in zip(self.shards, self.n_rows) if n][:1]
        return self.client.gather(head)[0]

    def reduce(self, parts):
        """Add per-shard result futures; return the total (fetched).

        First on each worker, the results of the shards it holds (so that
        only one partial sum per worker crosses the network), then in a tree
        of ``SPLIT_EVERY`` inputs per task.
        """
        by_worker = {}
        for holder, part in zip(self.holders, parts):
            by_worker.setdefault(holder, []).append(part)
        parts = []
        for holder, group in by_worker.items():
            while len(group) > 1:
                group = [self.client.submit(add_sums, *group[i:i + SPLIT_EVERY], pure=False,
                                            **self._near(holder))
                         for i in range(0, len(group), SPLIT_EVERY)]
            parts += group
        while len(parts) > 1:
            parts = [self.client.submit(add_sums, *parts[i:i + SPLIT_EVERY], pure=False)
                     for i in range(0, len(parts), SPLIT_EVERY)]
        return parts[0].result()

    def map_reduce(self, function, params, args_of):
        """``sum over shards i of function(params, shard_i, *args_of(id_i))``, retried if lost.

        ``params`` travels to every worker once; only the tree's partial sums
        and the total come back. ``id_i`` is the shard's chunk index.
        """
        for attempt in range(RETRIES + 1):
            try:
                # One task holds the parameters; the workers fetch it once each.
                shared = self.client.submit(_copy, params, pure=False)
                parts = [self.client.submit(function, shared, shard, *args_of(i), pure=False,
                                            **self._near(holder))
                         for i, shard, holder in zip(self.ids, self.shards, self.holders)]
                return self.reduce(parts)
            except _LOST as error:
                if attempt == RETRIES:
                    raise ClusterLost(
                        f"The cluster lost the workers or data of an evaluation "
                        f"{RETRIES + 1} times ({type(error).__name__}: {error}); "
                        "training stopped.") from error
        raise AssertionError("unreachable")  # pragma: no cover

    def sums(self, params, layout, objective, batch=None):
        """``(loss_sum, grad_sum, weight_total)`` over the shards' rows.

        ``batch=(seed, step, n_steps)`` restricts each shard to one step of a
        global mini-batch (see :func:`_rows`).
        """
        if batch is None:
            return self.map_reduce(shard_sums, params, lambda i: (layout, objective))
        seed, step, n_steps = batch
        return self.map_reduce(shard_sums, params,
                               lambda i: (layout, objective, (seed, i, step, n_steps)))

    def outputs_are_finite(self, params, layout, objective):
        """Whether the network's outputs on every shard's rows are finite."""
        (n_bad,) = self.statistic(params, layout, objective, count_non_finite)
        return n_bad == 0

    def statistic(self, params, layout, objective, statistic):
        """``statistic(A, Y, w)`` summed over the shards (see :func:`shard_statistic`)."""
        return self.map_reduce(shard_statistic, params,
                               lambda i: (layout, objective, statistic))


class ShardedTrainer:
    """A :class:`~skmlp._training.Trainer` whose objective is the cluster's.

    Everything but :meth:`loss_and_gradient` is the wrapped trainer's (its
    ``params`` are updated in place, its history records the fit), so
    :func:`~skmlp._lbfgs.fit_lbfgs` drives it unchanged.

    Parameters
    ----------
    trainer : Trainer
    data : ShardedData
    """

    def __init__(self, trainer, data):
        self.trainer, self.data = trainer, data

    def __getattr__(self, name):
        return getattr(self.trainer, name)

    def __setattr__(self, name, value):
        """Attributes other than its own (the optimizer, say) are the trainer's."""
        if name in ("trainer", "data"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.trainer, name, value)

    def step(self, X=None, Y=None, sample_weight=None):
        """One step on all the shards' rows, one mini-batch (``partial_fit``).

        Returns
        -------
        loss : float
            The loss before the update.

        Raises
        ------
        TrainingDiverged
            If the loss is not finite (the weights are not updated).
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad = self.loss_and_gradient()
            if not math.isfinite(loss):
                raise TrainingDiverged(f"the loss became {loss}")
            self.trainer.optimizer.update(self.trainer.params, grad)
        return loss

    def loss_and_gradient(self, X=None, Y=None, sample_weight=None, dropout_masks=None,
                          batch=None):
        """Loss and gradient of all the shards' rows (``X``, ``Y``, ``sample_weight``
        are ignored: the rows are on the workers), written into ``trainer.grad``.

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_params,)
        """
        trainer = self.trainer
        total = self.data.sums(trainer.params, trainer.layout, trainer.objective, batch)
        if total[2] == 0:
            return math.nan, trainer.grad
        loss, grad = combine_sums(trainer.params, trainer.layout, *total,
                                  alpha=trainer.objective.get("alpha", 0.0))
        trainer.grad[...] = grad
        return loss, trainer.grad


def run_sharded_epoch(trainer, data, Y, sample_weight, batch_size, rng, shuffle, guard=None):
    """One epoch of global mini-batches over the shards: the cluster's :func:`run_epoch`.

    An epoch is ``ceil(n_samples / batch_size)`` steps. With ``shuffle``, each
    shard's rows are put in a new random order (drawn on its worker from a
    seed of ``rng``); step ``s`` then takes the ``s``-th slice of every
    shard, so a mini-batch holds about ``batch_size`` rows spread over all
    the chunks in proportion to their sizes, and every row is used once per
    epoch.

    Parameters
    ----------
    trainer : ShardedTrainer
    data : ShardedData
    Y, sample_weight : None
        Unused: the targets and weights are in the shards.
    batch_size : int
    rng : numpy.random.Generator
    shuffle : bool
    guard : InterruptGuard, default=None

    Returns
    -------
    loss : float
        The mean of the mini-batch losses, weighted by the batches' weights.

    Raises
    ------
    TrainingDiverged, TrainingInterrupted
        With ``rows_done``, as :func:`~skmlp._training.run_epoch`.
    """
    n_samples = data.shape[0]
    n_steps = max(1, math.ceil(n_samples / batch_size))
    seed = int(rng.integers(np.iinfo(np.int64).max)) if shuffle else None
    weighted_loss, total_weight, rows_done = 0.0, 0.0, 0
    for step in range(n_steps):
        try:
            total = data.sums(trainer.params, trainer.layout, trainer.objective,
                              (seed, step, n_steps))
            if total[2] > 0:
                loss, grad = combine_sums(trainer.params, trainer.layout, *total,
                                          alpha=trainer.objective.get("alpha", 0.0))
                if not math.isfinite(loss):
                    raise TrainingDiverged(f"the loss became {loss}")
                with np.errstate(over="ignore", invalid="ignore"):
                    trainer.optimizer.update(trainer.params, grad)
                weighted_loss += loss * total[2]
                total_weight += total[2]
            rows_done = (n_samples * (step + 1)) // n_steps
            if guard is not None:
                guard.check()
        except (TrainingDiverged, TrainingInterrupted) as stop_reason:
            stop_reason.rows_done = rows_done
            raise
    return weighted_loss / total_weight if total_weight else math.nan
