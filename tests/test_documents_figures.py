"""Documents an auditor can sign (issue 25): every figure recomputes from the rendered document itself, no value the
offline engine made up is shown as a fact, the residency evidence is a correct inventory, every document carries its
control block, every scenario has numeric RTO and RPO, contacts escalate.

Run on the three reference stacks and a ``siaga new`` stack whose domain has four labels under go.id, in Indonesian
and English. The checks read the Markdown as a reviewer would: numbers are parsed from the text (``99,9999 %`` and
``99.9999 %``), each with the interval its printed digits allow, and each total is recomputed from the rows under the
operation its label names (interval arithmetic, so a correct rounding never fails and a wrong figure always does).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from siaga.cli import app
from siaga.documents import control, drp, render_texts, residency
from siaga.documents.facts import Facts
from siaga.documents.topology import analyse
from siaga.engine import run_program, run_stack
from siaga.engine.model import Graph, plain
from siaga.engine.preview import REPO_ROOT
from siaga.i18n import Language, language
from siaga.scaffold import NewStack, write

REFERENCE = ["jakarta-prod", "jakarta-staging", "hybrid-pdn"]
NEW = "bapenda-pbb-prod"
NEW_DOMAIN = "pbb.bapenda.sumbarprov.go.id"
STACKS = [*REFERENCE, NEW]
LANGS = ["id", "en"]
MINUTES_PER_YEAR = 525600
FIXED_DATE = dt.date(2026, 12, 7)


# ---------------------------------------------------------------- the stacks and their documents

@pytest.fixture(scope="module")
def new_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``siaga new`` stack from jakarta-prod with the four-label domain, in a project running this program."""
    root = tmp_path_factory.mktemp("newstack")
    stacks = root / "stacks"
    stacks.mkdir()
    for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(p, stacks / p.name)
    write(NewStack(agency="bapenda", service="pbb", domain=NEW_DOMAIN, owner="bidang-ti-bapenda", cost_centre="1234",
                   contact_email="ttis@bapenda.sumbarprov.go.id", standby="standby.bapenda.sumbarprov.go.id",
                   standby_ips=["198.51.100.40"],  # the standby name lies in the stack's zone: answered there
                   contact_phone="+62-751-123-4567", agency_name="Badan Pendapatan Daerah Provinsi Sumatera Barat",
                   approver="Kepala Badan Pendapatan Daerah",
                   escalation=["Kepala Bidang TI,kabid-ti@bapenda.sumbarprov.go.id,0812-3456-7890,head of ICT"]),
          stacks)
    proj = root / "project"
    proj.mkdir()
    (proj / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "siaga", "runtime": "python", "main": str(REPO_ROOT / "__main__.py"), "stackConfigDir": str(stacks)}))
    return proj


_graphs: dict[str, Graph] = {}


@pytest.fixture(scope="module")
def graphs(new_project: Path) -> Callable[[str], Graph]:
    def get(stack: str) -> Graph:
        if stack not in _graphs:
            _graphs[stack] = (run_program(new_project, stack=stack) if stack == NEW else run_stack(stack))
        return _graphs[stack]
    return get


@cache
def _docs(stack: str, code: str, graph_id: int) -> dict[str, str]:
    graph = _graphs[stack]
    topo = analyse(graph)
    lang = language(code)
    texts = render_texts(topo, stack, lang)
    return texts


def docs(graphs: Callable[[str], Graph], stack: str, code: str, monkeypatch: pytest.MonkeyPatch | None = None
         ) -> dict[str, str]:
    graph = graphs(stack)
    return _docs(stack, code, id(graph))


# ---------------------------------------------------------------- numbers as printed, with their rounding interval

class I:  # noqa: E742 - an interval, named as in the arithmetic
    """A closed interval: the values a printed number can stand for."""

    def __init__(self, lo: float, hi: float | None = None) -> None:
        self.lo, self.hi = lo, lo if hi is None else hi

    def __add__(self, o: I | float) -> I:
        o = o if isinstance(o, I) else I(o)
        return I(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: I | float) -> I:
        o = o if isinstance(o, I) else I(o)
        return I(self.lo - o.hi, self.hi - o.lo)

    def __rsub__(self, o: float) -> I:
        return I(o) - self

    def __mul__(self, o: I | float) -> I:
        o = o if isinstance(o, I) else I(o)
        c = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi]
        return I(min(c), max(c))

    __rmul__ = __mul__

    def __truediv__(self, o: I | float) -> I:
        o = o if isinstance(o, I) else I(o)
        assert o.lo > 0 or o.hi < 0, "division by an interval around 0"
        c = [self.lo / o.lo, self.lo / o.hi, self.hi / o.lo, self.hi / o.hi]
        return I(min(c), max(c))

    def overlaps(self, o: I, slack: float = 1e-12) -> bool:
        return self.lo <= o.hi + slack and o.lo <= self.hi + slack

    def __repr__(self) -> str:
        return f"[{self.lo!r}, {self.hi!r}]"


