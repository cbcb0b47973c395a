"""scikit-learn's callback API (``sklearn.callback``, new in 1.9), guarded.

Every estimator that trains iteratively supports ``set_callbacks(...)``
where scikit-learn has the API: the fit is the root task, each epoch (or
L-BFGS iteration) a subtask, and greedy pre-training adds a level, one
subtask per layer's autoencoder (whose own fit is merged into it, so its
epochs nest below) and one for the fine-tuning. A callback's
``on_fit_task_end`` may return True to stop the epochs of its level early.

The training loops never see an estimator: they get a ``TaskCallbacks``,
which knows the context, the estimator and the data, and how to build a
ready-to-use copy of the estimator at the current parameters (only when a
callback asks for it). On scikit-learn 1.6 to 1.8 there is no API and
``CallbackSupportMixin`` adds nothing; ``root_task`` then returns None and
nothing is called.
"""

import contextlib

try:
    from sklearn.callback import CallbackSupportMixin

    CALLBACKS_AVAILABLE = True
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """scikit-learn < 1.9 has no callback API: nothing to support."""

    CALLBACKS_AVAILABLE = False

#: What scikit-learn's callback machinery keeps on an estimator during a fit;
#: ``restore_on_error`` leaves it in place so that the callbacks' teardown
#: still runs after a failed fit.
CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def root_task(estimator, X, y=None, max_subtasks=None):
    """Open the fit's root task and call ``on_fit_task_begin``; None without API.

    ``max_subtasks=None`` leaves the number of subtasks open (epochs may
    stop early, or be retried after a divergence).
    """
    if not CALLBACKS_AVAILABLE:
        return None
    context = estimator._init_callback_context(max_subtasks=max_subtasks)
    context.call_on_fit_task_begin(estimator=estimator, X=X, y=y)
    return context


def end_root_task(estimator, context, X, y=None):
    """``on_fit_task_end`` of the root task, the estimator being fitted."""
    if context is not None:
        context.call_on_fit_task_end(
            estimator=estimator, X=X, y=y, reconstruction_attributes=dict
        )


class TaskCallbacks:
    """The callbacks of one level of epochs, as the training loops call them.

    Parameters
    ----------
    context : CallbackContext
        The task whose subtasks the epochs are.
    estimator : estimator
        The estimator being fitted (what the hooks receive).
    X, y : array-like
        The data of the task (what the hooks receive).
    fitted_state : callable
        ``fitted_state(net) -> dict`` of the fitted attributes the
        estimator would have with the network's current parameters: what a
        callback's ``fitted_estimator`` is built from.
    """

    def __init__(self, context, estimator, X, y, fitted_state):
        self.context, self.estimator = context, estimator
        self.X, self.y, self.fitted_state = X, y, fitted_state
        self._task = None

    def begin(self, name="epoch"):
        """Open the next subtask."""
        self._task = self.context.subcontext(task_name=name)
        self._task.call_on_fit_task_begin(estimator=self.estimator, X=self.X, y=self.y)

    def end(self, net):
        """Close the open subtask; True if a callback asks to stop."""
        task, self._task = self._task, None
        return task.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            reconstruction_attributes=lambda: self.fitted_state(net),
        )

    def abandon(self):
        """Close a subtask that failed (a diverged epoch), ignoring stop."""
        if self._task is not None:
            task, self._task = self._task, None
            task.call_on_fit_task_end(estimator=self.estimator, X=self.X, y=self.y)


@contextlib.contextmanager
def epoch_callbacks(context, estimator, X, y, fitted_state, stage=None):
    """The ``TaskCallbacks`` of a fit's epochs; None without a context.

    The epochs are subtasks of the fit itself, or, with ``stage`` (the
    ``"fine-tuning"`` after greedy pre-training), of a subtask of that name,
    opened here and closed once the epochs are done.
    """
    if context is None:
        yield None
        return
    if stage is None:
        yield TaskCallbacks(context, estimator, X, y, fitted_state)
        return
    subtask = context.subcontext(task_name=stage, max_subtasks=None)
    subtask.call_on_fit_task_begin(estimator=estimator, X=X, y=y)
    yield TaskCallbacks(subtask, estimator, X, y, fitted_state)
    subtask.call_on_fit_task_end(estimator=estimator, X=X, y=y)


@contextlib.contextmanager
def sub_estimator_task(context, name, sub_estimator):
    """Run a sub-estimator's fit as the subtask ``name`` of ``context``.

    The sub-estimator's own root task is merged into a leaf subtask, so its
    epochs nest below it; auto-propagated callbacks (``ProgressBar``,
    ``ScoringMonitor``, ...) reach it.
    """
    if context is None or not hasattr(sub_estimator, "set_callbacks"):
        yield
        return
    leaf = context.subcontext(task_name=name, max_subtasks=0)
    with leaf.propagate_callback_context(sub_estimator):
        yield
