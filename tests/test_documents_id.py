"""The availability budget, residency evidence (Markdown + CSV) and architecture diagram in Bahasa Indonesia (#17).

On the three reference stacks:
- ``en`` (the default, and ``lang=language("en")``) is byte-identical to the English-only documents, kept in
  tests/snapshots/documents_en/<stack>/ (captured at cf995fe, before the documents had a language; the diagram as its
  sorted SVG text labels, since the SVG itself carries a date). Regenerate only for an intended change of the
  English text: ``PYTHONPATH=. .venv/bin/python tests/test_documents_id.py``.
- ``id`` has no English sentence left except names: resource names and types, AWS service and feature names,
  commands, config keys, URLs and the config's own quoted message; an English function word left in prose fails.
- numbers are written for the locale (decimal comma).
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from components.config import AzSizing
from components.failover_time import worst_case
from siaga.documents import availability, residency
from siaga.documents.l10n import describe_sizing, estimate_assumptions, estimate_formula, term_basis
from siaga.documents.topology import Topology, analyse
from siaga.engine import run_stack
from siaga.i18n import language

STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
SNAPSHOTS = Path(__file__).parent / "snapshots" / "documents_en"
ID, EN = language("id"), language("en")

ENGLISH_WORDS = frozenset(["the", "and", "of", "is", "are", "was", "were", "be", "been", "with", "to", "in", "into", "on", "at", "by", "from", "for", "not", "no", "nor", "its", "it", "this", "that", "these", "those", "each", "or", "an", "has", "have", "had", "when", "after", "before", "until", "than", "which", "who", "will", "would", "can", "cannot", "does", "do", "did", "only", "none", "yes", "any", "all", "every", "other", "others", "shared", "found", "down", "up", "if", "so", "as", "one", "two", "three", "there", "their", "they", "them", "what", "where", "while", "per-checker"]) - {"per-checker"}
"""English function words (and a few frequent short words) that never occur in Indonesian prose."""
ENGLISH_WORDS |= {"standby", "failover", "failback", "resources", "health", "check", "records", "locked", "edge",
                  "public", "app", "country", "failure", "points", "outage", "recovered", "experiment", "availability",
                  "budget", "evidence", "residency", "instances", "nodes", "database", "tier", "downtime",
                  "year", "yes", "unknown", "key", "managed", "covered", "established", "configuration", "holds",
                  "plan"}
"""...and the words of these documents' own labels (a diagram label or a table cell has no function word)."""
AWS_NAMES = ("Amazon EC2", "Amazon RDS", "Amazon Route 53", "Route 53", "Elastic Load Balancing", "Auto Scaling group",
             "AWS Backup", "Backup vault", "Multi-AZ", "Single-AZ", "PRIMARY", "SECONDARY", "JVM", "CloudFront")
"""AWS service and feature names a document keeps in English (glossary.yaml ``names``)."""


