"""skmlp.plotting: LossCurveDisplay and WeightImageDisplay (matplotlib's Agg backend)."""

import importlib
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skmlp import MLPClassifier
from skmlp.plotting import LossCurveDisplay, WeightImageDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

N_HIDDEN = 10


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _fit(**params):
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(hidden_layer_sizes=(N_HIDDEN,), max_iter=6, random_state=0,
                             **params).fit(X, y)


@pytest.fixture(scope="module")
def clf():
    return _fit()


@pytest.fixture(scope="module")
def clf_early_stopping():
    est = _fit(early_stopping=True)
    if getattr(est, "validation_scores_", None) is None:
        pytest.skip("MLPClassifier(early_stopping=True) does not set validation_scores_ yet")
    return est


# ------------------------------------------------------------ LossCurveDisplay
def test_loss_curve_line_is_the_estimators_loss_curve(clf):
    display = LossCurveDisplay.from_estimator(clf)
    n = len(clf.loss_curve_)
    np.testing.assert_array_equal(display.line_.get_xdata(), np.arange(1, n + 1))
    np.testing.assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)
    assert display.lines_ == {"loss": display.line_}
    assert display.ax_.get_lines() == [display.line_]
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_title() == "MLPClassifier"
    assert display.ax_.get_xlabel() == "Epoch"


def test_no_validation_curves_without_early_stopping(clf):
    assert getattr(clf, "validation_scores_", None) is None
    display = LossCurveDisplay.from_estimator(clf)
    assert display.ax2_ is None
    assert set(display.lines_) == {"loss"}
    assert len(display.figure_.axes) == 1


@pytest.mark.parametrize("empty", [None, []])
def test_none_or_empty_validation_curves_are_not_drawn(empty):
    display = LossCurveDisplay([1.0, 0.5], validation_scores=empty,
                               validation_loss_curve=empty).plot()
    assert display.ax2_ is None
    assert set(display.lines_) == {"loss"}


def test_validation_curves_drawn_from_an_early_stopping_estimator(clf_early_stopping):
    est = clf_early_stopping
    display = LossCurveDisplay.from_estimator(est)
    assert set(display.lines_) == {"loss", "validation_loss", "validation_score"}
    np.testing.assert_array_equal(display.lines_["validation_loss"].get_ydata(),
                                  est.validation_loss_curve_)
    np.testing.assert_array_equal(display.lines_["validation_score"].get_ydata(),
                                  est.validation_scores_)
    assert display.lines_["validation_loss"].axes is display.ax_
    assert display.lines_["validation_score"].axes is display.ax2_


