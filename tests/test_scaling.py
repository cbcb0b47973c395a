"""Beyond memory and beyond one machine: memory maps, chunks, sparse input,
partial_fit streaming, and Dask (arrays, a distributed cluster, joblib)."""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV

from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    LinearAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._network import FORWARD_CHUNK_SIZE


def _data(n_samples=2000, n_features=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5)) @ rng.normal(size=(5, n_features))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)
    return X / X.std(), y


@pytest.fixture
def memmap(tmp_path):
    X, _ = _data(80_000, 50)
    path = tmp_path / "X.dat"
    array = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    array[:] = X
    array.flush()
    return np.memmap(path, dtype=np.float64, mode="r", shape=X.shape), X


def _peak_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_on_a_memory_map_reads_batches_not_the_array(memmap, early_stopping):
    X_map, X = memmap  # 80 000 x 50 float64: 32 MB on disk
    kwargs = dict(
        n_components=5,
        batch_size=100,
        max_iter=2,
        random_state=0,
        early_stopping=early_stopping,
        n_iter_no_change=5,
    )
    from_disk = AutoencoderTransformer(**kwargs)
    peak = _peak_bytes(lambda: from_disk.fit(X_map))
    # Row indices (shuffled, split: a few int64 per row, 8 bytes each, never
    # the rows themselves) plus a few chunks of held-out rows when scoring the
    # validation set: far below the 32 MB of data.
    n_samples, n_features = X.shape
    bound = 4 * 8 * n_samples + 3 * 8 * FORWARD_CHUNK_SIZE * n_features
    assert peak < bound < X.nbytes / 4, (peak, bound)
    in_memory = AutoencoderTransformer(**kwargs).fit(X)
    for a, b in zip(from_disk.coefs_, in_memory.coefs_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "estimator",
    [
        AutoencoderTransformer(5, max_iter=1, random_state=0),
        LinearAutoencoder(5),
        StackedPretrainedClassifier((8,), pretraining=None, max_iter=1, random_state=0),
    ],
)
def test_predictions_run_in_bounded_chunks(memmap, estimator):
    X_map, X = memmap
    y = np.arange(len(X)) % 2
    if isinstance(estimator, StackedPretrainedClassifier):
        estimator.fit(X[:500], y[:500])
        methods = [estimator.predict_proba, estimator.transform]
    else:
        estimator.fit(X[:500])
        methods = [estimator.transform, estimator.score_samples]
    for method in methods:
        output_bytes = method(X[:10]).itemsize * method(X[:10]).size // 10 * len(X)
        peak = _peak_bytes(lambda m=method: m(X_map))
        # the output plus a few chunks, never a temporary the size of X (32 MB)
        assert peak < output_bytes + 8_000_000, (method.__name__, peak)


@pytest.mark.parametrize(
    "estimator",
    [
        AutoencoderTransformer(4, max_iter=3, init="random", random_state=0),
        AutoencoderTransformer(
            4, hidden_layer_sizes=(6,), tied_weights=True, max_iter=3, random_state=0
        ),
        DenoisingAutoencoder(
            4, noise="masking", noise_level=0.3, max_iter=3, random_state=0
        ),
        StackedPretrainedClassifier(
            (6,), pretrain_max_iter=2, max_iter=3, random_state=0
        ),
    ],
)
def test_sparse_input_trains_like_dense(estimator):
    rng = np.random.default_rng(0)
    dense = rng.random((300, 30)) * (rng.random((300, 30)) < 0.1)  # 90% zeros
    y = (dense.sum(axis=1) > np.median(dense.sum(axis=1))).astype(int)
    sparse = sp.csr_matrix(dense)
    from_sparse = estimator.fit(sparse, y).transform(sparse)
    from_dense = estimator.fit(dense, y).transform(dense)
    np.testing.assert_allclose(from_sparse, from_dense, rtol=1e-10, atol=1e-12)
    if hasattr(estimator, "score_samples"):
        np.testing.assert_allclose(
            estimator.score_samples(sparse), estimator.score_samples(dense)
        )


def test_classifier_partial_fit_streams_chunks():
    X, y = _data()
    clf = StackedPretrainedClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:100], y[:100])
    for _epoch in range(10):
        for chunk in np.array_split(np.arange(len(X)), 5):
            clf.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert clf.n_iter_ == 50
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:10], np.full(10, 7))


def test_classifier_partial_fit_after_pretrained_fit_continues():
    X, y = _data()
    clf = StackedPretrainedClassifier(
        (16,), pretrain_max_iter=5, max_iter=5, random_state=0
    )
    clf.fit(X[:500], y[:500])
    before = clf.autoencoders_
    clf.partial_fit(X[500:], y[500:])
    assert clf.autoencoders_ is before and clf.n_iter_ == 6


# -- Dask -------------------------------------------------------------------
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.parametrize("center", [False, True])
def test_linear_autoencoder_on_a_dask_array_equals_in_memory(center, client):
    X, _ = _data(3000, 12)
    X = X + 50.0  # a large mean: the blockwise merge must not cancel
    dask_X = da.from_array(X, chunks=(700, 5))
    distributed_fit = LinearAutoencoder(4, center=center).fit(dask_X)
    in_memory = LinearAutoencoder(4, center=center).fit(X)
    assert (
        distributed_fit.n_samples_seen_ == 3000 and distributed_fit.n_features_in_ == 12
    )
    np.testing.assert_allclose(
        distributed_fit.components_, in_memory.components_, atol=1e-9
    )
    np.testing.assert_allclose(
        distributed_fit.explained_variance_, in_memory.explained_variance_, rtol=1e-10
    )
    np.testing.assert_allclose(
        distributed_fit.transform(X), in_memory.transform(X), atol=1e-8
    )


def test_dask_array_with_other_solvers_is_a_clear_error():
    with pytest.raises(ValueError, match="blockwise 'eigh'"):
        LinearAutoencoder(2, solver="svd").fit(da.ones((10, 3), chunks=5))


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (AutoencoderTransformer(max_iter=3, random_state=0), {"n_components": [2, 4]}),
        (
            DenoisingAutoencoder(3, max_iter=3, random_state=0),
            {"noise_level": [0.1, 0.3]},
        ),
        (LinearAutoencoder(), {"n_components": [2, 4]}),
        (
            StackedPretrainedClassifier(
                (6,), pretrain_max_iter=2, max_iter=3, random_state=0
            ),
            {"alpha": [1e-4, 1e-2]},
        ),
    ],
)
def test_grid_search_on_a_dask_cluster_through_joblib(estimator, grid, client):
    from joblib import parallel_config

    X, y = _data(400, 10)
    with parallel_config(backend="dask"):
        search = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(X, y)
    serial = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


def test_incremental_streaming_over_dask_blocks(client):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _data(2000, 10)
    dask_X, dask_y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        linear = wrappers.Incremental(LinearAutoencoder(3, center=True)).fit(dask_X)
        np.testing.assert_allclose(
            linear.estimator_.components_,
            LinearAutoencoder(3, center=True).fit(X).components_,
            atol=1e-9,
        )
        ae = wrappers.Incremental(AutoencoderTransformer(3, random_state=0)).fit(dask_X)
        assert ae.estimator_.n_iter_ == 4
        clf = wrappers.Incremental(StackedPretrainedClassifier((8,), random_state=0))
        clf.fit(dask_X, dask_y, classes=np.unique(y))
        assert clf.estimator_.n_iter_ == 4
