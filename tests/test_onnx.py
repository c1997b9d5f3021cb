"""ONNX export (skmlp.onnx): onnxruntime predicts what skmlp predicts."""

import copy
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from scipy.special import log_expit, softmax  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skmlp.onnx  # noqa: E402  (registers the converters)
from skmlp import MLPClassifier, MLPRegressor  # noqa: E402
from skmlp._core.activations import HIDDEN_ACTIVATIONS  # noqa: E402
from skmlp._core.outputs import OUTPUTS as _OUTPUTS  # noqa: E402

OUTPUTS_SOFTMAX_GRAPH = _OUTPUTS["softmax"].graph
from skmlp._core.network import forward  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = (np.float32, np.float64)
#: Absolute tolerance on probabilities, by compute dtype.
ATOL = {np.float32: 1e-5, np.float64: 1e-10}
N_FEATURES = 4
TARGETS = ("binary", "multiclass", "multilabel")


def _data(target, n_samples=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES))
    if target == "binary":
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
    elif target == "multiclass":
        y = np.digitize(X[:, 0] - X[:, 2], [-0.5, 0.5])  # classes 0, 1, 2
    elif target == "strings":
        y = np.array(["cat", "dog", "emu"])[np.digitize(X[:, 1], [-0.5, 0.5])]
    else:  # multilabel
        y = np.column_stack([X[:, 0] > 0, X[:, 1] > X[:, 2], X[:, 3] > 0.5]).astype(int)
    return X, y


_FITTED = {}


def _fitted(activation, target, dtype, **params):
    """A small fitted model, cached: 36 combinations fit in about a second."""
    key = (activation, target, np.dtype(dtype).name, tuple(sorted(params.items())))
    if key not in _FITTED:
        X, y = _data(target)
        model = MLPClassifier((6, 5), activation=activation, max_iter=40,
                              learning_rate_init=0.05, random_state=0, **params)
        _FITTED[key] = model.fit(X.astype(dtype), y)
    return _FITTED[key]


def _session(onx):
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def _run(model, X, **options):
    """onnxruntime's (labels, probabilities) for ``X``, converted with ``options``."""
    options.setdefault("zipmap", False)
    onx = to_onnx(model, X[:1], options={id(_final(model)): options})
    return _session(onx).run(None, {"X": X})


def _final(model):
    return model.steps[-1][1] if hasattr(model, "steps") else model


def _output_preactivations(model, X):
    """z^L in float64, from skmlp's own forward pass."""
    coefs = [W.astype(np.float64) for W in model.coefs_]
    intercepts = [b.astype(np.float64) for b in model.intercepts_]
    return forward(coefs, intercepts, X.astype(np.float64), model.activation, "identity")[0][-1]


def _assert_same_predictions(model, X, dtype):
    labels, proba = _run(model, X)
    expected_proba = model.predict_proba(X)
    assert proba.dtype == dtype
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, expected_proba, rtol=0, atol=ATOL[dtype])


def _extreme(model, X, dtype):
    """A copy of ``model`` whose output pre-activations on ``X`` are +-1e4 (in
    median absolute value), and the rows of ``X`` to compare on.

    In float32 a pre-activation near 1e4 carries a rounding error near 1e-3
    in any implementation, so two correct float32 programs agree to 1e-5 only
    where the outputs are saturated; for float32 the rows kept are those whose
    outputs are (far from 0.5 for logistic, a clear winner for softmax).
    """
    model = copy.deepcopy(model)
    X = X * 100
    Z = _output_preactivations(model, X)
    scale = 1e4 / np.median(np.abs(Z))
    model.coefs_[-1] *= model.coefs_[-1].dtype.type(scale)
    model.intercepts_[-1] *= model.intercepts_[-1].dtype.type(scale)
    Z = _output_preactivations(model, X)
    assert np.median(np.abs(Z)) >= 0.99e4
    if dtype == np.float32:
        if model.out_activation_ == "softmax":
            top2 = np.sort(Z, axis=1)[:, -2:]
            keep = top2[:, 1] - top2[:, 0] > 50
        else:
            keep = np.all(np.abs(Z) > 50, axis=1)
        assert keep.mean() > 0.7  # the comparison is not vacuous
        X = X[keep]
    return model, X.astype(dtype)