def test_validation_curves_read_from_estimator_attributes(clf):
    """from_estimator reads validation_scores_ / validation_loss_curve_ when set."""
    est = _fit()
    est.validation_scores_ = [0.2, 0.4, 0.5]
    est.validation_loss_curve_ = [2.0, 1.5, 1.2]
    display = LossCurveDisplay.from_estimator(est, name="net")
    np.testing.assert_array_equal(display.lines_["validation_score"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(display.lines_["validation_score"].get_ydata(),
                                  [0.2, 0.4, 0.5])
    np.testing.assert_array_equal(display.lines_["validation_loss"].get_ydata(),
                                  [2.0, 1.5, 1.2])
    assert display.ax2_ is not None and display.ax2_.get_ylabel() == "Validation score"
    assert display.ax_.get_title() == "net"
    # One legend, on the top axes, lists the curves of both axes.
    assert display.legend_.axes is display.ax2_
    assert [t.get_text() for t in display.legend_.get_texts()] == [
        "Training loss", "Validation loss", "Validation score"]


def test_only_validation_score_given():
    display = LossCurveDisplay([1.0, 0.5, 0.3], validation_scores=[0.5, 0.7, 0.9]).plot()
    assert set(display.lines_) == {"loss", "validation_score"}
    assert display.ax_.get_title() == ""


def test_loss_curve_draws_into_the_given_ax(clf):
    fig, (ax_left, ax_right) = plt.subplots(1, 2)
    display = LossCurveDisplay.from_estimator(clf, ax=ax_right, color="black", linewidth=3)
    assert display.ax_ is ax_right
    assert display.figure_ is fig
    assert ax_left.get_lines() == []
    assert display.line_.get_color() == "black"
    assert display.line_.get_linewidth() == 3


def test_plot_kwargs_style_the_validation_curves():
    display = LossCurveDisplay([1.0, 0.5], validation_scores=[0.5, 0.6],
                               validation_loss_curve=[1.1, 0.7])
    display.plot(validation_loss_kw={"color": "red"}, validation_score_kw={"label": "acc"})
    assert display.lines_["validation_loss"].get_color() == "red"
    assert display.lines_["validation_score"].get_label() == "acc"


def test_loss_curve_rejects_empty_or_2d_curves():
    with pytest.raises(ValueError, match="empty"):
        LossCurveDisplay([]).plot()
    with pytest.raises(ValueError, match="1-dimensional"):
        LossCurveDisplay([[1.0, 2.0]]).plot()


def test_partial_fit_only_model_explains_why_there_is_no_curve():
    X, y = load_digits(return_X_y=True)
    stream = MLPClassifier(hidden_layer_sizes=(N_HIDDEN,), random_state=0)
    for rows in np.array_split(np.arange(200), 4):
        stream.partial_fit(X[rows] / 16, y[rows], classes=np.arange(10))
    assert len(stream.loss_curve_) == 0
    with pytest.raises(ValueError, match=r"loss_curve_ is empty.*partial_fit.*one optimizer "
                                         r"step.*loss_=.*Record loss_ after each"):
        LossCurveDisplay.from_estimator(stream)
    assert plt.get_fignums() == []


def test_losses_recorded_from_partial_fit_are_drawn():
    """The recipe of the docs: record loss_ after each call and draw the list."""
    X, y = load_digits(return_X_y=True)
    stream = MLPClassifier(hidden_layer_sizes=(N_HIDDEN,), random_state=0)
    losses = [stream.partial_fit(X[rows] / 16, y[rows], classes=np.arange(10)).loss_
              for rows in np.array_split(np.arange(300), 6)]
    display = LossCurveDisplay(losses).plot()
    np.testing.assert_allclose(display.line_.get_ydata(), losses)
    assert display.line_.get_xdata().tolist() == [1, 2, 3, 4, 5, 6]


def test_loss_curve_unfitted_estimator_raises():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MLPClassifier())


# ---------------------------------------------------------- WeightImageDisplay
def test_one_image_per_hidden_unit_equal_to_the_reshaped_weights(clf):
    display = WeightImageDisplay.from_estimator(clf, (8, 8))
    W = clf.coefs_[0]
    assert len(display.images_) == N_HIDDEN
    for k, image in enumerate(display.images_):
        np.testing.assert_array_equal(image.get_array(), W[:, k].reshape(8, 8))
        assert image.axes is display.axes_.flat[k]
        assert image.axes.get_title() == f"unit {k}"
        assert image.axes.get_xticks().size == 0 and image.axes.get_yticks().size == 0
    # 10 units: ceil(sqrt(10)) = 4 columns, 3 rows; the two extra axes are off.
    assert display.axes_.shape == (3, 4)
    assert [ax.axison for ax in display.axes_.flat[N_HIDDEN:]] == [False, False]
    assert display.figure_ is display.axes_[0, 0].figure


def test_colour_scale_is_shared_and_symmetric(clf):
    display = WeightImageDisplay.from_estimator(clf, (8, 8))
    vmax = np.max(np.abs(clf.coefs_[0]))
    assert display.vmax_ == pytest.approx(vmax)
    for image in display.images_:
        vmin, vmax_k = image.get_clim()
        assert vmin == -vmax_k
        assert vmax_k == pytest.approx(vmax)
    assert display.colorbar_ is not None
    assert display.images_[0].get_cmap().name == "RdBu_r"


def test_max_units_n_cols_and_explicit_vmax(clf):
    display = WeightImageDisplay.from_estimator(clf, (8, 8), max_units=3, n_cols=2,
                                                cmap="gray", vmax=2.5, colorbar=False)
    assert len(display.images_) == 3
    assert display.axes_.shape == (2, 2)
    assert display.colorbar_ is None
    assert all(im.get_clim() == (-2.5, 2.5) for im in display.images_)
    assert display.images_[0].get_cmap().name == "gray"
    # max_units larger than the number of units draws them all.
    display = WeightImageDisplay.from_estimator(clf, (8, 8), max_units=100)
    assert len(display.images_) == N_HIDDEN


def test_weight_images_draw_into_the_given_figure(clf):
    fig = plt.figure()
    display = WeightImageDisplay.from_estimator(clf, (8, 8), figure=fig, colorbar=False)
    assert display.figure_ is fig
    assert len(fig.axes) == display.axes_.size


def test_weight_images_draw_into_a_subfigure(clf):
    fig = plt.figure()
    left, right = fig.subfigures(1, 2)
    display = WeightImageDisplay.from_estimator(clf, (8, 8), figure=right)
    assert display.figure_ is right
    assert all(ax.figure is right for ax in display.axes_.flat)
    assert left.axes == []


def test_display_from_an_array_with_constructor_options():
    coefs = np.arange(12.0).reshape(6, 2) - 6
    display = WeightImageDisplay(coefs, (2, 3), n_cols=1, cmap="viridis").plot()
    assert display.axes_.shape == (2, 1)
    np.testing.assert_array_equal(display.images_[1].get_array(), coefs[:, 1].reshape(2, 3))
    assert display.vmax_ == 6.0
    assert display.images_[0].get_cmap().name == "viridis"
    # plot() arguments override the constructor's.
    display.plot(n_cols=2, cmap="gray")
    assert display.axes_.shape == (1, 2)
    assert display.images_[0].get_cmap().name == "gray"


def test_all_zero_weights_get_a_nonzero_scale():
    display = WeightImageDisplay(np.zeros((4, 2)), (2, 2)).plot()
    assert display.images_[0].get_clim() == (-1.0, 1.0)


def test_wrong_image_shape_names_both_numbers(clf):
    with pytest.raises(ValueError, match=r"image_shape=\(8, 9\) has 72 pixels.*n_features=64"):
        WeightImageDisplay.from_estimator(clf, (8, 9))
    assert plt.get_fignums() == []  # the check comes before any figure is created
    with pytest.raises(ValueError, match="72 pixels.*n_features=64"):
        WeightImageDisplay(clf.coefs_[0], (9, 8)).plot()


@pytest.mark.parametrize("n_features, side", [(64, 8), (784, 28), (1, 1)])
def test_square_image_shape_is_inferred(n_features, side):
    rng = np.random.default_rng(0)
    coefs = rng.normal(size=(n_features, 3))
    display = WeightImageDisplay(coefs).plot()
    assert display.images_[0].get_array().shape == (side, side)
    np.testing.assert_array_equal(display.images_[2].get_array(),
                                  coefs[:, 2].reshape(side, side))


def test_square_image_shape_inferred_from_estimator(clf):
    display = WeightImageDisplay.from_estimator(clf)
    assert display.image_shape == (8, 8)
    np.testing.assert_array_equal(display.images_[1].get_array(),
                                  clf.coefs_[0][:, 1].reshape(8, 8))


def test_non_square_features_ask_for_image_shape():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X[:, :60], y)
    with pytest.raises(ValueError, match=r"image_shape=None.*n_features=60.*not a square.*"
                                         r"image_shape=\(height, width\)"):
        WeightImageDisplay.from_estimator(clf)
    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match="n_features=60"):
        WeightImageDisplay(clf.coefs_[0]).plot()
    display = WeightImageDisplay.from_estimator(clf, (6, 10))  # explicit shape still works
    assert display.images_[0].get_array().shape == (6, 10)


