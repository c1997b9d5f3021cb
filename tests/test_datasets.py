"""skmlp.datasets.load_mnist: the real files when present, and tiny IDX files
written here for everything it must refuse."""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from skmlp.datasets import MNIST_FILES, load_mnist

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
# From the README of the shared copy: training images of each digit 0-9.
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _idx_bytes(array):
    """The IDX encoding of a uint8 array: magic number, sizes, data."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def _write(path, payload, compress=True):
    path.write_bytes(gzip.compress(payload) if compress else payload)


def _write_mnist(directory, n_train=6, n_test=4, seed=0):
    """Four small valid files; returns the arrays written."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        images_name, labels_name = MNIST_FILES[split]
        _write(directory / images_name, _idx_bytes(images))
        _write(directory / labels_name, _idx_bytes(labels))
        arrays[split] = images, labels
    return arrays


@pytest.mark.skipif(not SHARED_MNIST.is_dir(),
                    reason=f"the MNIST files are not at {SHARED_MNIST} (the shared data folder "
                           "next to the repository)")
def test_reads_the_standard_split_of_the_shared_files():
    X_train, X_test, y_train, y_test = load_mnist(SHARED_MNIST)
    assert X_train.shape == (60_000, 784) and X_test.shape == (10_000, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert np.bincount(y_train).tolist() == TRAIN_LABEL_COUNTS
    assert np.bincount(y_test, minlength=10).sum() == 10_000


def test_pixels_scaled_and_first_rows_kept(tmp_path):
    arrays = _write_mnist(tmp_path)
    X_train, X_test, y_train, y_test = load_mnist(tmp_path, dtype=np.float64, n_train=5)
    images, labels = arrays["train"]
    assert X_train.dtype == np.float64 and X_train.shape == (5, 784)
    np.testing.assert_allclose(X_train, images[:5].reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(y_train, labels[:5])
    np.testing.assert_array_equal(y_test, arrays["test"][1])
    assert X_test.shape == (4, 784)


@pytest.mark.parametrize("name", [name for pair in MNIST_FILES.values() for name in pair])
def test_missing_file_is_named(tmp_path, name):
    _write_mnist(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(FileNotFoundError, match=f"MNIST files not found in .*: missing {name}"):
        load_mnist(tmp_path)


def test_empty_directory_names_all_four_files(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path / "nowhere")
    for pair in MNIST_FILES.values():
        for name in pair:
            assert name in str(info.value)


def _corrupt(path, how):
    raw = gzip.decompress(path.read_bytes())
    if how == "gzip cut short":
        path.write_bytes(path.read_bytes()[:-20])
    elif how == "data cut short":
        _write(path, raw[:-1])
    elif how == "trailing bytes":
        _write(path, raw + b"\x00")
    elif how == "header cut short":
        _write(path, raw[:6])
    elif how == "wrong magic":
        _write(path, bytes([0, 0, 0x0D]) + raw[3:])  # float32 type code
    elif how == "not gzip":
        _write(path, raw, compress=False)


@pytest.mark.parametrize("how, message", [
    ("gzip cut short", "not a complete gzip file"),
    ("data cut short", "is truncated: its header declares"),
    ("trailing bytes", "has trailing bytes"),
    ("header cut short", "is truncated: 6 bytes"),
    ("wrong magic", "magic number 3331, expected 2051"),
    ("not gzip", "not a complete gzip file"),
])
def test_damaged_file_is_refused_by_name(tmp_path, how, message):
    _write_mnist(tmp_path)
    path = tmp_path / MNIST_FILES["train"][0]
    _corrupt(path, how)
    with pytest.raises(ValueError, match=message) as info:
        load_mnist(tmp_path)
    assert str(path) in str(info.value)


def test_files_that_do_not_belong_together_are_refused(tmp_path):
    _write_mnist(tmp_path)
    labels_path = tmp_path / MNIST_FILES["test"][1]
    _write(labels_path, _idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match="3 labels for the 4 images"):
        load_mnist(tmp_path)
    _write(labels_path, _idx_bytes(np.full(4, 10, np.uint8)))
    with pytest.raises(ValueError, match="the label 10"):
        load_mnist(tmp_path)


def test_images_of_another_size_are_refused(tmp_path):
    _write_mnist(tmp_path)
    _write(tmp_path / MNIST_FILES["test"][0], _idx_bytes(np.zeros((4, 8, 8), np.uint8)))
    with pytest.raises(ValueError, match=r"\(8, 8\) pixels"):
        load_mnist(tmp_path)


def test_labels_file_in_place_of_images_is_refused(tmp_path):
    _write_mnist(tmp_path)
    shutil.copy(tmp_path / MNIST_FILES["train"][1], tmp_path / MNIST_FILES["train"][0])
    with pytest.raises(ValueError, match="magic number 2049, expected 2051"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("kwargs, message", [
    (dict(dtype=np.int32), "floating-point"),
    (dict(n_train=0), "n_train must be"),
    (dict(n_train=7), "from 1 to 6"),
    (dict(n_test=2.5), "n_test must be"),
    (dict(n_test=True), "n_test must be"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    _write_mnist(tmp_path)
    with pytest.raises(ValueError, match=message):
        load_mnist(tmp_path, **kwargs)
