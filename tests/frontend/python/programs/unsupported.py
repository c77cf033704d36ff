"""Functions the frontend must reject, each using exactly one unsupported construct.

Each function carries ``# expect: <Construct> at line-offset L col C``: the construct's line
relative to the ``def`` line (which is offset 0) and its 0-based column, i.e. the
``lineno - def.lineno`` and ``col_offset`` of the offending AST node (the node kind for each
construct name is in ``EXPECTED_NODE``).  Not all of these run under NumPy.
"""

import numpy as np

counter = 0

# Construct name -> the ast node class found at the expected position.
EXPECTED_NODE = {
    "ClassDef": "ClassDef",
    "Try": "Try",
    "Yield": "Yield",
    "Recursion": "Call",
    "ListOfArrays": "List",
    "Dict": "Dict",
    "Lambda": "Lambda",
    "With": "With",
    "Global": "Global",
    "StringOp": "JoinedStr",
    "UnsupportedCall": "Call",
    "FancyIndexList": "List",
    "StarArgs": "Starred",
    "NestedFunctionDef": "FunctionDef",
    "AsyncFunctionDef": "AsyncFunctionDef",
    "KwArgs": "arg",
    "ListComprehension": "ListComp",
    "Delete": "Delete",
    "SetLiteral": "Set",
}


# expect: ClassDef at line-offset 1 col 4
def uses_class(A):
    class Box:
        pass

    return A * 2.0


# expect: Try at line-offset 1 col 4
def uses_try(A):
    try:
        B = A / A[0]
    except ZeroDivisionError:
        B = A
    return B


# expect: Yield at line-offset 2 col 8
def uses_yield(A):
    for i in range(A.shape[0]):
        yield A[i]


# expect: Recursion at line-offset 3 col 11
def uses_recursion(x, n):
    if n <= 0:
        return x
    return uses_recursion(x * 0.5, n - 1)


# expect: ListOfArrays at line-offset 1 col 12
def uses_list_of_arrays(A, B):
    parts = [A, B]
    return parts[0] + parts[1]


# expect: Dict at line-offset 1 col 12
def uses_dict(A):
    table = {"a": A, "b": A * 2.0}
    return table["a"]


# expect: Lambda at line-offset 1 col 8
def uses_lambda(A):
    f = lambda v: v * 2.0  # noqa: E731
    return f(A)


# expect: With at line-offset 1 col 4
def uses_with(A):
    with np.errstate(divide="ignore"):
        B = 1.0 / A
    return B


# expect: Global at line-offset 1 col 4
def uses_global_mutation(A):
    global counter
    counter += 1
    return A + counter


# expect: StringOp at line-offset 1 col 12
def uses_string_ops(A):
    label = f"sum={A.sum()}"
    return A, label.upper()


# expect: UnsupportedCall at line-offset 1 col 11
def uses_linalg_eig(A):
    return np.linalg.eigvals(A) @ A


# expect: FancyIndexList at line-offset 1 col 13
def uses_fancy_index_list(A):
    return A[[0, 2, 1], :]


# expect: StarArgs at line-offset 2 col 22
def uses_star_args(A, B):
    pair = (A, B)
    return np.maximum(*pair)


# expect: NestedFunctionDef at line-offset 1 col 4
def uses_nested_def(A):
    def inner(v):
        return v * 2.0

    return inner(A)


# expect: AsyncFunctionDef at line-offset 0 col 0
async def uses_async(A):
    return A * 2.0


# expect: KwArgs at line-offset 0 col 21
def uses_kwargs(A, **options):
    return A * 2.0


# expect: ListComprehension at line-offset 1 col 11
def uses_list_comprehension(A):
    return [A[i].sum() for i in range(A.shape[0])]


# expect: Delete at line-offset 2 col 4
def uses_del(A):
    B = A * 2.0
    del B
    return A


# expect: SetLiteral at line-offset 1 col 11
def uses_set(A):
    seen = {A.shape[0], A.shape[1]}
    return len(seen)
