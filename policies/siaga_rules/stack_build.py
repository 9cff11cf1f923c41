"""``AnalyzeStack`` with the stack's resources built once per call, not once per stack policy.

pulumi-policy 1.21's ``AnalyzeStack`` (``pulumi_policy/policy.py``) rebuilds, for every stack policy, a
``PolicyResource`` for every resource of the stack and links parents and dependencies: 30 stack policies x 530
resources = 16,000 objects and their dependency lists, a third of the pack server's time on such a stack. This is
the same method with that loop hoisted out of the policy loop; everything else (levels, report closures, the
unknown-value and not-applicable answers, awaitable validators) is the library's code as it stands in 1.21.

Sound for the same reason as the property cache (request_cache.py): no rule changes what it is given, so every
stack policy may see the same objects; each still gets a list of its own. Installed only on the pulumi-policy
release it was copied from (:data:`SOURCE_VERSION`): on any other the library's own method runs.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from typing import Any

SOURCE_VERSION = "1.21.0"
"""The pulumi-policy release whose ``AnalyzeStack`` this mirrors."""


def _stack_resources(servicer: Any, request: Any) -> list[Any]:
    from pulumi_policy import policy as pp

    intermediates: list[tuple[Any, str, list[str], dict[str, list[str]]]] = []
    for r in request.resources:
        deserialized = pp.deserialize_properties(pp.json_format.MessageToDict(r.properties))
        props = pp.unknown_checking_proxy(deserialized)
        opts = servicer._get_resource_options(r)
        provider = servicer._get_provider_resource(r)
        resource = pp.PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
        deps = {k: list(v.urns) for k, v in r.propertyDependencies.items()}
        intermediates.append((resource, r.parent, list(r.dependencies), deps))
    by_urn = {i[0].urn: i[0] for i in intermediates}
    for resource, parent, dependencies, property_dependencies in intermediates:
        if parent is not None and parent in by_urn:
            resource.parent = by_urn[parent]
        for d in dependencies:
            if d in by_urn:
                resource.dependencies.append(by_urn[d])
        for k, urns in property_dependencies.items():
            resource.property_dependencies[k] = [by_urn[d] for d in urns if d in by_urn]
    return [i[0] for i in intermediates]


def analyze_stack(self: Any, request: Any, _context: Any) -> Any:
    """pulumi-policy 1.21's ``_PolicyAnalyzerServicer.AnalyzeStack``, the resources built once."""
    from pulumi_policy import policy as pp

    proto = pp.proto
    self._configure_runtime_settings()
    response = proto.AnalyzeResponse()
    name = self._PolicyAnalyzerServicer__policy_pack_name
    version = self._PolicyAnalyzerServicer__policy_pack_version
    resources: list[Any] | None = None
    for policy in self._PolicyAnalyzerServicer__policies:
        enforcement_level = self._get_enforcement_level(policy)
        if enforcement_level == pp.EnforcementLevel.DISABLED or not isinstance(policy, pp.StackValidationPolicy):
            continue
        if enforcement_level == pp.EnforcementLevel.REMEDIATE:
            enforcement_level = pp.EnforcementLevel.MANDATORY
        report_violation = self._create_report_violation(response, policy.name, policy.description,
                                                         enforcement_level, policy.severity)
        if resources is None:
            resources = _stack_resources(self, request)
        config = self._get_policy_config(policy.name)
        args = pp.StackValidationArgs(list(resources), config, self._PolicyAnalyzerServicer__stack_tags)
        try:
            result = policy.validate(args, report_violation)
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                task = asyncio.Task(result, loop=loop)
                loop.run_until_complete(task)
                loop.close()
        except pp.UnknownValueError as e:
            response.diagnostics.append(proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=(f"can't run policy '{policy.name}' from policy pack "
                         f"'{name}@v{version}' during preview: {e.message}"),
                urn="",
                description=policy.description,
                enforcementLevel=self._map_enforcement_level(pp.EnforcementLevel.ADVISORY),
            ))
        except pp._NotApplicableError as e:
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or ""))
    return response
