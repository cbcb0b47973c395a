"""
Reconstructions of held-out digits
==================================

Original held-out digits, and their reconstructions by PCA, an autoencoder
with its default settings (one hidden ReLU layer on each side of a linear
code, tied weights, a logistic output with the cross-entropy for these
[0, 1] pixels) and a denoising one, all with the same code size of 8.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import AutoencoderTransformer, DenoisingAutoencoder

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X / 16.0, test_size=0.3, random_state=0)
models = {
    "PCA": PCA(8),
    "autoencoder": AutoencoderTransformer(8, random_state=0),  # the defaults
    "denoising": DenoisingAutoencoder(
        8, noise="masking", noise_level=0.2, random_state=0
    ),
}
rows = {"original": X_test[:10]}
for name, model in models.items():
    model.fit(X_train)
    reconstruction = model.inverse_transform(model.transform(X_test))
    error = np.mean(np.sum((reconstruction - X_test) ** 2, axis=1))
    rows[f"{name}\nMSE {error:.2f}"] = reconstruction[:10]

fig, axes = plt.subplots(len(rows), 10, figsize=(10, 1.2 * len(rows)))
for axis_row, (label, images) in zip(axes, rows.items()):
    for axis, image in zip(axis_row, images):
        axis.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axis.set_xticks([])
        axis.set_yticks([])
    axis_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("Held-out digits and their reconstructions (code size 8)")
plt.tight_layout()
plt.show()
