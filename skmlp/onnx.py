"""Export to ONNX: skl2onnx converters for skmlp's estimators.

Importing this module registers converters for :class:`~skmlp.MLPClassifier`
and :class:`~skmlp.MLPRegressor` with skl2onnx, after which ``skl2onnx.to_onnx`` converts a fitted model, alone
or inside a :class:`~sklearn.pipeline.Pipeline`, like any scikit-learn model::

    import skmlp.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype(np.float32))

The graph is skmlp's forward pass written with ONNX operators (through
skl2onnx's algebra API); its outputs are named and shaped as skl2onnx names
and shapes them for scikit-learn's ``MLPClassifier``: ``output_label``
``(n_samples,)`` and ``output_probability`` (a list of dictionaries, ZipMap),
or ``label`` and ``probabilities`` ``(n_samples, n_classes)`` with the option
``zipmap=False``. For multilabel targets the labels are the indicator matrix
``(n_samples, n_labels)``. A regressor's output is ``variable`` of shape
``(n_samples, n_targets)``, also for several targets (skl2onnx's converter for
scikit-learn's ``MLPRegressor`` flattens those).

The model is read through its public fitted attributes only: ``coefs_``,
``intercepts_``, ``activation``, ``out_activation_`` and ``classes_``.
Dropout needs nothing at prediction time (it is inverted dropout), so
dropout-trained models convert like any other.

This module needs the ``onnx`` extra (``pip install ".[onnx]"`` from the
root of a checkout of skmlp, or ``pip install skl2onnx onnx onnxruntime``);
``import skmlp`` never imports it, nor skl2onnx.
"""

import warnings

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.algebra import onnx_ops as ops
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
    )
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
    from skl2onnx.common.utils import check_input_and_output_numbers
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skmlp.onnx needs skl2onnx, onnx and onnxruntime, the onnx extra of skmlp: "
        "pip install skl2onnx onnx onnxruntime (or pip install '.[onnx]' in a checkout)."
    ) from exc

from sklearn.utils.validation import check_is_fitted

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor
from ._core.activations import ACTIVATIONS
from ._core.outputs import OUTPUTS

__all__ = ["network_graph"]


# ------------------------------------------------ activations as ONNX operators
# The core's tables hold each activation's ONNX expression (the ``graph`` of
# an Activation or an Output row): this module only turns such an expression
# into skl2onnx algebra nodes. Constants become tensors of the compute dtype,
# so float64 models compute in float64 throughout.
_ROW_REDUCTIONS = {"ReduceMax": "OnnxReduceMaxApi18", "ReduceSum": "OnnxReduceSumApi11"}


def expression_graph(expression, Z, dtype, opset, built=None):
    """The ONNX node of an activation's ``graph`` expression applied to ``Z``.

    Parameters
    ----------
    expression : str, float or tuple
        ``"z"`` (the pre-activation ``Z``), a number (a constant of
        ``dtype``), or ``(op, *arguments)``: the ONNX operator ``op`` on the
        arguments' nodes; ``ReduceMax``/``ReduceSum`` reduce each row,
        keeping its dimension.
    Z : OnnxOperator
        The pre-activation node, of shape ``(n_samples, n_units)``.
    dtype : {numpy.float32, numpy.float64}
    opset : int
    built : dict, default=None
        Nodes already built for sub-expressions, reused rather than repeated.

    Returns
    -------
    node : OnnxOperator
    """
    built = {} if built is None else built
    if isinstance(expression, str):
        if expression != "z":
            raise ValueError(f"unknown name {expression!r} in an activation's graph")
        return Z
    if isinstance(expression, (int, float)):
        return np.array([expression], dtype=dtype)
    if expression not in built:
        op, *arguments = expression
        nodes = [expression_graph(a, Z, dtype, opset, built) for a in arguments]
        if op in _ROW_REDUCTIONS:
            node = getattr(ops, _ROW_REDUCTIONS[op])(*nodes, axes=[1], keepdims=1,
                                                     op_version=opset)
        else:
            node = getattr(ops, f"Onnx{op}")(*nodes, op_version=opset)
        built[expression] = node
    return built[expression]


