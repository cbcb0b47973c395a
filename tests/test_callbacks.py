"""scikit-learn's callback API (1.9+): task trees, stopping, fitted copies."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    DivergenceError,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._callbacks import CALLBACKS_AVAILABLE

pytestmark = pytest.mark.skipif(
    not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9 has no callback API"
)


class Recorder:
    """Records every task it sees as its path of task names from the root.

    Auto-propagated (it has ``max_propagation_depth``), so it also sees the
    tasks of sub-estimators, such as each layer's autoencoder.
    """

    max_propagation_depth = None

    def __init__(self, stop_after=None, score=False):
        self.stop_after, self.score = stop_after, score
        self.begun, self.ended, self.scores = [], [], []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    @staticmethod
    def path(context):
        names = []
        while context is not None:
            names.append(context.task_name)
            context = context.parent
        return tuple(reversed(names))

    def on_fit_task_begin(self, estimator, context, *, X=None):
        self.begun.append(self.path(context))

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        path = self.path(context)
        self.ended.append(path)
        if path[-1] in ("epoch", "iteration") and self.score:
            self.scores.append(fitted_estimator.score(X[:50]))
        epochs = sum(p[-1] in ("epoch", "iteration") for p in self.ended)
        return self.stop_after is not None and epochs >= self.stop_after


@pytest.fixture(scope="module")
def X():
    return load_digits().data[:300] / 16


def _count(paths, path):
    return sum(p == path for p in paths)


@pytest.mark.parametrize(
    "estimator",
    [
        AutoencoderTransformer(4, max_iter=3, init="random"),
        DenoisingAutoencoder(4, max_iter=3),
        SparseAutoencoder(4, max_iter=3),
        ContractiveAutoencoder(4, max_iter=3),
    ],
    ids=lambda e: type(e).__name__,
)
def test_fit_then_epochs(estimator, X):
    recorder = Recorder()
    estimator.set_params(random_state=0).set_callbacks(recorder).fit(X)
    assert recorder.begun[0] == ("fit",) and recorder.ended[-1] == ("fit",)
    assert _count(recorder.ended, ("fit", "epoch")) == estimator.n_iter_ == 3
    assert sorted(recorder.begun) == sorted(recorder.ended)
    assert not hasattr(estimator, "_callback_fit_ctx")  # torn down


def test_pretrained_autoencoder_nests_layers_then_fine_tuning(X):
    recorder = Recorder()
    ae = AutoencoderTransformer(
        4,
        hidden_layer_sizes=(16,),
        pretraining="basic",
        pretrain_max_iter=2,
        max_iter=3,
        random_state=0,
    ).set_callbacks(recorder)
    ae.fit(X)
    # each layer's own fit is merged into its subtask: its epochs nest below
    layers = [p for p in recorder.ended if len(p) == 2 and p[1] != "fine-tuning"]
    assert len(layers) == 2
    assert _count(recorder.ended, ("fit", "fit", "epoch")) == 4
    assert _count(recorder.ended, ("fit", "fine-tuning", "epoch")) == 3
    assert recorder.ended[-2:] == [("fit", "fine-tuning"), ("fit",)]


@pytest.mark.parametrize("pretraining", ["denoising", None])
def test_classifier_task_tree(X, pretraining):
    y = load_digits().target[:300]
    recorder = Recorder()
    clf = StackedPretrainedClassifier(
        (8, 4),
        pretraining=pretraining,
        pretrain_max_iter=2,
        max_iter=3,
        random_state=0,
    ).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    if pretraining is None:
        assert _count(recorder.ended, ("fit", "epoch")) == 3
    else:
        assert _count(recorder.ended, ("fit", "fit", "epoch")) == 4  # 2 layers
        assert _count(recorder.ended, ("fit", "fine-tuning", "epoch")) == 3
    assert recorder.ended[-1] == ("fit",)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_stops_training_without_a_warning(X, solver):
    recorder = Recorder(stop_after=2, score=True)
    ae = AutoencoderTransformer(4, solver=solver, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae.set_callbacks(recorder).fit(X)
    assert ae.n_iter_ == 2
    # each epoch's fitted copy scores like the model at that epoch
    assert len(recorder.scores) == 2 and np.isfinite(recorder.scores).all()
    assert recorder.scores[-1] == pytest.approx(ae.score(X[:50]), rel=1e-6)


def test_joint_fine_tuning_epochs_and_scoring_monitor(X):
    from sklearn.callback import ScoringMonitor

    y = load_digits().target[:300].copy()
    y[50:] = -1
    monitor = ScoringMonitor(scoring={"loss": lambda est, X, y: est.loss_curve_[-1]})
    clf = StackedPretrainedClassifier(
        (8,), unlabeled_label=-1, pretrain_max_iter=2, max_iter=4, random_state=0
    ).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert [r["loss"] for r in rows] == pytest.approx(clf.loss_curve_)


def test_linear_and_detector_report_their_fit(X):
    recorder = Recorder()
    LinearAutoencoder(4).set_callbacks(recorder).fit(X)
    assert recorder.ended == [("fit",)]
    recorder = Recorder()
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(4, max_iter=2, init="random"), random_state=0
    ).set_callbacks(recorder)
    detector.fit(X)
    assert _count(recorder.ended, ("fit", "fit", "epoch")) == 2
    assert recorder.ended[-1] == ("fit",)


def test_inside_grid_search_with_two_jobs(X):
    from sklearn.callback import ScoringMonitor

    y = load_digits().target[:300]
    monitor = ScoringMonitor(scoring="accuracy")
    # set on the searched estimator, the monitor follows its clones into the
    # worker processes and sends their scores back
    clf = StackedPretrainedClassifier(
        (8,), pretraining=None, max_iter=2, random_state=0
    )
    search = GridSearchCV(
        clf.set_callbacks(monitor), {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    # 2 candidates x 2 folds x 2 epochs, then the refit's 2 epochs
    assert len(epochs) == 10
    assert all(0 <= r["accuracy"] <= 1 for r in epochs)


def test_a_failed_fit_still_tears_the_callbacks_down(X):
    class Teardown(Recorder):
        torn_down = 0

        def teardown(self, estimator, context):
            Teardown.torn_down += 1

    # invalid data fail before the fit task opens: nothing to tear down
    ae = AutoencoderTransformer(4, max_iter=2).set_callbacks(Teardown())
    with pytest.raises(ValueError):
        ae.fit(np.full((10, 4), np.nan))
    bad = AutoencoderTransformer(4, max_iter=2, learning_rate_init=1e6, solver="sgd")
    bad.set_callbacks(Teardown())
    with pytest.raises(DivergenceError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad.fit(X * 1e3)
    assert Teardown.torn_down == 1
    assert not hasattr(bad, "_callback_fit_ctx")


def test_progress_bar_runs_for_a_deep_fit(X):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    y = load_digits().target[:300]
    clf = StackedPretrainedClassifier(
        (8, 4), pretrain_max_iter=2, max_iter=2, random_state=0
    ).set_callbacks(ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 2


def test_progress_bar_inside_grid_search(X):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    y = load_digits().target[:300]
    search = GridSearchCV(
        StackedPretrainedClassifier((8,), pretrain_max_iter=2, max_iter=2),
        {"alpha": [1e-4, 1e-2]},
        cv=2,
        n_jobs=2,
    ).set_callbacks(ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_estimator_.n_iter_ == 2
