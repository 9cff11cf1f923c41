"""Where a resource of another cloud, or an AWS API endpoint, puts data: the location names each provider uses and
the in-country ones. Pure data and parsing, shared by the residency policies (no pulumi_policy import).

In-country locations (PP 71/2019: managed, processed and stored in Indonesia):
- Google Cloud: ``asia-southeast2`` (Jakarta) and its zones ``asia-southeast2-a/b/c``
  (https://cloud.google.com/about/locations#asia-pacific). A multi-region (``ASIA``, ``US``, ``EU``) or a dual
  region spans other countries.
- Microsoft Azure: ``indonesiacentral`` (Jakarta, https://learn.microsoft.com/azure/reliability/regions-list).
- AWS (also aws-native): ``ap-southeast-3`` (Jakarta).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

DEFAULT_ALLOWED_LOCATIONS: dict[str, list[str]] = {
    "gcp": ["asia-southeast2"],
    "google-native": ["asia-southeast2"],
    "azure": ["indonesiacentral"],
    "azure-native": ["indonesiacentral"],
    "aws-native": ["ap-southeast-3"],
}
"""Package -> in-country locations (zones of an allowed region are allowed too)."""

LOCATION_KEYS: dict[str, tuple[str, ...]] = {
    "gcp": ("location", "region", "zone"),
    "google-native": ("location", "region", "zone"),
    "azure": ("location",),
    "azure-native": ("location",),
    "aws-native": ("region",),
}
"""Inputs that place a resource, in the order a provider reads them."""

PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "gcp": ("region", "zone"),
    "google-native": ("region", "zone"),
    "azure": ("location",),
    "azure-native": ("location",),
    "aws-native": ("region",),
}
"""Provider inputs (or the stack's ``<package>:`` config of a default provider) that place a resource which sets
no location itself. Azure has none: a resource without ``location`` is placed by its resource group."""

def normalise(location: str) -> str:
    """``Indonesia Central`` / ``ASIA-SOUTHEAST2`` -> ``indonesiacentral`` / ``asia-southeast2``."""
    text = location.strip().lower()
    return text.replace(" ", "") if " " in text else text


def in_allowed(location: str, allowed: list[str]) -> bool:
    loc = normalise(location)
    for a in allowed:
        a = normalise(a)
        if loc == a or (loc.startswith(a + "-") and re.fullmatch(r"[a-z]", loc[len(a) + 1:] or "")):
            return True  # a region, or one of its zones (asia-southeast2-a)
    return False


_AWS_HOST = re.compile(r"(?:^|[.-])((?:[a-z]{2}(?:-gov|-iso[a-z]?)?)-[a-z]+-\d)\.")


def endpoint_region(url: str) -> tuple[str | None, str]:
    """(AWS region of an endpoint URL or None, its host). ``https://s3.us-east-1.amazonaws.com`` -> us-east-1;
    a host that is not an AWS regional endpoint -> (None, host): where it sends data cannot be established."""
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
        m = _AWS_HOST.search(host + ".")
        if m:
            return m.group(1), host
    return None, host


def first_location(props: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            return key, value
    return None
