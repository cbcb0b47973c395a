"""Bitwise fingerprints of fits over a fixed matrix of configurations.

A refactoring of the engine that should change no result is checked by
running this script on the code before and after (``PYTHONPATH`` pointing
at each) and comparing the JSON it prints (``CONTRIBUTING.md``). Each
configuration is fitted on small bundled data
the hash covers every
fitted attribute ending in ``_`` (nested estimators' too), the outputs of
``transform`` / ``score_samples`` / ``predict_proba`` /
``decision_function`` / ``predict``, the warnings raised, and for some the
``verbose`` lines (timings stripped).

Usage: PYTHONPATH=<checkout> python benchmarks/fingerprint_fits.py [NAME ...] [-v]
"""

import contextlib
import hashlib
import io
import json
import re
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_wine

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

X, y = load_digits(return_X_y=True)
X = X[:300]
y = y[:300]
X01 = X / 16.0
Xw, yw = load_wine(return_X_y=True)
rs = np.random.RandomState(0)
W = rs.uniform(0, 2, size=X.shape[0])
W[::7] = 0


def digest(est, Xs):
    h = hashlib.sha256()
    for name in sorted(vars(est)):
        v = getattr(est, name)
        if name.endswith("_") and not name.startswith("__"):
            feed(h, name, v)
    for meth in (
        "transform",
        "score_samples",
        "predict_proba",
        "decision_function",
        "predict",
    ):
        if hasattr(est, meth):
            try:
                out = getattr(est, meth)(Xs)
            except Exception as e:
                out = repr(e)
            feed(h, meth, out)
    return h.hexdigest()[:16]


def feed(h, name, v):
    h.update(name.encode())
    if isinstance(v, np.ndarray):
        h.update(str(v.dtype).encode())
        h.update(np.ascontiguousarray(v).tobytes())
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            feed(h, f"{name}[{i}]", x)
    elif isinstance(v, (int, float, str, bool, type(None), np.generic)):
        h.update(repr(v).encode())
    elif hasattr(v, "get_params") and hasattr(v, "n_features_in_"):
        for k in sorted(vars(v)):
            if k.endswith("_") and not k.startswith("__"):
                feed(h, f"{name}.{k}", getattr(v, k))
    else:
        h.update(type(v).__name__.encode())


CONFIGS = {}


def config(fn):
    CONFIGS[fn.__name__] = fn
    return fn


AE = dict(n_components=8, max_iter=6, random_state=0)


@config
def ae_default():
    return AutoencoderTransformer(**AE).fit(X), X


@config
def ae_float32():
    return AutoencoderTransformer(**AE).fit(X.astype(np.float32)), X.astype(np.float32)


@config
def ae_01():
    return AutoencoderTransformer(**AE).fit(X01), X01


@config
def ae_sgd_constant():
    return AutoencoderTransformer(
        **AE, solver="sgd", learning_rate="constant", learning_rate_init=1e-3
    ).fit(X01), X01


@config
def ae_sgd_nonesterov_adaptive():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 30},
        solver="sgd",
        learning_rate="adaptive",
        nesterovs_momentum=False,
        tol=0.5,
        n_iter_no_change=2,
    ).fit(X01), X01


@config
def ae_adam_constant_plateau():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 30}, learning_rate="constant", tol=1.0, n_iter_no_change=2
    ).fit(X01), X01


@config
def ae_lbfgs():
    return AutoencoderTransformer(**{**AE, "max_iter": 15}, solver="lbfgs").fit(
        X01
    ), X01


@config
def ae_lbfgs_f32():
    return AutoencoderTransformer(**{**AE, "max_iter": 15}, solver="lbfgs").fit(
        X01.astype(np.float32)
    ), X01.astype(np.float32)


@config
def ae_early_stopping():
    return AutoencoderTransformer(**AE, early_stopping=True).fit(X), X


@config
def ae_random_untied_tanh():
    return AutoencoderTransformer(
        **AE,
        init="random",
        tied_weights=False,
        activation="tanh",
        hidden_layer_sizes=(20,),
    ).fit(X), X


@config
def ae_shallow():
    return AutoencoderTransformer(**AE, hidden_layer_sizes=()).fit(X01), X01


@config
def ae_standardize_false():
    return AutoencoderTransformer(**AE, standardize=False).fit(X), X


@config
def ae_standardize_true():
    return AutoencoderTransformer(**AE, standardize=True).fit(X01), X01


@config
def ae_elimination():
    return AutoencoderTransformer(**AE, weight_penalty="elimination", alpha=0.01).fit(
        X01
    ), X01


@config
def ae_weights():
    return AutoencoderTransformer(**AE).fit(X, sample_weight=W), X


@config
def ae_weights_es():
    return AutoencoderTransformer(**AE, early_stopping=True, batch_size=50).fit(
        X, sample_weight=W
    ), X


