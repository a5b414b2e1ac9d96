"""Interactive forms (ipywidgets) that fill an engagement's files from JupyterLab.

The forms live here and the workbook notebooks (``workbooks/``, copied by ``aimskit notebooks`` and
``aimskit lab``) only display them: :class:`GapQuestionnaire` (gap.csv), :class:`RiskEditor`
(risks.csv) and :class:`ScreeningWizard` (systems/<id>.yaml). Every form validates with the rules of
``aimskit validate`` and writes through :mod:`aimskit.engagement.edit` (atomic, with a backup, refusing to
overwrite a file changed on disk since it was loaded). Widgets never go into the report notebooks:
their state does not render offline in HTML.
"""

from __future__ import annotations

from aimskit.ui.forms.gap import GapQuestionnaire
from aimskit.ui.forms.risk import RiskEditor
from aimskit.ui.forms.screening import ScreeningWizard

__all__ = ["GapQuestionnaire", "RiskEditor", "ScreeningWizard"]
