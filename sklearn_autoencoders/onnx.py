"""ONNX export through skl2onnx: importing this module registers converters.

After ``import sklearn_autoencoders.onnx``, ``skl2onnx.to_onnx(model, X[:1])``
converts every fitted estimator of the package, alone or inside
``Pipeline``, ``ColumnTransformer`` and ``FeatureUnion`` beside
scikit-learn's own steps, and onnxruntime serves the graph without Python:

* the autoencoders (``AutoencoderTransformer``, ``DenoisingAutoencoder``,
  ``SparseAutoencoder``, ``ContractiveAutoencoder``): ``transform``, the
  encoder's dense layers with the standardisation already folded in;
* ``LinearAutoencoder``: ``transform``, ``(x - mean_) @ components_.T``;
* ``StackedPretrainedClassifier``: ``label`` and ``probabilities``, with
  skl2onnx's ``zipmap`` option as for its own classifiers;
* ``AutoencoderOutlierDetector``: ``label`` (1 inlier, -1 outlier) and
  ``scores``, its ``decision_function``, for every ``outlier_score``
  (the reconstruction error, normalised or not, the code density, PCA's
  error, and their robust ``'combined'`` sum), as skl2onnx does for
  ``IsolationForest``.

The graph computes in the input's type: float32 by default
(``to_onnx(model, X[:1].astype(np.float32))``), float64 when the input is
float64. It needs ``pip install "sklearn-autoencoders[onnx]"``.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_digits
>>> import sklearn_autoencoders.onnx  # registers the converters
>>> from sklearn_autoencoders import AutoencoderTransformer
>>> X = load_digits().data.astype(np.float32)
>>> ae = AutoencoderTransformer(8, max_iter=5, random_state=0).fit(X)
>>> onx = to_onnx(ae, X[:1])
>>> session = ort.InferenceSession(onx.SerializeToString())
>>> codes = session.run(None, {"X": X[:5]})[0]
>>> bool(np.allclose(codes, ae.transform(X[:5]), rtol=1e-4, atol=1e-4))
True
"""

from functools import partial

import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxArgMax,
        OnnxArrayFeatureExtractor,
        OnnxConcat,
        OnnxDiv,
        OnnxIdentity,
        OnnxLess,
        OnnxMatMul,
        OnnxMul,
        OnnxNeg,
        OnnxReduceSumApi11,
        OnnxRelu,
        OnnxReshapeApi13,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSqrt,
        OnnxSub,
        OnnxTanh,
        OnnxWhere,
    )
    from skl2onnx.common.data_types import Int64TensorType, guess_numpy_type
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
    )
except ImportError as error:  # without the [onnx] extra
    raise ImportError(
        "sklearn_autoencoders.onnx needs skl2onnx and onnx: "
        'pip install "sklearn-autoencoders[onnx]".'
    ) from error

from ._autoencoder import AutoencoderTransformer, DenoisingAutoencoder
from ._classifier import StackedPretrainedClassifier
from ._linear import LinearAutoencoder
from ._outlier import AutoencoderOutlierDetector
from ._regularized import ContractiveAutoencoder, SparseAutoencoder

__all__ = ["register"]

#: The autoencoders whose ``transform`` is their encoder's dense layers.
NETWORK_AUTOENCODERS = (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    SparseAutoencoder,
    ContractiveAutoencoder,
)


#: The ONNX operator of each of the engine's activations (``_activations.
#: ACTIVATIONS``; a test keeps the two in step), identity as no operator.
ONNX_ACTIVATIONS = {
    "identity": None,
    "logistic": OnnxSigmoid,
    "tanh": OnnxTanh,
    "relu": OnnxRelu,
    "softmax": partial(OnnxSoftmax, axis=1),
}


# -- graph pieces: each returns an ONNX algebra node --------------------------
def _activation(node, name, opv):
    """``name`` applied to ``node``."""
    operator = ONNX_ACTIVATIONS[name]
    return node if operator is None else operator(node, op_version=opv)


def _dense(X, coefs, intercepts, activations, dtype, opv):
    """``act_l(A @ W_l + b_l)`` layer by layer, as ``_network.forward``."""
    node = X
    for W, b, act in zip(coefs, intercepts, activations):
        node = OnnxAdd(
            OnnxMatMul(node, np.asarray(W, dtype=dtype), op_version=opv),
            np.asarray(b, dtype=dtype),
            op_version=opv,
        )
        node = _activation(node, act, opv)
    return node


def _row_sum(node, opv):
    """Per-row sum, shape ``(n, 1)``."""
    return OnnxReduceSumApi11(node, axes=[1], keepdims=1, op_version=opv)


