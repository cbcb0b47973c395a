"""StackedPretrainedClassifier and pre-trained deep autoencoders."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import sklearn_autoencoders._classifier as classifier_module
import sklearn_autoencoders._training as training_module
from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._pretraining import reconstruction_output

FAST = dict(pretrain_max_iter=5, max_iter=5, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=12, n_informative=6, n_classes=3, random_state=0
    )
    return X, y


def test_pretraining_sets_the_initial_weights(data):
    X, y = data
    clf = StackedPretrainedClassifier(
        hidden_layer_sizes=(8, 5),
        max_iter=1,
        learning_rate_init=1e-12,
        pretrain_max_iter=5,
        random_state=0,
    ).fit(X, y)
    assert len(clf.autoencoders_) == 2
    for layer, ae in enumerate(clf.autoencoders_):
        np.testing.assert_allclose(clf.coefs_[layer], ae.coefs_[0], atol=1e-9)
        np.testing.assert_allclose(clf.intercepts_[layer], ae.intercepts_[0], atol=1e-9)
    assert isinstance(clf.autoencoders_[0], DenoisingAutoencoder)
    assert [len(c) for c in clf.pretraining_loss_curves_] == [5, 5]


def test_no_pretraining_uses_random_initialisation(data):
    X, y = data
    kwargs = dict(
        hidden_layer_sizes=(8,), max_iter=1, learning_rate_init=1e-12, random_state=0
    )
    plain = StackedPretrainedClassifier(pretraining=None, **kwargs).fit(X, y)
    pretrained = StackedPretrainedClassifier(pretrain_max_iter=5, **kwargs).fit(X, y)
    assert plain.autoencoders_ == [] and plain.pretraining_loss_curves_ == []
    assert not np.allclose(plain.coefs_[0], pretrained.coefs_[0])
    bound = np.sqrt(6 / (12 + 8))  # Glorot uniform
    assert np.abs(plain.coefs_[0]).max() <= bound + 1e-9


@pytest.mark.parametrize("joint", [False, True])
def test_unlabeled_rows_feed_pretraining_and_joint_fine_tuning(
    data, monkeypatch, joint
):
    X, y = data
    y_partial = y.copy()
    y_partial[50:] = -1
    seen = {}
    original_pretrain = classifier_module.pretrain_layers
    original_fit = training_module.fit_stochastic

    def spy_pretrain(X, *args, **kwargs):
        seen["pretraining_rows"] = len(X)
        return original_pretrain(X, *args, **kwargs)

    def spy_fit(net, X, Y=None, **kwargs):
        if Y is not None:  # fine-tuning; the layer autoencoders train on X alone
            seen["fine_tuning_rows"] = len(X)
            seen["targets"] = Y.copy()
            seen["labeled"] = kwargs["labeled"]
        return original_fit(net, X, Y, **kwargs)

    monkeypatch.setattr(classifier_module, "pretrain_layers", spy_pretrain)
    monkeypatch.setattr(training_module, "fit_stochastic", spy_fit)
    clf = StackedPretrainedClassifier(
        (6,), unlabeled_label=-1, consistency_weight=10.0 if joint else 0.0, **FAST
    ).fit(X, y_partial)
    assert seen["pretraining_rows"] == 300
    # joint: every row feeds the fine-tuning, the first 50 with their labels
    assert seen["fine_tuning_rows"] == (300 if joint else 50)
    if joint:
        np.testing.assert_array_equal(seen["labeled"], np.arange(50))
    else:
        assert seen["labeled"] is None
    np.testing.assert_array_equal(seen["targets"].argmax(axis=1), y[:50])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_default_pretraining_loss_follows_the_input_range(data, digits):
    X_unit = digits[0][:200]
    clf = StackedPretrainedClassifier((8, 4), **FAST).fit(X_unit, digits[2][:200])
    first, second = clf.autoencoders_
    fitted = (first.out_activation_, first.loss_function_)
    assert fitted == ("logistic", "cross_entropy")
    # deeper layers reconstruct hidden codes, which are not in [0, 1]
    assert (second.out_activation, second.loss) == ("identity", "squared_error")
    assert first.noise == "masking" and first.tied_weights
    X, y = data  # standardised features, negative values
    clf = StackedPretrainedClassifier((8,), **FAST).fit(X, y)
    assert clf.autoencoders_[0].loss_function_ == "squared_error"
    # an explicit template is used as given, its 'auto' loss resolved the same way
    template = DenoisingAutoencoder(noise="gaussian", noise_level=0.1)
    clf = StackedPretrainedClassifier((8,), autoencoder=template, **FAST)
    clf.fit(X_unit, digits[2][:200])
    assert clf.autoencoders_[0].loss == template.loss == "auto"
    assert clf.autoencoders_[0].loss_function_ == "cross_entropy"
    assert clf.autoencoders_[0].noise == "gaussian"


@pytest.mark.parametrize(
    "X, expected",
    [
        (np.array([[0.0, 1.0], [0.5, 0.25]]), "cross_entropy"),
        (np.array([[0.0, 1.5]]), "squared_error"),
        (np.array([[-0.1, 0.5]]), "squared_error"),
        (sp.csr_matrix(np.array([[0.0, 0.0], [0.0, 0.75]])), "cross_entropy"),
        (sp.csr_matrix(np.array([[0.0, 0.0], [0.0, 2.0]])), "squared_error"),
    ],
)
def test_reconstruction_output(X, expected):
    assert reconstruction_output(X)["loss"] == expected


def test_minus_one_is_a_class_by_default():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    y = np.where(y == 1, 1, -1)
    clf = StackedPretrainedClassifier((6,), **FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    assert set(clf.predict(X)) <= {-1, 1}


def test_string_labels_and_probabilities():
    X, y = make_classification(
        n_samples=300,
        n_features=12,
        n_informative=6,
        n_classes=3,
        class_sep=2.0,
        random_state=0,
    )
    names = np.array(["cat", "dog", "eel"])[y]
    clf = StackedPretrainedClassifier(
        (10,), pretrain_max_iter=10, max_iter=100, random_state=0
    ).fit(X, names)
    assert list(clf.classes_) == ["cat", "dog", "eel"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
    assert clf.score(X, names) > 0.85
    assert set(clf.predict(X)) <= set(names)


def test_binary_log_proba_is_finite_when_saturated():
    X, y = make_classification(n_samples=100, n_features=4, class_sep=3, random_state=0)
    clf = StackedPretrainedClassifier(
        (4,), max_iter=300, learning_rate_init=0.05, pretraining=None, random_state=0
    ).fit(X, y)
    log_proba = clf.predict_log_proba(X * 1e3)
    assert np.isfinite(log_proba).all()


@pytest.mark.parametrize(
    "y, match",
    [
        (np.full(300, -1), "Every row is unlabeled"),
        (np.r_[np.zeros(10), np.full(290, -1)], "only one class"),
    ],
)
def test_label_errors(data, y, match):
    with pytest.raises(ValueError, match=match):
        StackedPretrainedClassifier(unlabeled_label=-1, **FAST).fit(data[0], y)


def test_grid_search_over_nested_autoencoder_parameters(data):
    X, y = data
    search = GridSearchCV(
        StackedPretrainedClassifier(
            (8,), autoencoder=DenoisingAutoencoder(noise="masking"), **FAST
        ),
        {"autoencoder__noise_level": [0.1, 0.4], "alpha": [1e-4, 1e-1]},
        cv=2,
    ).fit(X, y)
    assert set(search.best_params_) == {"autoencoder__noise_level", "alpha"}
    assert (
        search.best_estimator_.autoencoders_[0].noise_level
        == search.best_params_["autoencoder__noise_level"]
    )


def test_pickle_round_trip(data):
    X, y = data
    clf = StackedPretrainedClassifier((8, 4), **FAST).fit(X.astype(np.float32), y)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(clone.transform(X), clf.transform(X))


def test_transform_feeds_a_pipeline(data):
    X, y = data
    pipe = make_pipeline(
        StackedPretrainedClassifier((8,), **FAST), LogisticRegression()
    )
    pipe.fit(X, y)
    assert pipe[0].transform(X).shape == (300, 8)
    assert list(pipe[0].get_feature_names_out())[:2] == [
        "stackedpretrainedclassifier0",
        "stackedpretrainedclassifier1",
    ]


def test_early_stopping_uses_validation_accuracy(data):
    X, y = data
    clf = StackedPretrainedClassifier(
        (8,),
        early_stopping=True,
        max_iter=300,
        n_iter_no_change=3,
        pretrain_max_iter=5,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 300
    assert all(0 <= s <= 1 for s in clf.validation_scores_)


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, DenoisingAutoencoder])
def test_deep_autoencoder_pretraining_sets_initial_weights(Estimator, digits):
    X = digits[0][:300]
    ae = Estimator(
        4,
        hidden_layer_sizes=(16, 8),
        pretraining="basic",
        pretrain_max_iter=5,
        max_iter=1,
        learning_rate_init=1e-12,
        random_state=0,
    ).fit(X)
    assert len(ae.autoencoders_) == 3
    for layer, layer_ae in enumerate(ae.autoencoders_):
        np.testing.assert_allclose(ae.coefs_[layer], layer_ae.coefs_[0], atol=1e-9)
        # the mirrored decoder starts from the transposed encoder weights
        np.testing.assert_allclose(
            ae.coefs_[5 - layer], layer_ae.coefs_[0].T, atol=1e-9
        )
        np.testing.assert_allclose(
            ae.intercepts_[5 - layer], layer_ae.intercepts_[1], atol=1e-9
        )
    assert [c.shape for c in ae.coefs_][:3] == [(64, 16), (16, 8), (8, 4)]


def test_deep_autoencoder_pretraining_improves_reconstruction(digits):
    X_train, X_test, _, _ = digits
    kwargs = dict(
        n_components=8,
        hidden_layer_sizes=(64, 32),
        code_activation="identity",
        max_iter=60,
        learning_rate_init=3e-3,
        random_state=0,
    )
    random_init = AutoencoderTransformer(**kwargs).fit(X_train)
    pretrained = AutoencoderTransformer(
        pretraining="basic", pretrain_max_iter=30, **kwargs
    ).fit(X_train)
    assert pretrained.score(X_test) > random_init.score(X_test)


def test_minus_one_beside_several_classes_warns(data):
    X, y = data
    y = y.copy()
    y[::4] = -1  # scikit-learn's "unlabeled" marker, passed without saying so
    with pytest.warns(UserWarning, match="unlabeled_label=-1"):
        StackedPretrainedClassifier((6,), **FAST).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*semi-supervised")
        StackedPretrainedClassifier((6,), unlabeled_label=-1, **FAST).fit(X, y)


def test_binary_minus_one_problems_do_not_warn():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*semi-supervised")
        for labels in ([-1, 1], [-1, 0]):
            StackedPretrainedClassifier((6,), **FAST).fit(X, np.where(y, *labels[::-1]))


def test_score_leaves_unlabeled_rows_out(data):
    X, y = data
    y_partial = y.copy()
    y_partial[::2] = -1
    clf = StackedPretrainedClassifier((8,), unlabeled_label=-1, **FAST).fit(
        X, y_partial
    )
    labeled = y_partial != -1
    expected = np.mean(clf.predict(X[labeled]) == y[labeled])
    assert clf.score(X, y_partial) == pytest.approx(expected)
    weights = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    correct = clf.predict(X) == y
    expected = np.average(correct[labeled], weights=weights[labeled])
    assert clf.score(X, y_partial, sample_weight=weights) == pytest.approx(expected)
    with pytest.raises(ValueError, match="nothing to score"):
        clf.score(X, np.full_like(y, -1))
    search = GridSearchCV(clf, {"alpha": [1e-4]}, cv=2).fit(X, y_partial)
    assert search.best_score_ > 0.5  # unlabeled rows would cap it near 0.5


@pytest.mark.parametrize("pretraining", ["denoising", "basic"])
def test_nested_parameters_work_with_the_default_template(data, pretraining):
    X, y = data
    search = GridSearchCV(
        StackedPretrainedClassifier((8,), pretraining=pretraining, **FAST),
        {"autoencoder__alpha": [1e-4, 1e-2]},
        cv=2,
    ).fit(X, y)
    fitted = search.best_estimator_
    assert fitted.autoencoders_[0].alpha == search.best_params_["autoencoder__alpha"]
    expected = (
        DenoisingAutoencoder if pretraining == "denoising" else AutoencoderTransformer
    )
    assert type(fitted.autoencoders_[0]) is expected


def test_materialised_default_template_fits_like_none(data):
    X, y = data
    X = (X - X.min()) / (X.max() - X.min())  # [0, 1]: the cross-entropy layer
    default = StackedPretrainedClassifier((8,), **FAST).fit(X, y)
    explicit = StackedPretrainedClassifier((8,), **FAST)
    explicit.set_params(autoencoder__noise_level=0.3).fit(X, y)  # the default's
    assert default.autoencoders_[0].loss_function_ == "cross_entropy"
    for ours, theirs in zip(explicit.coefs_, default.coefs_):
        np.testing.assert_array_equal(ours, theirs)


def test_composes_with_self_training(data):
    from sklearn.semi_supervised import SelfTrainingClassifier

    X, y = data
    y_partial = y.copy()
    y_partial[np.random.RandomState(0).rand(len(y)) < 0.7] = -1
    base = StackedPretrainedClassifier(
        (8,), pretrain_max_iter=5, max_iter=50, random_state=0
    )
    self_training = SelfTrainingClassifier(base, threshold=0.8, max_iter=3)
    self_training.fit(X, y_partial)
    assert self_training.transduction_.shape == y.shape
    assert (self_training.transduction_ != -1).sum() > (y_partial != -1).sum()
    assert self_training.score(X, y) > 0.5  # three classes: chance is 1/3


def test_verbose_tells_every_stage(data, capsys):
    X, y = data
    StackedPretrainedClassifier(
        (8, 4), pretrain_max_iter=2, max_iter=2, verbose=True, random_state=0
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    stages = [line.split(":")[0] for line in lines]
    expected = ["pre-training layer 1/2"] * 2 + ["pre-training layer 2/2"] * 2
    assert stages == expected + ["fine-tuning"] * 2


# -- joint fine-tuning ------------------------------------------------------
@pytest.fixture(scope="module")
def few_labels(digits):
    """600 digits, 60 of them labeled (6 per class), and 300 held-out ones."""
    X, _, y, _ = digits
    rng = np.random.default_rng(0)
    y_partial = np.full(600, -1)
    for label in range(10):
        rows = np.flatnonzero(y[:600] == label)
        chosen = rng.choice(rows, 6, replace=False)
        y_partial[chosen] = label
    return X[:600], y_partial, X[600:900], y[600:900]


def test_joint_fine_tuning_beats_pretraining_only(few_labels):
    X, y_partial, X_test, y_test = few_labels
    params = dict(
        unlabeled_label=-1, pretrain_max_iter=10, max_iter=100, random_state=0
    )
    joint = StackedPretrainedClassifier(**params).fit(X, y_partial)
    only = StackedPretrainedClassifier(consistency_weight=0, **params).fit(X, y_partial)
    assert joint.score(X_test, y_test) > only.score(X_test, y_test) + 0.02
    assert joint.n_iter_ > 30  # no convergence stop while the weight ramps up


def test_joint_fine_tuning_options(few_labels):
    X, y_partial, X_test, y_test = few_labels
    params = dict(
        hidden_layer_sizes=(16,),
        unlabeled_label=-1,
        pretrain_max_iter=3,
        max_iter=4,
        random_state=0,
    )
    base = StackedPretrainedClassifier(**params).fit(X, y_partial)
    again = StackedPretrainedClassifier(**params).fit(X, y_partial)
    for a, b in zip(base.coefs_, again.coefs_):
        np.testing.assert_array_equal(a, b)  # reproducible
    # a reconstruction term, from the pre-trained decoder or a random one
    for pretraining in ("denoising", None):
        other = StackedPretrainedClassifier(
            reconstruction_weight=0.5, pretraining=pretraining, **params
        ).fit(X, y_partial)
        assert other.coefs_[0].shape == base.coefs_[0].shape
        assert not np.allclose(other.coefs_[0], base.coefs_[0])
    # float32 end to end, sparse input, early stopping on labeled rows
    small = StackedPretrainedClassifier(**params).fit(X.astype(np.float32), y_partial)
    assert small.coefs_[0].dtype == np.float32
    assert small.predict_proba(X_test.astype(np.float32)).dtype == np.float32
    sparse = StackedPretrainedClassifier(**params).fit(sp.csr_matrix(X), y_partial)
    np.testing.assert_allclose(sparse.coefs_[0], base.coefs_[0], rtol=1e-6, atol=1e-8)
    stopped = StackedPretrainedClassifier(
        early_stopping=True, validation_fraction=0.2, **params
    ).fit(X, y_partial)
    assert len(stopped.validation_scores_) == stopped.n_iter_
    # unshuffled epochs read the rows in order, each batch led by labeled rows
    ordered = StackedPretrainedClassifier(shuffle=False, **params).fit(X, y_partial)
    assert not np.allclose(ordered.coefs_[0], base.coefs_[0])


def test_lbfgs_fine_tunes_on_labeled_rows_only(few_labels):
    X, y_partial, _, _ = few_labels
    params = dict(
        hidden_layer_sizes=(8,),
        unlabeled_label=-1,
        solver="lbfgs",
        pretrain_max_iter=2,
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joint = StackedPretrainedClassifier(**params).fit(X, y_partial)
        plain = StackedPretrainedClassifier(consistency_weight=0, **params).fit(
            X, y_partial
        )
    for a, b in zip(joint.coefs_, plain.coefs_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_uses_unlabeled_rows(few_labels):
    X, y_partial, _, _ = few_labels
    classes = np.arange(10)

    def run(consistency_weight):
        clf = StackedPretrainedClassifier(
            (16,),
            unlabeled_label=-1,
            consistency_weight=consistency_weight,
            random_state=0,
        )
        clf.partial_fit(X[:300], y_partial[:300], classes=classes)
        before = clf.coefs_[0].copy()
        unlabeled = y_partial[300:] == -1
        clf.partial_fit(X[300:][unlabeled], y_partial[300:][unlabeled])
        return clf, before

    joint, before = run(10.0)
    assert not np.array_equal(joint.coefs_[0], before)  # consistency alone
    assert joint.n_iter_ == 2
    skipped, before = run(0.0)
    np.testing.assert_array_equal(skipped.coefs_[0], before)


def test_partial_fit_after_a_fit_with_reconstruction(few_labels):
    X, y_partial, _, _ = few_labels
    clf = StackedPretrainedClassifier(
        (16,),
        unlabeled_label=-1,
        reconstruction_weight=0.5,
        pretrain_max_iter=2,
        max_iter=3,
        random_state=0,
    ).fit(X, y_partial)
    # the optimizer goes on with the classifier's parameters only
    assert clf._optimizer.M.shape == (
        sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_)),
    )
    before = clf.coefs_[0].copy()
    clf.partial_fit(X[:100], y_partial[:100])
    assert not np.array_equal(clf.coefs_[0], before)
    assert clf.n_iter_ == 4


def test_consistency_defaults_scale_with_labels_and_features():
    from sklearn_autoencoders._classifier import consistency_settings

    # images with enough labels keep the weight and noise chosen on them
    assert consistency_settings("auto", "auto", 143, 64) == (10.0, 0.75)
    assert consistency_settings("auto", "auto", 400, 784) == (10.0, 0.75)
    # a handful of labels on a small table
    assert consistency_settings("auto", "auto", 10, 4) == (1.0, 0.75 * 4 / 64)
    assert consistency_settings(3.0, 0.5, 10, 4) == (3.0, 0.5)


def test_collapsed_classes_are_those_predicted_far_too_rarely():
    from sklearn_autoencoders._classifier import collapsed_classes

    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    classes = np.array([0, 1, 2])
    predicted = np.array([0] * 35 + [1] * 67 + [2] * 3)
    assert collapsed_classes(predicted, labels, classes) == [2]
    balanced = np.array([0] * 35 + [1] * 45 + [2] * 25)
    assert collapsed_classes(balanced, labels, classes) == []


def test_a_collapsed_joint_fine_tuning_warns():
    """Iris with 9 labels, the former image defaults: the third class is
    predicted for 3 of 105 rows; the 'auto' settings keep it."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True)
    X, _, y, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=6)
    rng = np.random.default_rng(6)
    chosen = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 3, replace=False) for c in range(3)]
    )
    partial = np.full(len(y), -1)
    partial[chosen] = y[chosen]
    former = dict(consistency_weight=10.0, consistency_noise=0.75)
    model = StackedPretrainedClassifier(unlabeled_label=-1, random_state=6, **former)
    with pytest.warns(UserWarning, match="collapsed the predictions"):
        model.fit(X, partial)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*collapsed the predictions")
        auto = StackedPretrainedClassifier(unlabeled_label=-1, random_state=6)
        auto.fit(X, partial)
    assert auto.score(X, y) > model.score(X, y)
