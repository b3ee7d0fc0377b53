"""siting: subsidy scoring and equipment siting for Seoul's 25 districts.

The service core: candidate evaluation on a spatial index, optimisation,
proposals, the demo and the CLI (:mod:`siting.cli`, never imported by library code).
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
__all__ = ["__version__"]
