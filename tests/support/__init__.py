"""What the tests (and bench/) share that is not a test: helpers, stand-ins, the example sites' gold.

Not shipped: ``pip install .`` packages crawler, storage and jobs only, and nothing there imports
``tests``. Test modules import shared helpers from here (fixtures come through conftest), never
from another test module.
"""

from pathlib import Path

#: The repository checkout the tests run from.
ROOT = Path(__file__).resolve().parents[2]
