"""Input corruptions for denoising autoencoders (Vincent et al., 2010).

A corruption is called as ``corruption(clean, out, rng)``: it writes a
corrupted copy of ``clean`` into ``out`` (same shape and dtype) and never
modifies ``clean``, which stays the training target. Random draws use the
``numpy.random.Generator`` passed in, directly in the data's dtype, and the
work buffers are reused from one minibatch to the next.
"""

import numpy as np

NOISE_TYPES = ("gaussian", "masking", "salt_and_pepper")


class Corruption:
    """Draws a fresh corruption of each batch it is given.

    Parameters
    ----------
    noise : {'gaussian', 'masking', 'salt_and_pepper'}
        ``'gaussian'`` adds N(0, level^2) noise to every entry;
        ``'masking'`` sets each entry to 0 with probability ``level``;
        ``'salt_and_pepper'`` sets each entry, with probability ``level``,
        to its column's minimum or maximum (each with probability 1/2).
    level : float
        Standard deviation (gaussian) or corrupted fraction (the others).
    low, high : ndarray of shape (n_features,), default=None
        Column minima and maxima, required by ``'salt_and_pepper'``.
    """

    def __init__(self, noise, level, low=None, high=None):
        self.noise = noise
        self.level = float(level)
        self.low = low
        self.high = high
        self._uniform = None
        self._mask = None

    def _buffers(self, out):
        if self._uniform is None or self._uniform.size < out.size:
            self._uniform = np.empty(out.size, dtype=out.dtype)
            self._mask = np.empty(out.size, dtype=bool)
        return (
            self._uniform[: out.size].reshape(out.shape),
            self._mask[: out.size].reshape(out.shape),
        )

    def __call__(self, clean, out, rng):
        if self.noise == "gaussian":
            rng.standard_normal(dtype=out.dtype, out=out)
            out *= self.level
            out += clean
            return out
        uniform, mask = self._buffers(out)
        rng.random(dtype=out.dtype, out=uniform)
        np.copyto(out, clean)
        if self.noise == "masking":
            np.less(uniform, self.level, out=mask)
            np.copyto(out, 0, where=mask)
            return out
        # u < level is corrupted: to the maximum, then u < level / 2 of
        # those to the minimum instead.
        np.less(uniform, self.level, out=mask)
        np.copyto(out, self.high, where=mask)
        np.less(uniform, self.level / 2, out=mask)
        np.copyto(out, self.low, where=mask)
        return out
