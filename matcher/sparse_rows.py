"""Rows of sparse matrices, fast: a few rows taken, and the dot products of paired rows, with no Python
loop over pairs (blocks of pairs repeat their rows, so products are taken per distinct row)."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

FEW_ROWS = 4  # a side of a pair block with this few distinct rows is made dense (see rowwise_dot)
SPARSE_PAIRS = 0.02  # below this share of all row combinations, pairs are multiplied one by one
SMALL_SIDE = 8  # a block with this few rows on one side is multiplied without BLAS


def take_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """``matrix[rows]`` for a few rows (the same entries in the same order), without the general
    fancy-indexing machinery of scipy, whose checks cost more than copying a handful of rows."""
    rows = np.asarray(rows)
    if rows.ndim != 1 or rows.dtype.kind not in "iu" or len(rows) > SMALL_SIDE or not sp.isspmatrix_csr(matrix):
        return matrix[rows]
    rows = np.where(rows < 0, rows + matrix.shape[0], rows)
    if len(rows) and (rows.min() < 0 or rows.max() >= matrix.shape[0]):
        return matrix[rows]  # scipy raises the usual IndexError
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    lengths = ends - starts
    indptr = np.zeros(len(rows) + 1, dtype=matrix.indptr.dtype)
    np.cumsum(lengths, out=indptr[1:])
    picks = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1], dtype=matrix.indptr.dtype)
    return sp.csr_matrix(
        (matrix.data[picks], matrix.indices[picks], indptr), shape=(len(rows), matrix.shape[1]), copy=False
    )


def rowwise_dot(
    a: sp.csr_matrix, b: sp.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray, block: int = 512
) -> np.ndarray:
    """``a[rows_a[i]] · b[rows_b[i]]`` for every i.

    Pairs are grouped by distinct ``a`` rows; each group of up to ``block`` rows
    meets its distinct ``b`` rows in one sparse product, from which the pairs
    are gathered. This beats gathering one row per pair when rows repeat, as
    they do in blocks of pairs (one seeker × many openings, and the reverse).
    """
    out = np.zeros(len(rows_a), dtype=np.float32)
    if len(rows_a) == 0:
        return out
    unique_a, inverse_a = np.unique(rows_a, return_inverse=True)
    if len(unique_a) <= FEW_ROWS:  # one seeker against a shortlist of openings
        return _dot_few(b, rows_b, take_rows(a, unique_a), inverse_a)
    unique_b, inverse_b = np.unique(rows_b, return_inverse=True)
    if len(unique_b) <= FEW_ROWS:  # one opening against a shortlist of seekers
        return _dot_few(a, rows_a, take_rows(b, unique_b), inverse_b)
    if len(rows_a) < SPARSE_PAIRS * len(unique_a) * len(np.unique(rows_b)):
        # Few pairs among many rows (sampled training pairs): products would compute mostly unused cells.
        return np.asarray(a[rows_a].multiply(b[rows_b]).sum(axis=1), dtype=np.float32).ravel()
    order = np.argsort(inverse_a, kind="stable")
    bounds = np.searchsorted(inverse_a[order], np.arange(0, len(unique_a) + block, block))
    for chunk, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        if lo == hi:
            continue
        pairs = order[lo:hi]
        unique_b, inverse_b = np.unique(rows_b[pairs], return_inverse=True)
        first = chunk * block
        left, right = a[unique_a[first : first + block]], b[unique_b]
        # Transpose (and so convert) the smaller side: one seeker against hundreds of openings, or the reverse.
        product = (left @ right.T).toarray() if left.shape[0] >= right.shape[0] else (right @ left.T).toarray().T
        out[pairs] = product[inverse_a[pairs] - first, inverse_b]
    return out


def _dot_few(many: sp.csr_matrix, rows: np.ndarray, few: sp.csr_matrix, which: np.ndarray) -> np.ndarray:
    """``many[rows[i]] · few[which[i]]`` when ``few`` has a handful of rows: its rows are made dense and
    each pair's nonzeros of ``many`` are looked up in them, with no sparse product at all."""
    dense = few.toarray()
    starts, ends = many.indptr[rows], many.indptr[rows + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    out = np.zeros(len(rows), dtype=np.float32)
    if total == 0:
        return out
    offsets = np.cumsum(lengths) - lengths
    positions = np.repeat(starts - offsets, lengths) + np.arange(total)
    pair = np.repeat(np.arange(len(rows)), lengths)
    terms = (many.data[positions] * dense[which[pair], many.indices[positions]]).astype(np.float32, copy=False)
    common = terms != 0
    # One term at a time in index order, in float32: the very sums a sparse product makes, to the last bit.
    np.add.at(out, pair[common], terms[common])
    return out
