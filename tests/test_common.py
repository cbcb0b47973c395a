"""scikit-learn's estimator checks, with no expected failures."""

from _checks import run_check
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_autoencoders import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
    VariationalAutoencoder,
)

ESTIMATORS = [
    AutoencoderTransformer(),
    AutoencoderTransformer(n_components=0.9),
    AutoencoderTransformer(n_components=3, tied_weights=True),
    AutoencoderTransformer(n_components=2, solver="lbfgs", max_iter=50),
    AutoencoderTransformer(
        n_components=2,
        solver="sgd",
        learning_rate_init=0.01,
        hidden_layer_sizes=(),
        activation="tanh",
    ),
    AutoencoderTransformer(n_components=2, solver="sgd", learning_rate_init=1e-4),
    AutoencoderTransformer(n_components=2, init="random", learning_rate="adaptive"),
    AutoencoderTransformer(n_components=2, init="pca", learning_rate="constant"),
    AutoencoderTransformer(
        n_components=2, activation="relu", weight_penalty="elimination"
    ),
    AutoencoderTransformer(
        n_components=2, hidden_layer_sizes=(8, 4), code_activation="identity"
    ),
    DenoisingAutoencoder(n_components=3, noise="gaussian"),
    DenoisingAutoencoder(n_components=3, noise="masking", noise_level=0.3),
    DenoisingAutoencoder(n_components=3, noise="salt_and_pepper", noise_level=0.2),
    DenoisingAutoencoder(n_components=3, noise="masking", solver="lbfgs", max_iter=30),
    SparseAutoencoder(),
    SparseAutoencoder(n_components=3, code_activation="relu", solver="lbfgs"),
    SparseAutoencoder(n_components=2, hidden_layer_sizes=(), code_activation="tanh"),
    ContractiveAutoencoder(),
    ContractiveAutoencoder(n_components=2, hidden_layer_sizes=(), solver="lbfgs"),
    ContractiveAutoencoder(
        n_components=2, hidden_layer_sizes=(), code_activation="logistic"
    ),
    LinearAutoencoder(),
    LinearAutoencoder(center=True),
    LinearAutoencoder(solver="eigh"),
    LinearAutoencoder(solver="svd", center=True),
    LinearAutoencoder(n_components=1, solver="randomized"),
    LinearAutoencoder(n_components=1, solver="gradient", max_iter=20),
    AutoencoderTransformer(
        n_components=2,
        hidden_layer_sizes=(6,),
        pretraining="basic",
        pretrain_max_iter=5,
    ),
    DenoisingAutoencoder(
        n_components=2,
        hidden_layer_sizes=(6,),
        pretraining="denoising",
        pretrain_max_iter=5,
    ),
    StackedPretrainedClassifier(hidden_layer_sizes=(10,), pretrain_max_iter=10),
    StackedPretrainedClassifier(
        hidden_layer_sizes=(10, 6), pretraining="basic", pretrain_max_iter=10
    ),
    StackedPretrainedClassifier(hidden_layer_sizes=(10,), pretraining=None),
    StackedPretrainedClassifier(
        hidden_layer_sizes=(10,), autoencoder=SparseAutoencoder(), pretrain_max_iter=5
    ),
    StackedPretrainedClassifier(
        hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, pretrain_max_iter=10
    ),
    AutoencoderOutlierDetector(),
    AutoencoderOutlierDetector(outlier_score="combined", contamination=0.1),
    AutoencoderOutlierDetector(
        LinearAutoencoder(n_components=2), outlier_score="code_density"
    ),
    AutoencoderOutlierDetector(
        DenoisingAutoencoder(n_components=3, max_iter=20),
        outlier_score="reconstruction",
    ),
    VariationalAutoencoder(),
    VariationalAutoencoder(n_components=2, hidden_layer_sizes=(), beta=0.5),
    VariationalAutoencoder(
        n_components=2, likelihood="gaussian", solver="sgd", init="random"
    ),
    VariationalAutoencoder(n_components=2, hidden_layer_sizes=(6, 4), kl_warmup=0),
    AutoencoderOutlierDetector(VariationalAutoencoder(n_components=2, max_iter=20)),
    AutoencoderImputer(hidden_layer_sizes=(8,), max_iter=20),
    AutoencoderImputer(hidden_layer_sizes=(8, 8), add_indicator=True, max_iter=5),
    AutoencoderImputer(
        hidden_layer_sizes=(6,),
        early_stopping=True,
        validation_fraction=0.3,
        keep_empty_features=True,
    ),
    AutoencoderImputer(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    run_check(estimator, check)
