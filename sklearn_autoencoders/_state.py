"""Fitted state as plain data, for pickle and skops alike.

An estimator keeps a few helper objects between calls: the optimizer and
its learning-rate schedule (``partial_fit`` continues them), the training
history, the scatter accumulator of ``LinearAutoencoder``. Serialised as
they are, each would be one more type for ``skops.io`` to ask the user to
trust. ``PlainStateMixin`` writes every such helper as a dict of its
attributes (arrays, numbers, lists) tagged with its class, and rebuilds it
on load, so loading a fitted estimator trusts only the estimator classes.
"""

import importlib

#: Helpers are recognised by their module; estimators are left to their own
#: ``__getstate__``.
_PACKAGE = "sklearn_autoencoders."
_TAG = "__sklearn_autoencoders_helper__"


def _is_helper(value):
    cls = type(value)
    return cls.__module__.startswith(_PACKAGE) and not hasattr(value, "get_params")


def to_plain(value):
    """``value`` with every package helper object replaced by a tagged dict."""
    if _is_helper(value):
        cls = type(value)
        state = {name: to_plain(item) for name, item in vars(value).items()}
        return {_TAG: f"{cls.__module__}:{cls.__qualname__}", "state": state}
    return value


def from_plain(value):
    """Inverse of ``to_plain``: rebuild the helpers of this package only."""
    if not (isinstance(value, dict) and _TAG in value):
        return value
    module, _, name = value[_TAG].partition(":")
    if not module.startswith(_PACKAGE):
        raise ValueError(f"Refusing to rebuild {value[_TAG]!r}: not a helper.")
    cls = getattr(importlib.import_module(module), name)
    helper = cls.__new__(cls)
    helper.__dict__.update({k: from_plain(v) for k, v in value["state"].items()})
    return helper


class PlainStateMixin:
    """Pickle and skops see the fitted helpers as plain dicts."""

    def __getstate__(self):
        state = super().__getstate__()
        return {name: to_plain(value) for name, value in state.items()}

    def __setstate__(self, state):
        super().__setstate__({name: from_plain(value) for name, value in state.items()})
