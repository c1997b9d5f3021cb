"""Plotting helpers for a fitted :class:`~skmlp.MLPClassifier` or :class:`~skmlp.MLPRegressor`.

The classes follow scikit-learn's *Display* convention (see e.g.
:class:`sklearn.metrics.ConfusionMatrixDisplay`): the constructor stores the
data to draw, ``plot`` draws it and returns the display with the matplotlib
objects as attributes ending in ``_`` (``figure_``, ``ax_``, ...), and the
class method ``from_estimator`` reads a fitted estimator and calls
``plot``.

matplotlib is an optional dependency (the ``plot`` extra:
``pip install ".[plot]"`` from the root of a checkout of skmlp). This
module imports it only inside the functions that draw, so importing
:mod:`skmlp.plotting` works without it; drawing raises an :class:`ImportError`
that says how to install it.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._plot_checks import (
    _as_curve,
    _check_matplotlib_support,
    _check_weights,
    _no_epoch_curve_message,
)

__all__ = ["LossCurveDisplay", "WeightImageDisplay"]


class LossCurveDisplay:
    """Training loss per epoch, with the validation loss and score if known.

    The training loss and, if given, the validation loss share the left
    y-axis; the validation score (accuracy) is drawn on a second y-axis on the
    right (``ax2_``), created with :meth:`matplotlib.axes.Axes.twinx`. Epochs
    are numbered from 1: the ``i``-th entry of each curve is drawn at
    ``x = i + 1``.

    It is recommended to use :meth:`from_estimator` to create a display from a
    fitted :class:`~skmlp.MLPClassifier`. All parameters are stored as
    attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss of each epoch, e.g. ``MLPClassifier.loss_curve_``.

    validation_scores : array-like of shape (n_validation_epochs,), default=None
        Score (accuracy) on the held-out validation set after each epoch, e.g.
        ``MLPClassifier.validation_scores_`` (present with
        ``early_stopping=True``). Not drawn when None or empty.

    validation_loss_curve : array-like of shape (n_validation_epochs,), default=None
        Loss on the held-out validation set after each epoch, e.g.
        ``MLPClassifier.validation_loss_curve_``. Not drawn when None or
        empty.

    estimator_name : str, default=None
        Name of the estimator, used as the title of the axes. No title when
        None.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss curve.

    lines_ : dict of str to matplotlib Line2D
        Every curve drawn, under the keys ``"loss"`` (always),
        ``"validation_loss"`` and ``"validation_score"`` (only when that curve
        was given).

    ax_ : matplotlib Axes
        Axes with the loss curves.

    ax2_ : matplotlib Axes or None
        Twin axes (sharing the x-axis of ``ax_``) with the validation score,
        or None when ``validation_scores`` is None or empty.

    legend_ : matplotlib Legend
        Legend listing the curves of both axes; it belongs to ``ax2_`` if
        there is one (so that it is drawn on top), else to ``ax_``.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    WeightImageDisplay : First-layer weights drawn as images.

    Notes
    -----
    A model trained only by :meth:`~skmlp.MLPClassifier.partial_fit` has no
    epoch curve: each call is one optimizer step on the rows it is given,
    there are no epochs, and ``partial_fit`` does not append to
    ``loss_curve_`` (so that an endless stream of calls runs in constant
    memory). :meth:`from_estimator` raises a ValueError that says so. To
    follow such a model, record ``loss_`` (the loss of the step just taken)
    after each call and draw the list, labelling the x-axis as steps:

    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> stream = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    >>> losses = []
    >>> for rows in np.array_split(np.arange(len(X)), 20):
    ...     losses.append(stream.partial_fit(X[rows] / 16, y[rows],
    ...                                      classes=np.arange(10)).loss_)
    >>> display = LossCurveDisplay(losses).plot()
    >>> _ = display.ax_.set_xlabel("partial_fit call")
    >>> len(display.line_.get_xdata())
    20

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPClassifier
    >>> from skmlp.plotting import LossCurveDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> display.line_.get_xdata().tolist()
    [1, 2, 3, 4, 5]
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('Epoch', 'Loss')
    >>> display.ax2_ is None  # no validation curves without early_stopping
    True

    The display can also be built from the curves themselves:

    >>> display = LossCurveDisplay([0.9, 0.5, 0.4], validation_scores=[0.7, 0.8, 0.85])
    >>> display = display.plot()
    >>> sorted(display.lines_)
    ['loss', 'validation_score']
    >>> plt.close("all")
    """

    def __init__(self, loss_curve, *, validation_scores=None, validation_loss_curve=None,
                 estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, validation_loss_kw=None, validation_score_kw=None,
             **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into. If None, a new figure and axes are created.
            The validation score, if any, goes to a new twin axes of ``ax``.

        name : str, default=None
            Title of the axes. If None, ``estimator_name`` is used (no title if
            that is None too).

        validation_loss_kw : dict, default=None
            Keyword arguments for the :meth:`~matplotlib.axes.Axes.plot` call
            that draws the validation loss.

        validation_score_kw : dict, default=None
            Keyword arguments for the :meth:`~matplotlib.axes.Axes.plot` call
            that draws the validation score.

        **kwargs : dict
            Keyword arguments for the :meth:`~matplotlib.axes.Axes.plot` call
            that draws the training loss.

        Returns
        -------
        display : LossCurveDisplay
            The display itself, with the attributes ``line_``, ``lines_``,
            ``ax_``, ``ax2_``, ``legend_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        loss_curve = _as_curve(self.loss_curve, "loss_curve")
        if loss_curve is None:
            raise ValueError("loss_curve is empty: there is no epoch to plot.")
        validation_loss = _as_curve(self.validation_loss_curve, "validation_loss_curve")
        validation_scores = _as_curve(self.validation_scores, "validation_scores")
        name = self.estimator_name if name is None else name

        if ax is None:
            _, ax = plt.subplots()

        def epochs(curve):
            return np.arange(1, curve.size + 1)

        lines = {}
        (lines["loss"],) = ax.plot(epochs(loss_curve), loss_curve,
                                   **{"label": "Training loss", **kwargs})
        if validation_loss is not None:
            style = {"label": "Validation loss", "linestyle": "--", **(validation_loss_kw or {})}
            (lines["validation_loss"],) = ax.plot(epochs(validation_loss), validation_loss,
                                                  **style)
        ax2 = None
        if validation_scores is not None:
            ax2 = ax.twinx()
            style = {"label": "Validation score", "color": "tab:green", "linestyle": ":",
                     **(validation_score_kw or {})}
            (lines["validation_score"],) = ax2.plot(epochs(validation_scores),
                                                    validation_scores, **style)
            ax2.set_ylabel("Validation score")

        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss")
        if name is not None:
            ax.set_title(name)
        # The legend goes on the top axes, lest the twin axes hide it. Its "best"
        # location would only avoid that axes' own line, but a falling loss and a
        # rising score leave the middle right free.
        line_list = list(lines.values())
        self.legend_ = (ax if ax2 is None else ax2).legend(
            line_list, [line.get_label() for line in line_list],
            loc="best" if ax2 is None else "center right")

        self.line_ = lines["loss"]
        self.lines_ = lines
        self.ax_ = ax
        self.ax2_ = ax2
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, validation_loss_kw=None,
                       validation_score_kw=None, **kwargs):
        """Plot the loss curve(s) of a fitted estimator.

        Reads ``estimator.loss_curve_`` and, when the estimator has them
        (:class:`~skmlp.MLPClassifier` with ``early_stopping=True``),
        ``validation_scores_`` and ``validation_loss_curve_``.

        Parameters
        ----------
        estimator : fitted estimator
            An estimator with a ``loss_curve_`` attribute, such as a fitted
            :class:`~skmlp.MLPClassifier`.

        ax : matplotlib Axes, default=None
            Axes to draw into. If None, a new figure and axes are created.

        name : str, default=None
            Title of the axes. If None, the class name of the estimator.

        validation_loss_kw : dict, default=None
            Keyword arguments for the plot call of the validation loss.

        validation_score_kw : dict, default=None
            Keyword arguments for the plot call of the validation score.

        **kwargs : dict
            Keyword arguments for the plot call of the training loss.

        Returns
        -------
        display : LossCurveDisplay
            The display, already drawn.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.

        ValueError
            If ``loss_curve_`` is empty, as for a model trained only by
            ``partial_fit`` (see the Notes of :class:`LossCurveDisplay`).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPClassifier
        >>> from skmlp.plotting import LossCurveDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
        >>> fig, ax = plt.subplots()
        >>> display = LossCurveDisplay.from_estimator(clf, ax=ax, color="black")
        >>> display.ax_ is ax
        True
        >>> plt.close(fig)
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        loss_curve = getattr(estimator, "loss_curve_", None)
        if loss_curve is None:
            raise AttributeError(
                f"{type(estimator).__name__} has no loss_curve_ attribute: there is no "
                "training loss to plot."
            )
        if len(loss_curve) == 0:
            raise ValueError(_no_epoch_curve_message(estimator))
        display = cls(
            loss_curve,
            validation_scores=getattr(estimator, "validation_scores_", None),
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, validation_loss_kw=validation_loss_kw,
                            validation_score_kw=validation_score_kw, **kwargs)


