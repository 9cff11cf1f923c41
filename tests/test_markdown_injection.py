"""The PR comment (siaga check --report markdown=...) is inert whatever the program names its resources and whatever
a waiver says: rendered as CommonMark + GFM tables, no image, no link or autolink to the attacker's host, no
@mention or #reference, no raw HTML beyond the report's own tags."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])
EVIL = "https://evil.example/p.gif"
NAMES = [f"![x]({EVIL})", "[click](https://evil.example)", "<img src=https://evil.example/i>", "@octocat", "#1",
         "www.evil.example", "*em*|pipe", "a`` `b"]
OWN_HTML = re.compile(r"^</?(details|summary|sub|br|code)>$|^<!-- siaga-check ")


def _walk(tokens):  # type: ignore[no-untyped-def]
    for t in tokens:
        yield t
        yield from _walk(t.children or [])


def test_hostile_names_and_waivers_are_inert_in_the_comment(tmp_path: Path) -> None:
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: md\nruntime: python\n")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n")
    (prog / "__main__.py").write_text("import pulumi_aws as aws\n" + "".join(f"aws.sns.Topic({n!r})\n" for n in NAMES))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - policy: sns-sqs-encrypted\n    urn: \"urn:pulumi:dev::md::aws:sns/topic:Topic::@octocat\"\n"
        f"    reason: \"see ![pixel]({EVIL}) and [docs](https://evil.example) cc @admin #42\"\n"
        "    approver: \"@security-team <b>boss</b>\"\n    expires: \"2027-01-01\"\n")
    out = tmp_path / "comment.md"
    done = subprocess.run([sys.executable, "-m", "siaga", "check", str(prog), "--stack", "dev", "--waivers",
                           str(waivers), "--waiver-max-days", "3650", "--report", f"markdown={out}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    md = out.read_text()
    assert "Waived (1)" in md  # the waiver applied: its reason and approver are in the comment
    tokens = list(_walk(GFM.parse(md)))
    assert not [t for t in tokens if t.type == "image"]
    links = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert not [h for h in links if "evil" in str(h)], links
    html = [t.content.strip() for t in tokens if t.type in ("html_inline", "html_block")]
    for block in html:
        for tag in re.findall(r"<[^>]*>", block):
            assert OWN_HTML.match(tag), tag
    text = "\n".join(t.content for t in tokens if t.type == "text")
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", text), "a mention survives"
    assert not re.search(r"#\d", text) and not re.search(r"https?://|www\.", text), text