def num(text: str, lang: Language) -> I:
    """A printed number (``99,9999`` in id, ``99.9999`` in en; ``31.536.000`` grouped in id) as the interval its last
    digit allows."""
    text = text.strip().strip("*").strip()
    text = text.replace(".", "").replace(",", ".") if lang.code == "id" else text.replace(",", "")
    value = float(text)
    decimals = len(text.split(".")[1]) if "." in text else 0
    half = 0.5 * 10 ** -decimals
    return I(value - half, value + half)


def exact(text: str, lang: Language) -> float:
    i = num(text, lang)
    return (i.lo + i.hi) / 2


def pct(cell: str, lang: Language) -> I:
    """``99,9999 %`` -> the fraction interval."""
    m = re.search(r"([0-9][0-9.,]*)\s*%", cell)
    assert m, cell
    return num(m.group(1), lang) * 0.01


def pattern(lang: Language, msgid: str) -> re.Pattern[str]:
    """A message of the catalog as a regex: each ``{name}`` a group; the rest literal."""
    text = lang.gettext(msgid)
    out, pos, seen = [], 0, set()
    for m in re.finditer(r"\{(\w+)\}", text):
        out.append(re.escape(text[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^|\\n]*?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(text[pos:]))
    return re.compile("".join(out))


def find(lang: Language, msgid: str, text: str) -> re.Match[str] | None:
    return pattern(lang, msgid).search(text)


def tables(md: str) -> list[list[list[str]]]:
    """Every Markdown table: rows of cells (header first, the separator row dropped)."""
    out: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            out.append(current)
            current = []
    return out


def contains(stated: I, computed: I, what: str) -> None:
    assert stated.overlaps(computed), f"{what}: stated {stated}, recomputed {computed}"


def floor_ok(stated: int, computed: I, what: str) -> None:
    assert stated in {math.floor(computed.lo), math.floor(computed.hi)}, f"{what}: stated {stated}, computed {computed}"


# ---------------------------------------------------------------- 1. every figure recomputes

OPERATIONS = {"product": "product", "hasil kali": "product", "sum": "sum", "jumlah": "sum", "total": "sum"}


def operation(label: str) -> str | None:
    low = label.lower()
    for word, op in OPERATIONS.items():  # product before sum: "Series product" is a product, whatever else it says
        if word in low:
            return op
    return None


def check_bold_totals(md: str, lang: Language, where: str) -> int:
    """Every table whose last row is a bold total: recomputed from the rows above under the operation its label
    names. Returns how many were checked."""
    checked = 0
    for table in tables(md):
        last = table[-1]
        if not last[0].startswith("**") or "A_dns" in last[0]:
            continue  # not a total row; the standby formula row is checked on its own below
        op = operation(last[0])
        assert op is not None, f"{where}: a total row whose label names no operation: {last[0]!r}"
        for col in range(1, len(last)):
            m = re.fullmatch(r"\*\*([0-9][0-9.,]*)( %)?\*\*", last[col])
            if not m:
                continue
            rows = [r[col] for r in table[1:-1]]
            vals = [num(re.match(r"[0-9][0-9.,]*", r).group(0), lang) for r in rows]  # type: ignore[union-attr]
            acc = I(1.0) if op == "product" else I(0.0)
            for v in vals:
                acc = acc * (v * 0.01 if m.group(2) else v) if op == "product" else acc + v
            stated = num(m.group(1), lang) * (0.01 if m.group(2) and op == "product" else 1)
            contains(stated, acc if not (m.group(2) and op == "sum") else acc, f"{where}: {last[0]}")
            checked += 1
    return checked


def check_availability(md: str, lang: Language, where: str) -> None:
    _ = lang.gettext
    tier_header = [c.strip() for c in _("| Tier | Availability | Basis |").strip("|").split("|")]
    tier = next(t for t in tables(md) if t[0] == tier_header)
    rows, total = tier[1:-1], tier[-1]
    assert operation(total[0]) == "product", total
    dns = [pct(r[1], lang) for r in rows if r[0].startswith("DNS")]
    aws = [pct(r[1], lang) for r in rows if not r[0].startswith("DNS")]
    series = I(1.0)
    for v in dns + aws:
        series = series * v
    contains(pct(total[1], lang), series, f"{where}: series product")
    a_dns, a_aws = I(1.0), I(1.0)
    for v in dns:
        a_dns = a_dns * v
    for v in aws:
        a_aws = a_aws * v

    standby = find(lang, "| **With the standby = A_dns x (1 - both down) - failover time** | **{value} %** | {minutes} "
                         "{per_year} |", md)
    with_line = find(lang, "- Composite availability: **{percent} %**, with the standby in parallel (section "
                           "\"{section}\" below; the series product above is the AWS site alone)", md)
    without_line = find(lang, "- Composite availability: **{percent} %** = the series product (the standby is not "
                              "counted: see below)", md)
    assert (with_line is None) != (without_line is None), f"{where}: one composite line"
    if without_line:
        composite = num(without_line["percent"], lang) * 0.01
        contains(composite, series, f"{where}: composite = series product")
        assert standby is None
    else:
        assert standby is not None, f"{where}: the with-standby row is missing"
        composite = num(with_line["percent"], lang) * 0.01  # type: ignore[index]
        contains(composite, num(standby["value"], lang) * 0.01, f"{where}: composite = with-standby row")
        check_standby(md, lang, where, a_dns, a_aws)

    down = find(lang, "- Expected downtime: 100 % - composite = **{percent} %** a year = **{minutes} min/year**", md)
    assert down, where
    contains(num(down["percent"], lang) * 0.01, 1 - composite, f"{where}: downtime = 100 % - composite")
    contains(num(down["minutes"], lang), num(down["percent"], lang) * 0.01 * MINUTES_PER_YEAR, f"{where}: minutes")
    target = find(lang, "- Agency target: at most {target} % a year = {minutes} min/year: the estimate **{verdict}** "
                        "the target", md)
    assert target, where
    contains(num(target["minutes"], lang), I(exact(target["target"], lang)) * 0.01 * MINUTES_PER_YEAR,
             f"{where}: target minutes")
    met = target["verdict"] == _("meets")
    assert met == (num(down["percent"], lang).lo <= exact(target["target"], lang) + 1e-9), f"{where}: verdict"

    allowance = find(lang, "Agency target (at most {target} % a year = {allowed} {per_year}): after the expected "
                           "downtime of {downtime} {per_year}{counted}, it leaves room for **{count}** more failovers "
                           "of {seconds} s a year: ({allowed} - {downtime}) x 60 / {seconds}, rounded down.", md)
    if allowance:
        assert allowance["target"] == target["target"] and allowance["allowed"] == target["minutes"]
        assert allowance["downtime"] == down["minutes"]
        floor_ok(int(allowance["count"]), (num(allowance["allowed"], lang) - num(allowance["downtime"], lang)) * 60
                 / exact(allowance["seconds"], lang), f"{where}: failovers the agency target leaves room for")
    assert check_bold_totals(md, lang, where) >= 1


def check_standby(md: str, lang: Language, where: str, a_dns_tiers: I, a_aws_tiers: I) -> None:
    _ = lang.gettext
    get = {
        "dns": find(lang, "| A_dns | {value} % | the DNS row of the tiers table |", md),
        "aws": find(lang, "| A_aws | {value} % | product of the tiers table's rows other than DNS |", md),
        "standby": find(lang, "| A_standby | {value} % | declared by the data centre: {key} |", md),
        "both": find(lang, "| both down = (1 - A_aws) x (1 - A_standby) | {value} % | {minutes} {per_year} |", md),
        "ft": find(lang, "| failover time = n x F / Y | {value} % | n = {n} failovers a year ({key}), F = {seconds} s, "
                         "Y = {year} s: {total} s = {minutes} {per_year} |", md),
        "with": find(lang, "| **With the standby = A_dns x (1 - both down) - failover time** | **{value} %** | "
                           "{minutes} {per_year} |", md),
    }
    assert all(get.values()), {k: bool(v) for k, v in get.items()}
    v = {k: num(m["value"], lang) * 0.01 for k, m in get.items()}  # type: ignore[index]
    contains(v["dns"], a_dns_tiers, f"{where}: A_dns = the DNS row")
    contains(v["aws"], a_aws_tiers, f"{where}: A_aws = product of the other rows")
    contains(v["both"], (1 - v["aws"]) * (1 - v["standby"]), f"{where}: both down")
    contains(num(get["both"]["minutes"], lang), v["both"] * MINUTES_PER_YEAR, f"{where}: both down, minutes")  # type: ignore[index]
    ft = get["ft"]
    n, f, y = int(ft["n"]), exact(ft["seconds"], lang), exact(ft["year"], lang)  # type: ignore[index]
    assert y == 365 * 24 * 3600
    assert exact(ft["total"], lang) == n * f  # type: ignore[index]
    contains(v["ft"], I(n * f / y), f"{where}: failover time")
    contains(num(ft["minutes"], lang), I(n * f / 60), f"{where}: failover minutes")  # type: ignore[index]
    with_ = v["dns"] * (1 - v["both"]) - v["ft"]
    contains(v["with"], with_, f"{where}: with the standby")
    contains(num(get["with"]["minutes"], lang), (1 - v["with"]) * MINUTES_PER_YEAR, f"{where}: minutes")  # type: ignore[index]
    design = find(lang, "Design target {target} % ({minutes} {per_year} down): A_dns x (1 - both down) = {parallel} %, "
                        "so it leaves room for at most **{max_failovers}** failovers a year of F = {seconds} s: "
                        "({parallel} % - {target} %) x Y / F, rounded down.", md)
    assert design, where
    target = exact(design["target"], lang) / 100
    contains(num(design["minutes"], lang), I((1 - target) * MINUTES_PER_YEAR), f"{where}: design minutes")
    parallel = num(design["parallel"], lang) * 0.01
    contains(parallel, v["dns"] * (1 - v["both"]), f"{where}: parallel sites")
    floor_ok(int(design["max_failovers"]), (parallel - target) * y / exact(design["seconds"], lang),
             f"{where}: failovers the design target leaves room for")
    least = find(lang, "With n = {n} failovers, the design target {target} % needs a standby of at least **{least} %** "
                       "= 1 - (1 - ({target} % + failover time) / A_dns) / (1 - A_aws).", md)
    if least:
        need = 1 - (1 - (I(target) + v["ft"]) / v["dns"]) / (1 - v["aws"])
        contains(num(least["least"], lang) * 0.01, need, f"{where}: least standby availability")


def check_residency(md: str, lang: Language, where: str) -> None:
    _ = lang.gettext
    header = [_(h) for h in ("Resource", "Type", "Region", "In-country", "Scope", "Holds", "Encryption key", "Backup",
                             "Account", "Delivers to / copy of")]
    table = next(t for t in tables(md) if t[0] == header)
    rows = table[1:]
    col = {h: i for i, h in enumerate(header)}
    counts = find(lang, "- {count} rows: {data} hold data, {delivery} deliver data to a store (they keep none "
                        "themselves), {config} configuration only", md)
    assert counts, where
    holds = [r[col[_("Holds")]] for r in rows]
    assert int(counts["count"]) == len(rows)
    assert int(counts["data"]) == holds.count(_("data"))
    assert int(counts["delivery"]) == holds.count(_("delivery"))
    assert int(counts["config"]) == holds.count(_("configuration"))
    assert int(counts["count"]) == int(counts["data"]) + int(counts["delivery"]) + int(counts["config"])
    unencrypted = find(lang, "- data stores without encryption: **{count}**", md)
    assert unencrypted and int(unencrypted["count"]) == sum(
        r[col[_("Holds")]] == _("data") and r[col[_("Encryption key")]] == _("none") for r in rows)
    outside = find(lang, "- regional resources outside the allowed regions: **{count}**", md)
    assert outside and int(outside["count"]) == sum(r[col[_("In-country")]] == _("no") for r in rows)


def check_drp(md: str, lang: Language, where: str) -> None:
    assert check_bold_totals(md, lang, where) >= 0
    az = find(lang, "{rto} s (max of ALB detection {detection} s and database failover upper bound {db} s)", md)
    if az:
        assert exact(az["rto"], lang) == max(exact(az["detection"], lang), exact(az["db"], lang))


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("stack", STACKS)
def test_every_figure_recomputes_from_the_rendered_documents(graphs, stack: str, code: str) -> None:
    lang = language(code)
    d = docs(graphs, stack, code)
    check_availability(d["availability.md"], lang, f"{stack}/{code}/availability.md")
    check_residency(d["residency.md"], lang, f"{stack}/{code}/residency.md")
    check_drp(d["drp.md"], lang, f"{stack}/{code}/drp.md")
    for name, text in d.items():  # no 3.005e-06 in prose or tables
        assert not re.search(r"\d[.,]\d+e[-+]?\d", text), (name, re.findall(r"\S*\d[.,]\d+e[-+]?\d\S*", text))


def test_the_checker_catches_a_wrong_total(graphs) -> None:
    """The recomputation is not blind: the old document (composite labelled a product of the tiers while it is the
    with-standby figure) and a changed digit both fail."""
    lang = language("en")
    md = docs(graphs, "hybrid-pdn", "en")["availability.md"]
    series = re.search(r"\| \*\*Series product \(product of the rows above\)\*\* \| \*\*([0-9.]+) %\*\*", md)
    assert series
    wrong = md.replace(f"**{series.group(1)} %**", "**99.9979 %**", 1)
    with pytest.raises(AssertionError):
        check_availability(wrong, lang, "tampered")
    ft = re.search(r"failover time = n x F / Y \| ([0-9.]+) %", md)
    assert ft
    with pytest.raises(AssertionError):
        check_availability(md.replace(f"| {ft.group(1)} %", "| 0.002750 %", 1), lang, "tampered")


# ---------------------------------------------------------------- 2. no value the engine made up is shown as a fact

def stand_ins(graph: Graph) -> set[str]:
    """Written here independently of siaga/documents/facts.py: the string outputs the offline engine filled (not among
    the resource's inputs, not given by the config or an input the program wrote itself), with a digit."""
    def strings(v: object) -> set[str]:
        if isinstance(v, dict):
            return set().union(*(strings(x) for x in v.values())) if v else set()
        if isinstance(v, list):
            return set().union(*(strings(x) for x in v)) if v else set()
        return {v} if isinstance(v, str) else set()

    given: set[str] = set()
    for value in graph.config.values():
        given |= strings(value)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):  # "[secret]"
                given |= strings(json.loads(value))
    for r in graph.resources:
        for key, value in r.plain_inputs().items():
            if not r.options.propertyDependencies.get(key):
                given |= strings(value)
    out: set[str] = set()
    for r in graph.resources:
        if not r.custom or r.read or r.is_provider:
            continue
        own = strings(r.plain_inputs())
        for v in strings(plain(r.outputs)) | {r.id}:
            if v not in own and v not in given and re.search(r"\d", v) and len(v) >= 6 and v != "[secret]":
                out.add(v)
    return out


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("stack", STACKS)
def test_no_stand_in_value_appears_unmarked(graphs, stack: str, code: str) -> None:
    graph = graphs(stack)
    invented = stand_ins(graph)
    assert invented, "the graph has stand-ins (else this test checks nothing)"
    d = docs(graphs, stack, code)
    for name, text in d.items():
        shown = sorted(v for v in invented if v in text)
        assert not shown, f"{stack}/{code}/{name} shows engine stand-ins as facts: {shown[:5]}"
        assert "awsdns" not in text and "elb.amazonaws.com" not in text, name
    lang = language(code)
    delegation = d["drp.md"].split("## " + lang.gettext("DNS delegation (once, by the agency)"), 1)
    if len(delegation) == 2 and graph.of_type("aws:route53/zone:Zone"):  # a created zone: its name servers
        assert "`pulumi stack output nameServers`" in delegation[1]