def _squared_norms(node, opv):
    return _row_sum(OnnxMul(node, node, op_version=opv), opv)


def _network_encoder(model, X, dtype, opv):
    n_encoder = model._n_encoder_layers
    return _dense(
        X,
        model.coefs_[:n_encoder],
        model.intercepts_[:n_encoder],
        model._activations[:n_encoder],
        dtype,
        opv,
    )


def _linear_encoder(model, X, dtype, opv):
    centered = OnnxSub(X, model.mean_.astype(dtype), op_version=opv)
    return OnnxMatMul(centered, model.components_.T.astype(dtype), op_version=opv)


def _encoder(model, X, dtype, opv):
    if isinstance(model, LinearAutoencoder):
        return _linear_encoder(model, X, dtype, opv)
    return _network_encoder(model, X, dtype, opv)


def _decoder(model, codes, dtype, opv):
    """An autoencoder's ``inverse_transform`` of the code node."""
    if isinstance(model, LinearAutoencoder):
        return OnnxAdd(
            OnnxMatMul(codes, model.components_.astype(dtype), op_version=opv),
            model.mean_.astype(dtype),
            op_version=opv,
        )
    n_encoder = model._n_encoder_layers
    return _dense(
        codes,
        model.coefs_[n_encoder:],
        model.intercepts_[n_encoder:],
        model._activations[n_encoder:],
        dtype,
        opv,
    )


def _squared_errors(model, X, codes, dtype, opv, weights=None):
    """``||g(x) - x||^2`` of an autoencoder from its code node, ``(n, 1)``;
    ``sum_j weights_j (g(x)_j - x_j)^2`` with per-feature ``weights``."""
    residual = OnnxSub(_decoder(model, codes, dtype, opv), X, op_version=opv)
    if weights is None:
        return _squared_norms(residual, opv)
    squares = OnnxMul(residual, residual, op_version=opv)
    return _row_sum(OnnxMul(squares, weights.astype(dtype), op_version=opv), opv)


def _add_outputs(label, values, operator, scope, container):
    """Write ``label`` (flattened to ``(n,)``) and ``values`` as the outputs."""
    OnnxReshapeApi13(
        label,
        np.array([-1], dtype=np.int64),
        op_version=container.target_opset,
        output_names=operator.outputs[:1],
    ).add_to(scope, container)
    values.add_to(scope, container)


# -- converters ---------------------------------------------------------------
def _transformer_shape(operator):
    """``(n, n_components)`` in the input's type."""
    model = operator.raw_operator
    check_is_fitted(model)
    n_rows = operator.inputs[0].get_first_dimension()
    width = model._n_features_out
    operator.outputs[0].type = operator.inputs[0].type.__class__([n_rows, width])


def _convert_transformer(scope, operator, container):
    """An autoencoder's ``transform``: its encoder, in the input's type."""
    model, opv = operator.raw_operator, container.target_opset
    dtype = guess_numpy_type(operator.inputs[0].type)
    codes = _encoder(model, operator.inputs[0], dtype, opv)
    OnnxIdentity(codes, op_version=opv, output_names=operator.outputs[:1]).add_to(
        scope, container
    )


def _classifier_shape(operator):
    check_is_fitted(operator.raw_operator)
    calculate_linear_classifier_output_shapes(operator)


def _convert_classifier(scope, operator, container):
    """``label`` and ``probabilities`` of ``StackedPretrainedClassifier``."""
    model, opv = operator.raw_operator, container.target_opset
    dtype = guess_numpy_type(operator.inputs[0].type)
    out = _dense(
        operator.inputs[0],
        model.coefs_,
        model.intercepts_,
        model._activations,
        dtype,
        opv,
    )
    if len(model.classes_) == 2:  # one logistic unit: P(class 1)
        out = OnnxConcat(
            OnnxSub(np.array([1], dtype=dtype), out, op_version=opv),
            out,
            axis=1,
            op_version=opv,
        )
    probabilities = OnnxIdentity(
        out, op_version=opv, output_names=operator.outputs[1:2]
    )
    index = OnnxArgMax(probabilities, axis=1, keepdims=0, op_version=opv)
    classes = np.asarray(model.classes_)
    if classes.dtype.kind not in "iub":
        classes = classes.astype(str)
    else:
        classes = classes.astype(np.int64)
    label = OnnxArrayFeatureExtractor(classes, index, op_version=opv)
    _add_outputs(label, probabilities, operator, scope, container)


