"""Solving a built model with HiGHS (highspy), passing the arrays straight through."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from snop.supply.data import FloatArray
from snop.supply.model import LpModel


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS settings. ``solver``: ``choose`` (HiGHS decides), ``simplex``, ``ipm``, ``pdlp``."""

    solver: str = "choose"
    presolve: bool = True
    time_limit: float | None = None
    mip_rel_gap: float = 1e-6
    threads: int | None = None
    simplex_strategy: int | None = None  # 1 dual, 4 primal (HiGHS codes)


@dataclass
class LpSolution:
    """Primal and dual values of one solve; ``status`` is optimal, infeasible, unbounded,
    time_limit or error (with ``message``)."""

    status: str
    objective: float
    x: FloatArray
    row_value: FloatArray
    row_dual: FloatArray
    col_dual: FloatArray
    has_duals: bool
    seconds: float
    iterations: int
    message: str = ""
    basis: Any = None  # highspy.HighsBasis, to warm-start a re-plan


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "time_limit",
}


_banner_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs``.

    HiGHS prints its banner from C++ straight to file descriptor 1 the first time a solver is
    created in a process, before any option can turn output off, so ``--json`` output would
    not parse. The first instance is therefore created with descriptor 1 pointed at the null
    device; later ones print nothing.
    """
    global _banner_done
    with _banner_lock:
        if _banner_done:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            h.setOptionValue("output_flag", False)
            return h
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            ctypes.CDLL(None).fflush(None)  # C stdio buffers, before the descriptor returns
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def make_highs(model: LpModel, options: SolveOptions | None = None) -> highspy.Highs:
    """A Highs instance holding the model (no per-variable objects: numpy arrays passed once)."""
    options = options or SolveOptions()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    if not options.presolve:
        h.setOptionValue("presolve", "off")
    if options.solver != "choose":
        h.setOptionValue("solver", options.solver)
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    if options.simplex_strategy is not None:
        h.setOptionValue("simplex_strategy", int(options.simplex_strategy))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    a = model.matrix
    if not isinstance(a, sp.csc_matrix):
        a = sp.csc_matrix(a)
    inf = highspy.kHighsInf
    status = h.passModel(
        model.num_col,
        model.num_row,
        int(a.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        float(model.offset),
        np.ascontiguousarray(model.cost, dtype=np.float64),
        np.clip(model.lb, -inf, inf),
        np.clip(model.ub, -inf, inf),
        np.clip(model.row_lo, -inf, inf),
        np.clip(model.row_hi, -inf, inf),
        a.indptr[:-1].astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        model.integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (internal error in the model build)")
    return h


def run(h: highspy.Highs, model: LpModel, basis: Any = None) -> LpSolution:
    """Solve a prepared Highs instance and read the solution back as arrays."""
    if basis is not None and _fits(basis, model):
        h.setBasis(basis)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    status = _STATUS.get(ms, "error")
    info = h.getInfo()
    n, m = model.num_col, model.num_row
    if status in ("optimal", "time_limit") and info.primal_solution_status == 2:
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        row_value = np.asarray(sol.row_value, dtype=float)
        has_duals = bool(sol.dual_valid) and not model.integer.any()
        row_dual = np.asarray(sol.row_dual, dtype=float) if has_duals else np.zeros(m)
        col_dual = np.asarray(sol.col_dual, dtype=float) if has_duals else np.zeros(n)
        objective = float(info.objective_function_value)
    else:
        x, row_value, row_dual, col_dual = np.zeros(n), np.zeros(m), np.zeros(m), np.zeros(n)
        has_duals, objective = False, float("nan")
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    basis_out = h.getBasis() if status == "optimal" and not model.integer.any() else None
    return LpSolution(
        status=status,
        objective=objective,
        x=x,
        row_value=row_value,
        row_dual=row_dual,
        col_dual=col_dual,
        has_duals=has_duals,
        seconds=seconds,
        iterations=iterations,
        message=h.modelStatusToString(ms),
        basis=basis_out,
    )


def basis_document(basis: Any) -> dict[str, list[int]] | None:
    """A basis as JSON values (None for none): each column's and row's status code."""
    if basis is None:
        return None
    return {
        "columns": [int(v) for v in basis.col_status],
        "rows": [int(v) for v in basis.row_status],
    }


def basis_from_document(doc: dict[str, list[int]] | None) -> Any:
    """The basis :func:`basis_document` wrote (None for none)."""
    if not doc:
        return None
    basis = highspy.HighsBasis()
    basis.valid = True
    basis.col_status = [highspy.HighsBasisStatus(v) for v in doc["columns"]]
    basis.row_status = [highspy.HighsBasisStatus(v) for v in doc["rows"]]
    return basis


def _fits(basis: Any, model: LpModel) -> bool:
    """A basis warm-starts only a model of its own shape (a scenario that changes the
    strategy or the whole-worker choice builds another model: it starts cold)."""
    return len(basis.col_status) == model.num_col and len(basis.row_status) == model.num_row


def solve(model: LpModel, options: SolveOptions | None = None, basis: Any = None) -> LpSolution:
    """Build a Highs instance for ``model`` and solve it (optionally from a basis)."""
    return run(make_highs(model, options), model, basis)
