"""How the test files run scikit-learn's estimator checks.

scikit-learn's ``check_sample_weight_equivalence_*`` fit a model with
integer weights and another on the rows repeated that many times, and
compare their outputs to ``rtol=1e-7``. Our weighted objectives are exact
(a weight of 2 is a repeated row, to rounding: ``tests/test_sample_weight.py``
checks every estimator), but a *fit* is a deterministic function of its
objective only when nothing else depends on the rows themselves. Like
scikit-learn for its MLP (``solver='lbfgs'`` or plain SGD for that check),
those checks therefore run on the configuration with the same objective
and everything else made deterministic:

- **input noise off** (``noise_level=0``; ``pretraining='basic'`` instead of
  denoising pre-training): each copy of a repeated row draws its own noise,
  a weighted row one draw, so the two objectives agree only in expectation;
- **every row in one batch, unshuffled** (``batch_size='auto'``, at most
  200 rows; ``shuffle=False``): a smaller batch holds different rows in the
  two fits, and with shuffled batches the contractive penalty is estimated
  on the first 32 rows of each, which differ too;
- **no early stopping**: the held-out rows differ;
- **no PCA start** (``init='random'``): on the check's 15 rows x 30
  features the PCA-started network is not reproducible even without
  weights; the same rows in another order already change its codes by
  0.3, because rounding decides which ReLU kinks the first steps cross;
- **at most 30 L-BFGS iterations**: its path grows as sensitive to
  rounding over more iterations (the same rows in another order, no
  weights, move a tanh sparse autoencoder's codes by 1e-11 after 30
  iterations and 4e-8 after 50, a ReLU autoencoder's by 0.03 after 200);
- **Tukey's fence** (``contamination='auto'``) for the outlier detector:
  with a fraction, ``offset_`` can land on a training row's own score
  (10% of the check's 33 repeated rows falls between two copies of one
  row), where ``predict`` is decided by rounding;
- **``n_components`` within the rank** of the 15-row data for
  ``LinearAutoencoder`` (``None`` keeps 30 components, most of them an
  arbitrary basis of a zero-variance subspace).

Every other check runs on the configuration as given.
"""

from sklearn.base import clone

EQUIVALENCE_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def _deterministic(estimator):
    estimator = clone(estimator)
    params = estimator.get_params(deep=False)
    updates = {}
    if params.get("noise_level") not in (None, 0):
        updates["noise_level"] = 0.0
    if params.get("pretraining") == "denoising":
        updates["pretraining"] = "basic"
    if params.get("batch_size") not in (None, "auto"):
        updates["batch_size"] = "auto"
    if params.get("shuffle") is True:
        updates["shuffle"] = False
    if params.get("early_stopping") not in (None, False):
        updates["early_stopping"] = False
    if params.get("init") in ("auto", "pca"):
        updates["init"] = "random"
    if params.get("solver") == "lbfgs" and params.get("max_iter", 0) > 30:
        updates["max_iter"] = 30
    if params.get("contamination") not in (None, "auto"):
        updates["contamination"] = "auto"
    if "center" in params and params.get("n_components") is None:
        updates["n_components"] = 3
    for name in ("autoencoder",):
        if params.get(name) is not None:
            updates[name] = _deterministic(params[name])
    return estimator.set_params(**updates)


def run_check(estimator, check):
    """Run one check, on the deterministic configuration where it needs one."""
    name = getattr(check, "func", check).__name__
    if name in EQUIVALENCE_CHECKS:
        estimator = _deterministic(estimator)
    check(estimator)