def _output_graph(name, Z, dtype, opset):
    """The output layer ``name`` of the core's output table applied to ``Z``."""
    return expression_graph(OUTPUTS[name].graph, Z, dtype, opset)


def _lookup(table, name, what):
    if name not in table:
        raise ValueError(
            f"Cannot convert to ONNX: {what} {name!r} has no ONNX translation; "
            f"supported: {sorted(table)}.")
    return table[name].graph


# ------------------------------------------------------------- the network
def network_graph(X, coefs, intercepts, activation, out_activation, dtype, opset):
    """The forward pass as an ONNX graph (skl2onnx algebra nodes).

    Parameters
    ----------
    X : str or OnnxOperator
        The input, of shape ``(n_samples, n_features)`` and type ``dtype``.
    coefs : list of ndarray
        ``coefs[l]`` of shape ``(n_in, n_out)``, as ``coefs_``.
    intercepts : list of ndarray
        ``intercepts[l]`` of shape ``(n_out,)``, as ``intercepts_``.
    activation : str
        Hidden activation, a name of the core's activation table.
    out_activation : str
        Output activation, a name of the core's output table; 'identity'
        gives the output pre-activations ``z^L``.
    dtype : {numpy.float32, numpy.float64}
        The compute type; weights are cast to it.
    opset : int
        The target ONNX opset.

    Returns
    -------
    output : OnnxOperator
        The output-layer activations ``a^L``, of shape ``(n_samples, n_outputs)``.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> coefs = [np.array([[1.0, -1.0]]), np.array([[2.0], [3.0]])]
    >>> intercepts = [np.zeros(2), np.array([0.5])]
    >>> graph = network_graph("X", coefs, intercepts, "relu", "identity", np.float64, 18)
    >>> onx = graph.to_onnx({"X": np.zeros((1, 1))}, target_opset=18)
    >>> session = ort.InferenceSession(onx.SerializeToString(),
    ...                                providers=["CPUExecutionProvider"])
    >>> session.run(None, {"X": np.array([[1.0], [-1.0]])})[0].ravel().tolist()
    [2.5, 3.5]
    """
    hidden = _lookup(ACTIVATIONS, activation, "hidden activation")
    output = _lookup(OUTPUTS, out_activation, "output activation")
    A = X
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = ops.OnnxAdd(ops.OnnxMatMul(A, np.asarray(W, dtype=dtype), op_version=opset),
                        np.asarray(b, dtype=dtype).reshape(1, -1), op_version=opset)
        A = expression_graph(output if layer == len(coefs) - 1 else hidden, Z, dtype, opset)
    return A


def _network_input(operator, opset):
    """The input node and the compute dtype: float64 for a double input,
    else float32 (other input types are cast, as skl2onnx does)."""
    X = operator.inputs[0]
    if isinstance(X.type, DoubleTensorType):
        return X, np.float64
    if isinstance(X.type, FloatTensorType):
        return X, np.float32
    return ops.OnnxCast(X, to=TensorProto.FLOAT, op_version=opset), np.float32


def _network(operator, container, out_activation):
    """The model's forward pass on the operator's input, and the compute dtype."""
    model = operator.raw_operator
    opset = container.target_opset
    X, dtype = _network_input(operator, opset)
    graph = network_graph(X, model.coefs_, model.intercepts_, model.activation,
                          out_activation, dtype, opset)
    return graph, dtype


def _clip_probabilities(P, dtype, opset, output_names):
    # As skmlp's predict_proba: never exactly 0 or 1 (log(proba) stays finite).
    finfo = np.finfo(dtype)
    return ops.OnnxClip(P, np.array(finfo.tiny, dtype=dtype),
                        np.array(1 - finfo.epsneg, dtype=dtype),
                        op_version=opset, output_names=output_names)