def test_outputs_and_state_give_the_real_values(graphs) -> None:
    graph = graphs("jakarta-prod")
    zone = graph.of_type("aws:route53/zone:Zone")[0]
    offline_ns = plain(zone.outputs["nameServers"])
    real = ["ns-1111.awsdns-11.org", "ns-222.awsdns-22.com", "ns-3333.awsdns-33.co.uk", "ns-444.awsdns-44.net"]
    lang = language("en")
    with_outputs = drp.render_markdown(analyse(graph, Facts.of(graph, outputs={"nameServers": real})), "p", lang=lang)
    assert all(f"- `{ns}`" in with_outputs for ns in real)
    assert not any(ns in with_outputs for ns in offline_ns)
    # the ALB name the failover record points to: from the export that holds it offline
    topo = analyse(graph)
    assert topo.primary is not None and topo.facts.is_invented(topo.primary.target)
    held = topo.facts.export_of(topo.primary.target)
    assert held is not None
    alb = "real-alb-123.ap-southeast-3.elb.amazonaws.com"
    outputs = {held[0]: alb} if not held[1] else None
    if outputs:
        assert alb in drp.render_markdown(analyse(graph, Facts.of(graph, outputs=outputs)), "p", lang=lang)
    # a state export: matched by URN and property path
    state = graph.model_copy(update={"source": "state", "resources": [
        r.model_copy(update={"outputs": {**r.outputs, "nameServers": real[::-1]}}) if r.urn == zone.urn else r
        for r in graph.resources]})
    from_state = drp.render_markdown(analyse(graph, Facts.of(graph, state=state)), "p", lang=lang)
    assert all(f"- `{ns}`" in from_state for ns in real)


