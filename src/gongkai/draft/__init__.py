"""Drafting: help a body get its own report right before it is published (template 2021).

`workbook.new_workbook` makes the fill-in workbook (defined names = record paths, live checks);
gongkai reads it back like any report (`gongkai.ingest.xlsx`); `report` writes the report itself
(DOCX, HTML) from a filled workbook, its narrative skeleton generated from the numbers.
"""
