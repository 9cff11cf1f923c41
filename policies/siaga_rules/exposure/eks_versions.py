"""The Amazon EKS Kubernetes release calendar, shared by the two EKS version rules.

Dates from the "Amazon EKS Kubernetes release calendar" of the EKS User Guide
(https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar, mirrored by
https://endoflife.date/amazon-eks, as published in early 2026): a minor version has 14 months of standard support, then 12 months
of extended support (extra cost per cluster hour); after extended support ends EKS upgrades the cluster itself.
Versions older than the first row all left extended support before 2026-12. Update this table when EKS
publishes a new version.
"""

from __future__ import annotations

import datetime as dt
import re

# minor version -> (end of standard support, end of extended support)
CALENDAR: dict[tuple[int, int], tuple[dt.date, dt.date]] = {
    (1, 28): (dt.date(2024, 11, 26), dt.date(2025, 11, 26)),
    (1, 29): (dt.date(2025, 3, 23), dt.date(2026, 3, 23)),
    (1, 30): (dt.date(2025, 7, 23), dt.date(2026, 7, 23)),
    (1, 31): (dt.date(2025, 11, 26), dt.date(2026, 11, 26)),
    (1, 32): (dt.date(2026, 3, 23), dt.date(2027, 3, 23)),
    (1, 33): (dt.date(2026, 7, 29), dt.date(2027, 7, 29)),
    (1, 34): (dt.date(2026, 12, 2), dt.date(2027, 12, 2)),
    (1, 35): (dt.date(2027, 3, 27), dt.date(2028, 3, 27)),
}
OLDEST = min(CALENDAR)


def parse(value: object) -> tuple[int, int] | None:
    """'1.33' / '1.33.2' -> (1, 33); None for anything else."""
    m = re.match(r"^(\d+)\.(\d+)", value) if isinstance(value, str) else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def support(version: tuple[int, int], on: dt.date) -> str:
    """'standard', 'extended', 'ended' or 'unlisted': newer than the calendar, judged supported (a version EKS
    released after the table was written is in standard support; one EKS does not offer is refused at creation)."""
    if version not in CALENDAR:
        return "ended" if version < OLDEST else "unlisted"
    standard, extended = CALENDAR[version]
    if on <= standard:
        return "standard"
    return "extended" if on <= extended else "ended"