def test_delegation_names_the_party_for_the_zone() -> None:
    top = drp.delegation_of("contoh.go.id")
    assert top.at_registrar and top.registrable == "contoh.go.id"
    sub = drp.delegation_of("bapenda.sumbarprov.go.id")
    assert not sub.at_registrar and sub.parent == "sumbarprov.go.id" and sub.registrable == "sumbarprov.go.id"
    other = drp.delegation_of("layanan.example.com")
    assert other.registrable is None and other.parent == "example.com"


@pytest.mark.parametrize("code", LANGS)
def test_four_label_domain_is_delegated_by_the_parent_zone_not_the_registrar(graphs, code: str) -> None:
    lang = language(code)
    md = docs(graphs, NEW, code)["drp.md"]
    section = md.split("## " + lang.gettext("DNS delegation (once, by the agency)"), 1)[1].split("\n## ", 1)[0]
    sub = find(lang, "{zone} is a sub-zone of the agency domain {registrable}: it is delegated by NS records for "
                     "{zone} in its parent zone {parent}, added by whoever operates {parent} (the agency holding "
                     "{registrable}, or the unit it gave {parent} to); the {suffix} registrar is not involved "
                     "({rule}).", section)
    assert sub, section
    assert sub["zone"] == "`bapenda.sumbarprov.go.id`" and sub["parent"] == "`sumbarprov.go.id`"
    assert find(lang, "Set the NS records of {zone} to these at the {suffix} registrar: {zone} is an agency domain "
                      "registered directly under {suffix}, whose registrar is the ministry for communication and "
                      "digital affairs ({rule}; the {registry} registry itself is PANDI).", section) is None
    # what delegating the agency's sub-zone hands over is said, with the way to keep the zone
    assert "`siaga:dns.hostedZoneId`" in section
    # the reference stack's contoh.go.id sits directly under go.id: its registrar
    ref = docs(graphs, "jakarta-prod", code)["drp.md"]
    assert find(lang, "Set the NS records of {zone} to these at the {suffix} registrar: {zone} is an agency domain "
                      "registered directly under {suffix}, whose registrar is the ministry for communication and "
                      "digital affairs ({rule}; the {registry} registry itself is PANDI).", ref)