# ------------------------------------------------------------- classifier
def _label_encoding(model):
    """What the outputs mean: 'binary' (one logistic output for classes_[1]),
    'multiclass' (softmax), 'multiclass-logistic' (one sigmoid per class,
    normalised) or 'multilabel' (one sigmoid per label).

    Multilabel and sigmoid-output multiclass models have the same attributes;
    they differ in what ``predict`` returns (an indicator matrix or labels),
    so one row of zeros is predicted to tell them apart.
    """
    check_is_fitted(model)
    n_outputs = model.coefs_[-1].shape[1]
    if model.out_activation_ == "softmax":
        return "multiclass"
    if len(model.classes_) == 1:
        return "one-class"
    if model.out_activation_ != "logistic":
        raise ValueError(f"Cannot convert to ONNX: a classifier with output activation "
                         f"{model.out_activation_!r}; expected 'softmax' or 'logistic'.")
    if n_outputs == 1:
        return "binary"
    probe = np.zeros((1, model.coefs_[0].shape[0]), dtype=model.coefs_[0].dtype)
    with warnings.catch_warnings():  # e.g. a model fitted on a DataFrame
        warnings.simplefilter("ignore")
        return "multilabel" if np.ndim(model.predict(probe)) == 2 else "multiclass-logistic"


def _onnx_classes(model, scope):
    """The labels as an ONNX-ready array: int64 for integer, boolean and
    integer-valued float labels, strings otherwise (as skl2onnx does; with
    the option ``nocl`` the class indices)."""
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError(
                f"Cannot convert to ONNX: ONNX classifiers return integer or string "
                f"labels, and the classes {classes.tolist()} are not integers. Encode "
                f"them as integers or strings, or convert with options={{'nocl': True}}.")
        return classes.astype(np.int64)
    return np.array([str(c) for c in classes], dtype=object)


def _classifier_shapes(operator):
    """skl2onnx's classifier shapes; multilabel labels are ``(N, n_labels)``."""
    model = operator.raw_operator
    encoding = _label_encoding(model)  # refuses unsupported models before conversion
    zipmap = operator.scope_inst.get_options(model, dict(zipmap=True))["zipmap"]
    if zipmap is True and isinstance(operator.inputs[0].type, DoubleTensorType):
        raise ValueError(
            "Cannot convert to ONNX: ONNX's ZipMap takes float32 probabilities only, and "
            "the input is float64. Convert with options={'zipmap': False} (or 'columns'), "
            "or with a float32 input, e.g. X[:1].astype(np.float32).")
    if encoding != "multilabel":
        _onnx_classes(model, operator.scope_inst)
    calculate_linear_classifier_output_shapes(operator)
    if encoding == "multilabel":
        n_samples = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type = Int64TensorType([n_samples, len(model.classes_)])


def _convert_classifier(scope, operator, container):
    """skl2onnx converter for :class:`~skmlp.MLPClassifier`."""
    model, opset = operator.raw_operator, container.target_opset
    label_name, proba_name = operator.outputs[0], operator.outputs[1]
    encoding = _label_encoding(model)
    Z, dtype = _network(operator, container, "identity")
    if encoding == "one-class":
        return _convert_one_class(model, Z, dtype, opset, scope, container,
                                  [label_name], [proba_name])
    A = _output_graph("logistic" if encoding != "multiclass" else "softmax", Z, dtype, opset)
    half = np.array([0.5], dtype=dtype)
    if encoding == "multilabel":
        P = A
        labels = ops.OnnxCast(ops.OnnxGreater(A, half, op_version=opset),
                              to=TensorProto.INT64, op_version=opset, output_names=[label_name])
    else:
        if encoding == "binary":
            P = ops.OnnxConcat(ops.OnnxSub(np.array([1], dtype=dtype), A, op_version=opset), A,
                               axis=1, op_version=opset)
            index = ops.OnnxCast(ops.OnnxGreater(A, half, op_version=opset),
                                 to=TensorProto.INT64, op_version=opset)
        else:
            # multiclass-logistic: the largest sigmoid output is the label.
            index = ops.OnnxArgMax(A, axis=1, keepdims=1, op_version=opset)
            P = A if encoding == "multiclass" else _normalised_sigmoid(Z, dtype, opset)
        index = ops.OnnxReshape(index, np.array([-1], dtype=np.int64), op_version=opset)
        labels = ops.OnnxGather(_onnx_classes(model, scope), index, axis=0,
                                op_version=opset, output_names=[label_name])
    labels.add_to(scope, container)
    _clip_probabilities(P, dtype, opset, [proba_name]).add_to(scope, container)


