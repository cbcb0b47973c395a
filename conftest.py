"""Collection rules for the doctests of the package's modules."""

import importlib.util

# sklearn_autoencoders.onnx needs the optional [onnx] extra; without it the
# module's doctest is not collected (tests/test_onnx.py skips the same way;
# README's deployment example needs it, as README's test command installs).
collect_ignore = []
if not all(importlib.util.find_spec(name) for name in ("skl2onnx", "onnxruntime")):
    collect_ignore.append("sklearn_autoencoders/onnx.py")