# ---------------------------------------------------------------- 3. residency: a correct inventory

@pytest.mark.parametrize("stack", STACKS)
def test_residency_inventory(graphs, stack: str) -> None:
    graph = graphs(stack)
    topo = analyse(graph)
    rows = residency.rows(topo)
    by_type: dict[str, list[residency.Row]] = {}
    for r in rows:
        by_type.setdefault(r.type, []).append(r)
    # delivery resources are not data stores, and say where they deliver
    for t in ("aws:ec2/flowLog:FlowLog", "aws:cloudtrail/trail:Trail",
              "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"):
        for r in by_type.get(t, []):
            assert r.holds == "delivery" and r.encryption != "none" and r.deliversTo, r
    assert by_type.get("aws:ec2/flowLog:FlowLog"), "the stacks all have a flow log"
    flow = by_type["aws:ec2/flowLog:FlowLog"][0]
    assert "LogGroup" in flow.deliversTo
    md = residency.render_markdown(rows, stack, ["ap-southeast-3"], [])
    assert re.search(r"- data stores without encryption: \*\*0\*\*", md), md.splitlines()[:14]
    # global services have no region
    for r in rows:
        if r.scope == "global":
            assert r.region == "none (global service)" and r.inCountry == "n/a", r
    # the account column: the isolated account's resources carry the account of the role their provider assumes
    providers = {p.urn: p for p in graph.resources if p.type == "pulumi:providers:aws"}
    for r in rows:
        res = graph.by_urn().get(r.urn)
        prov = providers.get(res.provider_urn or "") if res is not None else None
        role = plain(prov.inputs.get("assumeRole") or prov.inputs.get("assumeRoles")) if prov is not None else None
        if isinstance(role, str):
            role = json.loads(role)
        arns = [x.get("roleArn") for x in (role if isinstance(role, list) else [role]) if isinstance(x, dict)]
        if arns:
            assert r.account.startswith(f"account {arns[0].split(':')[4]} "), r
        elif res is not None and res.package == "aws" and r.scope != "on-prem":
            assert r.account == "stack account", r
    cfg = topo.config
    assert cfg is not None
    if cfg.backup.isolatedAccount is not None:
        vault = next(r for r in by_type["aws:backup/vault:Vault"] if r.account != "stack account")
        assert cfg.backup.isolatedAccount.accountId in vault.account and vault.deliversTo
    # every copy of citizen data: the on-prem standby when the stack replicates to it
    standby = [r for r in rows if r.scope == "on-prem"]
    if topo.replications:
        assert cfg.standby.database is not None and cfg.standby.database.address
        assert len(standby) == 1 and cfg.standby.database.address in standby[0].name
        assert standby[0].holds == "data" and standby[0].inCountry == "declared by the agency"
        assert standby[0].account == "the agency's data centre (not an AWS account)"
        assert "full load + CDC" in standby[0].deliversTo
    else:
        assert standby == []


