"""
Linear autoencoder and PCA: the same subspace
=============================================

:class:`~sklearn_autoencoders.LinearAutoencoder` computes the optimum of the
linear autoencoder ``x W W^T`` in closed form. With ``center=True`` it equals
PCA; without centering it finds the top eigenvectors of ``X^T X``, whose
first direction points towards the mean. Gradient training reaches the same
subspace: the principal angles to the closed form are near zero.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sklearn_autoencoders import LinearAutoencoder

X, _ = load_digits(return_X_y=True)
X = X / 16.0
k = 10
pca = PCA(k).fit(X)
centered = LinearAutoencoder(k, center=True).fit(X)
uncentered = LinearAutoencoder(k).fit(X)
gradient = LinearAutoencoder(
    k, center=True, solver="gradient", max_iter=300, random_state=0
).fit(X)

angles = {
    "closed form, centered": subspace_angles(centered.components_.T, pca.components_.T),
    "gradient, centered": subspace_angles(gradient.components_.T, pca.components_.T),
    "closed form, uncentered": subspace_angles(
        uncentered.components_.T, pca.components_.T
    ),
}
print(
    "max |components_ - PCA.components_|:",
    np.abs(centered.components_ - pca.components_).max(),
)
mean_direction = X.mean(0) / np.linalg.norm(X.mean(0))
print(
    "cosine of the first uncentered direction with the mean:",
    abs(uncentered.components_[0] @ mean_direction),
)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for label, values in angles.items():
    left.plot(np.degrees(np.sort(values)), marker="o", label=label)
left.set_xlabel("principal angle index")
left.set_ylabel("angle to PCA subspace (degrees)")
left.legend()
right.bar(np.arange(k) - 0.2, pca.explained_variance_ratio_, 0.4, label="PCA")
right.bar(
    np.arange(k) + 0.2,
    centered.explained_variance_ratio_,
    0.4,
    label="LinearAutoencoder(center=True)",
)
right.set_xlabel("component")
right.set_ylabel("explained variance ratio")
right.legend()
plt.tight_layout()
plt.show()
