"""lu: in-place LU decomposition without pivoting, A = L U (L unit lower, U upper, packed in A)."""


from bench.kernels._matrices import spd_matrix

NAME = "lu"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=600),
}
OUTPUTS = (0,)


def init(N):
    return (spd_matrix(N),)


def kernel_numpy(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] -= A[i, :j] @ A[:j, j]
            A[i, j] /= A[j, j]
        A[i, i:] -= A[i, :i] @ A[:i, i:]


def kernel_reference(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
            A[i, j] /= A[j, j]
        for j in range(i, N):
            for k in range(i):
                A[i, j] -= A[i, k] * A[k, j]
