"""What a saved estimator holds: its state as plain data, and back.

A pickle or skops file of a fitted estimator refers to the estimator's class,
NumPy, the standard library and scikit-learn only (the label binarizer is
scikit-learn's). skmlp's private classes (the trainer, its history, the
parameter layout, the optimizers) are not saved as objects: their state is
saved as plain arrays, numbers, strings, lists and dicts, and they are
rebuilt on load, with ``coefs_`` and ``intercepts_`` views into the one
parameter vector again. Private classes can therefore be renamed or changed
without breaking saved models, and skops users trust the estimator's class
alone.

Every saved state carries two stamps: ``_skmlp_version``, the skmlp version
that saved it (loading it with another version warns with
:class:`~skmlp.exceptions.InconsistentVersionWarning`), and
``_skmlp_format``, the layout of the state itself:

====== ==================================================================
format what the state holds
====== ==================================================================
0      (skmlp 0.1.0 until the format was versioned) the
       :class:`~skmlp._training.Trainer` object itself, under ``_trainer``
1      the trainer as plain data (:func:`trainer_state`), under
       ``_skmlp_trainer``; ``coefs_``/``intercepts_`` only when they are
       not views into the parameter vector (assigned from outside)
2      as 1, with the parameter ``weight_decay`` (and the solver 'adamw');
       a file of an older format loads with ``weight_decay`` at its default
====== ==================================================================

Files of every format load; ``tests/data`` keeps one of each, and
``tests/test_persistence.py`` checks that they keep loading.
"""

import dataclasses
import warnings

import numpy as np

from ._core.network import ParameterLayout
from ._core.optimizers import SOLVERS
from ._parameters import parameters_of
from ._training import History, Trainer
from ._version import __version__
from .exceptions import InconsistentVersionWarning

#: The layout of the saved state this skmlp writes (see the module's table).
FORMAT_VERSION = 2
#: NumPy bit generators a saved random generator may name (looked up by name).
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_TRAINER_ENTRIES = ("layer_units", "params", "objective", "dropout", "rng", "optimizer",
                    "history")


def saved_state(state):
    """What an estimator saves, from its ``__dict__`` (a copy: nothing is changed).

    Parameters
    ----------
    state : dict
        The estimator's attributes; a fitted one's include ``_trainer``.

    Returns
    -------
    state : dict
        Plain data and scikit-learn objects, stamped with the skmlp version
        and :data:`FORMAT_VERSION`.
    """
    state = dict(state, _skmlp_version=__version__, _skmlp_format=FORMAT_VERSION)
    state.pop("_call_cache", None)  # the fast call path's cache: rebuilt by the next call
    trainer = state.pop("_trainer", None)
    if trainer is not None:
        state["_skmlp_trainer"] = trainer_state(trainer)
        if _are_views(trainer, state.get("coefs_"), state.get("intercepts_")):
            del state["coefs_"], state["intercepts_"]  # rebuilt from the parameters
    return state


def loaded_state(state, estimator_name):
    """An estimator's ``__dict__`` from a saved state, of any format this skmlp reads.

    Parameters
    ----------
    state : dict
        As returned by :func:`saved_state`, now or by an earlier skmlp.
    estimator_name : str
        For the messages.

    Returns
    -------
    state : dict
        With ``_trainer`` rebuilt, and ``coefs_``/``intercepts_`` views into
        its parameter vector.

    Warns
    -----
    InconsistentVersionWarning
        If another skmlp version saved the state.

    Raises
    ------
    ValueError
        If the state is of a format this skmlp cannot read, or is malformed.
    """
    state = dict(state)
    saved = state.pop("_skmlp_version", "unknown (before 0.1.0)")
    if saved != __version__:
        warnings.warn(InconsistentVersionWarning(
            estimator_name=estimator_name, original_version=saved,
            current_version=__version__))
    layout = state.pop("_skmlp_format", 0)
    if type(layout) is not int or not 0 <= layout <= FORMAT_VERSION:
        raise ValueError(
            f"This {estimator_name} was saved in format {layout!r} by skmlp {saved}; skmlp "
            f"{__version__} reads formats 0 to {FORMAT_VERSION}. Load it with skmlp "
            f"{saved}, or fit it again.")
    # A parameter added since the file was saved (weight_decay, say) takes its default.
    kind = "regressor" if "Regressor" in estimator_name else "classifier"
    for row in parameters_of(kind):
        state.setdefault(row.name, row.default)
    if layout == 0:
        return _from_format_0(state)
    if "_skmlp_trainer" in state:
        try:
            trainer = trainer_from_state(state.pop("_skmlp_trainer"))
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"The saved {estimator_name} is not valid: {error}") from None
        state["_trainer"] = trainer
        if "coefs_" not in state:
            state["coefs_"], state["intercepts_"] = list(trainer.coefs), list(trainer.intercepts)
    return state