class WeightImageDisplay:
    """First-layer weights of each hidden unit drawn as an image.

    Column ``k`` of ``coefs`` (the incoming weights of hidden unit ``k``, one
    per input feature) is reshaped in row-major (C) order to ``image_shape``
    and drawn with :meth:`~matplotlib.axes.Axes.imshow` in its own subplot,
    titled ``"unit k"`` (``k`` counts from 0, as the columns of ``coefs``).
    The subplots form a grid of ``n_cols`` columns, filled row by row.

    All images share one colour scale, symmetric about 0: from ``-vmax`` to
    ``vmax``, where ``vmax`` is the largest absolute weight among the units
    drawn (unless set in :meth:`plot`). So the colours of different units are
    comparable, white (with the default ``"RdBu_r"``) means a weight of 0, and
    one colour bar serves all images.

    It is recommended to use :meth:`from_estimator` to create a display from a
    fitted :class:`~skmlp.MLPClassifier`. All parameters are stored as
    attributes.

    Parameters
    ----------
    coefs : array-like of shape (n_features, n_units)
        Weight matrix from the input layer to the first hidden layer, e.g.
        ``MLPClassifier.coefs_[0]``; each column is drawn as one image.

    image_shape : tuple of int (height, width), default=None
        Shape of one image; ``height * width`` must equal ``n_features``.
        If None, the images are square: ``(8, 8)`` for the 64 pixels of
        :func:`sklearn.datasets.load_digits`, ``(28, 28)`` for the 784 of
        MNIST; other numbers of features that are not a perfect square
        raise a ValueError that asks for ``image_shape``.

    n_cols : int, default=None
        Number of columns of the grid of subplots. If None,
        ``ceil(sqrt(n_units))``.

    cmap : str or matplotlib Colormap, default="RdBu_r"
        Colour map; a diverging one suits a scale centred at 0.

    Attributes
    ----------
    images_ : ndarray of shape (n_units,), dtype=object
        The matplotlib AxesImage of each unit; ``images_[k].get_array()`` is
        ``coefs[:, k].reshape(image_shape)``.

    axes_ : ndarray of shape (n_rows, n_cols), dtype=object
        The grid of matplotlib Axes; ``axes_.flat[k]`` shows unit ``k``. Axes
        past the last unit are switched off.

    colorbar_ : matplotlib Colorbar or None
        The colour bar shared by all images, or None if ``colorbar=False``.

    vmax_ : float
        Upper end of the colour scale; the lower end is ``-vmax_``.

    figure_ : matplotlib Figure or SubFigure
        The figure containing the grid.

    See Also
    --------
    LossCurveDisplay : Training and validation curves of an estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from skmlp import MLPClassifier
    >>> from skmlp.plotting import WeightImageDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
    >>> display = WeightImageDisplay.from_estimator(clf)  # 64 features: 8x8 images
    >>> len(display.images_), display.axes_.shape
    (16, (4, 4))
    >>> display.images_[0].get_array().shape
    (8, 8)
    >>> display.axes_[0, 1].get_title()
    'unit 1'
    >>> plt.close("all")
    """

    def __init__(self, coefs, image_shape=None, *, n_cols=None, cmap="RdBu_r"):
        self.coefs = coefs
        self.image_shape = image_shape
        self.n_cols = n_cols
        self.cmap = cmap

    def plot(self, figure=None, *, n_cols=None, cmap=None, vmax=None, colorbar=True,
             imshow_kw=None):
        """Draw one image per unit in a grid of subplots.

        Parameters
        ----------
        figure : matplotlib Figure or SubFigure, default=None
            Figure in which to create the grid of subplots; it should have no
            axes yet (pass a :meth:`~matplotlib.figure.Figure.subfigures`
            panel to put the grid next to other plots). If None, a new figure
            is created, sized to the grid. A grid needs several axes, so there
            is no ``ax`` parameter.

        n_cols : int, default=None
            Number of columns of the grid. If None, the ``n_cols`` given to
            the constructor, and if that is None too, ``ceil(sqrt(n_units))``.

        cmap : str or matplotlib Colormap, default=None
            Colour map. If None, the ``cmap`` given to the constructor.

        vmax : float, default=None
            Upper end of the colour scale shared by all images; the lower end
            is ``-vmax``. If None, the largest absolute weight (1.0 if all
            weights are 0).

        colorbar : bool, default=True
            Whether to add a colour bar for all images.

        imshow_kw : dict, default=None
            Further keyword arguments for :meth:`~matplotlib.axes.Axes.imshow`
            (``cmap``, ``vmin`` and ``vmax`` are set by this method).

        Returns
        -------
        display : WeightImageDisplay
            The display itself, with the attributes ``images_``, ``axes_``,
            ``colorbar_``, ``vmax_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        coefs, image_shape = _check_weights(self.coefs, self.image_shape)
        n_units = coefs.shape[1]
        if n_units == 0:
            raise ValueError("coefs has no column: there is no unit to plot.")
        n_cols = self.n_cols if n_cols is None else n_cols
        if n_cols is None:
            n_cols = math.ceil(math.sqrt(n_units))
        if not isinstance(n_cols, Integral) or isinstance(n_cols, bool) or n_cols < 1:
            raise ValueError(f"n_cols must be a positive integer, got {n_cols!r}.")
        n_cols = min(int(n_cols), n_units)
        n_rows = math.ceil(n_units / n_cols)
        cmap = self.cmap if cmap is None else cmap
        if vmax is None:
            vmax = float(np.max(np.abs(coefs))) or 1.0
        elif not isinstance(vmax, Real) or not vmax > 0:
            raise ValueError(f"vmax must be a positive number, got {vmax!r}.")
        vmax = float(vmax)

        if figure is None:
            figure = plt.figure(figsize=(1.4 * n_cols + (1.0 if colorbar else 0.2),
                                         1.5 * n_rows + 0.2))
        axes = figure.subplots(n_rows, n_cols, squeeze=False)

        style = {"interpolation": "nearest", **(imshow_kw or {}),
                 "cmap": cmap, "vmin": -vmax, "vmax": vmax}
        images = np.empty(n_units, dtype=object)
        for k, ax in enumerate(axes.flat):
            if k >= n_units:
                ax.set_axis_off()
                continue
            images[k] = ax.imshow(coefs[:, k].reshape(image_shape), **style)
            ax.set_title(f"unit {k}", fontsize="small")
            ax.set_xticks([])
            ax.set_yticks([])

        self.colorbar_ = figure.colorbar(images[0], ax=axes.ravel().tolist()) if colorbar else None
        self.images_ = images
        self.axes_ = axes
        self.vmax_ = vmax
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(cls, estimator, image_shape=None, *, max_units=None, n_cols=None,
                       cmap="RdBu_r", figure=None, vmax=None, colorbar=True, imshow_kw=None):
        """Plot the first-layer weights of a fitted estimator as images.

        Parameters
        ----------
        estimator : fitted estimator
            An estimator with a ``coefs_`` attribute, such as a fitted
            :class:`~skmlp.MLPClassifier`; ``coefs_[0]``, of shape
            ``(n_features, n_units)``, is drawn.

        image_shape : tuple of int (height, width), default=None
            Shape of one image; ``height * width`` must equal the number of
            input features of the estimator. If None, square images:
            ``(8, 8)`` for 64 features, ``(28, 28)`` for 784.

        max_units : int, default=None
            Draw only the first ``max_units`` hidden units (all of them if
            None or if there are fewer).

        n_cols : int, default=None
            Number of columns of the grid. If None, ``ceil(sqrt(n_units))``.

        cmap : str or matplotlib Colormap, default="RdBu_r"
            Colour map.

        figure : matplotlib Figure or SubFigure, default=None
            Figure, without axes yet, in which to create the grid. If None, a
            new figure is created.

        vmax : float, default=None
            Upper end of the shared colour scale (lower end ``-vmax``). If
            None, the largest absolute weight of the units drawn.

        colorbar : bool, default=True
            Whether to add a colour bar.

        imshow_kw : dict, default=None
            Further keyword arguments for :meth:`~matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : WeightImageDisplay
            The display, already drawn.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.

        ValueError
            If ``height * width`` differs from the number of input features,
            or if ``image_shape`` is None and that number is not a square.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_digits
        >>> from skmlp import MLPClassifier
        >>> from skmlp.plotting import WeightImageDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
        >>> fig = plt.figure()
        >>> display = WeightImageDisplay.from_estimator(clf, (8, 8), max_units=6, n_cols=3,
        ...                                             figure=fig)
        >>> display.figure_ is fig, display.axes_.shape
        (True, (2, 3))
        >>> plt.close(fig)
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        coefs = np.asarray(estimator.coefs_[0])
        _, image_shape = _check_weights(
            coefs, image_shape,
            source=f"{type(estimator).__name__} (coefs_[0] of shape {coefs.shape})")
        if max_units is not None:
            if not isinstance(max_units, Integral) or isinstance(max_units, bool) or max_units < 1:
                raise ValueError(
                    f"max_units must be a positive integer or None, got {max_units!r}.")
            coefs = coefs[:, :max_units]
        display = cls(coefs, image_shape, n_cols=n_cols, cmap=cmap)
        return display.plot(figure=figure, vmax=vmax, colorbar=colorbar, imshow_kw=imshow_kw)
