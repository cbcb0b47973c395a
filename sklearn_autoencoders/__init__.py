"""Autoencoders for scikit-learn: pre-training and regularization.

Estimators that drop into a ``Pipeline``, tune in ``GridSearchCV`` and pass
scikit-learn's ``check_estimator``, built on one numpy + BLAS engine.
"""

from ._autoencoder import AutoencoderTransformer, DenoisingAutoencoder
from ._classifier import StackedPretrainedClassifier
from ._imputer import AutoencoderImputer
from ._linear import LinearAutoencoder
from ._outlier import AutoencoderOutlierDetector
from ._regularized import ContractiveAutoencoder, SparseAutoencoder
from ._training import DivergenceError
from ._variational_autoencoder import VariationalAutoencoder

__version__ = "0.1.0"

__all__ = [
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "ContractiveAutoencoder",
    "DenoisingAutoencoder",
    "DivergenceError",
    "LinearAutoencoder",
    "SparseAutoencoder",
    "StackedPretrainedClassifier",
    "VariationalAutoencoder",
    "__version__",
]
