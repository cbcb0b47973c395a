"""
First-layer filters: the strokes of digits
==========================================

Each hidden unit of an autoencoder computes ``tanh(x . w + b)``; its weight
vector ``w``, drawn as an 8x8 image, is the pattern the unit responds to.
Trained on digits with masking noise and tied weights, many filters respond
to a local stroke or blob, where PCA's components are global patterns
ordered by the variance they explain.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_autoencoders import DenoisingAutoencoder, LinearAutoencoder

X, _ = load_digits(return_X_y=True)
X = X / 16.0
dae = DenoisingAutoencoder(
    36,
    hidden_layer_sizes=(),  # the shallow autoencoder: tanh code units
    activation="tanh",
    noise="masking",
    noise_level=0.3,
    tied_weights=True,
    alpha=1e-3,
    learning_rate_init=3e-3,
    max_iter=200,
    random_state=0,
).fit(X)
pca = LinearAutoencoder(36, center=True).fit(X)

fig = plt.figure(figsize=(11, 5.6))
panels = fig.subfigures(1, 2, wspace=0.05)
for panel, (title, filters) in zip(
    panels,
    [
        ("denoising autoencoder filters", dae.coefs_[0].T),
        ("PCA components", pca.components_),
    ],
):
    axes = panel.subplots(6, 6)
    for axis, weights in zip(axes.ravel(), filters):
        bound = np.abs(weights).max()
        axis.imshow(weights.reshape(8, 8), cmap="RdBu_r", vmin=-bound, vmax=bound)
        axis.set_xticks([])
        axis.set_yticks([])
    panel.suptitle(title)
plt.show()
