"""Every public estimator and public method has a complete numpydoc docstring."""

import inspect

import pytest

import sklearn_autoencoders

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# The checks that make a docstring complete and correct; style-only codes
# (extended summaries, See Also on every method, ...) are left out.
CHECKED = {
    "GL08",  # the object has no docstring
    "SS01",
    "SS03",  # a one-line summary, ending with a period
    "PR01",
    "PR02",  # every parameter documented, none that does not exist
    "PR07",  # every parameter described
    "RT01",
    "RT03",  # a Returns section, with descriptions
}


def _public_methods():
    for name in sklearn_autoencoders.__all__:
        cls = getattr(sklearn_autoencoders, name)
        if not inspect.isclass(cls) or issubclass(cls, Exception):
            continue
        yield f"sklearn_autoencoders.{name}"
        for method, member in inspect.getmembers(cls, inspect.isfunction):
            defined_here = member.__module__.startswith("sklearn_autoencoders")
            if not method.startswith("_") and defined_here:
                yield f"sklearn_autoencoders.{name}.{method}"


@pytest.mark.parametrize("path", sorted(set(_public_methods())))
def test_numpydoc_docstring(path):
    result = numpydoc_validate.validate(path)
    errors = [(code, message) for code, message in result["errors"] if code in CHECKED]
    # classes document parameters, not returns
    if path.count(".") == 1:
        errors = [e for e in errors if not e[0].startswith("RT")]
    assert not errors, errors


@pytest.mark.parametrize(
    "name", [n for n in sklearn_autoencoders.__all__ if n[0].isupper()]
)
def test_estimators_have_examples_and_attributes(name):
    doc = getattr(sklearn_autoencoders, name).__doc__
    if name.endswith("Error"):
        return
    for section in ("Parameters\n", "Attributes\n", "Examples\n", "See Also\n"):
        assert section in doc, f"{name} lacks {section.strip()}"