# ------------------------------------------------ every (activation, output, dtype)
def test_the_onnx_export_keeps_no_activation_table_of_its_own():
    # Every hidden activation and output layer carries its ONNX expression in
    # the core's tables; the export only interprets them.
    from skmlp._core.activations import ACTIVATIONS
    from skmlp._core.outputs import OUTPUTS
    assert not hasattr(skmlp.onnx, "HIDDEN_ACTIVATIONS")
    for name, row in {**ACTIVATIONS, **OUTPUTS}.items():
        assert row.graph == "z" or isinstance(row.graph, tuple), name
    assert ACTIVATIONS["identity"].graph == OUTPUTS["identity"].graph == "z"


def test_an_expression_reuses_the_nodes_of_a_repeated_part():
    built = {}
    skmlp.onnx.expression_graph(OUTPUTS_SOFTMAX_GRAPH, "Z", np.float32, 18, built)
    # exp(z - max z) appears twice in softmax's expression, and is built once.
    assert len(built) == 5  # ReduceMax, Sub, Exp, ReduceSum, Div


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_onnxruntime_predicts_what_skmlp_predicts(activation, target, dtype):
    model = _fitted(activation, target, dtype)
    assert model.out_activation_ == ("softmax" if target == "multiclass" else "logistic")
    X = np.random.default_rng(1).normal(scale=3, size=(200, N_FEATURES)).astype(dtype)
    _assert_same_predictions(model, X, dtype)
    _assert_same_predictions(*_extreme(model, X, dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_pipeline_with_a_scaler(dtype):
    X, y = _data("strings")
    X = (X * 50 + 100).astype(dtype)  # far from scaled: the scaler matters
    pipe = make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=40, random_state=0))
    pipe.fit(X, y)
    labels, proba = _run(pipe, X)
    np.testing.assert_array_equal(labels, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=ATOL[dtype])


def test_a_dropout_trained_model_converts_as_any_other():
    model = _fitted("relu", "multiclass", np.float64, dropout=0.3)
    _assert_same_predictions(model, _data("multiclass", seed=2)[0], np.float64)


def test_integer_input_is_cast_to_float32():
    model = _fitted("tanh", "multiclass", np.float32)
    X = np.random.default_rng(3).integers(-3, 4, size=(50, N_FEATURES))
    labels, proba = _run(model, X.astype(np.int64))
    np.testing.assert_array_equal(labels, model.predict(X.astype(np.float32)))
    np.testing.assert_allclose(proba, model.predict_proba(X.astype(np.float32)), atol=1e-5)


# ------------------------------------------------------ options and output names
def _outputs(session):
    return [(o.name, o.type) for o in session.get_outputs()]


@pytest.mark.parametrize("zipmap", [True, False, "columns"])
@pytest.mark.parametrize("target", ["binary", "strings", "multilabel"])
def test_output_names_and_types_are_those_of_sklearn_mlp(target, zipmap):
    X, y = _data(target)
    X = X.astype(np.float32)
    ours = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SklearnMLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    options = {"zipmap": zipmap}
    ours_session = _session(to_onnx(ours, X[:1], options=options))
    theirs_session = _session(to_onnx(theirs, X[:1], options=options))
    assert _outputs(ours_session) == _outputs(theirs_session)
    if target != "multilabel":  # skl2onnx declares (N,) for multilabel labels; they are (N, 3)
        assert ([o.shape for o in ours_session.get_outputs()]
                == [o.shape for o in theirs_session.get_outputs()])
    labels = ours_session.run(None, {"X": X})[0]
    assert labels.shape == ours.predict(X).shape


