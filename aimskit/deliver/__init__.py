"""Deliverables a consultant hands over: a PDF and an editable Word file per report, the
engagement pack and its executive edition (see :mod:`aimskit.deliver.pdf`, :mod:`aimskit.deliver.word`).

Needs headless Chromium (Debian: ``apt-get install chromium``; or ``AIMSKIT_CHROMIUM``) and the
``pdf`` extra (``pip install 'aimskit[pdf]'``: choreographer, pypdf, python-docx).
"""