def english_left(text: str, names: set[str]) -> list[str]:
    """Words of ``text`` that are English function words, once names, code spans, URLs, config keys, resource names
    and identifiers (anything with ``_ / : .`` or ``-`` inside a token) are taken out: what a reader would see as an
    English sentence left in an Indonesian document."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    for name in AWS_NAMES:
        text = text.replace(name, " ")
    text = re.sub(r"\S*[_/:.][^\s,;)|]*", " ", text)  # keys, ARNs, aliases, files, identifiers
    text = re.sub(r"\b\w+(?:-\w+)+\b", " ", text)  # hyphenated identifiers (multi-az-instance, az1-...)
    return sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH_WORDS})


@cache
def topo(stack: str) -> Topology:
    return analyse(run_stack(stack))


def names_of(t: Topology) -> set[str]:
    """Everything that is a name in the stack: resource names, types, zones, record targets, the project/stack, and
    the config's one-line message quoted in the budget (components/config.py, with the stack's own reason)."""
    out = {r.name for r in t.graph.resources} | {r.type for r in t.graph.resources} | set(t.zones)
    out |= {t.graph.project, t.graph.stack} | {d.identifier for d in t.databases} | {d.kind for d in t.databases}
    out |= {rec.target for rec in (t.primary, t.secondary) if rec is not None}
    if t.config is not None and t.config.standby.replication_gap:
        out.add(t.config.standby.replication_gap)
    return {n for n in out if n}


def documents(stack: str, lang) -> dict[str, str]:
    t = topo(stack)
    b = availability.budget(t) if lang is None else availability.budget(t, lang)
    allowed = list(t.config.allowedRegions) if t.config else ["ap-southeast-3"]
    rows = residency.rows(t)
    endpoints = residency.outside_endpoints(t.graph, allowed)
    if lang is None:
        md, res_md, csv_text = (availability.render_markdown(b, stack),
                                residency.render_markdown(rows, stack, allowed, endpoints), residency.to_csv(rows))
    else:
        md = availability.render_markdown(b, stack, lang=lang)
        res_md = residency.render_markdown(rows, stack, allowed, endpoints, lang=lang)
        csv_text = residency.to_csv(rows, lang=lang)
    return {"availability.md": md, "availability.json": json.dumps(availability.as_dict(b), indent=2) + "\n",
            "residency.md": res_md, "residency.csv": csv_text}


def diagram_labels(stack: str, tmp: Path, lang) -> list[str]:
    from siaga.documents.diagram import draw

    t = topo(stack)
    spofs = availability.budget(t, lang).spofs
    day = date(2026, 1, 1)  # the diagram's title carries the day it is drawn
    paths = draw(t, tmp, spofs=spofs, day=day) if lang is None else draw(t, tmp, spofs=spofs, lang=lang, day=day)
    svg = next(p for p in paths if p.suffix == ".svg")
    return normalised(["".join(e.itertext()) for e in ET.parse(svg).getroot().iter() if e.tag.endswith("}text")])


def normalised(labels: list[str]) -> list[str]:
    """Sorted labels, the parts of a joined label (``a  |  b``) sorted too: the graph's resource order (and so the
    order the boxes and their parts are drawn in) is not fixed from run to run."""
    return sorted("  |  ".join(sorted(label.split("  |  "))) for label in labels)


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("how", ["default", "en"])
def test_english_is_unchanged(stack: str, how: str, tmp_path: Path) -> None:
    lang = None if how == "default" else EN
    for name, text in documents(stack, lang).items():
        want = (SNAPSHOTS / stack / name).read_bytes().decode("utf-8")  # the CSV keeps its CRLF
        assert text == want, f"{stack} {name} ({how}) differs from the English-only document"
    labels = diagram_labels(stack, tmp_path, lang)
    assert labels == (SNAPSHOTS / stack / "architecture.labels.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("stack", STACKS)
def test_indonesian_documents_have_no_english_sentence_left(stack: str, tmp_path: Path) -> None:
    docs = documents(stack, ID)
    names = names_of(topo(stack))
    for name in ("availability.md", "residency.md", "residency.csv"):
        left = english_left(docs[name], names)
        assert not left, f"{stack} {name} (id): English words left: {left}"
    labels = diagram_labels(stack, tmp_path, ID)
    assert not english_left("\n".join(labels), names), labels
    # the budget JSON's human texts too (its keys stay English; dnsFailover is the stack output's own structure)
    data = json.loads(docs["availability.json"])
    texts = [t["name"] + " " + t["basis"] for t in data["tiers"]] + data["singlePointsOfFailure"] + data["warnings"]
    texts += data["azLoss"] + [data["standbyExcluded"] or ""]
    assert not english_left("\n".join(texts), names), english_left("\n".join(texts), names)
    # the checker is not blind: the same documents in English are flagged
    en = documents(stack, EN)
    for name in ("availability.md", "residency.md"):
        flagged = {w.lower() for w in english_left(en[name], names)}
        assert "the" in flagged and len(flagged) >= 5, (name, flagged)
    assert english_left("\n".join(diagram_labels(stack, tmp_path / "en", EN)), names)


@pytest.mark.parametrize("stack", STACKS)
def test_indonesian_budget_numbers_and_terms(stack: str) -> None:
    docs = documents(stack, ID)
    md = docs["availability.md"]
    assert md.startswith(f"# Anggaran ketersediaan - {stack}\n")
    assert "| DNS (rekaman pengalihan Route 53) | 100,0000 % | SLA Route 53 100,0 % |" in md
    assert "menit/tahun" in md and "min/year" not in md
    assert "## Titik kegagalan tunggal" in md and "## Hilangnya satu zona ketersediaan" in md
    # every percentage and decimal in prose uses the decimal comma (URLs and resource names aside)
    prose = re.sub(r"https?://\S+|`[^`]*`", "", md)
    for name in names_of(topo(stack)):
        prose = prose.replace(name, "")
    assert not re.findall(r"\b\d+\.\d+\s?%", prose), re.findall(r"\b\d+\.\d+\s?%", prose)
    assert re.search(r"\d+,\d{4} %", md)
    b = availability.budget(topo(stack), ID)
    en = availability.budget(topo(stack))
    # same figures, whatever the language: the DNS tier is known by its flag, not by its (translated) name
    assert b.availability == en.availability and b.dns_availability == en.dns_availability
    data = json.loads(docs["availability.json"])
    assert data["availabilityPercent"] == availability.as_dict(en)["availabilityPercent"]
    assert set(data) == set(availability.as_dict(en))


@pytest.mark.parametrize("stack", STACKS)
def test_indonesian_residency_csv_headers_and_values(stack: str) -> None:
    text = documents(stack, ID)["residency.csv"]
    header = text.splitlines()[0]
    assert header == ("URN,Jenis,Nama,Region,Cakupan,Menyimpan,Kunci enkripsi,Cadangan,Di dalam negeri,Akun,"
                      "Mengirim ke / salinan dari")
    assert ",ya," in text and ",yes," not in text and ",akun stack," in text and "stack account" not in text
    rows = residency.rows(topo(stack))
    assert len(text.splitlines()) == len(rows) + 1
    # the JSON evidence keeps English keys and values for machines, whatever the documents' language
    js = json.loads(residency.to_json(rows, stack, ["ap-southeast-3"]))
    assert js["resources"][0]["inCountry"] in {"yes", "no", "not established", "n/a"}


def test_budget_spofs_and_warnings_in_indonesian_on_a_weaker_stack() -> None:
    """jakarta-staging with one NAT and 2 AZs: the SPOF/warning texts themselves (not only headings) translated."""
    t = analyse(run_stack("jakarta-staging", overrides={"siaga:natStrategy": "Single"}))
    b, en = availability.budget(t, ID), availability.budget(t)
    assert len(b.spofs) == len(en.spofs) and any(s.startswith("NAT:") for s in en.spofs)
    nat = next(s for s in b.spofs if s.startswith("NAT:"))
    assert "memutus lalu lintas keluar" in nat and "cuts egress" not in nat
    names = names_of(t)
    for line in b.spofs + b.warnings + b.az_loss + [x.name + " " + x.basis for x in b.tiers]:
        assert not english_left(line, names), line
    md = availability.render_markdown(b, "jakarta-staging")  # the budget's own language by default
    assert "## Titik kegagalan tunggal" in md and "NAT bersama" in md


@pytest.mark.parametrize("sizing", [
    AzSizing.observed(min_size=3, az_count=3),
    AzSizing.observed(min_size=3, az_count=3, unit="nodes"),
    AzSizing.observed(min_size=2, az_count=2, required=1, boot_seconds=600),
    AzSizing.observed(min_size=2, az_count=2, required=2, boot_seconds=600),
    AzSizing.observed(min_size=6, az_count=3, required=5, boot_seconds=None),
    AzSizing.observed(min_size=4, az_count=2, required=3, boot_seconds=300),
])
def test_az_sizing_sentence_in_both_languages(sizing: AzSizing) -> None:
    assert describe_sizing(EN, sizing) == sizing.describe()
    # the English templates behind the Indonesian sentence give back exactly describe(): one sentence, two languages
    from siaga.documents import l10n

    class Passthrough:
        code = "id"  # take the translated path with the English catalog

        @staticmethod
        def gettext(m: str) -> str:
            return m

        @staticmethod
        def ngettext(s: str, p: str, n: int) -> str:
            return s if n == 1 else p

        number = staticmethod(lambda v, d=0: f"{v:.{d}f}")

    assert l10n.describe_sizing(Passthrough, sizing) == sizing.describe()  # type: ignore[arg-type]
    text = describe_sizing(ID, sizing)
    assert not english_left(text, set()), text
    assert str(sizing.surviving) in text and str(sizing.min_size) in text


@pytest.mark.parametrize("direction", ["failover", "failback"])
def test_failover_terms_carry_their_template(direction: str) -> None:
    est = worst_case(10, 3, 60, direction=direction)
    for t in est.terms:
        assert t.basis_msg.format(**dict(t.params)) == t.basis
        assert term_basis(EN, t) == t.basis
        assert not english_left(term_basis(ID, t), set()), term_basis(ID, t)
    assert estimate_formula(EN, est) == est.formula and estimate_assumptions(EN, est) == list(est.assumptions)
    assert estimate_formula(ID, est) == "48 detik deteksi + 30 detik propagasi + 60 detik jawaban tersimpan di cache (TTL)"
    assert all(not english_left(a, set()) for a in estimate_assumptions(ID, est))


if __name__ == "__main__":  # regenerate the English snapshots (only for an intended change of the English text)
    import tempfile

    for stack in STACKS:
        folder = SNAPSHOTS / stack
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in documents(stack, None).items():
            (folder / name).write_text(text, encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            (folder / "architecture.labels.txt").write_text("\n".join(diagram_labels(stack, Path(tmp), None)) + "\n",
                                                            encoding="utf-8")
        print(f"wrote {folder}", file=sys.stderr)


def test_residency_other_clouds_and_outside_endpoints_in_indonesian() -> None:
    """The other-cloud rows (locations, 'not established', 'not assessed') and provider endpoints outside the allowed
    regions, in Indonesian; their names, locations and URLs kept."""
    import copy
    import pickle

    from siaga.engine import run_program

    graph = run_program(Path(__file__).parent / "fixtures/programs/policy_cases_residency_clouds", stack="dev")
    t = analyse(graph)
    rows = residency.rows(t)
    endpoints = residency.outside_endpoints(graph, ["ap-southeast-3"])
    md = residency.render_markdown(rows, "dev", ["ap-southeast-3"], endpoints, lang=ID)
    csv_text = residency.to_csv(rows, lang=ID)
    names = names_of(t) | {r.region for r in rows}
    assert not english_left(md, names), english_left(md, names)
    assert not english_left(csv_text, names), english_left(csv_text, names)
    assert "(tidak dihitung sebagai di dalam negeri): **1**" in md
    assert "sns -> https://sns.us-east-1.amazonaws.com" in md
    assert "| TIDAK DAPAT DIPASTIKAN | tidak dapat dipastikan |" in md and "tidak dinilai (cloud lain)" in md
    # a translated value is the same English value for the JSON, and survives copies
    label = residency.Label("customer-managed KMS key {name} ({aliases})", name="keys-data", aliases="alias/data")
    assert label == "customer-managed KMS key keys-data (alias/data)"
    assert residency.display(label, ID) == "kunci KMS yang dikelola pelanggan keys-data (alias/data)"
    assert copy.deepcopy(label) == label and pickle.loads(pickle.dumps(label)).msgid == label.msgid
    assert residency.display(label, ID) != str(label) and residency.display(label, EN) == str(label)


def _weak_topologies() -> list[tuple[str, Topology]]:
    """Graphs that give every kind of SPOF and warning (tests/test_report.py's fixtures): no failover records, no
    backup plan, nothing to estimate; a single-AZ database; an application in one AZ below its AZ count."""
    from siaga.engine import run_program
    from tests.test_report import _edited, graph

    bare = analyse(run_program(Path(__file__).parent / "fixtures" / "programs" / "thirdparty", stack="dev"))
    single_db = analyse(_edited(**{"aws:rds/instance:Instance": {"multiAz": False}}))
    g = graph()
    one = [s.id for s in g.of_type("aws:ec2/subnet:Subnet") if s.inputs.get("tags", {}).get("Tier") == "private"][:1]
    one_az = analyse(_edited(**{"aws:autoscaling/group:Group": {"vpcZoneIdentifiers": one, "minSize": 1}}))
    two = analyse(graph(azCount="2"))
    return [("bare", bare), ("single-az-db", single_db), ("one-az-app", one_az), ("two-az", two)]


def test_indonesian_budget_on_graphs_with_every_kind_of_gap() -> None:
    seen_spofs = 0
    for label, t in _weak_topologies():
        b, en = availability.budget(t, ID), availability.budget(t)
        assert (len(b.spofs), len(b.warnings), len(b.az_loss)) == (len(en.spofs), len(en.warnings), len(en.az_loss))
        seen_spofs += len(b.spofs)
        md = availability.render_markdown(b, label)
        names = names_of(t)
        assert not english_left(md, names), (label, english_left(md, names))
        assert availability.render_markdown(en, label).count("\n") == md.count("\n"), label
    assert seen_spofs >= 4
    bare = availability.render_markdown(availability.budget(_weak_topologies()[0][1], ID), "bare")
    assert "**Tidak ada perkiraan**" in bare and "rencana AWS Backup" in bare