def test_zipmap_gives_a_dictionary_per_row():
    model = _fitted("relu", "multiclass", np.float32)
    X = _data("multiclass", seed=4)[0].astype(np.float32)
    labels, rows = _session(to_onnx(model, X[:1])).run(None, {"X": X})
    np.testing.assert_array_equal(labels, model.predict(X))
    proba = np.array([[row[c] for c in model.classes_] for row in rows])
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)


def test_zipmap_columns_give_one_output_per_class():
    X, y = _data("strings")
    model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    session = _session(to_onnx(model, X[:1], options={"zipmap": "columns"}))
    labels, *columns = session.run(None, {"X": X})
    assert [o.name for o in session.get_outputs()[1:]] == ["scat", "sdog", "semu"]
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(np.column_stack(columns), model.predict_proba(X), atol=1e-10)


def test_nocl_labels_are_class_indices():
    X, y = _data("strings")
    model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    labels, _ = _run(model, X, nocl=True)
    np.testing.assert_array_equal(model.classes_[labels], model.predict(X))


def test_output_class_labels():
    X, y = _data("strings")
    model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    *_, classes = _run(model, X, output_class_labels=True)
    np.testing.assert_array_equal(classes, model.classes_)


def test_integer_valued_float_labels_become_int64():
    X, y = _data("multiclass")
    model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y.astype(float) + 1)
    labels, _ = _run(model, X)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, model.predict(X))


# ------------------------------------------------------------------ refusals
def test_non_integer_float_labels_are_refused():
    # fit refuses such labels ('continuous'); classes_ set by hand has them.
    model = copy.deepcopy(_fitted("relu", "binary", np.float64))
    model.classes_ = np.array([0.0, 0.5])
    X = _data("binary")[0]
    with pytest.raises(ValueError, match=r"classes \[0.0, 0.5\] are not integers"):
        to_onnx(model, X[:1], options={"zipmap": False})
    labels, _ = _run(model, X, nocl=True)  # the way out the message names
    np.testing.assert_array_equal(model.classes_[labels], model.predict(X))


def test_zipmap_with_a_float64_input_is_refused():
    model = _fitted("relu", "multiclass", np.float64)
    X = _data("multiclass")[0]
    with pytest.raises(ValueError, match="ZipMap takes float32 probabilities only"):
        to_onnx(model, X[:1])


@pytest.mark.parametrize("attribute, value, message", [
    ("activation", "softplus", "hidden activation 'softplus' has no ONNX translation"),
    ("out_activation_", "softsign", "output activation 'softsign'"),
])
def test_an_unknown_activation_is_refused(attribute, value, message):
    model = copy.deepcopy(_fitted("relu", "multiclass", np.float32))
    setattr(model, attribute, value)
    with pytest.raises(ValueError, match=message):
        to_onnx(model, np.zeros((1, N_FEATURES), dtype=np.float32))


def test_an_unfitted_model_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(MLPClassifier(), np.zeros((1, N_FEATURES), dtype=np.float32))


# ---------------------------------------------- sigmoid outputs for multiclass
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_multiclass_sigmoid_outputs_are_normalised(dtype):
    """output_activation='logistic': predict is the largest sigmoid output,
    predict_proba the outputs normalised to sum to one, as skmlp computes them."""
    model = _fitted("tanh", "multiclass", dtype, output_activation="logistic")
    assert model.out_activation_ == "logistic" and len(model.classes_) == 3
    X = np.random.default_rng(5).normal(scale=3, size=(100, N_FEATURES)).astype(dtype)
    labels, proba = _run(model, X)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=ATOL[dtype])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=10 * ATOL[dtype])


def test_normalised_sigmoid_outputs_stay_finite_when_every_sigmoid_underflows():
    model = copy.deepcopy(_fitted("relu", "multiclass", np.float64,
                                  output_activation="logistic"))
    model.coefs_[-1][:] = [[1.0, 2.0, 3.0]] * model.coefs_[-1].shape[0]
    model.intercepts_[-1][:] = -1e4  # every sigmoid is exp(-1e4), 0 in float64
    X = np.abs(np.random.default_rng(6).normal(size=(20, N_FEATURES)))
    _, proba = _run(model, X)
    Z = _output_preactivations(model, X)
    assert Z.max() < -9000
    expected = np.clip(softmax(log_expit(Z), axis=1), np.finfo(float).tiny, None)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-10)


