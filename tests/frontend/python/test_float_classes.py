"""np.isnan, np.isinf and np.isfinite of every type, against NumPy on both targets."""

import numpy as np

from tests.frontend.python.python_rules import agree


def classify(a, z, i, x):
    return (np.isnan(a), np.isinf(a), np.isfinite(a), np.isnan(z), np.isinf(z),
            np.isfinite(z), np.isfinite(i), np.isnan(i), np.isinf(a[0]), np.isfinite(x),
            np.isnan(2.0))


def test_classes_of_special_values():
    special = [1.0, np.nan, np.inf, -np.inf, -0.0, 3e38, 5e-324]
    z = np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf), complex(np.inf, np.nan),
                  complex(-0.0, 2)])
    for dtype in (np.float64, np.float32, np.float16):
        with np.errstate(over="ignore"):
            a = np.array(special, dtype)
        agree(classify, (a, z, np.array([1, -2], np.int8), np.inf),
              (a, z.astype(np.complex64), np.array([True]), 2.5))