def _reconstruction_part(model, X, norm, dtype, opv, weights=None, scale=None):
    """Minus ``model``'s squared error, per unit of ``norm`` when given.

    With the detector's ``weights`` the error is weighted per feature;
    with its ``scale`` the model reads ``X / scale`` (the detector's PCA).
    """
    if scale is not None:
        X = OnnxDiv(X, scale.astype(dtype), op_version=opv)
    codes = _encoder(model, X, dtype, opv)
    errors = _squared_errors(model, X, codes, dtype, opv, weights)
    if norm is not None:
        errors = OnnxDiv(errors, norm, op_version=opv)
    return OnnxNeg(errors, op_version=opv), codes


def _density_part(detector, codes, dtype, opv):
    """Minus the codes' squared Mahalanobis distance (Ledoit-Wolf)."""
    covariance = detector.code_covariance_
    centered = OnnxSub(codes, covariance.location_.astype(dtype), op_version=opv)
    precision = covariance.get_precision().astype(dtype)
    projected = OnnxMatMul(centered, precision, op_version=opv)
    distances = _row_sum(OnnxMul(projected, centered, op_version=opv), opv)
    return OnnxNeg(distances, op_version=opv)


def _detector_score(detector, X, dtype, opv):
    """``score_samples`` of the detector, shape ``(n, 1)``.

    The autoencoder's codes are computed once and feed both its
    reconstruction and the code density; the rows' norm once for both
    normalised errors.
    """
    score, autoencoder = detector.outlier_score_, detector.autoencoder_
    norm = None
    if detector.reconstruction_score_ == "normalized_reconstruction":
        floor = np.array([detector.norm_floor_**2], dtype=dtype)
        norm = OnnxSqrt(
            OnnxAdd(_squared_norms(X, opv), floor, op_version=opv), op_version=opv
        )
    # the autoencoder's residual is divided by the scale, the PCA's input
    scale, weights = detector.feature_scale_, detector.error_weights_ or [None, None]
    parts, codes = [], None
    if score != "code_density":
        own = None if weights[0] is None else weights[0] / scale**2
        error, codes = _reconstruction_part(autoencoder, X, norm, dtype, opv, own)
        parts.append(error)
    if detector.code_covariance_ is not None:
        if codes is None:
            codes = _encoder(autoencoder, X, dtype, opv)
        parts.append(_density_part(detector, codes, dtype, opv))
    if score == "combined" and detector.pca_ is not None:
        pca = _reconstruction_part(
            detector.pca_, X, norm, dtype, opv, weights[1], scale
        )
        parts.append(pca[0])
    if score != "combined":
        return parts[0]
    total = None
    for part, (center, scale) in zip(parts, detector._standardizers):
        standardized = OnnxDiv(
            OnnxSub(part, np.array([center], dtype=dtype), op_version=opv),
            np.array([scale], dtype=dtype),
            op_version=opv,
        )
        total = (
            standardized
            if total is None
            else OnnxAdd(total, standardized, op_version=opv)
        )
    return total


def _detector_shape(operator):
    check_is_fitted(operator.raw_operator)
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([n_rows])
    operator.outputs[1].type = operator.inputs[0].type.__class__([n_rows, 1])


def _convert_detector(scope, operator, container):
    """``label`` (1 / -1) and ``scores`` (``decision_function``) of the detector."""
    detector, opv = operator.raw_operator, container.target_opset
    if not isinstance(
        detector.autoencoder_, (*NETWORK_AUTOENCODERS, LinearAutoencoder)
    ):
        raise NotImplementedError(
            f"AutoencoderOutlierDetector around a "
            f"{type(detector.autoencoder_).__name__} cannot be exported to ONNX: "
            "only this package's autoencoders have converters."
        )
    dtype = guess_numpy_type(operator.inputs[0].type)
    score = _detector_score(detector, operator.inputs[0], dtype, opv)
    decision = OnnxSub(
        score,
        np.array([detector.offset_], dtype=dtype),
        op_version=opv,
        output_names=operator.outputs[1:2],
    )
    outlier = OnnxLess(decision, np.array([0], dtype=dtype), op_version=opv)
    label = OnnxWhere(
        outlier,
        np.array([-1], dtype=np.int64),
        np.array([1], dtype=np.int64),
        op_version=opv,
    )
    _add_outputs(label, decision, operator, scope, container)


def register():
    """Register the package's converters with skl2onnx (done on import)."""
    for cls in (*NETWORK_AUTOENCODERS, LinearAutoencoder):
        update_registered_converter(
            cls,
            f"SklearnAutoencoders{cls.__name__}",
            _transformer_shape,
            _convert_transformer,
        )
    update_registered_converter(
        StackedPretrainedClassifier,
        "SklearnAutoencodersStackedPretrainedClassifier",
        _classifier_shape,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    update_registered_converter(
        AutoencoderOutlierDetector,
        "SklearnAutoencodersAutoencoderOutlierDetector",
        _detector_shape,
        _convert_detector,
    )


register()
