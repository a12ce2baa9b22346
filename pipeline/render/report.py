"""The HTML report of ``zhpipe eval``: scores, a bar chart per label, every error in its text."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pipeline.render.document import describe_value
from pipeline.render.html import Mark, bar_chart, esc, marked_text, page

if TYPE_CHECKING:
    from pipeline.evaluate.report import EvalResult

ERROR_COLOURS = {
    "missed": "#ffd6d6",
    "spurious": "#ffe9a8",
    "wrong_boundary": "#d7e8ff",
    "wrong_label": "#e7d7ff",
    "wrong_value": "#c8f0d2",
    "missed_event": "#ffb3b3",
    "spurious_event": "#ffd480",
    "missed_argument": "#ffc9c9",
    "spurious_argument": "#fff0b3",
    "wrong_role": "#d9c7ff",
}
_REPORT_CSS = "".join(f"mark.e-{kind} {{ background: {colour}; }}\n" for kind, colour in ERROR_COLOURS.items()) + (
    "span.gold { border-bottom: 2px solid #1b7f3b; }\n.scores td { white-space: nowrap; }\n"
)
SCHEMES = ("strict", "exact", "partial", "type")


def _side(side: Any) -> str:
    if not side:
        return "—"
    if "label" in side:
        value = describe_value(side["label"], side.get("value"))
        return f"{side['label']} {side['text']!r} [{side['start']}:{side['end']}] {value}"
    if "role" in side:
        return f"{side['role']}: {side['text']!r}"
    if "type" in side:
        args = "; ".join(f"{a['role']}={a['text']}" for a in side.get("arguments", []))
        return f"{side['type']} [{side.get('status')}] {side.get('trigger') or ''}: {args}"
    return str(side)


def _tip(error: Any) -> str:
    lines = [f"{error.kind} · {error.label}"]
    if error.gold is not None:
        lines.append("gold: " + _side(error.gold))
    if error.pred is not None:
        lines.append("pred: " + _side(error.pred))
    if error.detail:
        lines.append(error.detail)
    return "\n".join(lines)


def _scores_table(result: EvalResult) -> str:
    assert result.ner is not None
    head = "<tr><th>label</th>" + "".join(f"<th>{s}<br>P / R / F1</th>" for s in SCHEMES)
    head += "<th>gold</th><th>pred</th><th>value accuracy</th></tr>"
    rows = []
    for label, per in [*((lb, result.ner["labels"][lb]) for lb in result.labels), ("ALL", result.ner["overall"])]:
        values = (result.values or {}).get(label)
        value_cell = (
            f"{values['accuracy']:.3f} ({values['equal']}/{values['matched']})" if values and values["gold"] else ""
        )
        cells = "".join(
            f"<td class='num'>{per[s]['precision']:.3f} / {per[s]['recall']:.3f} / <b>{per[s]['f1']:.3f}</b></td>"
            for s in SCHEMES
        )
        rows.append(
            f"<tr><th>{esc(label)}</th>{cells}<td class='num'>{per['strict']['possible']}</td>"
            f"<td class='num'>{per['strict']['actual']}</td><td class='num'>{value_cell}</td></tr>"
        )
    return f"<table class='scores'>{head}{''.join(rows)}</table>"


def _charts(result: EvalResult) -> str:
    charts = []
    if result.ner is not None:
        for label in [*result.labels, "ALL"]:
            per = result.ner["labels"][label] if label != "ALL" else result.ner["overall"]
            bars = [(f"{s} F1", float(per[s]["f1"])) for s in SCHEMES]
            values = (result.values or {}).get(label)
            if values and values["matched"]:
                bars.append(("value acc.", float(values["accuracy"])))
            charts.append(bar_chart(label, bars))
    if result.events is not None:
        bars = [("tuple F1", float(result.events["tuples"]["f1"])), ("type F1", float(result.events["types"]["f1"]))]
        bars += [(t, float(v["f1"])) for t, v in result.events["tuples_by_type"].items()]
        charts.append(bar_chart("events (tuple F1 by type)", bars, width=340, colour="#d1495b"))
    return f"<div class='charts'>{''.join(charts)}</div>"


def _events_table(result: EvalResult) -> str:
    assert result.events is not None
    rows = []
    for name, row in [("tuples", result.events["tuples"]), ("event types", result.events["types"])] + [
        (f"&nbsp;&nbsp;{esc(t)}", v) for t, v in result.events["tuples_by_type"].items()
    ]:
        rows.append(
            f"<tr><th>{name}</th><td class='num'>{row['precision']:.3f}</td><td class='num'>{row['recall']:.3f}</td>"
            f"<td class='num'><b>{row['f1']:.3f}</b></td><td class='num'>{row['correct']}</td>"
            f"<td class='num'>{row['predicted']}</td><td class='num'>{row['gold']}</td></tr>"
        )
    head = "<tr><th></th><th>precision</th><th>recall</th><th>F1</th><th>correct</th><th>pred</th><th>gold</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _document_section(pair: Any, errors: Any) -> str:
    gold = pair.gold
    marks = [
        Mark(
            m.start,
            m.end,
            "span",
            ("gold",),
            (("data-tip", f"gold {m.label} {m.text}\n{describe_value(m.label, m.value)}"),),
        )
        for m in gold.mentions
    ]
    rows = []
    for k, e in enumerate(errors.errors):
        anchor = f"{pair.key}-e{k}"
        if e.start is not None and e.end is not None and e.end > e.start:
            marks.append(Mark(e.start, e.end, "mark", ("err", f"e-{e.kind}"), (("data-tip", _tip(e)),), id=anchor))
            where = f"<a href='#{esc(anchor)}'>{e.start}–{e.end}</a>"
        else:
            where = "—"
        rows.append(
            f"<tr><td><span class='pill' style='background:{ERROR_COLOURS.get(e.kind, '#eee')}'>"
            f"{esc(e.kind)}</span></td>"
            f"<td>{esc(e.label)}</td><td>{where}</td><td>{esc(_side(e.gold))}</td><td>{esc(_side(e.pred))}</td>"
            f"<td>{esc(e.detail)}</td></tr>"
        )
    counts = ", ".join(f"{k} {v}" for k, v in Counter(e.kind for e in errors.errors).most_common()) or "no errors"
    stats = pair.alignment.stats
    aligned = "" if stats.identical else f" · text realigned (similarity {stats.similarity:.3f})"
    head = "<tr><th>kind</th><th>label / type</th><th>where</th><th>gold</th><th>predicted</th><th>detail</th></tr>"
    table = f"<table>{head}{''.join(rows)}</table>" if rows else ""
    return (
        f"<details{' open' if errors.errors else ''} id='{esc(pair.key)}'>"
        f"<summary><b>{esc(pair.key)}</b> — {esc(counts)}"
        f"{esc(aligned)}</summary><div class='doc'>{marked_text(gold.text, marks)}</div>{table}</details>"
    )


def render_report(result: EvalResult, *, max_documents: int = 300) -> str:
    """The self-contained HTML report of an evaluation.

    Documents with errors come first; at most ``max_documents`` are written out in full.
    """
    meta = result.meta
    summary = result.alignment_summary()
    gate = result.gate
    gate_line = ""
    if gate.get("checks"):
        verdict = "<span class='good'>passed</span>" if gate.get("passed") else "<span class='bad'>FAILED</span>"
        checks = ", ".join(
            f"{esc(c['key'])} {c['f1'] if c['f1'] is not None else '—'} ≥ {c['min_f1']}" for c in gate["checks"]
        )
        gate_line = f"<p>Gate {verdict}: {checks}</p>"
    error_counts: Counter[str] = Counter()
    for doc in result.errors:
        error_counts.update(doc.counts())
    legend = "".join(
        f"<span style='background:{ERROR_COLOURS[k]}'>{esc(k)} {error_counts.get(k, 0)}</span>" for k in ERROR_COLOURS
    )
    ordered = sorted(zip(result.pairs, result.errors, strict=True), key=lambda pe: -len(pe[1].errors))
    sections = "".join(_document_section(p, e) for p, e in ordered[:max_documents])
    more = (
        f"<p class='meta'>{len(ordered) - max_documents} more documents in metrics.json.</p>"
        if len(ordered) > max_documents
        else ""
    )
    body = (
        "<h1>zhpipe evaluation</h1>"
        f"<p class='meta'>gold <code>{esc(meta.get('gold'))}</code> · {esc(meta.get('input', ''))} · "
        f"{len(result.pairs)} documents · task {esc(result.task)} · "
        f"doc dates from {esc(meta.get('doc_dates', 'gold'))}</p>"
        f"<p class='meta'>{esc(summary['note'])}</p>{gate_line}"
        + (f"<h2>Mentions</h2>{_scores_table(result)}" if result.ner is not None else "")
        + (f"<h2>Events (DuEE-fin tuples)</h2>{_events_table(result)}" if result.events is not None else "")
        + f"<h2>Charts</h2>{_charts(result)}"
        + f"<h2>Errors by document</h2><div class='legend'>{legend} <span class='gold'>gold mention</span></div>"
        + sections
        + more
    )
    return page("zhpipe evaluation", body, css=_REPORT_CSS)
