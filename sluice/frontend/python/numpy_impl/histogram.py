"""np.histogram with a number of equal bins, in the Python sluice compiles (see the package).

NumPy's fast path for equal bins, element by element and in its types: the range is the
data's min and max (or the `range=` given), widened by 0.5 each way when they are equal;
the edges are `linspace(first, last, bins + 1)` in the data's type; a value's bin is
`int((v - first) / (last - first) * bins)`, moved down one where `v` lies below its bin's
lower edge and up one where it reaches the next edge (but never past the last bin). Weights
are summed in float64 (as `np.bincount` does) and rounded to the weights' type once per
block of 65,536 values, as NumPy's loop over blocks does, so the sums agree bit for bit.
"""

import numpy as np

from sluice.frontend.python.numpy_impl.intrinsics import require

BLOCK = 65536  # NumPy's block of values (the weighted sums round to their type per block)


def edges_of(x, bins, lo, hi, zero, diff_type, has_range):
    """(first, last, edges, denominator): `zero` is 0 of the data's type (the edges' type),
    `diff_type` the type of `last - first` (float64 for a range of Python numbers, as NumPy's
    `_unsigned_subtract` gives)."""
    if has_range:
        require(lo <= hi, "max must be larger than min in range parameter.")
        require(np.isfinite(lo) & np.isfinite(hi), "supplied range is not finite")
        first = lo
        last = hi
        if first == last:
            first = first - 0.5
            last = last + 0.5
        edges = np.linspace(first, last, bins + 1, dtype=zero.dtype)
    else:
        # no data: NumPy's range is the Python ints 0 and 1 (edges computed in float64)
        first = zero
        last = zero + 1
        edges = np.linspace(0, 1, bins + 1, dtype=zero.dtype)
        if x.shape[0] > 0:
            first = np.min(x)
            last = np.max(x)
            require(np.isfinite(first) & np.isfinite(last), "autodetected range is not finite")
            if first == last:
                first = first - 0.5
                last = last + 0.5
            edges = np.linspace(first, last, bins + 1, dtype=zero.dtype)
    require(np.all(edges[:-1] < edges[1:]),
            "Too many bins for data range. Cannot create that many finite-sized bins.")
    return first, last, edges, np.subtract(last, first, dtype=diff_type)


def bin_of(v, first, denom, edges, bins):
    """The bin of a value inside the range."""
    k = int(((v - first) / denom) * bins)
    if k == bins:
        k = bins - 1
    if v < edges[k]:
        k = k - 1
    elif (v >= edges[k + 1]) & (k != bins - 1):
        k = k + 1
    return k


def histogram(x, bins, lo, hi, zero, diff_type, has_range, density):
    """x: the data, raveled."""
    first, last, edges, denom = edges_of(x, bins, lo, hi, zero, diff_type, has_range)
    counts = np.zeros(bins, np.int64)
    for i in range(x.shape[0]):
        v = x[i]
        if (v >= first) & (v <= last):
            counts[bin_of(v, first, denom, edges, bins)] += 1
    if density:
        return counts / (edges[1:] - edges[:-1]).astype(np.float64) / np.sum(counts), edges
    return counts, edges


def weighted_histogram(x, w, bins, lo, hi, zero, diff_type, has_range, density):
    """x, w: the data and its weights, raveled."""
    first, last, edges, denom = edges_of(x, bins, lo, hi, zero, diff_type, has_range)
    sums = np.zeros(bins, w.dtype)
    n = x.shape[0]
    for start in range(0, n, BLOCK):
        block = np.zeros(bins)
        for i in range(start, min(start + BLOCK, n)):
            v = x[i]
            if (v >= first) & (v <= last):
                block[bin_of(v, first, denom, edges, bins)] += w[i]
        sums += block.astype(sums.dtype)
    if density:
        return sums / (edges[1:] - edges[:-1]).astype(np.float64) / np.sum(sums), edges
    return sums, edges


# --- integer data -----------------------------------------------------------------------------
# NumPy bins integers in float64 (the edges' type for integer data), but takes the range's
# width `last - first` in unsigned integers where both ends are integers (`_unsigned_subtract`:
# exact, however wide), and tests whether a value is in the range before converting it.

def int_edges_of(x, bins, lo, hi, has_range, int_range):
    """(first, edges, denominator) in float64 for integer data `x`; `int_range`: the range's
    ends (given, or the data's) are integers; without a range, `lo` and `hi` are 0 and 1 in
    the data's type (NumPy's range of no data: the same values)."""
    if has_range:
        require(lo <= hi, "max must be larger than min in range parameter.")
        first_i = lo
        last_i = hi
    else:
        first_i = lo
        last_i = hi
        if x.shape[0] > 0:
            first_i = np.min(x)
            last_i = np.max(x)
    first = np.float64(first_i)
    last = np.float64(last_i)
    if int_range:
        denom = np.float64(np.int64(last_i).astype(np.uint64)
                           - np.int64(first_i).astype(np.uint64))
    else:
        denom = last - first
    if first_i == last_i:
        first = first - 0.5
        last = last + 0.5
        denom = last - first
    edges = np.linspace(first, last, bins + 1)
    require(np.all(edges[:-1] < edges[1:]),
            "Too many bins for data range. Cannot create that many finite-sized bins.")
    return first, edges, denom


def int_histogram(x, bins, lo, hi, has_range, int_range, density):
    """x: the integer data, raveled; a value outside a given range [lo, hi] is left out."""
    first, edges, denom = int_edges_of(x, bins, lo, hi, has_range, int_range)
    counts = np.zeros(bins, np.int64)
    for i in range(x.shape[0]):
        v = x[i]
        if (v >= lo) & (v <= hi) | (not has_range):
            counts[bin_of(np.float64(v), first, denom, edges, bins)] += 1
    if density:
        return counts / (edges[1:] - edges[:-1]) / np.sum(counts), edges
    return counts, edges


def weighted_int_histogram(x, w, bins, lo, hi, has_range, int_range, density):
    """x, w: the integer data and its weights, raveled."""
    first, edges, denom = int_edges_of(x, bins, lo, hi, has_range, int_range)
    sums = np.zeros(bins, w.dtype)
    n = x.shape[0]
    for start in range(0, n, BLOCK):
        block = np.zeros(bins)
        for i in range(start, min(start + BLOCK, n)):
            v = x[i]
            if (v >= lo) & (v <= hi) | (not has_range):
                block[bin_of(np.float64(v), first, denom, edges, bins)] += w[i]
        sums += block.astype(sums.dtype)
    if density:
        return sums / (edges[1:] - edges[:-1]) / np.sum(sums), edges
    return sums, edges
