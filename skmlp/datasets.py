"""Reading the MNIST database of handwritten digits from its original files.

MNIST (Y. LeCun, C. Cortes, C. J. C. Burges) is the data set of the classic
introduction to neural networks: 70,000 grey-level images of 28x28 pixels,
split into 60,000 training and 10,000 test images. It is distributed as four
gzipped files in the IDX format, which :func:`load_mnist` reads from a
directory you give it. Nothing is downloaded: get the files once (see
:func:`load_mnist`) and keep them where your code can find them.

An IDX file is a big-endian header followed by raw data: a 4-byte magic
number (two zero bytes, a type code, ``0x08`` for unsigned bytes, and the
number of dimensions), then one 4-byte size per dimension, then the values
in row-major order. The image files have 3 dimensions ``(n, 28, 28)`` (magic
number 2051), the label files one, ``(n,)`` (magic number 2049).
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

__all__ = ["MNIST_FILES", "load_mnist"]

#: The four files of the standard split, by split: ``(images, labels)``.
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

_UNSIGNED_BYTE = 0x08
_IMAGE_SHAPE = (28, 28)
_N_CLASSES = 10
_WHERE_TO_GET = ("MNIST is distributed as four gzipped IDX files (train-images-idx3-ubyte.gz, "
                 "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                 "t10k-labels-idx1-ubyte.gz), e.g. from a mirror of the MNIST database; "
                 "put them in one directory and pass its path.")


def _read_idx(path, ndim):
    """The array stored in the gzipped IDX file ``path``, of ``ndim`` dimensions.

    Parameters
    ----------
    path : pathlib.Path
        A gzipped IDX file of unsigned bytes.
    ndim : int
        The number of dimensions the file must declare (1 for labels, 3 for
        images).

    Returns
    -------
    data : ndarray of uint8 of shape given by the header
        A read-only view of the file's bytes.

    Raises
    ------
    ValueError
        If the file is not gzip, is truncated, or its header does not
        describe ``ndim``-dimensional unsigned bytes of exactly the size of
        its data; the message names the file.
    """
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path} is not a complete gzip file ({exc}); "
                         "download it again.") from None
    header_size = 4 + 4 * ndim
    magic, expected_magic = int.from_bytes(raw[:4], "big"), (_UNSIGNED_BYTE << 8) | ndim
    if len(raw) >= 4 and magic != expected_magic:
        raise ValueError(f"{path} is not an IDX file of {ndim}-dimensional unsigned bytes: "
                         f"magic number {magic}, expected {expected_magic}.")
    if len(raw) < header_size:
        raise ValueError(f"{path} is truncated: {len(raw)} bytes, shorter than the "
                         f"{header_size}-byte IDX header.")
    shape = tuple(int(size) for size in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    n_data = len(raw) - header_size
    if n_data != expected:
        problem = "is truncated" if n_data < expected else "has trailing bytes"
        raise ValueError(f"{path} {problem}: its header declares shape {shape} "
                         f"({expected} bytes of data), the file holds {n_data}.")
    return np.frombuffer(raw, np.uint8, offset=header_size).reshape(shape)


def _read_split(directory, split):
    """Images (n, 784) and labels (n,) of one split, checked against each other."""
    images_name, labels_name = MNIST_FILES[split]
    images = _read_idx(directory / images_name, ndim=3)
    labels = _read_idx(directory / labels_name, ndim=1)
    if images.shape[1:] != _IMAGE_SHAPE:
        raise ValueError(f"{directory / images_name} holds images of {images.shape[1:]} "
                         f"pixels; MNIST images are {_IMAGE_SHAPE}.")
    if len(labels) != len(images):
        raise ValueError(f"{directory / labels_name} holds {len(labels)} labels for the "
                         f"{len(images)} images of {images_name}.")
    if labels.size and labels.max() >= _N_CLASSES:
        raise ValueError(f"{directory / labels_name} holds the label {labels.max()}; "
                         f"MNIST labels are 0 to {_N_CLASSES - 1}.")
    return images.reshape(len(images), -1), labels


def _n_first(n, available, name):
    """Validate ``n`` (None or an int in [1, available]) and return how many rows to keep."""
    if n is None:
        return available
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= available:
        raise ValueError(f"{name} must be None or an integer from 1 to {available}, got {n!r}.")
    return int(n)


def load_mnist(data_dir, *, dtype=np.float32, n_train=None, n_test=None):
    """Load MNIST's standard split from its four gzipped IDX files.

    Reads ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (see
    :data:`MNIST_FILES`) from ``data_dir``; nothing is downloaded. Each file's
    IDX header is checked (magic number, number of dimensions, sizes) against
    its data and its partner file, so that a truncated or damaged download is
    refused rather than read.

    Parameters
    ----------
    data_dir : str or os.PathLike
        The directory that holds the four files. MNIST is published as
        these four gzipped files by the MNIST database and its mirrors (also
        on the Hugging Face and TensorFlow data hubs, in other formats);
        download them once into one directory, keeping their names.
    dtype : numpy dtype, default=np.float32
        The floating-point type of the pixels, which are divided by 255 to
        lie in [0, 1]. skmlp trains in this precision (float32 or float64).
    n_train : int, default=None
        Keep only the first ``n_train`` training images (all 60,000 if None):
        a quick run on a subset. The first images are not sorted by digit,
        so a prefix holds every digit in about its overall share.
    n_test : int, default=None
        Keep only the first ``n_test`` test images (all 10,000 if None).

    Returns
    -------
    X_train : ndarray of shape (n_train, 784)
        Training images, one row of 28x28 pixels (row-major) per image.
    X_test : ndarray of shape (n_test, 784)
        Test images.
    y_train : ndarray of shape (n_train,) of int64
        Training labels, the digits 0 to 9.
    y_test : ndarray of shape (n_test,) of int64
        Test labels.

    The order is that of :func:`sklearn.model_selection.train_test_split`.

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` lacks any of the four files; the message starts with
        ``MNIST files not found`` and names the missing files and directory.
    ValueError
        If a file is truncated, not gzip, or not the IDX file it should be
        (the message names the file), or if ``dtype``, ``n_train`` or
        ``n_test`` is invalid.

    Notes
    -----
    The standard protocol trains on the 60,000 training images (holding out
    part of them for validation if needed) and reports accuracy on the
    10,000 test images, which are written by different people.

    Examples
    --------
    >>> from skmlp.datasets import load_mnist
    >>> X_train, X_test, y_train, y_test = load_mnist("path/to/mnist")  # doctest: +SKIP
    >>> X_train.shape, X_test.shape, X_train.dtype  # doctest: +SKIP
    ((60000, 784), (10000, 784), dtype('float32'))
    >>> float(X_train.min()), float(X_train.max())  # doctest: +SKIP
    (0.0, 1.0)

    Without the files, the error says which are missing:

    >>> load_mnist("no/such/directory")
    Traceback (most recent call last):
    ...
    FileNotFoundError: MNIST files not found in no/such/directory: ...
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dtype}.")
    directory = Path(data_dir)
    names = [name for split in ("train", "test") for name in MNIST_FILES[split]]
    missing = [name for name in names if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(f"MNIST files not found in {data_dir}: missing "
                                f"{', '.join(missing)}. {_WHERE_TO_GET}")
    (images_train, y_train), (images_test, y_test) = (
        _read_split(directory, split) for split in ("train", "test"))
    n_train = _n_first(n_train, len(y_train), "n_train")
    n_test = _n_first(n_test, len(y_test), "n_test")
    scale = dtype.type(255)
    X_train = images_train[:n_train].astype(dtype) / scale
    X_test = images_test[:n_test].astype(dtype) / scale
    return X_train, X_test, y_train[:n_train].astype(np.int64), y_test[:n_test].astype(np.int64)
