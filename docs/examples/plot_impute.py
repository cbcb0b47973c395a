"""
Missing values: occluded digits filled in
=========================================

A square covering a quarter of each digit is hidden, in the training rows
as in the test rows. :class:`~sklearn_autoencoders.AutoencoderImputer`
learns from the incomplete training digits (masking noise on top of the
holes, a loss over the observed pixels only) and fills the hidden square
of held-out digits; scikit-learn's ``KNNImputer`` and ``IterativeImputer``
fill the same squares. The titles give each imputer's RMSE over the
hidden pixels of all test digits (pixel values 0-16).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import AutoencoderImputer

X, _ = load_digits(return_X_y=True)
rng = np.random.default_rng(0)
hidden = np.zeros((len(X), 8, 8), dtype=bool)
for square, (row, col) in zip(hidden, rng.integers(0, 5, size=(len(X), 2))):
    square[row : row + 4, col : col + 4] = True
hidden = hidden.reshape(len(X), 64)
X_missing = np.where(hidden, np.nan, X)
train, test = train_test_split(np.arange(len(X)), test_size=0.3, random_state=0)

imputers = {
    "AutoencoderImputer": AutoencoderImputer(random_state=0),
    "KNNImputer": KNNImputer(),
    "IterativeImputer": IterativeImputer(max_iter=10, random_state=0),
}
filled = {}
for name, imputer in imputers.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IterativeImputer's convergence
        filled[name] = imputer.fit(X_missing[train]).transform(X_missing[test])

shown = test[:6]
fig, axes = plt.subplots(len(imputers) + 2, len(shown), figsize=(7, 8.5))
rows = {"original": X[shown], "occluded": np.nan_to_num(X_missing[shown], nan=-4)}
rows.update({name: values[: len(shown)] for name, values in filled.items()})
for axis_row, (name, images) in zip(axes, rows.items()):
    title = name
    if name in filled:
        error = filled[name] - X[test]
        title = f"{name}: RMSE {np.sqrt(np.mean(error[hidden[test]] ** 2)):.2f}"
    axis_row[0].set_title(title, loc="left", fontsize=9)
    for axis, image in zip(axis_row, images):
        axis.imshow(image.reshape(8, 8), cmap="gray_r", vmin=-4, vmax=16)
        axis.set_xticks([])
        axis.set_yticks([])
fig.tight_layout()
plt.show()
