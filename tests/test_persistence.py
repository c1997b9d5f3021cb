"""Saving and loading models: the saved format, the version stamp, skops.

A saved estimator (pickle, joblib, skops) refers to its public class, NumPy,
the standard library and scikit-learn only: skmlp's private classes are
saved as plain data (``skmlp/_persistence.py``) and rebuilt on load, so
skops users trust the estimator's class alone. The files committed in
``tests/data`` (made by ``tests/data/make_saved_models.py``) keep loading,
so that a change of the format is deliberate. The basic pickle and joblib
round trips are also tested in ``test_classifier.py``.
"""

import copy
import io
import pickle
import pickletools
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import skmlp
import skmlp._persistence
from skmlp import MLPClassifier, MLPRegressor
from skmlp._persistence import FORMAT_VERSION
from skmlp.exceptions import InconsistentVersionWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))
TARGETS = {
    "binary": np.arange(60) % 2,
    "multiclass": np.array(["ant", "bee", "cat"])[np.arange(60) % 3],
    "multilabel": (rng.random((60, 3)) < 0.5).astype(int),
}
REGRESSION_TARGETS = {
    "single": X @ np.array([1.0, -2.0, 0.5, 0.0]),
    "multi-output": np.column_stack([X[:, 0] - X[:, 1], X[:, 2] ** 2]),
}

# What skops does not trust by default in a saved model: the estimator's
# class, nothing else (NumPy arrays, builtins and scikit-learn's
# LabelBinarizer are types skops trusts).
CLASSIFIER = "skmlp._classifier.MLPClassifier"
REGRESSOR = "skmlp._regressor.MLPRegressor"
PUBLIC_CLASSES = {("skmlp._classifier", "MLPClassifier"), ("skmlp._regressor", "MLPRegressor")}


@pytest.fixture
def sio():
    return pytest.importorskip("skops.io")


def _fitted(solver="adam", target="binary", dtype=np.float64, **params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0,
              "learning_rate_init": 0.01, **params}
    return MLPClassifier(solver=solver, **params).fit(X.astype(dtype), TARGETS[target])


def _regressor(solver="adam", target="single", dtype=np.float64, **params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0,
              "learning_rate_init": 0.01, **params}
    return MLPRegressor(solver=solver, **params).fit(X.astype(dtype),
                                                     REGRESSION_TARGETS[target])


def _after_partial_fit(estimator, y):
    classes = {"classes": np.unique(y)} if isinstance(estimator, MLPClassifier) else {}
    for start in range(0, 60, 20):
        estimator.partial_fit(X[start:start + 20], y[start:start + 20], **classes)
    return estimator


def _models():
    """Every kind of model the format holds: id -> a function that makes it."""
    models = {}
    for solver in ("sgd", "adam", "lbfgs"):
        for dtype in (np.float64, np.float32):
            name = f"{solver}-{np.dtype(dtype).name}"
            for target in TARGETS:
                models[f"classifier-{name}-{target}"] = (
                    lambda s=solver, t=target, d=dtype: _fitted(s, t, d))
            for target in REGRESSION_TARGETS:
                models[f"regressor-{name}-{target}"] = (
                    lambda s=solver, t=target, d=dtype: _regressor(s, t, d))
    small = {"hidden_layer_sizes": (5,), "random_state": 0}
    models.update({
        "classifier-early-stopping": lambda: _fitted(target="multiclass", early_stopping=True,
                                                     max_iter=15),
        "regressor-early-stopping": lambda: _regressor(early_stopping=True, max_iter=15),
        "classifier-dropout-sgd": lambda: _fitted("sgd", dropout=[0.2, 0.1],
                                                  hidden_layer_sizes=(6, 4)),
        "classifier-partial-fit": lambda: _after_partial_fit(
            MLPClassifier(**small), TARGETS["multiclass"]),
        "regressor-partial-fit": lambda: _after_partial_fit(
            MLPRegressor(solver="sgd", **small), REGRESSION_TARGETS["multi-output"]),
        "classifier-unfitted": lambda: MLPClassifier(**small),
        "regressor-unfitted": lambda: MLPRegressor(random_state=np.random.RandomState(3)),
    })
    return models


MODELS = _models()


