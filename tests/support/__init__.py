"""What the tests (and bench/) share that is not a test: helpers, stand-ins, the example sites' gold.

Not shipped: ``pip install .`` packages crawler, storage and jobs only, and nothing there imports
``tests``. Test modules import shared helpers from here (fixtures come through conftest), never
from another test module.
"""

import socket
from pathlib import Path

#: The repository checkout the tests run from.
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nobody listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