# ------------------------------------------------------- the shared network graph
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("out_activation", ["identity", "exp"])
def test_network_graph_regression_outputs(out_activation, dtype):
    model = _fitted("elu", "multilabel", np.float64)  # 3 outputs, as 3 targets
    X = np.random.default_rng(7).normal(size=(30, N_FEATURES)).astype(dtype)
    graph = skmlp.onnx.network_graph("X", model.coefs_, model.intercepts_, model.activation,
                                     out_activation, dtype, opset=18)
    onx = graph.to_onnx({"X": X[:1]}, target_opset=18)
    (Y,) = _session(onx).run(None, {"X": X})
    Z = _output_preactivations(model, X)
    expected = Z if out_activation == "identity" else np.exp(Z)
    assert Y.shape == (30, 3) and Y.dtype == dtype
    np.testing.assert_allclose(Y, expected, rtol=10 * ATOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_regressor_outputs_equal_predict(activation, loss, dtype):
    """Identity and exp outputs, three targets kept as (n_samples, 3)."""
    X, y = _data("multilabel")  # three 0/1 columns: valid Poisson targets too
    Y = y + X[:, :3] ** 2 if loss == "poisson" else y + X[:, :3]
    model = MLPRegressor(loss=loss, hidden_layer_sizes=(6, 5), activation=activation,
                         max_iter=40, learning_rate_init=0.01, random_state=0)
    model.fit(X.astype(dtype), Y)
    assert model.out_activation_ == ("exp" if loss == "poisson" else "identity")
    # Far inputs too (less far for exp outputs, which overflow in float32 past ~88).
    for inputs in (X, (3 if loss == "poisson" else 30) * X):
        inputs = inputs.astype(dtype)
        session = _session(to_onnx(model, inputs[:1]))
        element = "float" if dtype == np.float32 else "double"
        assert _outputs(session) == [("variable", f"tensor({element})")]
        (Y_onnx,) = session.run(None, {"X": inputs})
        assert Y_onnx.shape == (80, 3) and Y_onnx.dtype == dtype
        np.testing.assert_allclose(Y_onnx, model.predict(inputs), rtol=10 * ATOL[dtype],
                                   atol=ATOL[dtype])


def test_regressor_in_a_pipeline_with_one_target():
    X, _ = _data("binary", n_samples=200)
    y = X[:, 0] - 2 * X[:, 1]
    pipe = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0))
    pipe.fit(X.astype(np.float32), y)
    (Y,) = _session(to_onnx(pipe, X[:1].astype(np.float32))).run(
        None, {"X": X.astype(np.float32)})
    assert Y.shape == (200, 1)  # skl2onnx's regressor shape; predict gives (200,)
    np.testing.assert_allclose(Y[:, 0], pipe.predict(X.astype(np.float32)), rtol=1e-5,
                               atol=1e-5)


# ------------------------------------------------------------------ packaging
def test_import_skmlp_does_not_import_skl2onnx():
    code = "import sys, skmlp; assert 'skl2onnx' not in sys.modules and 'onnx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_registration_is_idempotent():
    skmlp.onnx._register()
    model = _fitted("identity", "binary", np.float32)
    X = _data("binary")[0].astype(np.float32)
    np.testing.assert_array_equal(_run(model, X)[0], model.predict(X))



@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("labels", [np.zeros(40, dtype=int), np.full(40, "only")],
                         ids=["integer", "string"])
def test_a_one_class_model_exports_its_class_and_probability_one(labels, dtype):
    X = np.random.default_rng(3).normal(size=(40, N_FEATURES)).astype(dtype)
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, labels)
    _assert_same_predictions(model, X, dtype)
