"""A count's result as returning officers publish it: text, JSON, CSV or an HTML table.

Every number is printed as a decimal string with the rule's places (5 Scottish, 2 MER and
ERS97, 9 Meek, none for FPTP); the valid votes are a whole number of ballot papers. The stage
table has candidates as rows and stages as columns, headed by what each stage did, with the
non-transferable votes and the total (always the valid votes) underneath.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from html import escape
from typing import Any

from governance.elections.counting.model import Result, Stage

FORMATS = ("text", "json", "csv", "html")
STAGE_VIEWS = ("ours", "openstv")


def openstv_stages(result: Result) -> Result:
    """``result`` with each exclusion moved in several batches shown as one stage per batch,
    numbered on from there, as OpenSTV numbers its rounds (our own view keeps one stage per
    exclusion, with the batches in ``extra.parcels``). The figures are the same."""
    stages: list[Stage] = []
    for stage in result.stages:
        for shown in stage.batches or [stage]:
            stages.append(replace(shown, number=len(stages) + 1, batches=[]))
    return replace(result, stages=stages)


def render(
    result: Result,
    fmt: str = "text",
    title: str = "",
    affiliations: list[str] | None = None,
    stages: str = "ours",
) -> str:
    """``result`` in the format ``fmt`` (one of :data:`FORMATS`). ``affiliations`` (one per
    candidate, as a BLT file may give them) appear in the JSON report; ``stages="openstv"``
    shows the batches of an exclusion as stages of their own (see :func:`openstv_stages`)."""
    if stages == "openstv":
        result = openstv_stages(result)
    elif stages != "ours":
        raise ValueError(f"unknown stage view {stages!r} (known: {', '.join(STAGE_VIEWS)})")
    if fmt == "json":
        data = as_json(result, title, affiliations)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return as_csv(result)
    if fmt == "html":
        return as_html(result, title)
    if fmt == "text":
        return as_text(result, title)
    raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")


def as_json(
    result: Result, title: str = "", affiliations: list[str] | None = None
) -> dict[str, Any]:
    """The result as plain data (the shape documented in docs/counting.md)."""
    names = labels(result)
    scale = 10**result.places
    return {
        "method": result.method,
        "version": result.method_version,
        "title": title,
        "seats": result.seats,
        "places": result.places,
        "candidates": names,
        "affiliations": list(affiliations or []),
        "valid_votes": str(result.valid_votes // scale),
        "quota": _quota(result),
        "elected": [names[c] for c in result.elected],
        "excluded": [names[c] for c in result.excluded],
        "withdrawn": [names[c] for c in result.withdrawn],
        "invalid": {reason.value: papers for reason, papers in result.invalid.items()},
        "stages": [_stage_json(result, names, stage) for stage in result.stages],
        "ties": [
            {
                "stage": tie.stage,
                "purpose": tie.purpose,
                "between": [names[c] for c in tie.between],
                "chosen": names[tie.chosen],
                "broken_by": tie.broken_by,
                "decided_at_stage": tie.decided_at_stage,
                "lot_draw": None if tie.lot_draw is None else [names[c] for c in tie.lot_draw],
            }
            for tie in result.ties
        ],
        "seed": result.seed,
        "notes": list(result.notes),
    }


def _stage_json(result: Result, names: list[str], stage: Stage) -> dict[str, Any]:
    return {
        "stage": stage.number,
        "action": stage.action,
        "description": stage.description,
        "subjects": [names[c] for c in stage.subjects],
        "totals": {names[c]: result.fmt(stage.totals.get(c, 0)) for c in range(len(names))},
        "non_transferable": result.fmt(stage.non_transferable),
        "transfers": {names[c]: result.fmt(v) for c, v in sorted(stage.transfers.items())},
        "elected": [names[c] for c in stage.elected],
        "excluded": [names[c] for c in stage.excluded],
        "extra": dict(stage.extra),
    }


def labels(result: Result) -> list[str]:
    """Candidate names, made unique (a repeated name gets its ballot number) for use as keys."""
    seen: dict[str, int] = {}
    for name in result.candidates:
        seen[name] = seen.get(name, 0) + 1
    return [
        name if seen[name] == 1 else f"{name} [{i + 1}]" for i, name in enumerate(result.candidates)
    ]


def _quota(result: Result) -> str | None:
    if result.quota is None:
        return None
    scale = 10**result.places
    return str(result.quota // scale) if result.quota % scale == 0 else result.fmt(result.quota)


def _outcome(result: Result) -> list[str]:
    """Each candidate's final state, as the last column of the table."""
    state = ["Not elected"] * len(result.candidates)
    for stage in result.stages:
        for c in stage.elected:
            state[c] = f"Elected (stage {stage.number})"
        for c in stage.excluded:
            state[c] = f"Excluded (stage {stage.number})"
    for c in result.withdrawn:
        state[c] = "Withdrawn"
    return state


