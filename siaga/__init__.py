"""Siaga tooling: offline engine, CLI, reporters and documents.

Components (`components/`) and policies (`policies/`) never import this package.
"""

import os

# gRPC's C core logs at INFO when a peer closes a connection (the program's callback server as the program ends,
# "Got goaway ... Cancelling all calls"): noise in every command's output. Errors are still shown; a user who wants
# more sets GRPC_VERBOSITY themselves. Set before anything imports grpc (children inherit it).
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

__version__ = "0.1.0"
