"""Deliverables a consultant hands over: a PDF and an editable Word file per report, the
engagement pack and its executive edition (see :mod:`aimskit.deliver.pdf`, :mod:`aimskit.deliver.word`).

Needs headless Chromium from the operating system (Debian: ``apt-get install chromium``; or
``AIMSKIT_CHROMIUM``); its Python packages (choreographer, pypdf, python-docx) are in the base install.
"""
