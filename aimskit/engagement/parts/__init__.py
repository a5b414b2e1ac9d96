"""The files of an engagement: the core files and the optional parts.

:mod:`aimskit.engagement.parts.core` models and checks ``engagement.yaml``, ``systems.csv`` and
``gap.csv``. Every other file of an engagement belongs to a :class:`~aimskit.engagement.parts.base.Part`
declared in its own module of this package (``risk``, ``impact``, ``audit``, ...) and listed once in
:mod:`aimskit.engagement.parts.registry`. A part validates its files against the core data (and the parts it
depends on), reports every problem into ``ctx.problems`` with its ``file:line:column``, and returns
its parsed value (usually DataFrames). An absent optional file is not an error: the part returns
its empty value and the step's report says what is missing.

The loaded values are in ``Engagement.parts[name]``; ``Engagement.part(PART)`` returns one typed.
"""