@config
def ae_sparse():
    return AutoencoderTransformer(**AE).fit(sp.csr_matrix(X01)), sp.csr_matrix(X01)


@config
def ae_noshuffle():
    return AutoencoderTransformer(**AE, shuffle=False, batch_size=64).fit(X01), X01


@config
def ae_partial_fit():
    ae = AutoencoderTransformer(**AE)
    for i in range(3):
        ae.partial_fit(X01[i * 100 : (i + 1) * 100])
    return ae, X01


@config
def ae_partial_fit_weights():
    ae = AutoencoderTransformer(**AE, solver="sgd")
    for i in range(3):
        ae.partial_fit(
            X[i * 100 : (i + 1) * 100], sample_weight=W[i * 100 : (i + 1) * 100]
        )
    return ae, X


@config
def ae_warm_start():
    ae = AutoencoderTransformer(**AE, warm_start=True).fit(X)
    return ae.fit(X[:200]), X


@config
def ae_pretraining_basic():
    return AutoencoderTransformer(
        **AE, pretraining="basic", pretrain_max_iter=3, hidden_layer_sizes=(20, 12)
    ).fit(X), X


@config
def ae_pretraining_denoising():
    return AutoencoderTransformer(
        **AE, pretraining="denoising", pretrain_max_iter=3, hidden_layer_sizes=(20,)
    ).fit(X01, sample_weight=W), X01


@config
def ae_diverge_fail():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 8},
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=0.5,
        init="random",
        standardize=False,
    ).fit(X), X


@config
def ae_diverge():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 8},
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=0.3,
        init="random",
    ).fit(X), X


@config
def ae_diverge2():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 8},
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=1.0,
        init="random",
    ).fit(X), X


@config
def ae_diverge_es():
    return AutoencoderTransformer(
        **{**AE, "max_iter": 8},
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=1.0,
        init="random",
        early_stopping=True,
    ).fit(X), X


@config
def dae_gaussian():
    return DenoisingAutoencoder(**AE).fit(X), X


@config
def dae_masking():
    return DenoisingAutoencoder(**AE, noise="masking").fit(X01), X01


@config
def dae_snp_lbfgs():
    return DenoisingAutoencoder(**AE, noise="salt_and_pepper", solver="lbfgs").fit(
        X01
    ), X01


@config
def dae_pretrain():
    return DenoisingAutoencoder(
        **AE,
        noise="masking",
        pretraining="denoising",
        pretrain_max_iter=2,
        hidden_layer_sizes=(20,),
    ).fit(X01), X01


@config
def dae_partial():
    ae = DenoisingAutoencoder(**AE, noise="masking")
    for i in range(3):
        ae.partial_fit(X01[i * 100 : (i + 1) * 100])
    return ae, X01


@config
def sparse_ae():
    return SparseAutoencoder(**AE).fit(X01), X01


@config
def sparse_ae_pre():
    return SparseAutoencoder(
        **AE, pretraining="basic", pretrain_max_iter=2, hidden_layer_sizes=(20,)
    ).fit(X01), X01


@config
def contractive_ae():
    return ContractiveAutoencoder(**AE).fit(X01), X01


@config
def contractive_ae_w():
    return ContractiveAutoencoder(**AE, batch_size=64).fit(X, sample_weight=W), X


@config
def contractive_lbfgs():
    return ContractiveAutoencoder(**AE, solver="lbfgs").fit(X01), X01


@config
def linear_default():
    return LinearAutoencoder(8).fit(X), X


@config
def linear_center_w():
    return LinearAutoencoder(8, center=True).fit(X, sample_weight=W), X


@config
def linear_gradient():
    import inspect

    p = inspect.signature(LinearAutoencoder).parameters
    kw = {
        k: v
        for k, v in dict(solver="gradient", max_iter=20, random_state=0).items()
        if k in p
    }
    return LinearAutoencoder(8, **kw).fit(X01), X01


@config
def linear_partial():
    la = LinearAutoencoder(8)
    for i in range(3):
        la.partial_fit(X[i * 100 : (i + 1) * 100])
    return la, X


SC = dict(hidden_layer_sizes=(20, 10), max_iter=6, pretrain_max_iter=3, random_state=0)


@config
def clf_default():
    return StackedPretrainedClassifier(**SC).fit(X, y), X


@config
def clf_f32():
    return StackedPretrainedClassifier(**SC).fit(X.astype(np.float32), y), X.astype(
        np.float32
    )


@config
def clf_basic_es():
    return StackedPretrainedClassifier(
        **SC, pretraining="basic", early_stopping=True
    ).fit(X, y), X


@config
def clf_none_sgd():
    return StackedPretrainedClassifier(**SC, pretraining=None, solver="sgd").fit(
        X, y
    ), X


