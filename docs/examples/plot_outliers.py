"""
Outlier detection with ``score_samples``
========================================

An autoencoder fitted on normal data reconstructs it well and everything
else badly, so ``score_samples`` (the negative squared reconstruction error)
ranks outliers last. Here the inliers are held-out digits and the outliers
are the same digits with their pixels shuffled: same intensities, no
strokes. The histogram and the ROC AUC show how well the scores separate
them.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import AutoencoderTransformer

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X / 16.0, test_size=0.3, random_state=0)
rng = np.random.default_rng(0)
outliers = np.array([rng.permutation(row) for row in X_test[:100]])

ae = AutoencoderTransformer(
    16, learning_rate_init=3e-3, max_iter=150, random_state=0
).fit(X_train)
inlier_scores = ae.score_samples(X_test)
outlier_scores = ae.score_samples(outliers)
labels = np.r_[np.ones(len(inlier_scores)), np.zeros(len(outlier_scores))]
auc = roc_auc_score(labels, np.r_[inlier_scores, outlier_scores])
print(f"ROC AUC: {auc:.3f}")

bins = np.linspace(min(outlier_scores.min(), inlier_scores.min()), 0, 40)
plt.hist(inlier_scores, bins=bins, alpha=0.6, label="held-out digits")
plt.hist(outlier_scores, bins=bins, alpha=0.6, label="shuffled pixels")
plt.xlabel("score_samples (negative reconstruction error)")
plt.ylabel("count")
plt.title(f"Outlier scores, ROC AUC = {auc:.3f}")
plt.legend()
plt.show()
