"""Edit cells of a workbook in LibreOffice (through UNO) and save it as .xlsx, as a person would.

Run with the Python that has LibreOffice's ``uno`` module (Debian: /usr/bin/python3 with python3-uno):
``python3 lo_edit.py SOFFICE PROFILE_DIR SOURCE.xlsx DEST.xlsx EDITS_JSON`` where EDITS_JSON is a
list of ``[sheet, cell, kind, value]``, kind ``text`` (typed text) or ``number``.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    soffice, profile, src, dst, edits = sys.argv[1:6]
    pipe = f"aimskit_lo_{os.getpid()}"
    proc = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        if ctx is None:
            raise SystemExit("could not connect to soffice")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
        for sheet, cell, kind, value in json.loads(edits):
            target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
            if kind == "number":
                target.setValue(float(value))
            else:
                target.setString(value)
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


if __name__ == "__main__":
    main()
