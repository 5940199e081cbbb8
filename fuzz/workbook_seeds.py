#!/usr/bin/env python3
"""Converts an answered questionnaire (.xlsx) into .xls and .ods seeds for the
`import_workbook` fuzz target (and the .xls test fixture).

    pip install openpyxl xlwt
    python3 fuzz/workbook_seeds.py answers.xlsx OUT_DIR

Every sheet and cell value is copied (dates as dates); styles, drop-downs and hidden
states are not. The .ods is written by hand (a zip with content.xml), the .xls by xlwt.
"""
import datetime
import os
import sys
import zipfile
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import xlwt


def cells(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            rows.append([c.value for c in row])
        yield ws.title, rows


def write_xls(sheets, out):
    wb = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for name, rows in sheets:
        ws = wb.add_sheet(name[:31])
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (datetime.datetime, datetime.date)):
                    ws.write(r, c, v, date)
                else:
                    ws.write(r, c, v)
    wb.save(out)


def ods_cell(v):
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, bool):
        return ('<table:table-cell office:value-type="boolean" office:boolean-value="%s">'
                "<text:p>%s</text:p></table:table-cell>" % (str(v).lower(), str(v).upper()))
    if isinstance(v, (int, float)):
        return ('<table:table-cell office:value-type="float" office:value="%s">'
                "<text:p>%s</text:p></table:table-cell>" % (v, v))
    if isinstance(v, (datetime.datetime, datetime.date)):
        d = v.date().isoformat() if isinstance(v, datetime.datetime) else v.isoformat()
        return ('<table:table-cell office:value-type="date" office:date-value="%s">'
                "<text:p>%s</text:p></table:table-cell>" % (d, d))
    paras = "".join("<text:p>%s</text:p>" % escape(line) for line in str(v).split("\n"))
    return '<table:table-cell office:value-type="string">%s</table:table-cell>' % paras


def write_ods(sheets, out):
    body = []
    for name, rows in sheets:
        body.append("<table:table table:name=%s>" % quoteattr(name))
        for row in rows:
            body.append("<table:table-row>%s</table:table-row>" % "".join(ods_cell(v) for v in row))
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>%s</office:spreadsheet></office:body>"
        "</office:document-content>" % "".join(body)
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    base = os.path.splitext(os.path.basename(src))[0]
    sheets = list(cells(src))
    write_xls(sheets, os.path.join(out_dir, base + ".xls"))
    write_ods(sheets, os.path.join(out_dir, base + ".ods"))


if __name__ == "__main__":
    main()
