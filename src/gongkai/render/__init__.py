"""The national template drawn in one place.

`layout` holds the three statutory tables as data (rows of cells with spans and record paths) and
a whole report as blocks (`outline`); each other module draws that one structure for one output:
`html` (a report page), `docx` (Word, and DOC/PDF through LibreOffice), `xlsx` (a worksheet),
`terminal` (rich tables), `images` (page scans for the scan reader's fixtures). The CLI, the web
pages, the drafting workbook and the letters all draw the template through here.
"""
