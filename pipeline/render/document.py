"""The page of ``zhpipe show``: one record, its mentions highlighted, events, repairs.

Every mention is a ``<mark data-mention=...>`` coloured by label whose hover text is
its normalised value; every event is a table row whose trigger and arguments link
to their spans; every repair is listed with what it replaced and what it wrote. The
page counts its highlighted mentions on load (``body[data-mentions]``) and records
script errors (``body[data-errors]``), which is what the browser test reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.render.html import LABEL_COLOURS, Mark, esc, marked_text, page

_SHOW_CSS = """
span.trg { border-bottom: 2px solid #d1495b; }
span.arg { border-bottom: 2px dotted #6b4fbb; }
body.show-repairs span.rep { background-image: linear-gradient(transparent 82%, #ffd54f 82%); }
body.hide-DATE mark.m-DATE, body.hide-AMOUNT mark.m-AMOUNT, body.hide-ORG mark.m-ORG,
body.hide-PERSON mark.m-PERSON, body.hide-PRODUCT mark.m-PRODUCT { background: transparent; }
.legend label { cursor: pointer; }
td.before { background: #fff1f0; } td.after { background: #effaf0; }
"""

_SHOW_SCRIPT = """
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message));
    document.body.dataset.errors = errors.join(' | ');
  });
  var ids = {};
  document.querySelectorAll('[data-mention]').forEach(function (el) { ids[el.dataset.mention] = true; });
  document.body.dataset.mentions = String(Object.keys(ids).length);
  document.body.dataset.rendered = 'yes';
  document.querySelectorAll('.legend input').forEach(function (box) {
    box.addEventListener('change', function () {
      if (box.value === 'repairs') { document.body.classList.toggle('show-repairs', box.checked); }
      else { document.body.classList.toggle('hide-' + box.value, !box.checked); }
    });
  });
})();
"""


def describe_value(label: str, value: Mapping[str, Any] | None) -> str:
    """A one-line reading of a normalised value, for hover texts and tables."""
    if not value:
        return "(no value)"
    if label == "DATE":
        kind = value.get("kind")
        if kind == "duration":
            text = f"duration {value.get('duration')}"
        else:
            start = (value.get("start") or "…").replace("T00:00:00", "")
            end = (value.get("end") or "…").replace("T00:00:00", "")
            text = f"{kind} {start} → {end} (end exclusive)"
        text += f", grain {value.get('grain')}"
        return text + (", fuzzy" if value.get("fuzzy") else "")
    if label == "AMOUNT":
        number = value.get("value")
        if number is None:
            number = f"{value.get('low')}–{value.get('high')}"
        bits = [str(value.get("kind")), str(number)]
        if value.get("currency"):
            bits.append(str(value["currency"]) + (" (implied)" if value.get("currency_implied") else ""))
        if value.get("unit"):
            bits.append(f"unit {value['unit']}")
        if value.get("qualifier") not in (None, "exact"):
            bits.append(str(value["qualifier"]))
            bits.append(f"[{value.get('low')}, {value.get('high')}]")
        return " ".join(bits)
    if label == "ORG":
        return f"{value.get('name')} ({value.get('type')})"
    return " · ".join(str(value[k]) for k in ("name", "title", "org") if value.get(k))


def _tip(label: str, text: str, value: Mapping[str, Any] | None, source: str | None) -> str:
    lines = [f"{label}  {text}", describe_value(label, value)]
    if source:
        lines.append(source)
    return "\n".join(lines)


def document_marks(record: Mapping[str, Any]) -> list[Mark]:
    """The marks of a record: mentions, event triggers, argument spans without a mention, repairs."""
    marks: list[Mark] = []
    for m in record.get("mentions") or ():
        marks.append(
            Mark(
                m["start"],
                m["end"],
                "mark",
                ("m", f"m-{m['label']}"),
                (
                    ("data-mention", str(m["id"])),
                    ("data-label", m["label"]),
                    ("data-tip", _tip(m["label"], m["text"], m.get("value"), m.get("source"))),
                ),
                id=str(m["id"]),
            )
        )
    for e in record.get("events") or ():
        trigger = e.get("trigger") or {}
        if trigger.get("start") is not None and trigger.get("end") is not None:
            marks.append(
                Mark(
                    trigger["start"],
                    trigger["end"],
                    "span",
                    ("trg",),
                    (("data-event", str(e["id"])), ("data-tip", f"{e['type']} trigger ({e.get('status')})")),
                    id=f"{e['id']}-trigger",
                )
            )
        for k, a in enumerate(e.get("arguments") or ()):
            if a.get("mention_id") or a.get("start") is None or a.get("end") is None:
                continue
            marks.append(
                Mark(
                    a["start"],
                    a["end"],
                    "span",
                    ("arg",),
                    (("data-tip", f"{e['type']} · {a['role']}"),),
                    id=f"{e['id']}-a{k}",
                )
            )
    for r in (record.get("normalization") or {}).get("repairs") or ():
        if r.get("end", 0) > r.get("start", 0):
            tip = f"{r['kind']}: {r['before']!r} → {r['after']!r}"
            marks.append(Mark(r["start"], r["end"], "span", ("rep",), (("data-tip", tip),)))
    return marks


def _events_table(record: Mapping[str, Any]) -> str:
    events = record.get("events") or ()
    if not events:
        return "<p>No events.</p>"
    rows = []
    for e in events:
        trigger = e.get("trigger") or {}
        trigger_cell = esc(trigger.get("text", ""))
        if trigger.get("start") is not None:
            trigger_cell = f'<a href="#{esc(e["id"])}-trigger">{trigger_cell}</a>'
        args = []
        for k, a in enumerate(e.get("arguments") or ()):
            if a.get("mention_id"):
                target = f'<a href="#{esc(a["mention_id"])}">{esc(a["text"])}</a>'
            elif a.get("start") is not None:
                target = f'<a href="#{esc(e["id"])}-a{k}">{esc(a["text"])}</a>'
            else:
                target = f"<em>{esc(a['text'])}</em>"
            args.append(f"{esc(a['role'])}: {target}")
        rows.append(
            f'<tr id="{esc(e["id"])}"><td>{esc(e["id"])}</td><td>{esc(e["type"])}</td>'
            f"<td>{esc(e.get('status', ''))}</td>"
            f"<td>{trigger_cell}</td><td>{'<br>'.join(args)}</td><td><code>{esc(e.get('source', ''))}</code></td>"
            f'<td class="num">{e.get("confidence", "")}</td></tr>'
        )
    head = "".join(f"<th>{h}</th>" for h in ("id", "type", "status", "trigger", "arguments", "source", "conf."))
    head = f"<tr>{head}</tr>"
    return f'<table class="events">{head}{"".join(rows)}</table>'


def _visible(text: str) -> str:
    shown = text.replace("\n", "⏎").replace("\t", "⇥").replace("\u3000", "□").replace(" ", "·")
    return esc(shown) if shown else "<em>(nothing)</em>"


def _repairs_section(record: Mapping[str, Any], limit: int) -> str:
    normalization = record.get("normalization") or {}
    repairs: Sequence[Mapping[str, Any]] = normalization.get("repairs") or ()
    encoding = esc(normalization.get("encoding", ""))
    if not repairs:
        return f"<p>Decoded as <code>{encoding}</code>; no repair was needed.</p>"
    counts = Counter(r["kind"] for r in repairs)
    summary = ", ".join(f"{esc(k)} <span class='pill'>{n}</span>" for k, n in counts.most_common())
    rows = []
    for r in repairs[:limit]:
        rows.append(
            f"<tr><td>{esc(r['kind'])}</td><td class='num'>{r['raw_start']}–{r['raw_end']}</td>"
            f"<td class='before'>{_visible(r['before'])}</td><td class='after'>{_visible(r['after'])}</td>"
            f"<td class='num'>{r.get('start', '')}–{r.get('end', '')}</td>"
            f"<td><code>{esc(r.get('source', ''))}</code></td></tr>"
        )
    more = (
        f"<p class='meta'>… and {len(repairs) - limit} more (see the record's JSON).</p>"
        if len(repairs) > limit
        else ""
    )
    head = "<tr><th>kind</th><th>raw span</th><th>before</th><th>after</th><th>normalised span</th><th>rule</th></tr>"
    return (
        f"<p>Decoded as <code>{encoding}</code>; {len(repairs)} repairs: {summary}.</p>"
        f"<details{' open' if len(repairs) <= 40 else ''}><summary>Every repair, before → after</summary>"
        f'<table class="repairs">{head}{"".join(rows)}</table>{more}</details>'
    )


def render_document(record: Mapping[str, Any], *, raw_text: str | None = None, repair_limit: int = 500) -> str:
    """The self-contained HTML page of one record."""
    text = str(record.get("text") or "")
    mentions = record.get("mentions") or ()
    counts = Counter(m["label"] for m in mentions)
    legend = "".join(
        f'<label><span style="background:{colour}"><input type="checkbox" value="{label}" checked> '
        f"{label} {counts.get(label, 0)}</span></label>"
        for label, colour in LABEL_COLOURS.items()
    )
    doc_date = record.get("doc_date") or {}
    meta = (
        f"<p class='meta'>source <code>{esc(record.get('source') or '—')}</code> · doc_date "
        f"<code>{esc(doc_date.get('value') or '—')}</code> ({esc(doc_date.get('origin', ''))}) · "
        f"{len(text)} characters · {len(mentions)} mentions · {len(record.get('events') or ())} events · "
        f"schema {esc(record.get('schema_version', ''))}</p>"
    )
    raw = ""
    if raw_text is not None and raw_text != text:
        raw = (
            "<h2>Raw text (as it arrived)</h2><details><summary>Show</summary>"
            f"<div class='doc'>{esc(raw_text)}</div></details>"
        )
    body = (
        f"<h1>{esc(record.get('doc_id', 'document'))}</h1>{meta}"
        f"<div class='legend'>{legend} <span class='trg'>trigger</span> <span class='arg'>argument</span> "
        f"<label><span class='rep'><input type='checkbox' value='repairs'> repaired text</span></label></div>"
        f"<h2>Normalised text</h2><div class='doc' id='text'>{marked_text(text, document_marks(record))}</div>"
        f"<h2>Events</h2>{_events_table(record)}"
        f"<h2>Normalisation repairs</h2>{_repairs_section(record, repair_limit)}{raw}"
    )
    return page(f"zhpipe · {record.get('doc_id', '')}", body, css=_SHOW_CSS, script=_SHOW_SCRIPT)