def _from_format_0(state):
    """Format 0 saved the trainer itself, and copies of its weights beside it:
    the estimator's weights become views into the trainer's parameters again."""
    trainer = state.get("_trainer")
    if not isinstance(trainer, Trainer):
        return state
    pairs = [(saved, own) for name, views in (("coefs_", trainer.coefs),
                                              ("intercepts_", trainer.intercepts))
             for saved, own in zip(state.get(name, ()), views, strict=False)]
    if len(pairs) == 2 * len(trainer.coefs) and all(
            isinstance(saved, np.ndarray) and saved.dtype == own.dtype
            and np.array_equal(saved, own) for saved, own in pairs):
        state["coefs_"], state["intercepts_"] = list(trainer.coefs), list(trainer.intercepts)
    return state


def _are_views(trainer, coefs, intercepts):
    """Whether ``coefs``/``intercepts`` are exactly the trainer's views of its
    parameters (not assigned from outside, no layer removed or replaced)."""
    if not isinstance(coefs, list) or not isinstance(intercepts, list):
        return False
    expected = trainer.layout.unpack(trainer.params)
    return all(
        len(given) == len(views) and all(
            isinstance(a, np.ndarray) and a.shape == b.shape and a.strides == b.strides
            and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            for a, b in zip(given, views))
        for given, views in ((coefs, expected[0]), (intercepts, expected[1])))


# ------------------------------------------------------------ the trainer
def trainer_state(trainer):
    """A :class:`~skmlp._training.Trainer` as plain data.

    Parameters
    ----------
    trainer : Trainer

    Returns
    -------
    state : dict
        ``layer_units`` (list of int), ``params`` (ndarray of shape
        (n_params,), not copied), ``objective`` (dict), ``dropout`` (list of
        float or None), ``rng`` (the bit generator's state dict), ``optimizer``
        (None, or ``{"solver": name, "state": Optimizer.state()}``) and
        ``history`` (dict of the :class:`~skmlp._training.History` fields).
    """
    optimizer = trainer.optimizer
    if optimizer is not None:
        solver = next(name for name, row in SOLVERS.items() if row.optimizer is type(optimizer))
        optimizer = {"solver": solver, "state": optimizer.state()}
    return {
        "layer_units": list(trainer.layout.layer_units),
        "params": trainer.params,
        "objective": dict(trainer.objective),
        "dropout": None if trainer.dropout is None else list(trainer.dropout),
        "rng": trainer.rng.bit_generator.state,
        "optimizer": optimizer,
        "history": dict(vars(trainer.history)),
    }


def trainer_from_state(state):
    """The :class:`~skmlp._training.Trainer` that :func:`trainer_state` describes.

    Parameters
    ----------
    state : dict

    Returns
    -------
    trainer : Trainer
        Its ``params`` is ``state["params"]`` (not copied); ``coefs`` and
        ``intercepts`` are views into it.

    Raises
    ------
    ValueError
        If an entry is missing or malformed; the message names it.
    """
    _check_entries("the trainer's state", state, _TRAINER_ENTRIES)
    units = state["layer_units"]
    if (not isinstance(units, (list, tuple)) or len(units) < 2
            or not all(isinstance(u, (int, np.integer)) and u >= 1 for u in units)):
        raise ValueError(f"layer_units must be a list of at least two positive integers, "
                         f"got {units!r}.")
    layout = ParameterLayout(units)
    params = state["params"]
    if (not isinstance(params, np.ndarray) or params.dtype not in (np.float32, np.float64)
            or params.shape != (layout.n_params,)):
        raise ValueError(
            f"params must be a float32 or float64 array of shape ({layout.n_params},) for "
            f"the layers {layout.layer_units}, got {type(params).__name__} of shape "
            f"{np.shape(params)} and dtype {getattr(params, 'dtype', None)}.")
    trainer = Trainer(layout.layer_units, params, None, state["objective"], state["dropout"],
                      _generator(state["rng"]))
    trainer.optimizer = _optimizer(state["optimizer"], layout.n_params, params.dtype)
    history = state["history"]
    _check_entries("the history", history, [f.name for f in dataclasses.fields(History)])
    trainer.history = History(**history)
    return trainer


def _check_entries(what, state, names):
    if not isinstance(state, dict) or set(state) != set(names):
        got = sorted(map(str, state)) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{what} must be a dict with the entries {sorted(names)}, got {got}.")


def _generator(state):
    """A NumPy Generator in a saved bit generator ``state`` (only NumPy's kinds)."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ValueError(f"rng must be the state of one of NumPy's bit generators "
                         f"{list(BIT_GENERATORS)}, got {name!r}.")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _optimizer(state, n_params, dtype):
    """The optimizer a saved ``{"solver": ..., "state": ...}`` describes, or None."""
    if state is None:
        return None
    _check_entries("the optimizer's state", state, ("solver", "state"))
    solvers = [name for name, row in SOLVERS.items() if row.stochastic]
    if state["solver"] not in solvers:
        raise ValueError(f"the optimizer's solver must be one of {solvers}, got "
                         f"{state['solver']!r}.")
    return SOLVERS[state["solver"]].optimizer.from_state(state["state"], n_params, dtype)
