"""Training-loop events for ``verbose`` output and scikit-learn callbacks.

Part of the estimator layer: it relays what :func:`skmlp._training.run_epochs`
(and the L-BFGS driver) report to the estimator's ``verbose`` printing and to
the callbacks set with ``MLPClassifier.set_callbacks`` (scikit-learn >= 1.9),
such as ``sklearn.callback.ProgressBar`` and ``ScoringMonitor``.
"""

import time

from ._training import EpochHooks


class FitHooks(EpochHooks):
    """Passes training-loop events on to ``verbose`` output and to scikit-learn
    callbacks (``set_callbacks``): each epoch, or L-BFGS iteration, is a subtask
    of the fit task."""

    def __init__(self, estimator, X, y, metadata, snapshot):
        self.estimator, self.X, self.y, self.metadata = estimator, X, y, metadata
        # snapshot(trainer) -> the fitted attributes of the model so far (copies),
        # from which callbacks that predict rebuild it: the estimator itself
        # is published only when fit completes.
        self.snapshot = snapshot
        self.started = time.perf_counter()
        self.context = self.epoch_context = None
        if hasattr(estimator, "_init_callback_context"):
            self.context = estimator._init_callback_context(max_subtasks=estimator.max_iter)
            self.context.call_on_fit_task_begin(estimator=estimator, X=X, y=y,
                                                metadata=metadata)

    def _call(self, context, hook, trainer):
        return getattr(context, hook)(estimator=self.estimator, X=self.X, y=self.y,
                                      metadata=self.metadata,
                                      reconstruction_attributes=lambda: self.snapshot(trainer))

    def epoch_begin(self, trainer):
        if self.context is not None:
            self.epoch_context = self.context.subcontext(task_name="epoch")
            self._call(self.epoch_context, "call_on_fit_task_begin", trainer)

    def epoch_end(self, trainer):
        history = trainer.history
        if self.estimator.verbose:
            line = f"Iteration {history.n_iter}, loss = {history.loss_curve[-1]:.8f}"
            if history.validation_scores:
                line += f", validation score = {history.validation_scores[-1]:.6f}"
            print(f"{line}, time = {time.perf_counter() - self.started:.3f}s")
        if self.epoch_context is None:
            return False
        context, self.epoch_context = self.epoch_context, None
        return bool(self._call(context, "call_on_fit_task_end", trainer))

    def close(self, trainer):
        """End the fit task (and an epoch begun but never run, after L-BFGS);
        ``trainer`` holds the final model."""
        if self.epoch_context is not None:
            self.epoch_context.call_on_fit_task_end(estimator=self.estimator)
        if self.context is not None:
            self.context.call_on_fit_task_end(
                estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
                reconstruction_attributes=lambda: self.snapshot(trainer))
