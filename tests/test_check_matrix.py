"""scikit-learn's estimator checks over the whole product of training options.

``test_common.py`` runs the checks on a hand-picked set of configurations;
this file runs them on every combination a user can reach by changing one
or more of: hidden unit × solver × tied weights, noise × solver, noise ×
penalty, schedule × stochastic solver, greedy pre-training, the linear
solvers with and without centring, the classifier's units × solver ×
pre-training, and the outlier detector's scores and thresholds. Each at
its default learning rate, with no expected failures. The checks' data
are not scaled (some are centred near 100), which is what
``standardize='auto'`` is for.
"""

import itertools

from _checks import run_check
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

UNITS = ("relu", "tanh", "logistic", "identity")
SOLVERS = ("adam", "sgd", "lbfgs")
SCHEDULES = ("constant", "adaptive", "cosine")
NOISES = ("gaussian", "masking", "salt_and_pepper")
PRETRAINING = ("basic", "denoising")


def _autoencoders():
    for unit, solver, tied in itertools.product(UNITS, SOLVERS, (True, False)):
        yield AutoencoderTransformer(
            n_components=2, activation=unit, solver=solver, tied_weights=tied
        )
    for noise, solver in itertools.product(NOISES, SOLVERS):
        yield DenoisingAutoencoder(n_components=2, noise=noise, solver=solver)
    for schedule, solver in itertools.product(SCHEDULES, ("adam", "sgd")):
        yield AutoencoderTransformer(
            n_components=2, learning_rate=schedule, solver=solver
        )
        yield DenoisingAutoencoder(
            n_components=2, learning_rate=schedule, solver=solver
        )
    for code, solver in itertools.product(("logistic", "tanh", "relu"), SOLVERS):
        yield SparseAutoencoder(n_components=2, code_activation=code, solver=solver)
    for code, solver in itertools.product(UNITS, SOLVERS):
        yield ContractiveAutoencoder(
            n_components=2, hidden_layer_sizes=(), code_activation=code, solver=solver
        )
    # a penalty combined with input noise (each noise type's own path is
    # covered by the denoising autoencoder's rows above)
    yield SparseAutoencoder(n_components=2, noise="masking")
    yield ContractiveAutoencoder(n_components=2, noise="gaussian")
    for estimator, pretraining in itertools.product(
        (
            AutoencoderTransformer,
            DenoisingAutoencoder,
            SparseAutoencoder,
            ContractiveAutoencoder,
        ),
        PRETRAINING,
    ):
        yield estimator(
            n_components=2,
            hidden_layer_sizes=(6,),
            pretraining=pretraining,
            pretrain_max_iter=5,
        )


def _linear():
    for solver, center in itertools.product(
        ("auto", "eigh", "svd", "randomized", "gradient"), (False, True)
    ):
        yield LinearAutoencoder(n_components=1, solver=solver, center=center)


def _classifiers():
    for unit, solver in itertools.product(UNITS, SOLVERS):
        yield StackedPretrainedClassifier(
            hidden_layer_sizes=(8,),
            activation=unit,
            solver=solver,
            pretrain_max_iter=10,
        )
    for pretraining, schedule in itertools.product((*PRETRAINING, None), SCHEDULES):
        yield StackedPretrainedClassifier(
            hidden_layer_sizes=(32, 16),
            pretraining=pretraining,
            learning_rate=schedule,
            pretrain_max_iter=10,
        )


def _detectors():
    scores = ("auto", "reconstruction", "normalized_reconstruction")
    scores += ("code_density", "combined")
    for score, contamination in itertools.product(scores, ("auto", 0.1)):
        yield AutoencoderOutlierDetector(
            outlier_score=score, contamination=contamination
        )
    for autoencoder in (
        DenoisingAutoencoder(n_components=2),
        LinearAutoencoder(n_components=2, center=True),
        AutoencoderTransformer(n_components=2, solver="lbfgs"),
    ):
        yield AutoencoderOutlierDetector(autoencoder)


ESTIMATORS = [*_autoencoders(), *_linear(), *_classifiers(), *_detectors()]


@parametrize_with_checks(ESTIMATORS)
def test_every_configuration_passes_the_estimator_checks(estimator, check):
    run_check(estimator, check)
