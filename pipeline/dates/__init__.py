"""Dates and times: find expressions in Chinese news and resolve them to ISO intervals.

- :mod:`pipeline.dates.calendar`: interval arithmetic;
- :mod:`pipeline.dates.holidays`: holidays (lunar ones included) and working days;
- :mod:`pipeline.dates.resolver`: named groups -> intervals, with the narrative;
- :mod:`pipeline.dates.extractor`: atoms, compositions, text-order resolution;
- :mod:`pipeline.dates.metadata`: the document date from feed fields, HTML, datelines.

The rules are data (``rules/dates*.yaml``); the stage is :mod:`pipeline.stages.dates`.
"""
