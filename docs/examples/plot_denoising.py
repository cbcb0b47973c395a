"""
Denoising: corrupted digits and their reconstructions
=====================================================

For each corruption type, a :class:`~sklearn_autoencoders.DenoisingAutoencoder`
is trained with that noise on clean training digits; held-out digits are
corrupted the same way and reconstructed. The mean squared error against
the clean digits is compared with a plain autoencoder of the same size.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import AutoencoderTransformer, DenoisingAutoencoder

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X / 16.0, test_size=0.3, random_state=0)
settings = {"masking": 0.3, "gaussian": 0.3, "salt_and_pepper": 0.2}
shared = dict(n_components=32, learning_rate_init=3e-3, max_iter=100, random_state=0)
plain = AutoencoderTransformer(**shared).fit(X_train)
rng = np.random.default_rng(0)

fig, axes = plt.subplots(len(settings) * 3, 8, figsize=(8, 9.5))
for block, (noise, level) in enumerate(settings.items()):
    dae = DenoisingAutoencoder(noise=noise, noise_level=level, **shared).fit(X_train)
    # Corrupt held-out digits the way the model was trained to undo.
    noisy = X_test.copy()
    hit = rng.random(noisy.shape) < level
    if noise == "masking":
        noisy[hit] = 0
    elif noise == "gaussian":
        noisy = noisy + rng.normal(scale=level, size=noisy.shape)
    else:
        noisy[hit] = rng.integers(0, 2, size=hit.sum()).astype(float)
    cleaned = dae.reconstruct(noisy)
    errors = [
        np.mean(np.sum((model.reconstruct(noisy) - X_test) ** 2, axis=1))
        for model in (dae, plain)
    ]
    for offset, (label, images) in enumerate(
        [(f"{noise}\n{level}", noisy), ("denoised", cleaned), ("clean", X_test)]
    ):
        axis_row = axes[3 * block + offset]
        for axis, image in zip(axis_row, images[:8]):
            axis.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
        axis_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    axes[3 * block, 7].set_title(
        f"MSE DAE {errors[0]:.2f} / plain {errors[1]:.2f}", fontsize=8, loc="right"
    )
plt.tight_layout()
plt.show()
