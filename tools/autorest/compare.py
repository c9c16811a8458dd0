"""Compare our generated SDK's public API surface with AutoRest's.

Each side is either ``ROOT:PACKAGE`` (imported from folder ROOT, see
surface.py; extra folders to put on sys.path go before the package name,
e.g. ``generated:overlays:batchai.v2018_03_01``) or a surface ``.json`` file written by
surface.py.  Every
difference is printed on one line; the run fails (exit 1) when a difference is
not covered by the allowlist (tools/autorest/allowlist.toml by default;
``--allowlist`` may be given several times, and the entries of all files apply).

Allowlist format (TOML), one table per entry:

    [[allow]]
    difference = "client name: ours BatchAIManagementClient, reference BatchAI"
    reason = "why this difference is expected"

    [[allow]]
    pattern = "aio client name: *"       # fnmatch-style: * ? [seq]
    reason = "..."

Usage:
    python tools/autorest/compare.py --ours generated:overlays:batchai.v2018_03_01 --reference OUT:batchai
    python tools/autorest/compare.py --ours generated:overlays:batchai.v2018_03_01 \
        --reference tools/autorest/reference_surface.json
Standard library only.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the allowlist file needs 3.11+
    tomllib = None

sys.path.insert(0, str(Path(__file__).resolve().parent))

from surface import load_surface, parameter_name, to_json

DEFAULT_ALLOWLIST = Path(__file__).resolve().parent / "allowlist.toml"


# ------------------------------------------------------------------------ diffing


def _presence(context: str, kind: str, ours: Iterable[str], reference: Iterable[str]) -> list[str]:
    ours_set, reference_set = set(ours), set(reference)
    lines = [f"{context}{kind} {name} only in ours" for name in sorted(ours_set - reference_set)]
    lines += [f"{context}{kind} {name} only in reference" for name in sorted(reference_set - ours_set)]
    return lines


def _common(ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    return sorted(set(ours) & set(reference))


def _changed(context: str, what: str, ours: Any, reference: Any) -> list[str]:
    if ours == reference:
        return []
    return [f"{context}{what}: ours {ours}, reference {reference}"]


def _positional_names(parameters: list[str]) -> list[str]:
    return [parameter_name(p) for p in parameters if not p.startswith("*")]


def diff_parameters(context: str, ours: list[str], reference: list[str], kind: str = "parameter") -> list[str]:
    """Differences between two rendered parameter lists (see surface.render_parameter)."""
    ours_by_name = {parameter_name(p): p for p in ours}
    reference_by_name = {parameter_name(p): p for p in reference}
    lines = _presence(context, kind, ours_by_name, reference_by_name)
    for name in _common(ours_by_name, reference_by_name):
        ours_rendered, reference_rendered = ours_by_name[name], reference_by_name[name]
        if ours_rendered != reference_rendered and ours_rendered.lstrip("*") == reference_rendered.lstrip("*"):
            # the same name and default: only keyword-only-ness differs
            sides = ("ours", "reference") if ours_rendered.startswith("*") else ("reference", "ours")
            lines.append(f"{context}{kind} {name} is keyword-only in {sides[0]}, positional in {sides[1]}")
            continue
        lines += _changed(context, f"{kind} {name} differs", repr(ours_rendered), repr(reference_rendered))
    common = set(ours_by_name) & set(reference_by_name)
    ours_order = [n for n in _positional_names(ours) if n in common]
    reference_order = [n for n in _positional_names(reference) if n in common]
    if sorted(ours_order) == sorted(reference_order):
        lines += _changed(context, "positional parameter order differs", ours_order, reference_order)
    return lines


def diff_methods(label: str, ours: dict[str, list[str]], reference: dict[str, list[str]]) -> list[str]:
    """``label`` is put before each method name, e.g. 'aio method jobs.' or 'client method '."""
    lines = [f"{label}{name} only in ours" for name in sorted(set(ours) - set(reference))]
    lines += [f"{label}{name} only in reference" for name in sorted(set(reference) - set(ours))]
    for name in _common(ours, reference):
        lines += diff_parameters(f"{label}{name}: ", ours[name], reference[name])
    return lines


def diff_groups(prefix: str, ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    lines = _presence(prefix, "operation group", ours, reference)
    for attribute in _common(ours, reference):
        ours_group, reference_group = ours[attribute], reference[attribute]
        lines += _changed(prefix, f"operation group {attribute} class", ours_group["class"], reference_group["class"])
        lines += diff_methods(f"{prefix}method {attribute}.", ours_group["methods"], reference_group["methods"])
    return lines


def diff_client(prefix: str, ours: dict[str, Any] | None, reference: dict[str, Any] | None) -> list[str]:
    if ours is None or reference is None:
        if ours is reference:
            return []
        side = "ours" if reference is None else "reference"
        return [f"{prefix}client only in {side}"]
    lines = _changed(prefix, "client name", ours["name"], reference["name"])
    lines += diff_parameters(f"{prefix}client constructor: ", ours["parameters"], reference["parameters"])
    lines += diff_methods(f"{prefix}client method ", ours["methods"], reference["methods"])
    lines += diff_groups(prefix, ours["operation_groups"], reference["operation_groups"])
    return lines


def diff_models(ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    lines = _presence("", "model", ours, reference)
    for name in _common(ours, reference):
        context = f"model {name}: "
        ours_attributes, reference_attributes = ours[name]["attributes"], reference[name]["attributes"]
        lines += _presence(context, "attribute", ours_attributes, reference_attributes)
        for attribute in _common(ours_attributes, reference_attributes):
            lines += _changed(
                context,
                f"attribute {attribute} differs",
                repr(ours_attributes[attribute]),
                repr(reference_attributes[attribute]),
            )
        lines += diff_parameters(
            context, ours[name]["init_parameters"], reference[name]["init_parameters"], kind="init parameter"
        )
        lines += diff_validation(context, ours[name].get("validation"), reference[name].get("validation"))
    return lines


def diff_validation(context: str, ours: dict[str, str] | None, reference: dict[str, str] | None) -> list[str]:
    """Constraints per attribute; skipped when a surface was saved before validation was recorded."""
    if ours is None or reference is None:
        return []
    lines = []
    for attribute in sorted(set(ours) | set(reference)):
        ours_rule, reference_rule = ours.get(attribute, ""), reference.get(attribute, "")
        lines += _changed(context, f"validation of {attribute} differs", repr(ours_rule), repr(reference_rule))
    return lines


def diff_enums(ours: dict[str, list[str]], reference: dict[str, list[str]]) -> list[str]:
    lines = _presence("", "enum", ours, reference)
    for name in _common(ours, reference):
        lines += _presence(f"enum {name}: ", "value", ours[name], reference[name])
    return lines


def diff_surfaces(ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Every difference between two surfaces, one readable line each, in a fixed order."""
    lines = diff_client("", ours["client"], reference["client"])
    lines += diff_client("aio ", ours.get("aio_client"), reference.get("aio_client"))
    lines += diff_models(ours["models"], reference["models"])
    lines += diff_enums(ours["enums"], reference["enums"])
    return lines


