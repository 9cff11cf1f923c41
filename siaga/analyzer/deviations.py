"""Where a run's policy configuration departs from the pack's own baseline, so a weakened gate is visible.

The baseline is what the pack itself declares (each policy's level and schema defaults, then its initialConfig):
what ``pulumi preview --policy-pack`` enforces with no ``--policy-pack-config``. Every difference the agency's
config file makes is a deviation; it *weakens* the gate when it disables or lowers a policy (mandatory ->
advisory/disabled, advisory -> disabled), allows more (an ``allowed*`` list or map gains entries — above all a
region outside Indonesia), exempts more (``exempt*``, ``skip*``), or relaxes a threshold (a ``min*`` lowered, a
``max*`` raised). Other changes (stricter levels or thresholds) are listed as tightening.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

_RANK = {"disabled": 0, "advisory": 1, "remediate": 2, "mandatory": 2}


class Deviation(BaseModel):
    pack: str
    policy: str
    setting: str
    """``enforcementLevel`` or the property name."""
    baseline: Any = None
    effective: Any = None
    effect: Literal["weakens", "tightens", "changes"]
    detail: str

    @property
    def line(self) -> str:
        return f"{self.pack}/{self.policy}: {self.detail}"


def _added(baseline: Any, effective: Any) -> list[Any]:
    if isinstance(effective, dict):
        out: list[Any] = []
        base = baseline if isinstance(baseline, dict) else {}
        for k, v in effective.items():
            out += [f"{k}:{x}" for x in _added(base.get(k), v)]
        return out
    if isinstance(effective, list):
        base = baseline if isinstance(baseline, list) else []
        return [x for x in effective if x not in base]
    return []


def _property(pack: str, policy: str, key: str, baseline: Any, effective: Any) -> Deviation | None:
    if baseline == effective:
        return None
    low = key.lower()
    effect: Literal["weakens", "tightens", "changes"] = "changes"
    detail = f"{key} changed from {baseline!r} to {effective!r}"
    if low.startswith(("allowed", "exempt", "skip", "known", "owned")):
        added = _added(baseline, effective)
        effect = "weakens" if added else "tightens"
        if added:
            # imported here: components.config builds the stack's pydantic models (~90 ms), and this module is
            # imported while the program runs, on the process that answers its registrations
            from components.config import IN_COUNTRY_REGIONS

            abroad = [a for a in added if "region" in low and isinstance(a, str) and a not in IN_COUNTRY_REGIONS]
            detail = f"{key} also allows {added}" + (
                f": {abroad} {'is' if len(abroad) == 1 else 'are'} outside Indonesia (PP 71/2019)" if abroad else "")
        else:
            detail = f"{key} narrowed to {effective!r} (baseline {baseline!r})"
    elif isinstance(baseline, int | float) and isinstance(effective, int | float) and not isinstance(effective, bool):
        if low.startswith("min"):
            effect = "weakens" if effective < baseline else "tightens"
        elif low.startswith("max"):
            effect = "weakens" if effective > baseline else "tightens"
        detail = f"{key} {baseline!r} -> {effective!r}"
    elif isinstance(baseline, bool) and isinstance(effective, bool) and low.startswith(("require", "deny")):
        effect = "weakens" if baseline and not effective else "tightens"
        detail = f"{key} {baseline!r} -> {effective!r}"
    return Deviation(pack=pack, policy=policy, setting=key, baseline=baseline, effective=effective,
                     effect=effect, detail=detail)


def deviations(pack: str, baseline: dict[str, tuple[str, dict[str, Any]]],
               effective: dict[str, tuple[str, dict[str, Any]]]) -> list[Deviation]:
    """policy -> (level, properties) before and after the agency's config file."""
    out: list[Deviation] = []
    for name in sorted(effective):
        b_level, b_props = baseline.get(name, ("advisory", {}))
        e_level, e_props = effective[name]
        if b_level != e_level:
            lower = _RANK.get(e_level, 1) < _RANK.get(b_level, 1)
            out.append(Deviation(pack=pack, policy=name, setting="enforcementLevel", baseline=b_level,
                                 effective=e_level, effect="weakens" if lower else "tightens",
                                 detail=f"{'lowered' if lower else 'raised'} from {b_level} to {e_level}"))
        for key in sorted(set(b_props) | set(e_props)):
            d = _property(pack, name, key, b_props.get(key), e_props.get(key))
            if d is not None:
                out.append(d)
    return sorted(out, key=lambda d: (d.effect != "weakens", d.pack, d.policy, d.setting))
