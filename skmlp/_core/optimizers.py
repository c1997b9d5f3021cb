"""Optimizers that update the flat parameter vector in place.

Each optimizer is a small state object: its state arrays have the shape of
the parameter vector, ``(n_params,)``, and ``update(params, grad)`` takes one
step in place. All arithmetic is in the dtype of the parameters (the
hyper-parameters are rounded to it) and reuses preallocated scratch arrays, so
a step allocates nothing of size ``n_params``.

After each step, parameters and optimizer state whose magnitude is below
the smallest normal number of the dtype (``np.finfo(dtype).tiny``, 1.2e-38 in
float32) are set to zero: arithmetic on such subnormal numbers is up to a
hundred times slower on x86 CPUs, and they appear in ordinary training (the
weights of MNIST's always-blank pixels, which only the L2 penalty moves, end
there under Adam), while values that small change no prediction.

Each update is written twice, on purpose: in NumPy (``_update_numpy``, the
readable reference, a few passes over the vectors) and as one fused pass of
the compiled kernels (:mod:`skmlp._core.kernels`). Both do the same operations in the same order, so they
give the same parameters bit for bit; ``update`` takes the kernel when it is
built and the arrays suit it.
"""

import copy
import inspect
from dataclasses import dataclass

import numpy as np

from . import kernels
from .kernels import flush_subnormal
from .objective import add_penalty_gradient

#: Learning-rate schedules of :class:`SGD`, with their meaning.
LEARNING_RATE_SCHEDULES = {
    "constant": "eta = learning_rate_init",
    "invscaling": "eta = learning_rate_init / (t + 1) ** power_t, t samples seen",
    "adaptive": "eta /= 5 each time the loss stops improving",
}