def _skops_round_trip(sio, clf, path):
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    return sio.load(path, trusted=untrusted), untrusted


def _assert_same_model(a, b, X):
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    for name in ("coefs_", "intercepts_"):
        for left, right in zip(getattr(a, name), getattr(b, name), strict=True):
            assert left.dtype == right.dtype
            np.testing.assert_array_equal(left, right)


def _assert_same_training_state(a, b):
    """Bitwise the same parameters, optimizer state, generator and history."""
    left, right = a._trainer, b._trainer
    assert left.params.dtype == right.params.dtype
    np.testing.assert_array_equal(left.params, right.params, strict=True)
    assert type(left.optimizer) is type(right.optimizer)
    if left.optimizer is not None:
        for (name, x), (_, y) in zip(sorted(left.optimizer.state().items()),
                                     sorted(right.optimizer.state().items()), strict=True):
            np.testing.assert_array_equal(x, y, err_msg=name, strict=True)
    assert left.rng.bit_generator.state == right.rng.bit_generator.state
    assert vars(left.history) == vars(right.history)


def _assert_weights_held_once(model):
    trainer = model._trainer
    assert trainer.owns(model.coefs_, model.intercepts_)
    for array in [*model.coefs_, *model.intercepts_]:
        assert np.shares_memory(array, trainer.params)


