import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """Digits scaled to [0, 1], split into train and test halves."""
    data = load_digits()
    X = data.data / 16.0
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    train, test = order[:1200], order[1200:]
    return X[train], X[test], data.target[train], data.target[test]