def _heading(result: Result, stage: Stage) -> str:
    names = result.candidates
    if stage.action == "first":
        return "First preferences" if result.quota is not None else "Votes"
    who = ", ".join(names[c] for c in stage.subjects)
    return {"surplus": f"Surplus of {who}", "exclusion": f"Exclusion of {who}"}.get(
        stage.action, stage.description
    )


def _rows(result: Result) -> list[list[str]]:
    """The stage table as rows of strings: header, candidates, then the totals rows."""
    names = labels(result)
    outcome = _outcome(result)
    rows = [["Candidate", *(f"Stage {s.number}" for s in result.stages), "Result"]]
    rows.append(["", *(_heading(result, s) for s in result.stages), ""])
    for c, name in enumerate(names):
        values = [result.fmt(s.totals.get(c, 0)) for s in result.stages]
        rows.append([name, *values, outcome[c]])
    if result.quota is not None:
        rows.append(
            ["Non-transferable", *(result.fmt(s.non_transferable) for s in result.stages), ""]
        )
        rows.append(
            [
                "Total",
                *(result.fmt(sum(s.totals.values()) + s.non_transferable) for s in result.stages),
                "",
            ]
        )
    return rows


def _summary(result: Result, title: str) -> list[str]:
    names = labels(result)
    scale = 10**result.places
    lines = [title] if title else []
    lines.append(f"Method: {result.method} ({result.method_version})")
    figures = f"Seats: {result.seats}. Valid votes: {result.valid_votes // scale}."
    if result.quota is not None:
        figures += f" Quota: {_quota(result)}."
    lines.append(figures)
    rejected = ", ".join(f"{r.value} {n}" for r, n in result.invalid.items() if n) or "none"
    lines.append(f"Rejected ballot papers: {rejected}.")
    if result.withdrawn:
        lines.append("Withdrawn: " + ", ".join(names[c] for c in result.withdrawn) + ".")
    return lines


def _epilogue(result: Result) -> list[str]:
    names = labels(result)
    lines = ["Elected, in order: " + (", ".join(names[c] for c in result.elected) or "nobody")]
    for tie in result.ties:
        how = tie.broken_by
        if tie.decided_at_stage is not None and tie.broken_by == "earlier stage":
            how = f"votes at stage {tie.decided_at_stage}"
        lines.append(
            f"Tie at stage {tie.stage} ({tie.purpose}) between "
            f"{', '.join(names[c] for c in tie.between)}: {names[tie.chosen]}, by {how}."
        )
    if result.seed is not None:
        lines.append(f"Seed for lots: {result.seed}")
    lines.extend(result.notes)
    return lines


def as_text(result: Result, title: str = "") -> str:
    rows = _rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = []
    for r, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i == 0 or i == len(row) - 1 or r < 2 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        table.append("  ".join(cells).rstrip())
    parts = [*_summary(result, title), "", *table, "", *_epilogue(result)]
    return "\n".join(parts) + "\n"


def as_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(_rows(result))
    return out.getvalue()


def as_html(result: Result, title: str = "") -> str:
    """A self-contained table fragment: caption, header cells with scope, no script or style."""
    rows = _rows(result)
    caption = " ".join(_summary(result, title))
    head = "".join(
        f'<th scope="col">{escape(a)}' + (f"<br>{escape(b)}" if b else "") + "</th>"
        for a, b in zip(rows[0], rows[1], strict=True)
    )
    body = []
    for row in rows[2:]:
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        body.append(f'<tr><th scope="row">{escape(row[0])}</th>{cells}</tr>')
    notes = "".join(f"<p>{escape(line)}</p>" for line in _epilogue(result))
    return (
        '<div class="count-report">\n'
        f'<table class="count-table">\n<caption>{escape(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + f"\n</tbody>\n</table>\n{notes}\n</div>\n"
    )
