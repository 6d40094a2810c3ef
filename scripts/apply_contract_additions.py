"""Re-apply docs/contract-additions.md to the shared spec if that file was reset.

Usage: python scripts/apply_contract_additions.py [SPEC]  (default ../shared/spec/data-format.md)
Idempotent: a spec that already holds the additions is left as it is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RETAINED = "`retained` (still employed after 3 months)"  # the event the interview_asked text follows


def _parts(text: str) -> list[str]:
    return [p.strip("\n") for p in re.findall(r"\n---\n(.*?)\n---\n", text, flags=re.S)]


def apply(spec: str, additions: str) -> str:
    """The spec with the additions' six blocks in their places."""
    name, access_needs, access_opening, interview, cautions, sections = _parts(additions)
    if "access_needs" in spec:
        return spec
    lines = spec.split("\n")
    out: list[str] = []
    table = None
    for i, line in enumerate(lines):
        if line.startswith("## "):
            table = line
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if RETAINED in line:
            line = line.replace(RETAINED, RETAINED + interview)
        if line.startswith("| reasons |"):
            line = line.rstrip(" |") + " (see Reasons and cautions) |"
        if line.startswith("## Bad input"):
            out.extend([sections, ""])
        out.append(line)
        if line.startswith("| seeker_id | text | yes | unique |"):
            out.append(name)
        if line.startswith("| reasons |"):
            out.append(cautions)
        at_table_end = line.startswith("|") and not nxt.startswith("|")
        if at_table_end and table and table.startswith("## seekers.csv"):
            out.append(access_needs)
        if at_table_end and table and table.startswith("## openings.csv"):
            out.append(access_opening)
    return "\n".join(out)


def main() -> None:
    spec_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/spec/data-format.md"
    additions = (ROOT / "docs/contract-additions.md").read_text(encoding="utf-8")
    spec = spec_path.read_text(encoding="utf-8")
    new = apply(spec, additions)
    if new == spec:
        print(f"{spec_path}: already holds the additions")
        return
    mode = spec_path.stat().st_mode
    spec_path.chmod(mode | 0o200)
    spec_path.write_text(new, encoding="utf-8")
    spec_path.chmod(mode)
    print(f"{spec_path}: additions applied")


if __name__ == "__main__":
    main()
