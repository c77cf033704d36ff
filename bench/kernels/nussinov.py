"""nussinov: Nussinov's dynamic program for RNA folding, table[i, j] = the most base pairs
(0-3 and 1-2 pair) a nested folding of seq[i..j] can make."""

import numpy as np

NAME = "nussinov"
SIZES = {
    "test": dict(N=8),
    "S": dict(N=90),
    "M": dict(N=200),
}
OUTPUTS = ()


def init(N):
    seq = ((np.arange(N) + 1) % 4).astype(np.int32)
    return N, seq


def kernel_numpy(N, seq):
    table = np.zeros((N, N), dtype=np.int32)
    for i in range(N - 2, -1, -1):
        for j in range(i + 1, N):
            # i unpaired, j unpaired, or i paired with j around table[i + 1, j - 1].
            best = max(table[i, j - 1], table[i + 1, j])
            inner = table[i + 1, j - 1]
            if i < j - 1:
                if seq[i] + seq[j] == 3:
                    inner += 1
                # Split into [i, k] and [k + 1, j], for every k strictly between.
                best = max(best, np.max(table[i, i + 1:j] + table[i + 2:j + 1, j]))
            table[i, j] = max(best, inner)
    return table


def kernel_reference(N, seq):
    table = np.zeros((N, N), dtype=np.int32)
    for i in range(N - 1, -1, -1):
        for j in range(i + 1, N):
            if j - 1 >= 0:
                table[i, j] = max(table[i, j], table[i, j - 1])
            if i + 1 < N:
                table[i, j] = max(table[i, j], table[i + 1, j])
            if j - 1 >= 0 and i + 1 < N:
                if i < j - 1:
                    match = 1 if seq[i] + seq[j] == 3 else 0
                    table[i, j] = max(table[i, j], table[i + 1, j - 1] + match)
                else:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1])
            for k in range(i + 1, j):
                table[i, j] = max(table[i, j], table[i, k] + table[k + 1, j])
    return table


def kernel_jax(N, seq):
    import jax.numpy as jnp
    from jax import lax

    idx = jnp.arange(N)

    def cell(j, carry):
        i, table = carry
        best = jnp.maximum(table[i, j - 1], table[i + 1, j])
        pair = jnp.where((i < j - 1) & (seq[i] + seq[j] == 3), 1, 0).astype(table.dtype)
        best = jnp.maximum(best, table[i + 1, j - 1] + pair)
        # below[k] = table[k + 1, j]; the splits are i < k < j.
        below = jnp.concatenate((table[1:, j], jnp.zeros(1, table.dtype)))
        splits = jnp.where((idx > i) & (idx < j), table[i] + below, 0)
        return i, table.at[i, j].set(jnp.maximum(best, jnp.max(splits)))

    def row(t, table):
        i = N - 2 - t
        return lax.fori_loop(i + 1, N, cell, (i, table))[1]

    return lax.fori_loop(0, N - 1, row, jnp.zeros((N, N), dtype=jnp.int32))
