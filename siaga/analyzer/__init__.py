"""Run CrossGuard policy packs offline, exactly as the Pulumi CLI drives their analyzer servers.

``analyze(graph, packs=[Path("policies")], policy_config=None) -> AnalysisResult``
"""

from siaga.analyzer.errors import AnalyzerError
from siaga.analyzer.model import AnalysisResult, Finding, PolicyInfo
from siaga.analyzer.run import LiveAnalysis, analyze, prestart
from siaga.analyzer.server import PackServer, StackEnv

__all__ = ["AnalysisResult", "AnalyzerError", "Finding", "LiveAnalysis", "PackServer", "PolicyInfo", "StackEnv", "analyze", "prestart"]