# ---------------------------------------------------------------------- allowlist


@dataclass(frozen=True)
class AllowEntry:
    reason: str
    difference: str | None = None
    pattern: str | None = None

    def matches(self, line: str) -> bool:
        if self.difference is not None:
            return line == self.difference
        return fnmatch.fnmatchcase(line, self.pattern or "")

    def describe(self) -> str:
        return f"difference {self.difference!r}" if self.difference is not None else f"pattern {self.pattern!r}"


def parse_allowlist(data: dict[str, Any]) -> list[AllowEntry]:
    entries = []
    for index, raw in enumerate(data.get("allow", [])):
        keys = set(raw)
        if not raw.get("reason"):
            raise ValueError(f"allowlist entry {index}: a non-empty 'reason' is required")
        if len(keys & {"difference", "pattern"}) != 1 or keys - {"difference", "pattern", "reason"}:
            raise ValueError(f"allowlist entry {index}: give exactly one of 'difference' or 'pattern', and 'reason'")
        entries.append(AllowEntry(reason=raw["reason"], difference=raw.get("difference"), pattern=raw.get("pattern")))
    return entries


def load_allowlist(path: Path | None) -> list[AllowEntry]:
    if path is None or not path.exists():
        return []
    if tomllib is None:
        raise SystemExit("reading the allowlist needs Python 3.11+ (tomllib)")
    with path.open("rb") as handle:
        return parse_allowlist(tomllib.load(handle))


def allowing_entry(line: str, entries: list[AllowEntry]) -> AllowEntry | None:
    return next((entry for entry in entries if entry.matches(line)), None)


@dataclass
class Verdict:
    allowed: list[tuple[str, AllowEntry]]
    not_allowed: list[str]
    unused: list[AllowEntry]

    @property
    def ok(self) -> bool:
        return not self.not_allowed


def judge(differences: list[str], entries: list[AllowEntry]) -> Verdict:
    allowed, not_allowed, used = [], [], set()
    for line in differences:
        entry = allowing_entry(line, entries)
        if entry is None:
            not_allowed.append(line)
        else:
            allowed.append((line, entry))
            used.add(entry)
    unused = [entry for entry in entries if entry not in used]
    return Verdict(allowed=allowed, not_allowed=not_allowed, unused=unused)


def report(differences: list[str], verdict: Verdict) -> str:
    allowed = {line: entry for line, entry in verdict.allowed}
    lines = []
    for line in differences:
        if line in allowed:
            lines.append(f"allowed: {line}  [{allowed[line].reason}]")
        else:
            lines.append(f"DIFF:    {line}")
    for entry in verdict.unused:
        lines.append(f"note: allowlist entry {entry.describe()} matched nothing")
    lines.append(
        f"{len(differences)} differences: {len(verdict.allowed)} allowed, {len(verdict.not_allowed)} not allowed"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, help="ROOT[:EXTRA_ROOT...]:PACKAGE or surface .json of our SDK")
    parser.add_argument(
        "--reference", required=True, help="ROOT[:EXTRA_ROOT...]:PACKAGE or surface .json of AutoRest's SDK"
    )
    parser.add_argument(
        "--allowlist",
        type=Path,
        action="append",
        help=f"allowlist TOML file; repeat to combine several (default: {DEFAULT_ALLOWLIST.name})",
    )
    parser.add_argument("--save-ours", type=Path, help="also write our surface JSON here")
    parser.add_argument("--save-reference", type=Path, help="also write the reference surface JSON here")
    args = parser.parse_args(argv)

    ours = load_surface(args.ours)
    reference = load_surface(args.reference)
    for surface, path in ((ours, args.save_ours), (reference, args.save_reference)):
        if path is not None:
            path.write_text(to_json(surface), encoding="utf-8")

    differences = diff_surfaces(ours, reference)
    entries = [entry for path in args.allowlist or [DEFAULT_ALLOWLIST] for entry in load_allowlist(path)]
    verdict = judge(differences, entries)
    print(f"comparing ours={args.ours} with reference={args.reference}")
    print(report(differences, verdict))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
