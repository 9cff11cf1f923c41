"""The offline engine: runs a Pulumi program under the SDK's mock monitor and records the graph."""

from siaga.engine.model import Graph, Resource, SourceLocation
from siaga.engine.preview import EngineError, run_program, run_stack

__all__ = ["EngineError", "Graph", "Resource", "SourceLocation", "run_program", "run_stack"]