def test_residency_csv_carries_the_new_columns_in_both_languages(graphs) -> None:
    topo = analyse(graphs("hybrid-pdn"))
    rows = residency.rows(topo)
    en = residency.to_csv(rows).splitlines()
    assert en[0].endswith(",account,deliversTo") and len(en) == len(rows) + 1
    id_ = residency.to_csv(rows, lang=language("id"))
    assert "akun stack" in id_ and "situs siaga di pusat data instansi" in id_ and "pengiriman" in id_


# ---------------------------------------------------------------- 4. document control

@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("stack", ["jakarta-prod", NEW])
def test_every_document_opens_with_its_control_block(graphs, stack: str, code: str, monkeypatch) -> None:
    lang = language(code)
    _ = lang.gettext
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 12, 7, tzinfo=dt.UTC).timestamp())))
    topo = analyse(graphs(stack))
    texts = render_texts(topo, stack, lang)
    cfg = topo.config
    assert cfg is not None and cfg.documentControl.agencyName
    for name, title in (("drp.md", "Disaster Recovery Plan"), ("availability.md", "Availability budget"),
                        ("residency.md", "Residency evidence")):
        block = tables(texts[name])[0]
        assert block[0][0] == _("Document control"), name
        cells = {row[0]: row[1] for row in block[1:]}
        assert cells[_("Agency")] == f"{cfg.documentControl.agencyName} ({cfg.agency})"
        assert cells[_("Document")].startswith(_(title))
        assert cells[_("Date")] == "2026-12-07"
        assert "2027-12-07" in cells[_("Review")]
        assert f"(siaga:tags.dataClassification: {cfg.tags.dataClassification})" in cells[_("Classification")]
        assert cells[_("Approved by")].startswith(str(cfg.documentControl.approver))
        assert cells[_("Owner")] == (cfg.documentControl.owner or cfg.tags.owner)
        assert cells[_("Version")]
    # the markdown starts with the title, the block right under it
    assert texts["drp.md"].splitlines()[2].startswith("| " + _("Document control"))