def _convert_one_class(model, Z, dtype, opset, scope, container, label_names, proba_names):
    """A model fitted on one class: that label and a probability of 1 for
    every row, as :meth:`~skmlp.MLPClassifier.predict` and ``predict_proba``
    answer (the network's output, of shape ``(n_samples, 1)``, only gives the
    number of rows)."""
    zeros = ops.OnnxMul(Z, np.array([0], dtype=dtype), op_version=opset)
    index = ops.OnnxReshape(ops.OnnxCast(zeros, to=TensorProto.INT64, op_version=opset),
                            np.array([-1], dtype=np.int64), op_version=opset)
    ops.OnnxGather(_onnx_classes(model, scope), index, axis=0, op_version=opset,
                   output_names=label_names).add_to(scope, container)
    ops.OnnxAdd(zeros, np.array([1], dtype=dtype), op_version=opset,
                output_names=proba_names).add_to(scope, container)


def _normalised_sigmoid(Z, dtype, opset):
    """``sigmoid(Z)`` normalised to sum to one along rows, computed as the
    softmax of ``log sigmoid(Z) = min(Z, 0) - log(1 + exp(-|Z|))``: finite even
    where every sigmoid of a row underflows to 0."""
    one = np.array([1], dtype=dtype)
    softplus = ops.OnnxLog(ops.OnnxAdd(one, ops.OnnxExp(ops.OnnxNeg(
        ops.OnnxAbs(Z, op_version=opset), op_version=opset), op_version=opset),
        op_version=opset), op_version=opset)
    log_sigmoid = ops.OnnxSub(ops.OnnxMin(Z, np.array([0], dtype=dtype), op_version=opset),
                              softplus, op_version=opset)
    return _output_graph("softmax", log_sigmoid, dtype, opset)


# -------------------------------------------------------------- regressor
def _regressor_shapes(operator):
    """One output ``variable`` of shape ``(N, n_targets)``, multi-output kept."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    model = operator.raw_operator
    check_is_fitted(model)
    _lookup(OUTPUTS, model.out_activation_, "output activation")
    tensor_type = (DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType)
                   else FloatTensorType)
    n_samples = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = tensor_type([n_samples, model.coefs_[-1].shape[1]])


def _convert_regressor(scope, operator, container):
    """skl2onnx converter for an MLP regressor (identity or exp outputs)."""
    Y, _ = _network(operator, container, operator.raw_operator.out_activation_)
    ops.OnnxIdentity(Y, op_version=container.target_opset,
                     output_names=[operator.outputs[0]]).add_to(scope, container)


# ----------------------------------------------------------- registration
def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser (labels, probabilities, ZipMap), after a
    check that the model is fitted (the parser reads ``classes_``)."""
    check_is_fitted(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True],
                       "output_class_labels": [False, True]}

#: (estimator class, skl2onnx alias, shape calculator, converter, parser, options)
_REGISTRATIONS = [
    (MLPClassifier, "SkmlpMLPClassifier", _classifier_shapes, _convert_classifier,
     _parse_classifier, _CLASSIFIER_OPTIONS),
    (MLPRegressor, "SkmlpMLPRegressor", _regressor_shapes, _convert_regressor, None, None),
]


def _register():
    for estimator, alias, shapes, converter, parser, options in _REGISTRATIONS:
        update_registered_converter(estimator, alias, shapes, converter, parser=parser,
                                    options=options)


_register()
