"""Reviewed waivers: a finding a reviewer accepted, for a reason, until a date.

```yaml
waivers:
  - policy: bucket-prefix            # policy name, or "pack/policy"
    urn: "urn:pulumi:*::*::aws:s3/bucketV2:BucketV2::legacy-*"   # exact URN or glob pattern
    reason: Legacy bucket, renamed in the Q3 migration (ticket OPS-123)
    approver: rina.s@agency.go.id
    expires: 2027-03-31              # YYYY-MM-DD; an expired waiver is an error
```
A bare list of entries is accepted too. ``urn: "*"`` also matches stack-level findings (no URN).

Limits (``siaga check --waiver-max-days``, ``--not-waivable``): a waiver may run at most 180 days from today (a
longer one needs a fix, not a longer waiver), and policies of the residency category cannot be waived at all
(PP 71/2019 is not a risk an approver can accept); both are one-line errors naming the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from siaga.inputs import InputFileError, load_yaml

MAX_DAYS = 180
NOT_WAIVABLE = ("category:residency",)
"""Policy names, ``pack/policy`` or ``category:<name>`` that no waiver may cover."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


class WaiverError(Exception):
    """The waivers file is unreadable, malformed or holds an expired entry; ``str()`` is one line."""


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str = Field(min_length=1)
    urn: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("must be a date YYYY-MM-DD, not a timestamp")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):  # fromisoformat also takes 20270331, 2027-W13
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"{value!r} must be a date YYYY-MM-DD")

    @field_validator("reason", "approver", "policy", "urn")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def matches(self, pack: str, policy: str, urn: str | None) -> bool:
        if self.policy not in (policy, f"{pack}/{policy}"):
            return False
        target = urn or ""
        return target == self.urn or fnmatchcase(target, self.urn)

    def label(self, index: int) -> str:
        return f"entry {index + 1} (policy {self.policy}, urn {self.urn})"


class WaiverSet(BaseModel):
    source: str = ""
    waivers: list[Waiver] = Field(default_factory=list)

    def find(self, pack: str, policy: str, urn: str | None) -> Waiver | None:
        for w in self.waivers:
            if w.matches(pack, policy, urn):
                return w
        return None

    def check_waivable(self, policies: Iterable[tuple[str, str, list[str]]],
                       not_waivable: Iterable[str] = NOT_WAIVABLE) -> None:
        """``policies``: (pack, name, tags). Raises WaiverError for the first entry that names a policy no waiver
        may cover (by name, ``pack/name`` or ``category:...`` tag)."""
        blocked = set(not_waivable)
        for i, w in enumerate(self.waivers):
            for pack, name, tags in policies:
                if w.policy not in (name, f"{pack}/{name}"):
                    continue
                why = blocked & {name, f"{pack}/{name}", *tags}
                if why:
                    raise WaiverError(f"waivers {self.source}: {w.label(i)}: {name} cannot be waived ({sorted(why)[0]} "
                                      "is on the not-waivable list); fix the finding instead")


def load_waivers(path: Path | str | None, today: dt.date | None = None, max_days: int = MAX_DAYS) -> WaiverSet:
    """Reads and validates the file; raises WaiverError naming the bad entry (malformed, expired or too long)."""
    if path is None:
        return WaiverSet()
    path = Path(path)
    try:
        data = load_yaml(path, "waivers")
    except InputFileError as exc:
        raise WaiverError(str(exc)) from None
    if data is None:
        return WaiverSet(source=str(path))
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"waivers"})
        if unknown:
            raise WaiverError(f"waivers {path}: unknown top-level key {unknown[0]!r}; allowed: waivers")
        data = data.get("waivers") or []
    if not isinstance(data, list):
        raise WaiverError(f"waivers {path}: expected a list of entries under 'waivers'")
    today = today or dt.date.today()
    out: list[Waiver] = []
    for i, raw in enumerate(data):
        where = f"waivers {path}: entry {i + 1}"
        if not isinstance(raw, dict):
            raise WaiverError(f"{where}: expected a mapping with policy, urn, reason, approver, expires")
        try:
            w = Waiver.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"]) or "(entry)"
            if err["type"] == "missing":
                raise WaiverError(f"{where}: missing {key} (required: policy, urn, reason, approver, expires)") from None
            if err["type"] == "extra_forbidden":
                raise WaiverError(f"{where}: unknown key {key!r}; allowed: policy, urn, reason, approver, expires") from None
            msg = err["msg"].removeprefix("Value error, ")
            raise WaiverError(f"{where}: {key} = {err.get('input')!r}: {msg}") from None
        if w.expires < today:
            raise WaiverError(f"waivers {path}: {w.label(i)} expired on {w.expires.isoformat()}; "
                              "renew it (new review) or fix the finding")
        if (w.expires - today).days > max_days:
            raise WaiverError(f"waivers {path}: {w.label(i)} expires {w.expires.isoformat()}, "
                              f"{(w.expires - today).days} days from today; allowed: at most {max_days} days")
        out.append(w)
    return WaiverSet(source=str(path), waivers=out)