class Optimizer:
    """The contract every optimizer keeps: state, scratch, copies, pickling.

    An optimizer's attributes are of two kinds. *State* (every attribute whose
    name does not start with ``_``: hyper-parameters, the current learning
    rate, step counts, velocity or moments) is what training depends on: it
    is saved by :meth:`state`, restored by :meth:`load_state` (or built anew
    by :meth:`from_state`), copied by :meth:`copy` and pickled. *Scratch*
    (the arrays named in ``_scratch_names``, each of shape ``(n_params,)``)
    only saves allocations inside :meth:`update`: it is never saved, and is
    rebuilt on load.

    A subclass's constructor takes ``(n_params, dtype)`` and then its
    hyper-parameters as keyword arguments without defaults (the defaults
    are the estimators', in their parameter table), each kept as the
    attribute of the same name. An optimizer that needs to know where the
    weights end and the biases begin overrides :meth:`for_layout`.
    """

    #: Names of the scratch arrays.
    _scratch_names = ()
    #: Whether ``update(..., penalty=...)`` adds the L2 penalty's gradient in
    #: the same pass as the step (the compiled Adam does), rather than in a
    #: pass of its own: only then is it worth handing the penalty over.
    fuses_penalty = False

    def _allocate_scratch(self, like):
        for name in self._scratch_names:  # "_mask": booleans, the others like ``like``
            setattr(self, name, np.empty_like(like, dtype=bool if name == "_mask" else None))

    @classmethod
    def for_layout(cls, layout, dtype, **arguments):
        """A new optimizer for the parameter vector ``layout`` describes.

        Parameters
        ----------
        layout : ParameterLayout
            Its ``n_params`` parameters; the weights are ``params[:n_coefs]``.
        dtype : dtype
        **arguments
            The hyper-parameters, named as the constructor's arguments.

        Returns
        -------
        optimizer : Optimizer
        """
        return cls(layout.n_params, dtype, **arguments)

    @classmethod
    def arguments(cls):
        """The names of the constructor's hyper-parameters (after ``n_params, dtype``)."""
        return tuple(inspect.signature(cls).parameters)[2:]

    def state(self):
        """A copy of the state (arrays and other mutable values copied):
        what :meth:`load_state` takes."""
        return {name: _copied(value) for name, value in vars(self).items()
                if not name.startswith("_")}

    def load_state(self, state):
        """Return to a saved :meth:`state`, in place (arrays keep their identity)."""
        for name, value in state.items():
            if isinstance(value, np.ndarray):
                getattr(self, name)[...] = value
            else:
                setattr(self, name, _copied(value))

    @classmethod
    def from_state(cls, state, n_params, dtype):
        """An optimizer of this kind in a saved :meth:`state` (read from a file, say).

        Parameters
        ----------
        state : dict
            As returned by :meth:`state`: the hyper-parameters, numbers, and
            arrays of shape ``(n_params,)``.
        n_params : int
        dtype : dtype
            Those of the parameter vector the optimizer will step.

        Returns
        -------
        optimizer : Optimizer
            With new arrays (the values of ``state`` copied) and new scratch.

        Raises
        ------
        ValueError
            If ``state`` names other entries than this kind's state, or one of
            its arrays is not of shape ``(n_params,)`` and ``dtype``.
        """
        given = state if isinstance(state, dict) else {}
        # Placeholders for missing hyper-parameters: the names are checked next.
        new = cls(n_params, dtype, **{name: given.get(name, 0) for name in cls.arguments()})
        expected = vars(new)
        names = sorted(name for name in expected if not name.startswith("_"))
        if not isinstance(state, dict) or set(state) != set(names):
            got = sorted(map(str, state)) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"The state of {cls.__name__} has the entries {names}, got {got}.")
        for name in names:
            value = state[name]
            if isinstance(expected[name], np.ndarray) and (
                    not isinstance(value, np.ndarray) or value.shape != (n_params,)
                    or value.dtype != np.dtype(dtype)):
                raise ValueError(
                    f"{cls.__name__}'s {name} must be an array of shape ({n_params},) and "
                    f"dtype {np.dtype(dtype)}, got {type(value).__name__} of shape "
                    f"{np.shape(value)} and dtype {getattr(value, 'dtype', None)}.")
        new.load_state(state)
        return new

    def copy(self):
        """An independent optimizer with a copy of this one's state.

        The scratch arrays are shared with this optimizer: they hold nothing
        between calls, and only one of the two is stepped at a time.
        """
        new = object.__new__(type(self))
        new.__dict__.update(vars(self))
        new.__dict__.update(self.state())
        return new

    def configure(self, **arguments):
        """Take new hyper-parameters (named as the constructor's), keeping the state.

        A new ``learning_rate_init`` goes through :meth:`set_learning_rate_init`.

        Raises
        ------
        TypeError
            If a name is not one of the constructor's hyper-parameters.
        """
        unknown = sorted(set(arguments) - set(self.arguments()))
        if unknown:
            raise TypeError(f"{type(self).__name__} takes no hyper-parameters {unknown}.")
        for name, value in arguments.items():
            if name == "learning_rate_init":
                self.set_learning_rate_init(value)
            else:
                setattr(self, name, value)
        return self

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in self._scratch_names:  # scratch: rebuilt on load, not saved
            del state[name]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        like = next(value for name, value in state.items() if isinstance(value, np.ndarray))
        self._allocate_scratch(like)

    def set_learning_rate_init(self, learning_rate_init):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    With velocity ``v``, learning rate ``eta`` and momentum ``mu``::

        v      <- mu v - eta g
        params <- params + v                  (classical momentum)
        params <- params + mu v - eta g       (Nesterov's momentum)

    Parameters
    ----------
    n_params : int
    dtype : dtype
    learning_rate_init : float
    momentum : float
    nesterov : bool
    schedule : {'constant', 'invscaling', 'adaptive'}
    power_t : float

    Attributes
    ----------
    learning_rate : float
        The current step size ``eta``.
    velocity : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGD(2, np.float64, learning_rate_init=0.5, momentum=0.0, nesterov=False,
    ...           schedule="constant", power_t=0.5)
    >>> params = np.array([1.0, 2.0])
    >>> opt.update(params, np.array([1.0, -1.0]))
    >>> params
    array([0.5, 2.5])
    """

    _scratch_names = ("_step", "_mask")

    def __init__(self, n_params, dtype, *, learning_rate_init, momentum, nesterov, schedule,
                 power_t):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._step = np.empty(n_params, dtype=dtype)
        self._mask = np.empty(n_params, dtype=bool)

    def update(self, params, grad, penalty=None):
        """One step in place.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
            Its contents are unspecified after the call.
        penalty : tuple (n_weights, scale) or None, default=None
            Add the L2 penalty's gradient ``scale * params[:n_weights]`` to
            ``grad`` first (:func:`~skmlp._core.objective.add_penalty_gradient`).
        """
        if penalty is not None:
            add_penalty_gradient(grad, params, *penalty)
        learning_rate, momentum = float(self.learning_rate), float(self.momentum)
        compiled = kernels.for_vectors(params, grad, self.velocity)
        if compiled is None:
            self._update_numpy(params, grad, learning_rate, momentum)
            return
        compiled.sgd_update(params, grad, self.velocity, 0, params.shape[0], learning_rate,
                            momentum, bool(self.nesterov))

    def _update_numpy(self, params, grad, learning_rate, momentum):
        """The reference form of :meth:`update`, in NumPy."""
        lr_grad = np.multiply(grad, learning_rate, out=self._step)  # eta g
        if momentum == 0:
            params -= lr_grad
            flush_subnormal(params, self._step, self._mask)
            return
        self.velocity *= momentum
        self.velocity -= lr_grad  # v <- mu v - eta g
        if self.nesterov:
            params -= lr_grad
            params += np.multiply(self.velocity, momentum, out=self._step)
        else:
            params += self.velocity
        flush_subnormal(params, self._step, self._mask)
        flush_subnormal(self.velocity, self._step, self._mask)

    def set_learning_rate_init(self, learning_rate_init):
        """Take a new initial learning rate (e.g. after ``set_params``).

        The current rate is scaled by the same factor, so a schedule that has
        already lowered it ('invscaling', 'adaptive') goes on from the
        correspondingly scaled value instead of starting over.
        """
        if learning_rate_init != self.learning_rate_init:
            self.learning_rate *= learning_rate_init / self.learning_rate_init
            self.learning_rate_init = learning_rate_init

    def iteration_ends(self, n_samples_seen):
        """Apply the schedule after a pass (an epoch, or a partial_fit step).

        Parameters
        ----------
        n_samples_seen : int
            ``t``, samples seen so far.
        """
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (n_samples_seen + 1) ** self.power_t

    def on_plateau(self):
        """React to a loss that stopped improving.

        Returns
        -------
        stop : bool
            True when training should stop: always, except for the
            'adaptive' schedule, which divides the learning rate by 5 and
            stops only once it has fallen to 1e-6 or below.
        """
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014).

    With gradient ``g`` at step ``t``::

        m      <- beta_1 m + (1 - beta_1) g
        v      <- beta_2 v + (1 - beta_2) g^2
        eta_t  = eta sqrt(1 - beta_2^t) / (1 - beta_1^t)
        params <- params - eta_t m / (sqrt(v) + epsilon)

    Gradient entries so small that ``(1 - beta_2) g^2`` would be subnormal
    (below about 3e-18 in float32) count as 0: they could move no parameter
    (the step is at most ``eta_t g / epsilon``), and subnormal arithmetic is
    slow (see the module's docstring).

    Parameters
    ----------
    n_params : int
    dtype : dtype
    learning_rate_init : float
    beta_1, beta_2 : float
        In [0, 1).
    epsilon : float

    Attributes
    ----------
    t : int
        Number of steps taken.
    first_moment, second_moment : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> opt = Adam(1, np.float64, learning_rate_init=0.1, beta_1=0.9, beta_2=0.999,
    ...            epsilon=1e-8)
    >>> params = np.array([1.0])
    >>> opt.update(params, np.array([3.0]))  # the first step has length ~eta
    >>> params.round(6)
    array([0.9])
    """

    _scratch_names = ("_scratch", "_gradient", "_mask")
    fuses_penalty = True

    def __init__(self, n_params, dtype, *, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)
        self._gradient = np.empty(n_params, dtype=dtype)
        self._mask = np.empty(n_params, dtype=bool)

    def update(self, params, grad, penalty=None):
        """One step in place.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
            Its contents are unspecified after the call.
        penalty : tuple (n_weights, scale) or None, default=None
            Add the L2 penalty's gradient ``scale * params[:n_weights]`` to
            ``grad`` first (:func:`~skmlp._core.objective.add_penalty_gradient`):
            the compiled kernel does it in the same pass as the step, which
            saves a pass over the weights.
        """
        self._update(params, grad, penalty, n_decayed=0, decay=1.0)

    def _update(self, params, grad, penalty, n_decayed, decay):
        """Adam's step with the penalty's gradient, after multiplying
        ``params[:n_decayed]`` by ``decay`` (AdamW)."""
        self.t += 1
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        # eta_t, a float64 scalar: the product with it is taken in float64
        step_size = np.float64(float(self.learning_rate) * np.sqrt(1 - beta_2**self.t)
                               / (1 - beta_1**self.t))
        # Smaller gradient entries count as 0: their square times (1 - beta_2)
        # would be subnormal, and they move no parameter (eta_t g / epsilon).
        negligible = float(np.sqrt(np.finfo(params.dtype).tiny / max(1 - beta_2, 1e-300)))
        m, v = self.first_moment, self.second_moment
        compiled = kernels.for_vectors(params, grad, m, v)
        if penalty is not None and (compiled is None or n_decayed):
            # Its own pass, of the parameters before AdamW's decay.
            add_penalty_gradient(grad, params, *penalty)
            penalty = None
        if compiled is None:
            if n_decayed:
                params[:n_decayed] *= decay
            self._update_numpy(params, grad, beta_1, beta_2, step_size, negligible)
            return
        n_penalized, scale = (0, 0.0) if penalty is None else penalty
        compiled.adam_update(params, grad, m, v, 0, params.shape[0], beta_1, beta_2,
                             float(self.epsilon), float(step_size), n_decayed, decay,
                             negligible, n_penalized, float(scale))

    def _update_numpy(self, params, grad, beta_1, beta_2, step_size, negligible):
        """The reference form of Adam's step, in NumPy."""
        m, v, s = self.first_moment, self.second_moment, self._scratch
        np.copyto(self._gradient, grad)
        grad = self._gradient
        np.copyto(grad, 0, where=np.less(np.abs(grad, out=s), negligible, out=self._mask))
        m *= beta_1
        m += np.multiply(grad, 1 - beta_1, out=s)  # m <- beta_1 m + (1 - beta_1) g
        v *= beta_2
        np.multiply(grad, grad, out=s)
        s *= 1 - beta_2
        v += s  # v <- beta_2 v + (1 - beta_2) g^2
        np.sqrt(v, out=s)
        s += float(self.epsilon)
        np.divide(m, s, out=s)
        s *= step_size
        params -= s  # params <- params - eta_t m / (sqrt(v) + epsilon)
        for array in (m, v, params):
            flush_subnormal(array, s, self._mask)

    def set_learning_rate_init(self, learning_rate_init):
        """Take a new initial learning rate (e.g. after ``set_params``)."""
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init

    def iteration_ends(self, n_samples_seen):
        """Adam has no schedule: nothing to do."""

    def on_plateau(self):
        """Adam stops on a plateau. Returns True."""
        return True


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before Adam's step, the weights (not the biases) shrink by a factor
    apart from the gradient, so the decay is not rescaled by Adam's
    moments as an L2 penalty in the loss would be::

        W      <- (1 - eta lambda) W                 (weights only)
        params <- params - eta_t m / (sqrt(v) + epsilon)   (Adam's step)

    Parameters
    ----------
    n_params : int
    dtype : dtype
    learning_rate_init, beta_1, beta_2, epsilon : float
        As for :class:`Adam`.
    weight_decay : float
        ``lambda``, non-negative.
    n_weights : int or None, default=None
        The weights are ``params[:n_weights]`` (the layout of
        :class:`~skmlp._core.network.ParameterLayout` puts them first);
        None decays every parameter. :meth:`for_layout` sets it.

    Attributes
    ----------
    t : int
    first_moment, second_moment : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> opt = AdamW(2, np.float64, learning_rate_init=0.1, beta_1=0.9, beta_2=0.999,
    ...             epsilon=1e-8, weight_decay=0.5, n_weights=1)
    >>> params = np.array([1.0, 1.0])  # a weight, then a bias
    >>> opt.update(params, np.array([0.0, 0.0]))  # no gradient: only the weight decays
    >>> params
    array([0.95, 1.  ])
    """

    def __init__(self, n_params, dtype, *, learning_rate_init, beta_1, beta_2, epsilon,
                 weight_decay, n_weights=None):
        super().__init__(n_params, dtype, learning_rate_init=learning_rate_init,
                         beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
        self.weight_decay = weight_decay
        self.n_weights = n_params if n_weights is None else int(n_weights)

    @classmethod
    def for_layout(cls, layout, dtype, **arguments):
        """A new AdamW that decays the weights of ``layout``, not its biases."""
        return cls(layout.n_params, dtype, n_weights=layout.n_coefs, **arguments)

    def update(self, params, grad, penalty=None):
        """One step in place.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
            Its contents are unspecified after the call.
        penalty : tuple (n_weights, scale) or None, default=None
            As for :meth:`Adam.update`.
        """
        decay = 1 - float(self.learning_rate) * float(self.weight_decay)
        self._update(params, grad, penalty,
                     n_decayed=self.n_weights if self.weight_decay else 0, decay=decay)


@dataclass(frozen=True)
class Solver:
    """One row of the solver table.

    Attributes
    ----------
    optimizer : type or None
        The :class:`Optimizer` subclass that steps mini-batches, or None for
        the full-batch L-BFGS solver (SciPy keeps its state).

    The estimator parameters each solver reads, and the optimizer arguments
    they become, are in the estimators' parameter table
    (``skmlp._parameters``).
    """

    optimizer: type

    @property
    def stochastic(self):
        """Whether the solver steps mini-batches (and so has ``partial_fit``)."""
        return self.optimizer is not None


#: The table: solver name -> :class:`Solver`.
SOLVERS = {
    "lbfgs": Solver(None),  # full-batch L-BFGS-B through scipy.optimize
    "sgd": Solver(SGD),  # mini-batch SGD with (Nesterov) momentum
    "adam": Solver(Adam),  # Kingma & Ba, 2014
    "adamw": Solver(AdamW),  # Loshchilov & Hutter, 2019
}


def _copied(value):
    """``value``, copied unless immutable: state saved must not change with the optimizer."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None))):
        return value
    return copy.deepcopy(value)
