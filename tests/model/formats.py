# SPDX-License-Identifier: ISC
"""Writes records as the CSV and XML files of doc/contract.md, section 2,
and remembers the line of the file on which each field stands."""
from fields import KINDS
from model import Record

NS = "urn:sluice:1"


def _cell(v):
    if any(c in v for c in ',"\n\r') or v != v.strip(" "):
        return '"' + v.replace('"', '""') + '"'
    return v


def to_csv(kind, records, rng=None):
    """(bytes, [Record]) of records ({head}, [{line}]) as CSV; columns are
    the fields used, shuffled when rng is given."""
    _, head, lines = KINDS[kind]
    used = set()
    for h, ls in records:
        used.update(h)
        for ln in ls:
            used.update(ln)
    if lines and not any(ls for _, ls in records):
        used.update(n for n, req, _ in lines if req)     # a record without lines: empty line cells
    cols = [n for n, _, _ in head if n in used] + [n for n, _, _ in lines if n in used]
    if rng is not None:
        rng.shuffle(cols)
    out = [",".join(cols)]
    lineno = 2
    recs = []
    for h, ls in records:
        pos = {}
        first = lineno
        rows = ls or [{}]
        for i, ln in enumerate(rows):
            row = dict(h, **ln)
            cells = [_cell(row.get(c, "")) for c in cols]
            text = ",".join(cells)
            # a cell stands on the line where it starts: after the line
            # breaks of the cells before it
            at = {}
            breaks = 0
            for c, t in zip(cols, cells):
                at[c] = lineno + breaks
                breaks += t.count("\n")
            for n in ln:
                pos[(i, n)] = at[n]
            if i == 0:
                for n in h:
                    pos[n] = at[n]
            out.append(text)
            lineno += 1 + text.count("\n")
        recs.append(Record(dict(h), [dict(x) for x in ls], pos, first))
    return ("\n".join(out) + "\n").encode(), recs


def _esc(v):
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_xml(kind, records, prefix="", cdata=()):
    """(bytes, [Record]) of records as XML, with namespace prefix or none;
    the fields named in cdata are written as one CDATA section."""
    singular, head, lines = KINDS[kind]
    p = prefix + ":" if prefix else ""
    decl = ' xmlns%s="%s"' % (":" + prefix if prefix else "", NS)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<%s%s%s>" % (p, kind, decl)]
    recs = []
    for h, ls in records:
        pos = {}
        out.append("  <%s%s>" % (p, singular))
        first = len(out)
        for n, _, _ in head:
            if n in h:
                pos[n] = len(out) + 1
                v = "<![CDATA[%s]]>" % h[n] if n in cdata else _esc(h[n])
                out.append("    <%s%s>%s</%s%s>" % (p, n, v, p, n))
        for i, ln in enumerate(ls):
            out.append("    <%sline>" % p)
            for n, _, _ in lines:
                if n in ln:
                    pos[(i, n)] = len(out) + 1
                    v = "<![CDATA[%s]]>" % ln[n] if n in cdata else _esc(ln[n])
                    out.append("      <%s%s>%s</%s%s>" % (p, n, v, p, n))
            out.append("    </%sline>" % p)
        out.append("  </%s%s>" % (p, singular))
        # a field's line: count the newlines of multi-line values before it
        recs.append(Record(dict(h), [dict(x) for x in ls], pos, first))
    out.append("</%s%s>" % (p, kind))
    text = "\n".join(out) + "\n"
    # values with newlines shift the lines after them; recompute positions
    if "\n" in "".join(v for h, ls in records for v in list(h.values()) +
                       [x for ln in ls for x in ln.values()]):
        for r in recs:
            r.pos = {k: None for k in r.pos}
            r.first = None
    return text.encode(), recs
