"""AutoencoderOutlierDetector: scikit-learn's outlier API, its scores, its threshold."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    LinearAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._outlier import normalized_error, robust_standardize

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(n_components=8, max_iter=40)


@pytest.fixture(scope="module")
def one_class(digits):
    """Training zeros; test rows with their labels (zero = normal)."""
    X_train, X_test, y_train, y_test = digits
    return X_train[y_train == 0], X_test, y_test == 0


def _detector(**params):
    return AutoencoderOutlierDetector(
        AutoencoderTransformer(**SMALL), random_state=0, **params
    )


def test_scores_rank_the_other_digits_as_outliers(one_class):
    train, test, normal = one_class
    for score in ("reconstruction", "normalized_reconstruction", "combined"):
        detector = _detector(outlier_score=score).fit(train)
        assert roc_auc_score(normal, detector.score_samples(test)) > 0.95, score


def test_api_relations(one_class):
    train, test, _ = one_class
    detector = _detector().fit(train)
    scores = detector.score_samples(test)
    decision = detector.decision_function(test)
    np.testing.assert_allclose(decision, scores - detector.offset_, rtol=1e-6)
    np.testing.assert_array_equal(detector.predict(test), np.where(decision < 0, -1, 1))
    assert set(np.unique(detector.predict(test))) == {-1, 1}
    np.testing.assert_array_equal(
        _detector().fit_predict(train), detector.predict(train)
    )


@pytest.mark.parametrize("contamination", [0.05, 0.2])
def test_contamination_sets_the_fraction_flagged_in_training(one_class, contamination):
    train = one_class[0]
    detector = _detector(contamination=contamination).fit(train)
    flagged = np.mean(detector.predict(train) == -1)
    assert abs(flagged - contamination) <= 1.0 / len(train) + 1e-12


def test_auto_contamination_is_tukeys_fence(one_class):
    train = one_class[0]
    detector = _detector().fit(train)
    scores = detector.score_samples(train)
    q1, q3 = np.percentile(scores, [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1), rel=1e-5)
    assert np.mean(detector.predict(train) == -1) < 0.1


def test_auto_score_is_combined_and_follows_the_sign_of_the_data(one_class):
    train = one_class[0]
    detector = _detector().fit(train)
    assert detector.outlier_score_ == "combined"
    assert detector.reconstruction_score_ == "normalized_reconstruction"
    pipe = make_pipeline(StandardScaler(), _detector()).fit(train)
    assert pipe[-1].reconstruction_score_ == "reconstruction"
    explicit = _detector(outlier_score="reconstruction").fit(train)
    assert explicit.reconstruction_score_ == "reconstruction"


def test_normalized_reconstruction_divides_by_the_norm(one_class):
    train, test, _ = one_class
    plain = _detector(outlier_score="reconstruction").fit(train)
    normed = _detector(outlier_score="normalized_reconstruction").fit(train)
    errors = -plain.score_samples(test)
    norms = np.linalg.norm(test, axis=1)
    expected = -normalized_error(errors, norms, normed.norm_floor_)
    np.testing.assert_allclose(normed.score_samples(test), expected, rtol=1e-5)
    median_norm = np.median(np.linalg.norm(train, axis=1))
    assert normed.norm_floor_ == pytest.approx(0.1 * median_norm)


def test_combined_scores_are_standardised_on_training_rows(one_class):
    train = one_class[0]
    detector = _detector(outlier_score="combined").fit(train)
    scores = detector.score_samples(train)
    # Each part has median 0 and IQR 1 on the training rows; their sum is
    # centred near 0.
    assert abs(np.median(scores)) < 1.0
    assert detector.code_covariance_ is not None
    code_only = _detector(outlier_score="code_density").fit(train)
    assert np.all(code_only.score_samples(train) <= 0)


def test_float32_end_to_end_and_sparse(one_class):
    train, test, normal = one_class
    detector = _detector().fit(train.astype(np.float32))
    assert detector.autoencoder_.coefs_[0].dtype == np.float32
    assert detector.score_samples(test.astype(np.float32)).dtype == np.float32
    assert detector.decision_function(test.astype(np.float32)).dtype == np.float32
    # init='random': sparse data get neither the PCA start nor its guard
    random_start = AutoencoderTransformer(init="random", **SMALL)
    dense_fit = AutoencoderOutlierDetector(random_start, random_state=0).fit(train)
    sparse_fit = AutoencoderOutlierDetector(random_start, random_state=0)
    sparse_fit.fit(sp.csr_matrix(train))
    # Sparse training data leave PCA out of 'combined' (its d x d scatter);
    # the two parts left are the dense fit's.
    assert dense_fit.pca_ is not None and sparse_fit.pca_ is None
    parts = dense_fit._score_parts(test)[:2]
    expected = sum(
        robust_standardize(part, *standardizer)
        for part, standardizer in zip(parts, dense_fit._standardizers)
    )
    sparse = sparse_fit.score_samples(sp.csr_matrix(test))
    np.testing.assert_allclose(sparse, expected, rtol=1e-4, atol=1e-5)
    # A dense fit scores sparse rows as it scores them dense.
    np.testing.assert_allclose(
        dense_fit.score_samples(sp.csr_matrix(test)),
        dense_fit.score_samples(test),
        rtol=1e-6,
        atol=1e-8,
    )


def test_combined_adds_pca_at_the_code_size(one_class):
    train, test, _ = one_class
    detector = _detector().fit(train)
    pca = LinearAutoencoder(SMALL["n_components"], center=True).fit(train)
    assert isinstance(detector.pca_, LinearAutoencoder)
    assert detector.pca_.n_components_ == SMALL["n_components"]
    np.testing.assert_allclose(
        detector.pca_.score_samples(test), pca.score_samples(test), rtol=1e-6
    )
    pca_part = -normalized_error(
        -pca.score_samples(test), np.linalg.norm(test, axis=1), detector.norm_floor_
    )
    np.testing.assert_allclose(detector._score_parts(test)[2], pca_part, rtol=1e-6)
    scores = detector.score_samples(train)
    assert abs(np.median(scores)) < 1.5  # three parts of median 0
    # Not for the other scores, nor around a linear autoencoder.
    for score in ("reconstruction", "normalized_reconstruction", "code_density"):
        assert _detector(outlier_score=score).fit(train).pca_ is None
    linear = AutoencoderOutlierDetector(LinearAutoencoder(8, center=True)).fit(train)
    assert linear.pca_ is None and len(linear._score_parts(test)) == 2


def test_pca_left_out_while_it_explains_every_training_row(one_class):
    train, test, _ = one_class
    # 40 rows, 4 distinct: centred, they span 3 directions, fewer than the
    # code's 8, so PCA's training errors are all zero
    repeated = np.tile(train[:4], (10, 1))
    detector = _detector().fit(repeated)
    assert detector.pca_ is None
    assert len(detector._score_parts(test)) == 2
    assert np.isfinite(detector.score_samples(test)).all()


def test_partial_fit_streams_the_pca_exactly(one_class):
    train, test, _ = one_class
    detector = AutoencoderOutlierDetector(DenoisingAutoencoder(**SMALL), random_state=0)
    # a first chunk no larger than the code: PCA would explain all of it
    detector.partial_fit(train[:5])
    assert detector.pca_ is None
    for start in range(5, len(train), 40):
        detector.partial_fit(train[start : start + 40])
    assert detector.pca_.n_components_ == SMALL["n_components"]
    pca = LinearAutoencoder(SMALL["n_components"], center=True).fit(train)
    np.testing.assert_allclose(
        detector.pca_.score_samples(test), pca.score_samples(test), rtol=1e-5
    )
    # a sparse chunk after dense ones goes into the same scatter
    detector.partial_fit(sp.csr_matrix(train[:20]))
    pca = LinearAutoencoder(SMALL["n_components"], center=True)
    pca.fit(np.vstack([train, train[:20]]))
    np.testing.assert_allclose(
        detector.pca_.score_samples(test), pca.score_samples(test), rtol=1e-5
    )


def test_any_package_autoencoder(one_class):
    train, test, normal = one_class
    for autoencoder in (
        DenoisingAutoencoder(**SMALL),
        LinearAutoencoder(8, center=True),
    ):
        detector = AutoencoderOutlierDetector(autoencoder, random_state=0).fit(train)
        assert type(detector.autoencoder_) is type(autoencoder)
        assert detector.autoencoder_ is not autoencoder  # cloned
        assert roc_auc_score(normal, detector.score_samples(test)) > 0.9


def test_refuses_a_model_that_cannot_score_reconstructions(one_class):
    with pytest.raises(InvalidParameterError, match="autoencoder"):
        AutoencoderOutlierDetector(StackedPretrainedClassifier()).fit(one_class[0])


def test_random_state_seeds_the_autoencoder(one_class):
    train, test, _ = one_class
    a = _detector().fit(train).score_samples(test)
    b = _detector().fit(train).score_samples(test)
    np.testing.assert_array_equal(a, b)
    given = AutoencoderTransformer(random_state=5, **SMALL)
    detector = AutoencoderOutlierDetector(given, random_state=0).fit(train)
    assert detector.autoencoder_.random_state == 5  # the user's own seed wins
    detector = AutoencoderOutlierDetector(random_state=3)
    default = detector._make_autoencoder(np.full((2, 64), 0.5))
    assert default.random_state == 3 and default.n_components == 16


@pytest.mark.parametrize(
    "n_features, n_components", [(4, 1), (13, 3), (30, 7), (64, 16), (784, 16)]
)
def test_default_code_is_narrower_than_the_data(n_features, n_components):
    X = np.random.default_rng(0).normal(size=(3, n_features))
    default = AutoencoderOutlierDetector()._make_autoencoder(X)
    assert default.n_components == n_components and default.init == "auto"
    # data in [0, 1]: a logistic output, without the fallback to PCA
    unit = AutoencoderOutlierDetector()._make_autoencoder(np.abs(X) / np.abs(X).max())
    assert unit.init == "random"


def test_partial_fit_follows_the_autoencoder(one_class):
    train, test, _ = one_class
    detector = _detector()
    for chunk in np.array_split(train, 3):
        detector.partial_fit(chunk)
    assert detector.autoencoder_.n_iter_ == 3
    assert np.isfinite(detector.score_samples(test)).all()
    lbfgs = AutoencoderOutlierDetector(AutoencoderTransformer(solver="lbfgs"))
    assert not hasattr(lbfgs, "partial_fit")


def test_grid_search_over_nested_parameters(one_class):
    train, test, normal = one_class
    X = np.vstack([train, test[:60]])
    y = np.r_[np.ones(len(train)), normal[:60]].astype(int)
    search = GridSearchCV(
        _detector(),
        {"autoencoder__n_components": [4, 8], "outlier_score": ["reconstruction"]},
        scoring="roc_auc",
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["autoencoder__n_components"] in (4, 8)
    assert search.best_score_ > 0.8


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full((5, 64), np.nan), "NaN"),
        (np.array([["a"] * 64] * 5), "string|convert"),
        (np.empty((0, 64)), "0 sample"),
    ],
)
def test_bad_input_changes_nothing(one_class, bad, message):
    train, test, _ = one_class
    detector = _detector().fit(train)
    before = detector.score_samples(test)
    with pytest.raises(ValueError, match=message):
        detector.fit(bad)
    np.testing.assert_array_equal(detector.score_samples(test), before)
    with pytest.raises(ValueError):
        detector.score_samples(np.ones((2, 3)))


def _planted(X, std, rng):
    """Rows of ``X`` with two random features pushed 5 training stds up."""
    rows = X.copy()
    planted = np.array([rng.choice(X.shape[1], 2, replace=False) for _ in rows])
    for row, features in zip(rows, planted):
        row[features] += 5 * std[features]
    return rows, planted


@pytest.mark.parametrize("loader", ["wine", "breast_cancer"])
def test_feature_contributions_find_planted_anomalies(loader):
    from sklearn import datasets

    X = getattr(datasets, f"load_{loader}")().data
    rng = np.random.default_rng(0)
    held_out = rng.permutation(X.shape[0])[: X.shape[0] // 4]
    train = np.delete(X, held_out, axis=0)
    detector = AutoencoderOutlierDetector(random_state=0).fit(train)
    rows, planted = _planted(X[held_out], train.std(axis=0), rng)
    contributions = detector.feature_contributions(rows)
    top_two = np.sort(np.argsort(contributions, axis=1)[:, -2:], axis=1)
    found = np.mean((top_two == np.sort(planted, axis=1)).all(axis=1))
    assert found >= 0.9
    # they add up to the score, up to one constant
    total = contributions.sum(axis=1) + detector.score_samples(rows)
    np.testing.assert_allclose(total, total[0], rtol=1e-6, atol=1e-6)
    assert contributions.min() >= 0


@pytest.mark.parametrize(
    "outlier_score", ["reconstruction", "normalized_reconstruction", "code_density"]
)
def test_feature_contributions_add_up_for_every_score(one_class, outlier_score):
    train, test, _ = one_class
    detector = _detector(outlier_score=outlier_score).fit(train)
    contributions = detector.feature_contributions(test)
    assert contributions.shape == test.shape and contributions.dtype == test.dtype
    total = contributions.sum(axis=1) + detector.score_samples(test)
    np.testing.assert_allclose(total, total[0], rtol=1e-5, atol=1e-5)


def test_scores_do_not_depend_on_units():
    """Off-scale data are scored where the network trains: changing one
    column's unit (here by 1000) leaves the ranking of rows alone (up to
    the rounding that the two trainings amplify differently)."""
    from scipy.stats import spearmanr
    from sklearn.datasets import load_wine

    X = load_wine().data
    scaled = X.copy()
    scaled[:, 12] /= 1000  # proline in thousands
    a = AutoencoderOutlierDetector(random_state=0).fit(X)
    b = AutoencoderOutlierDetector(random_state=0).fit(scaled)
    assert a.feature_scale_ is not None and a.error_weights_ is not None
    assert spearmanr(a.score_samples(X), b.score_samples(scaled))[0] > 0.98
    # before: the raw error, 99.9% proline
    raw = -a.autoencoder_.score_samples(X)
    assert spearmanr(raw, -a.score_samples(X))[0] < 0.9


def test_error_weights_are_bounded_and_finite():
    from sklearn_autoencoders._outlier import ERROR_WEIGHT_FLOOR, error_weights

    np.testing.assert_array_equal(error_weights([0.0, 0.0]), [1.0, 1.0])
    np.testing.assert_array_equal(error_weights([1e-320, 0.0]), [1.0, 1.0])
    weights = error_weights([0.0, 1e-320, 2.0])
    assert np.isfinite(weights).all() and weights.max() <= 1 / ERROR_WEIGHT_FLOOR
    np.testing.assert_allclose(error_weights([1.0, 3.0]), [2.0, 2.0 / 3.0])
