"""
Tuning an autoencoder for a downstream classifier
=================================================

A ``Pipeline`` of :class:`~sklearn_autoencoders.DenoisingAutoencoder` and
``LogisticRegression`` is tuned with ``GridSearchCV`` over the code size and
the noise level; the cross-validated accuracy of every combination is
plotted as a heat map.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_autoencoders import DenoisingAutoencoder

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
pipe = Pipeline(
    [
        ("scale", MinMaxScaler()),
        ("dae", DenoisingAutoencoder(noise="masking", max_iter=40, random_state=0)),
        ("classify", LogisticRegression(max_iter=2000)),
    ]
)
grid = {"dae__n_components": [8, 16, 32], "dae__noise_level": [0.0, 0.2, 0.4]}
search = GridSearchCV(pipe, grid, cv=3).fit(X[:900], y[:900])
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

scores = search.cv_results_["mean_test_score"].reshape(
    len(grid["dae__n_components"]), len(grid["dae__noise_level"])
)
plt.imshow(scores, cmap="viridis")
plt.colorbar(label="mean CV accuracy")
plt.xticks(range(3), grid["dae__noise_level"])
plt.yticks(range(3), grid["dae__n_components"])
plt.xlabel("noise_level (masking)")
plt.ylabel("n_components")
for (i, j), value in np.ndenumerate(scores):
    plt.text(j, i, f"{value:.3f}", ha="center", va="center", color="w")
plt.title("GridSearchCV over code size and noise level")
plt.show()