def test_control_block_says_what_is_not_set_and_keeps_config_text_inert(graphs) -> None:
    lang = language("en")
    topo = analyse(graphs("jakarta-prod"))
    c = control.control_of(topo, "DRP", "s", date=FIXED_DATE, version=None)
    bare = control.Control(**{**c.__dict__, "agency_name": None, "approver": None, "owner": "a | b `x`"})
    text = "\n".join(control.render(bare, lang))
    assert "NOT SET (siaga:documentControl.agencyName)" in text and "NOT SET (siaga:documentControl.approver)" in text
    assert "uncommitted" in text and "a \\| b 'x'" in text
    owner = next(row for row in tables(text)[0] if row[0] == "Owner")
    assert len(owner) == 2  # the pipe in the owner's name did not open a column


def test_git_version(tmp_path: Path) -> None:
    assert control.git_version(tmp_path) is None  # not a repository: "uncommitted"
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = ["-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("1")
    subprocess.run(["git", "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run(["git", *env, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert control.git_version(tmp_path) == head
    (tmp_path / "f").write_text("2")
    assert control.git_version(tmp_path) == head + "+"


# ---------------------------------------------------------------- 5. RTO/RPO, contacts

@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("stack", STACKS)
def test_every_scenario_has_numeric_rto_and_rpo(graphs, stack: str, code: str) -> None:
    lang = language(code)
    topo = analyse(graphs(stack))
    not_covered = lang.gettext("not covered by this stack: {gap}").split("{")[0]
    for sc in drp.scenarios(topo, lang):
        assert re.search(r"\d", sc.rto), (sc.key, sc.rto)
        # a figure, or the plain statement that nothing in the stack covers it (jakarta-staging: no standby data)
        assert re.search(r"\d", sc.rpo) or (sc.key == "site" and sc.rpo.startswith(not_covered)), (sc.key, sc.rpo)
        assert "few minutes" not in sc.rto and "beberapa menit" not in sc.rto
    db = next(s for s in drp.scenarios(topo, lang) if s.key == "database")
    assert "30-120" in db.rto and ("ASSUMED" in db.rto or "DIASUMSIKAN" in db.rto)
    assert "siaga:database.restoreMinutes" in db.rto_basis and "list-restore-jobs" in db.rto_basis


def test_measured_restore_time_replaces_the_assumption(graphs) -> None:
    g = graphs("jakarta-staging")
    database = json.loads(g.config["siaga:database"]) if isinstance(g.config.get("siaga:database"), str) else dict(
        g.config.get("siaga:database") or {})
    changed = g.model_copy(update={"config": {**g.config, "siaga:database": json.dumps(
        {**database, "restoreMinutes": [25, 90]})}})
    db = next(s for s in drp.scenarios(analyse(changed)) if s.key == "database")
    assert db.rto.startswith("25-90 min") and "measured" in db.rto and db.rto_seconds == 90 * 60
    assert "measured by the agency's restore tests" in db.rto_basis


@pytest.mark.parametrize("code", LANGS)
def test_contacts_in_escalation_order_with_phones(graphs, code: str) -> None:
    lang = language(code)
    _ = lang.gettext
    md = docs(graphs, NEW, code)["drp.md"]
    section = md.split("## " + _("Contacts and escalation"), 1)[1].split("\n## ", 1)[0]
    table = tables(section)[0]
    assert [r[0] for r in table[1:]] == ["1", "2"]
    assert table[1][4] == "+62-751-123-4567" and table[2][4] == "0812-3456-7890"
    assert table[1][5] == _("{minutes} min without an answer").format(minutes=15)
    assert table[2][5] == _("last in the list")
    ref = docs(graphs, "jakarta-prod", code)["drp.md"]
    assert _("Only one contact: nobody to escalate to. Add the next level (head of the ICT unit) to {key}.").format(
        key="`siaga:alertContacts`") in ref


@pytest.mark.parametrize(("flag", "value", "key"), [
    ("--contact-phone", "call me", "phone"),
    ("--contact-phone", "12345", "phone"),
    ("--escalation", "only-a-name", "--escalation"),
    ("--escalation", "Kabid,kabid@x.go.id,not-a-phone", "phone"),
    ("--agency-name", "Dinas\x07Contoh", "agencyName"),
])
def test_new_refuses_bad_contact_and_control_values(tmp_path: Path, flag: str, value: str, key: str) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(p, stacks / p.name)
    flags = {"--service": "pbb", "--domain": NEW_DOMAIN, "--owner": "ti", "--cost-centre": "1",
             "--contact-email": "ttis@bapenda.sumbarprov.go.id", "--standby": "standby.bapenda.sumbarprov.go.id",
             "--contact-phone": "+62-751-123-4567", "--agency-name": "Badan Pendapatan Daerah",
             "--approver": "Kepala Badan", "--standby-ip": "198.51.100.40"}
    args = [x for k, v in flags.items() if k != flag for x in (k, v)] + [flag, value]
    done = CliRunner().invoke(app, ["new", "bapenda", *args, "--force-no-input", "--stacks-dir", str(stacks)])
    assert done.exit_code == 2, done.output
    assert key in done.output and "Traceback" not in done.output
    assert not list(stacks.glob("Pulumi.bapenda-*"))


def test_report_refuses_a_bad_outputs_file_before_running(tmp_path: Path) -> None:
    bad = tmp_path / "outputs.json"
    bad.write_text("[1, 2]")
    done = CliRunner().invoke(app, ["report", "--stack", "jakarta-staging", "--outputs", str(bad), "--output",
                                    str(tmp_path / "out")])
    assert done.exit_code == 2 and "--outputs" in done.output and "JSON list" in done.output
    assert len(done.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_new_stack_writes_every_document_pdf_included(graphs, tmp_path: Path) -> None:
    """The control block, the two-level contacts and the delegation notes render in the PDF too (its table cells take
    no inline markup)."""
    from siaga.documents import write_reports

    files, _topo, _budget = write_reports(graphs(NEW), NEW, tmp_path / "id", lang="id")
    assert files.drp_pdf.read_bytes().startswith(b"%PDF-")
    assert "Badan Pendapatan Daerah Provinsi Sumatera Barat" in files.drp.read_text(encoding="utf-8")


def test_report_cli_writes_the_deployed_values_from_outputs(tmp_path: Path) -> None:
    real = ["ns-1111.awsdns-11.org", "ns-222.awsdns-22.com", "ns-3333.awsdns-33.co.uk", "ns-444.awsdns-44.net"]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"nameServers": real, "albDnsName": "real-alb-1.ap-southeast-3.elb.amazonaws.com"}))
    done = CliRunner().invoke(app, ["report", "--stack", "jakarta-staging", "--outputs", str(outputs), "--output",
                                    str(tmp_path / "docs"), "--lang", "en"])
    assert done.exit_code == 0, done.output
    text = (tmp_path / "docs" / "en" / "drp.md").read_text(encoding="utf-8")
    assert all(f"- `{ns}`" in text for ns in real)
    assert "PRIMARY -> real-alb-1.ap-southeast-3.elb.amazonaws.com" in text
    assert "known after" not in text.split("## DNS delegation", 1)[1].split("\n## ", 1)[0]