@config
def clf_lbfgs():
    return StackedPretrainedClassifier(**SC, solver="lbfgs").fit(X, y), X


@config
def clf_binary():
    return StackedPretrainedClassifier(**SC).fit(X, y % 2), X


@config
def clf_weights():
    return StackedPretrainedClassifier(**SC).fit(X, y, sample_weight=W), X


@config
def clf_joint():
    yy = y.copy()
    yy[50:] = -1
    return StackedPretrainedClassifier(**SC, unlabeled_label=-1).fit(X, yy), X


@config
def clf_joint_recon_w():
    yy = y.copy()
    yy[50:] = -1
    return StackedPretrainedClassifier(
        **SC, unlabeled_label=-1, reconstruction_weight=0.5
    ).fit(X, yy, sample_weight=W), X


@config
def clf_joint_es():
    yy = y.copy()
    yy[100:] = -1
    return StackedPretrainedClassifier(
        **SC, unlabeled_label=-1, early_stopping=True
    ).fit(X01, yy), X01


@config
def clf_sparse():
    return StackedPretrainedClassifier(**SC).fit(sp.csr_matrix(X01), y), sp.csr_matrix(
        X01
    )


@config
def clf_standardize():
    return StackedPretrainedClassifier(**SC, standardize=True).fit(Xw, yw), Xw


@config
def clf_partial():
    c = StackedPretrainedClassifier(**SC)
    for i in range(3):
        c.partial_fit(
            X[i * 100 : (i + 1) * 100],
            y[i * 100 : (i + 1) * 100],
            classes=np.arange(10),
        )
    return c, X


@config
def clf_partial_joint():
    yy = y.copy()
    yy[30:] = -1
    c = StackedPretrainedClassifier(**SC, unlabeled_label=-1)
    for i in range(3):
        c.partial_fit(
            X[i * 100 : (i + 1) * 100],
            yy[i * 100 : (i + 1) * 100],
            classes=np.arange(10),
            sample_weight=W[i * 100 : (i + 1) * 100],
        )
    return c, X


@config
def clf_warm():
    c = StackedPretrainedClassifier(**SC, warm_start=True).fit(X, y)
    return c.fit(X[:200], y[:200]), X


@config
def detector_default():
    return AutoencoderOutlierDetector(
        random_state=0, autoencoder=AutoencoderTransformer(8, max_iter=5)
    ).fit(X), X


@config
def detector_contamination():
    return AutoencoderOutlierDetector(
        random_state=0,
        contamination=0.1,
        autoencoder=DenoisingAutoencoder(8, max_iter=5),
    ).fit(X, sample_weight=W), X


@config
def detector_partial():
    d = AutoencoderOutlierDetector(
        random_state=0, autoencoder=AutoencoderTransformer(8)
    )
    for i in range(3):
        d.partial_fit(X[i * 100 : (i + 1) * 100])
    return d, X


@config
def detector_wine():
    return AutoencoderOutlierDetector(random_state=0).fit(Xw), Xw


def strip(text):
    return re.sub(r"\d+\.\d+s\b", "T", text)


def main():
    only = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    out = {}
    for name, fn in CONFIGS.items():
        if only and name not in only:
            continue
        buf = io.StringIO()
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(buf),
        ):
            warnings.simplefilter("always")
            try:
                est, Xs = fn()
                d = digest(est, Xs)
            except Exception as e:
                d = "ERR " + repr(e)[:200]
        msgs = sorted(set(f"{w.category.__name__}: {w.message}" for w in caught))
        out[name] = d
        out[name + ".warnings"] = hashlib.sha256("\n".join(msgs).encode()).hexdigest()[
            :12
        ]
    verbose_runs = [
        "ae_default",
        "ae_diverge",
        "ae_diverge2",
        "ae_diverge_es",
        "ae_early_stopping",
        "clf_joint_es",
        "ae_lbfgs",
        "ae_sgd_nonesterov_adaptive",
        "ae_pretraining_basic",
    ]
    for name in verbose_runs:
        if only and name not in only:
            continue
        buf = io.StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                _run_verbose(name, buf)
            except Exception as e:
                buf.write("ERR " + repr(e))
        text = strip(buf.getvalue())
        out[name + ".verbose"] = hashlib.sha256(text.encode()).hexdigest()[:12]
        if "-v" in sys.argv:
            print(text, file=sys.stderr)
    print(json.dumps(out, indent=1, sort_keys=True))


def _run_verbose(name, buf):
    AE["verbose"] = SC["verbose"] = True
    try:
        with contextlib.redirect_stdout(buf):
            CONFIGS[name]()
    finally:
        AE.pop("verbose")
        SC.pop("verbose")


if __name__ == "__main__":
    main()
