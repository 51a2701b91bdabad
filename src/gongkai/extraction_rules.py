"""Every finding the reading itself can report (origin `extraction`), declared once.

The checks' rules (GK101 …) register with `@rule`; the extractor's findings say what could not be
read surely, and carry these ids in `rule`. `gongkai rules` lists them, `--select`/`--ignore` take
them, and a test holds this declaration and the ids used in `gongkai/extract` and `gongkai/ingest`
equal, so the list cannot drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_, gettext, lazy


@dataclass(frozen=True)
class ExtractionRule:
    code: str  # the id the findings carry in `rule`
    severity: str  # the most severe level it reports
    summary_msgid: str  # English; translated by `summary`
    doc: str
    origin: str = "extraction"

    @property
    def summary(self) -> str:
        """The one-line summary in the current language (Chinese by default), as the checks' rules."""
        return gettext(self.summary_msgid)

    def summary_in(self, lang: str) -> str:
        return lazy(self.summary_msgid).render(lang)

    @property
    def name(self) -> str:
        return self.code

    @property
    def family(self) -> str:
        return "reading"


EXTRACTION_RULES: tuple[ExtractionRule, ...] = (
    ExtractionRule("table-not-found", "error", N_("a statutory table was not found"),
                   "The request table (三), the appeals table (四) or the Article 20 table (二) could not be "
                   "found by its headings; its cells are null."),
    ExtractionRule("row-not-found", "warning", N_("a row of a statutory table was not found"),
                   "No label of the row was found where the template puts it; the row's cells are null."),
    ExtractionRule("column-headers", "warning", N_("the request table's column headers were not found"),
                   "Values were mapped in the template's column order without the headers to confirm it."),
    ExtractionRule("values-outside-table", "warning", N_("a row's numbers stand outside its table"),
                   "The row's label stands in a table but its value cells were lost; the numbers after it "
                   "belong to the running text and are not taken."),
    ExtractionRule("extra-cells", "warning", N_("a row has more value cells than the template"),
                   "Surplus zeros or blanks past the template's columns are ignored; surplus numbers leave "
                   "the row unread."),
    ExtractionRule("missing-cells", "warning", N_("a row has fewer value cells than the template"),
                   "Which cell is missing cannot be told, so the row is left unread."),
    ExtractionRule("unreadable-cell", "warning", N_("a cell's value could not be read surely"),
                   "The cell holds no number as the template wants one (words, a doubtful scan); it is null."),
    ExtractionRule("split-inferred", "info", N_("glued digits were split where the identities decide"),
                   "A crawler ran a row's cells together; exactly one way to cut the digits fits the "
                   "template's identities, and it is used."),
    ExtractionRule("split-ambiguous", "warning", N_("glued digits can be split in several ways"),
                   "More than one way to cut the digits fits; the row is left unread and the readings listed."),
    ExtractionRule("split-impossible", "warning", N_("glued digits cannot be split into the row's cells"),
                   "No way to cut the digits into the row's cells adds up; the row is left unread."),
    ExtractionRule("split-too-long", "warning", N_("glued digits have too many possible splits to check"),
                   "A run of digits so long that checking every way to cut it would cost too much; the row is "
                   "left unread rather than guessed."),
    ExtractionRule("split-narrative", "info", N_("glued digits were split as the report's own text states"),
                   "Several cuts fit the identities; exactly one equals the numbers the report's text gives for "
                   "those cells, and the sentence is named."),
    ExtractionRule("row-placed", "info", N_("a row without a label was placed by the template's row order"),
                   "An extraction lost a row's label; the rows without labels match the missing rows one to one "
                   "in the template's fixed order, so the row was read as the one standing there."),
    ExtractionRule("rows-unplaced", "warning", N_("rows without labels could not be placed"),
                   "Rows of values without labels do not match the missing rows one to one; which is which "
                   "cannot be told, so they are not read."),
    ExtractionRule("stray-values", "warning", N_("a number stands alone between the rows of a table"),
                   "A value belongs to no row (an extraction moved it); it is not taken for any cell."),
    ExtractionRule("predates-templates", "info", N_("the report predates the national templates"),
                   "Reports before 2019 follow no national template; their tables are neither read nor checked."),
    ExtractionRule("agency-not-found", "warning", N_("the reporting body's name was not found"),
                   "Neither the title, the preamble nor the signature names the body."),
    ExtractionRule("year-not-found", "warning", N_("the report's year was not found"),
                   "Neither the title nor the statistics period gives the year."),
    ExtractionRule("template-unknown", "warning", N_("the tables follow neither template"),
                   "The tables' headers match neither the 2021 nor the 2019 template."),
    ExtractionRule("reader-note", "info", N_("a note of the reader about the file"),
                   "Something the reader met while reading the file, e.g. a scanned page it could not read."),
)
BY_CODE = {r.code: r for r in EXTRACTION_RULES}

__all__ = ["ExtractionRule", "EXTRACTION_RULES", "BY_CODE"]