# ------------------------------------------------------------ the saved format
def _loaded_globals(data):
    """(module, name) of every global a pickle names, as loading looks them up."""
    names = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            names.add((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(data)).load()
    return names


def _opcode_globals(data):
    """(module, name) of the GLOBAL opcodes (protocols 0 to 3 name globals this way)."""
    return {tuple(arg.split(" ", 1)) for op, arg, _ in pickletools.genops(data)
            if op.name == "GLOBAL"}


def _foreign(names):
    allowed = set(sys.stdlib_module_names) | {"numpy", "sklearn"}
    return sorted((module, name) for module, name in names
                  if module.split(".")[0] not in allowed and (module, name) not in PUBLIC_CLASSES)


def _public_class(model):
    return (type(model).__module__, type(model).__name__)


@pytest.mark.parametrize("model", list(MODELS))
def test_a_pickle_names_only_the_public_class_numpy_sklearn_and_the_standard_library(model):
    estimator = MODELS[model]()
    by_lookup = _loaded_globals(pickle.dumps(estimator))
    by_opcode = _opcode_globals(pickle.dumps(estimator, protocol=2))
    for names in (by_lookup, by_opcode):
        assert _foreign(names) == []
        assert _public_class(estimator) in names
        assert [module for module, _ in names - {_public_class(estimator)}
                if module.split(".")[0] == "skmlp"] == []


def _not_plain_data(value, path="state"):
    """(path, type) of every value in ``value`` that is neither plain data nor
    NumPy's or scikit-learn's."""
    if isinstance(value, dict):
        return [found for key, item in value.items()
                for found in _not_plain_data(item, f"{path}[{key!r}]")]
    if isinstance(value, (list, tuple)):
        return [found for i, item in enumerate(value)
                for found in _not_plain_data(item, f"{path}[{i}]")]
    plain = (str, int, float, bool, type(None), np.ndarray, np.generic)
    module = type(value).__module__.split(".")[0]
    return [] if isinstance(value, plain) or module in ("sklearn", "numpy") else [
        (path, type(value).__qualname__)]


@pytest.mark.parametrize("model", ["classifier-dropout-sgd", "regressor-adam-float32-single",
                                   "classifier-lbfgs-float64-multiclass",
                                   "classifier-early-stopping"])
def test_the_saved_state_is_plain_data(model):
    state = MODELS[model]().__getstate__()
    assert _not_plain_data(state) == []
    assert state["_skmlp_format"] == FORMAT_VERSION
    assert "coefs_" not in state and "intercepts_" not in state  # the weights, once
    assert state["_skmlp_trainer"]["params"].ndim == 1


def test_every_attribute_of_the_trainer_is_saved_or_rebuilt():
    # A new attribute of the Trainer must be added to
    # skmlp._persistence.trainer_state, or here as scratch, deliberately
    # (the History is saved field by field, whatever its fields).
    trainer = _fitted("adam", dropout=0.2)._trainer
    saved = {"layout": "layer_units", "params": "params", "objective": "objective",
             "dropout": "dropout", "rng": "rng", "optimizer": "optimizer",
             "history": "history"}
    rebuilt = {"grad", "coefs", "intercepts", "_workspace"}
    assert set(vars(trainer)) == set(saved) | rebuilt
    assert set(skmlp._persistence.trainer_state(trainer)) == set(saved.values())


@pytest.mark.parametrize("model", list(MODELS))
def test_skops_trusts_the_estimator_class_alone(sio, tmp_path, model):
    estimator = MODELS[model]()
    restored, untrusted = _skops_round_trip(sio, estimator, tmp_path / "model.skops")
    assert untrusted == [".".join(_public_class(estimator))]
    assert type(restored) is type(estimator)
    assert restored.get_params().keys() == estimator.get_params().keys()
    if hasattr(estimator, "_trainer"):
        _assert_same_training_state(restored, estimator)
        _assert_weights_held_once(restored)
        data = X.astype(estimator._trainer.params.dtype)
        np.testing.assert_array_equal(restored.predict(data), estimator.predict(data))
    else:
        assert not hasattr(restored, "coefs_")


@pytest.mark.parametrize("model", list(MODELS))
def test_a_pickled_model_holds_its_weights_once_and_predicts_identically(model):
    estimator = MODELS[model]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(pickle.dumps(estimator))
    assert "_skmlp_version" not in vars(restored) and "_skmlp_format" not in vars(restored)
    assert _structure(restored.__getstate__()) == _structure(estimator.__getstate__())
    if not hasattr(estimator, "_trainer"):
        assert not hasattr(restored, "coefs_")
        return
    _assert_weights_held_once(restored)
    _assert_same_training_state(restored, estimator)
    data = X.astype(estimator._trainer.params.dtype)
    np.testing.assert_array_equal(restored.predict(data), estimator.predict(data))
    assert restored.loss_curve_ == estimator.loss_curve_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("save", ["pickle", "skops"])
@pytest.mark.parametrize("estimator, params", [
    ("classifier", dict(solver="sgd", momentum=0.9, nesterovs_momentum=True)),
    ("classifier", dict(solver="sgd", nesterovs_momentum=False, learning_rate="invscaling")),
    ("classifier", dict(solver="adam")),
    ("regressor", dict(solver="adam")),
    ("regressor", dict(solver="sgd", learning_rate="adaptive")),
])
def test_partial_fit_continues_bitwise_after_a_round_trip(sio, tmp_path, estimator, params,
                                                          save, dtype):
    # Dropout makes every step draw from the trainer's generator: its state is
    # saved too. The same steps on the model never saved give the same bits.
    fit = _fitted if estimator == "classifier" else _regressor
    target = "multiclass" if estimator == "classifier" else "multi-output"
    model = fit(target=target, dtype=dtype, dropout=0.25, **params)
    y = (TARGETS if estimator == "classifier" else REGRESSION_TARGETS)[target]
    if save == "pickle":
        restored = pickle.loads(pickle.dumps(model))
    else:
        restored, _ = _skops_round_trip(sio, model, tmp_path / "model.skops")
    for start in range(0, 60, 15):
        for m in (model, restored):
            m.partial_fit(X[start:start + 15].astype(dtype), y[start:start + 15])
    _assert_same_training_state(restored, model)
    _assert_weights_held_once(restored)
    assert (restored.n_iter_, restored.t_, restored.loss_) == (model.n_iter_, model.t_,
                                                                model.loss_)


WARM_STARTS = {
    "sgd": (lambda: _fitted("sgd", "multiclass"), TARGETS["multiclass"]),
    "adam-multilabel": (lambda: _fitted("adam", "multilabel"), TARGETS["multilabel"]),
    "lbfgs": (lambda: _fitted("lbfgs", "multiclass"), TARGETS["multiclass"]),
    "regressor": (lambda: _regressor("adam", "multi-output"),
                  REGRESSION_TARGETS["multi-output"]),
    "early-stopping": (lambda: _fitted("adam", "multiclass", early_stopping=True, max_iter=12),
                       TARGETS["multiclass"]),
    "RandomState-dropout": (lambda: _fitted("sgd", random_state=np.random.RandomState(3),
                                            dropout=0.2), TARGETS["binary"]),
}


@pytest.mark.parametrize("save", ["pickle", "skops"])
@pytest.mark.parametrize("case", list(WARM_STARTS))
def test_a_warm_start_fit_continues_identically_after_a_round_trip(sio, tmp_path, case, save):
    make, y = WARM_STARTS[case]
    model = make()
    if save == "pickle":
        restored = pickle.loads(pickle.dumps(model))
    else:
        restored, _ = _skops_round_trip(sio, model, tmp_path / "model.skops")
    for m in (model, restored):
        m.set_params(warm_start=True, max_iter=3).fit(X, y)
    _assert_same_training_state(restored, model)
    _assert_weights_held_once(restored)


def test_assigned_weights_are_saved_as_they_are(sio, tmp_path):
    clf = _fitted("sgd", "multiclass")
    clf.coefs_ = [np.zeros_like(W) for W in clf.coefs_]
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    for restored in (pickle.loads(pickle.dumps(clf)),
                     _skops_round_trip(sio, clf, tmp_path / "model.skops")[0]):
        np.testing.assert_allclose(restored.predict_proba(X), 1 / 3)
        restored.partial_fit(X, TARGETS["multiclass"])  # continues from the zeros
        assert np.abs(restored.coefs_[0]).max() < 0.01
        _assert_weights_held_once(restored)


def test_a_removed_layer_stays_removed():
    clf = _fitted("adam", "multiclass", hidden_layer_sizes=(5, 4))
    clf.coefs_.pop()
    restored = pickle.loads(pickle.dumps(clf))
    assert (len(restored.coefs_), len(restored.intercepts_)) == (2, 3)


def test_deepcopy_gives_an_independent_model_with_views():
    clf = _fitted("adam")
    twin = copy.deepcopy(clf)
    _assert_weights_held_once(twin)
    assert not np.shares_memory(twin._trainer.params, clf._trainer.params)
    _assert_same_training_state(twin, clf)


_DELETE = object()


@pytest.mark.parametrize("path, value, message", [
    (("_skmlp_format",), FORMAT_VERSION + 1,
     f"saved in format {FORMAT_VERSION + 1} .* reads formats 0 to {FORMAT_VERSION}"),
    (("_skmlp_format",), "1", "saved in format '1'"),
    (("_skmlp_trainer", "params"), np.zeros(3), r"params must be .* of shape \(\d+,\)"),
    (("_skmlp_trainer", "params"), [0.0], "params must be a float32 or float64 array"),
    (("_skmlp_trainer", "layer_units"), [4, 0, 3], "layer_units must be"),
    (("_skmlp_trainer", "history"), {}, "the history must be a dict with the entries"),
    (("_skmlp_trainer", "objective"), _DELETE, "the trainer's state must be a dict"),
    (("_skmlp_trainer", "rng", "bit_generator"), "os.system", "rng must be the state of one"),
    (("_skmlp_trainer", "optimizer", "solver"), "lbfgs", "the optimizer's solver must be"),
    (("_skmlp_trainer", "optimizer", "state", "first_moment"), np.zeros(2),
     "Adam's first_moment must be an array of shape"),
    (("_skmlp_trainer", "optimizer", "state", "velocity"), np.zeros(2),
     "The state of Adam has the entries"),
])
def test_a_malformed_state_raises_a_clear_error(path, value, message):
    state = copy.deepcopy(_fitted("adam", "multiclass").__getstate__())
    *parents, last = path
    entry = state
    for key in parents:
        entry = entry[key]
    if value is _DELETE:
        del entry[last]
    else:
        entry[last] = value
    restored = MLPClassifier.__new__(MLPClassifier)
    with pytest.raises(ValueError, match=message):
        restored.__setstate__(state)
    assert not hasattr(restored, "_trainer")


# ------------------------------------------------------ the committed files
def _committed(suffix):
    return sorted(DATA.glob(f"mlpclassifier_*_format*{suffix}"))


def _format_and_version(path):
    version, layout = re.fullmatch(r"mlpclassifier_(.+)_format(\d+)", path.stem).groups()
    return int(layout), version


def test_a_file_of_every_format_is_committed():
    formats = {_format_and_version(path)[0] for path in _committed(".pkl")}
    assert formats == set(range(FORMAT_VERSION + 1)), (
        "Commit a model saved in the new format: python tests/data/make_saved_models.py")


def _load_committed(path, sio):
    layout, version = _format_and_version(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if path.suffix == ".pkl":
            model = pickle.loads(path.read_bytes())
        else:  # format 0 saved private types: the file's own list
            trusted = [CLASSIFIER] if layout >= 1 else sio.get_untrusted_types(file=path)
            model = sio.load(path, trusted=trusted)
    stamps = [w.message for w in caught if w.category is InconsistentVersionWarning]
    assert [w.original_version for w in stamps] == (
        [] if version == skmlp.__version__ else [version])
    return model


@pytest.mark.parametrize("path", _committed(".pkl") + _committed(".skops"),
                         ids=lambda path: path.name)
def test_a_committed_file_loads_and_predicts_what_it_predicted_when_saved(sio, path):
    model = _load_committed(path, sio)
    recorded = np.load(path.with_suffix(".npz"))
    np.testing.assert_array_equal(model.predict(recorded["X"]), recorded["predict"])
    np.testing.assert_allclose(model.predict_proba(recorded["X"]), recorded["predict_proba"],
                               rtol=1e-12, atol=1e-15)
    _assert_weights_held_once(model)
    model.partial_fit(recorded["X"], recorded["predict"])  # and trains on
    if path.suffix == ".pkl" and _format_and_version(path)[0] >= 1:
        assert _foreign(_loaded_globals(path.read_bytes())) == []


def _structure(value):
    """The nested keys and value types of a state, without the values."""
    if isinstance(value, dict):
        return {key: _structure(item) for key, item in value.items()
                if key != "_skmlp_version"}
    return type(value).__name__


def test_this_skmlp_writes_the_format_of_the_committed_file():
    # A change of what the state holds must come with a new FORMAT_VERSION and
    # a new committed file: the committed file of the current format is
    # compared with what this skmlp writes for the model it holds.
    path = next(path for path in _committed(".pkl")
                if _format_and_version(path)[0] == FORMAT_VERSION)
    states = []

    class Raw:
        def __setstate__(self, state):
            states.append(state)

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            return Raw if (module, name) in PUBLIC_CLASSES else super().find_class(module, name)

    Unpickler(io.BytesIO(path.read_bytes())).load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        model = pickle.loads(path.read_bytes())
    assert _structure(model.__getstate__()) == _structure(states[0])


# ------------------------------------------------------------ version stamp
def test_a_model_from_another_skmlp_version_warns():
    clf = _fitted()
    state = clf.__getstate__()
    state["_skmlp_version"] = "0.0.1"
    restored = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(InconsistentVersionWarning, match="from skmlp version 0.0.1"):
        restored.__setstate__(state)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_same_version_loads_silently():
    saved = pickle.dumps(_fitted())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(saved)
    assert "_skmlp_version" not in vars(restored)


# --------------------------------------------------------------------- skops
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_skops_round_trip_trusts_the_class_alone_and_predicts_identically(
        sio, tmp_path, solver, target, dtype):
    clf = _fitted(solver, target, dtype)
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert untrusted == [CLASSIFIER]
    assert type(restored) is MLPClassifier
    _assert_same_model(restored, clf, X.astype(dtype))
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.predict_proba(X.astype(dtype)).dtype == dtype
    assert restored.loss_curve_ == clf.loss_curve_
    assert (restored.n_iter_, restored.t_, restored.loss_) == (clf.n_iter_, clf.t_, clf.loss_)
    assert restored.get_params() == clf.get_params()
    assert "_skmlp_version" not in vars(restored)


@pytest.mark.parametrize("params, target", [
    (dict(early_stopping=True, max_iter=15), "multiclass"),
    (dict(class_weight={"ant": 2.0, "bee": 1.0, "cat": 0.5}), "multiclass"),
    (dict(class_weight="balanced", solver="sgd"), "binary"),
    (dict(dropout=[0.2, 0.0], hidden_layer_sizes=[6, 4], solver="sgd"), "binary"),
    (dict(random_state=np.random.RandomState(3)), "binary"),
    (dict(activation="tanh", loss="squared_error", solver="lbfgs"), "multiclass"),
    (dict(learning_rate="adaptive", solver="sgd", nesterovs_momentum=False), "binary"),
])
def test_skops_needs_no_other_type_for_any_configuration(sio, tmp_path, params, target):
    clf = _fitted(target=target, **params)
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert untrusted == [CLASSIFIER]
    _assert_same_model(restored, clf, X)


def test_skops_keeps_pandas_feature_names(sio, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
        frame, TARGETS["binary"])
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert untrusted == [CLASSIFIER]
    np.testing.assert_array_equal(restored.feature_names_in_, clf.feature_names_in_)
    np.testing.assert_array_equal(restored.predict_proba(frame), clf.predict_proba(frame))


def test_skops_pipeline_needs_no_other_types(sio, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(5,), max_iter=5,
                                                         solver="sgd", random_state=0))
    pipe.fit(X, TARGETS["multiclass"])
    path = tmp_path / "pipeline.skops"
    sio.dump(pipe, path)
    assert sio.get_untrusted_types(file=path) == [CLASSIFIER]
    restored = sio.load(path, trusted=[CLASSIFIER])
    np.testing.assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize("trusted", [None, [], [REGRESSOR]])
def test_skops_refuses_to_load_untrusted_types(sio, tmp_path, trusted):
    from skops.io.exceptions import UntrustedTypesFoundException

    path = tmp_path / "model.skops"
    sio.dump(_fitted("adam"), path)
    # Trusting the other estimator's class is not enough either.
    with pytest.raises(UntrustedTypesFoundException, match=re.escape(CLASSIFIER)):
        sio.load(path, trusted=trusted)


def test_skops_file_loads_in_a_new_process(sio, tmp_path):
    clf = _fitted("sgd", "multiclass")
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    np.save(tmp_path / "X.npy", X)
    code = textwrap.dedent(f"""
        import numpy as np
        import skops.io as sio
        clf = sio.load({str(path)!r}, trusted={[CLASSIFIER]!r})
        X = np.load({str(tmp_path / 'X.npy')!r})
        np.save({str(tmp_path / 'proba.npy')!r}, clf.predict_proba(X))
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


def test_skops_file_from_another_skmlp_version_warns(sio, tmp_path, monkeypatch):
    clf = _fitted()
    path = tmp_path / "model.skops"
    with monkeypatch.context() as patch:
        patch.setattr(skmlp._persistence, "__version__", "0.0.1")
        sio.dump(clf, path)
    with pytest.warns(InconsistentVersionWarning, match="from skmlp version 0.0.1"):
        restored = sio.load(path, trusted=[CLASSIFIER])
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_skops_file_from_this_version_loads_silently(sio, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(_fitted(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sio.load(path, trusted=[CLASSIFIER])


def test_callbacks_are_saved_with_the_model_unless_removed(sio, tmp_path):
    callback = pytest.importorskip("sklearn.callback")
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
    clf.set_callbacks(callback.ProgressBar()).fit(X, TARGETS["binary"])
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    assert set(sio.get_untrusted_types(file=path)) - {CLASSIFIER}  # the callback's type
    sio.dump(clf.set_callbacks(), path)  # no callbacks: only skmlp's types again
    assert sio.get_untrusted_types(file=path) == [CLASSIFIER]


# ---------------------------------------------------------------------- docs
def _python_blocks(rst):
    """The ``.. code-block:: python`` blocks of a reStructuredText page, dedented."""
    blocks = re.findall(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", rst, re.MULTILINE)
    return [textwrap.dedent(block) for block in blocks]


def test_the_persistence_guide_runs_and_lists_exactly_skmlps_types(sio, tmp_path,
                                                                   monkeypatch):
    page = ROOT / "docs" / "user_guide" / "persistence.rst"
    blocks = _python_blocks(page.read_text())
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # the guide writes its files to the working directory
    namespace = {}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
    # The classifier's types, and the regressor's estimator class for regressors.
    assert sorted(namespace["trusted"]) == [CLASSIFIER, REGRESSOR]
    assert type(namespace["loaded"]) is MLPClassifier