@pytest.mark.parametrize("image_shape", [(64,), (4, 4, 4), (8, -8), (8.0, 8), 64])
def test_malformed_image_shape(clf, image_shape):
    with pytest.raises(ValueError, match="image_shape must be a pair of positive integers"):
        WeightImageDisplay.from_estimator(clf, image_shape)


@pytest.mark.parametrize("params, match", [
    ({"max_units": 0}, "max_units"),
    ({"n_cols": 0}, "n_cols"),
    ({"vmax": -1.0}, "vmax"),
])
def test_invalid_grid_parameters(clf, params, match):
    with pytest.raises(ValueError, match=match):
        WeightImageDisplay.from_estimator(clf, (8, 8), **params)


def test_weight_images_unfitted_estimator_raises():
    with pytest.raises(NotFittedError):
        WeightImageDisplay.from_estimator(MLPClassifier(), (8, 8))


# ------------------------------------------------------- optional dependency
@pytest.mark.parametrize("draw", [
    lambda clf: LossCurveDisplay([1.0, 0.5]).plot(),
    lambda clf: LossCurveDisplay.from_estimator(clf),
    lambda clf: WeightImageDisplay(np.ones((4, 2)), (2, 2)).plot(),
    lambda clf: WeightImageDisplay.from_estimator(clf, (8, 8)),
], ids=["loss.plot", "loss.from_estimator", "weights.plot", "weights.from_estimator"])
def test_missing_matplotlib_gives_install_hint(monkeypatch, clf, draw):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError,
                       match=r'requires matplotlib.*pip install matplotlib.*pip install "\.\[plot\]"'):
        draw(clf)


def test_module_imports_without_matplotlib(monkeypatch):
    """skmlp.plotting itself does not import matplotlib at module level."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    import skmlp

    monkeypatch.setattr(skmlp, "plotting", sys.modules["skmlp.plotting"])
    monkeypatch.delitem(sys.modules, "skmlp.plotting")
    module = importlib.import_module("skmlp.plotting")
    assert module.__all__ == ["LossCurveDisplay", "WeightImageDisplay"]
