"""siting: subsidy scoring and equipment siting for Seoul's 25 districts.

The service core: candidate evaluation on a spatial index, optimisation,
proposals, the demo and the CLI (:mod:`siting.cli`, never imported by library code).

The optimisation API is re-exported lazily (importing :mod:`siting` stays fast):
:func:`coverage_matrix`, :func:`coverage_from_geometries`, :func:`uncovered_weights`
(:mod:`siting.coverage`), :func:`solve_mclp` and :class:`Solution` (:mod:`siting.solvers`),
:class:`Proposal` (:mod:`siting.propose`; call :func:`siting.propose.propose`: a
package attribute ``propose`` would be shadowed by the submodule of that name),
:func:`sample_demand` (:mod:`siting.sampling`) and :class:`Buildings` (line of
sight, :mod:`siting.sight`).
"""

import importlib
import logging
from typing import Any

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"

_LAZY = {
    "coverage_matrix": "siting.coverage",
    "coverage_from_geometries": "siting.coverage",
    "uncovered_weights": "siting.coverage",
    "Solution": "siting.solvers",
    "solve_mclp": "siting.solvers",
    "Proposal": "siting.propose",
    "sample_demand": "siting.sampling",
    "Buildings": "siting.sight",
}

__all__ = [
    "Buildings",
    "Proposal",
    "Solution",
    "__version__",
    "coverage_from_geometries",
    "coverage_matrix",
    "sample_demand",
    "solve_mclp",
    "uncovered_weights",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
