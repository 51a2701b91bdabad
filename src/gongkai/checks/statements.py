"""What a report's text states about its own tables, read once per record.

The narrative often repeats the tables' figures: 共收到政府信息公开申请15件, 予以公开2件, 收到1件…行政复议
案、1件行政诉讼案. Each such count becomes a `Statement`: the number (exact or a range), what it
counts (`topic`), and whether the words leave no other reading (`sure`). Statements of none or all
(未收到政府信息公开申请, 均已办结, 无一例被行政复议) become `Claim`s. The narrative rules compare both with
the tables; only a sure, exact statement can make an error.

How a count finds its noun. Sentences end at 。！？；, clauses at ，：and brackets (quoted and
titled words stay whole), items are joined by 、/和/及. A clause is read in one of two styles:

- noun before number, `X N件、Y M件` (共有行政诉讼案件1件、行政复议案件2件): each count takes the words
  since the previous count;
- number before noun, `N件X、M件Y` (收到1件…行政复议案、1件行政诉讼案): each count takes the words up
  to the next one, and the verb before the first count applies to all.

A clause whose last count ends it is of the first style; one whose first count has no noun before
it, of the second (4件为“重复申请” too: a part). A clause that fits neither is left alone: no
statement, so no finding. A count without a noun (上年结转2件, 答复3050件, 其中结果维持72件) takes the
domain of its sentence (requests or appeals) from the counts before it, or from the sentence before.

Numbers are read in Arabic or Chinese numerals (两件, 十二件); 二十余件, 近百件, 约3万件 are ranges,
never exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Optional

from . import patterns as P

# Topics of the request table (三).
REQUEST_TOPICS = frozenset({"received", "accepted", "carried_over", "handled", "carried_forward", "granted",
                            "partially_granted", "granted_or_partial", "denied", "unavailable", "not_processed",
                            "other"})
OUTCOME_TOPICS = frozenset({"granted", "partially_granted", "granted_or_partial", "denied", "unavailable",
                            "not_processed", "other"})
# Topics of the appeals table (四): a group, both lawsuit groups, or all cases.
APPEAL_TOPICS = frozenset({"reconsideration", "litigation", "litigation_direct", "litigation_after", "appeals"})
# Topics of the Article-20 table (二).
ACTIVE_TOPICS = frozenset({"normative_documents", "decisions", "admin_fees"})
TABLE_TOPICS = REQUEST_TOPICS | APPEAL_TOPICS | ACTIVE_TOPICS


@dataclass(slots=True)
class Quantity:
    """A count in the text: its value (or range), its counter, where it stands in its sentence.

    Treat as immutable; not frozen only because a report has dozens and a frozen dataclass costs
    several times more to build."""

    low: float
    high: Optional[float]  # None: no upper bound
    exact: bool
    unit: str
    start: int
    end: int

    @property
    def value(self) -> float:
        return self.low


@dataclass(frozen=True, slots=True)
class Statement:
    """A number the text gives for one cell (or one sum of cells) of the tables."""

    part: int  # the section it stands in
    sentence: str  # the sentence, normalised (see patterns.normalize_narrative)
    start: int  # the words that state it, as a span of `sentence`
    end: int
    topic: str  # one of TABLE_TOPICS
    low: float  # the number; for a range (二十余件) its lower bound
    high: Optional[float]
    exact: bool
    sure: bool  # the words name this cell and nothing else
    partial: bool  # a part only: a channel, a subject, one reason, a 为 breakdown
    verb: str = ""  # the verb that decides the reading (收到, 受理, 答复 …)
    detail: str = ""  # appeal result field, normative-document column, decision row
    qualified: bool = False  # the clause names information disclosure
    year: Optional[int] = None  # the year heading the words (2022年，共收到…), when one does

    @property
    def value(self) -> float:
        return self.low

    @property
    def quote(self) -> str:
        return self.sentence[self.start:self.end]

    @property
    def cell(self) -> str:
        """The cell (or sum of cells) the words name, as a record path; `*` stands for a group of rows
        or fields summed (requests.denied_*.total is （三）1–8)."""
        return _cell_of(self.topic, self.detail)

    def admits(self, value: float) -> bool:
        """Whether a table value fits what the text says (exactly, or within its range)."""
        if self.exact:
            return value == self.low
        return self.low <= value and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement of none or all: 未收到政府信息公开申请, 无一例被行政复议或诉讼, 均已办结, 均为自然人."""

    part: int
    sentence: str
    start: int
    end: int
    kind: str  # "no_requests", "no_appeals", "all_handled", "all_natural_persons"
    lawsuits: bool = False  # no_appeals: the words name lawsuits too
    qualified: bool = False  # the sentence names information disclosure
    after: str = ""  # all_handled: the topic of the count the words follow in their sentence

    @property
    def quote(self) -> str:
        return self.sentence[self.start:self.end]


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the text states, per record."""

    statements: tuple[Statement, ...]
    claims: tuple[Claim, ...]
    # (part, text as read) of every part, for rules that look at words around a statement
    parts: tuple[tuple[int, str], ...]

    def about(self, *topics: str) -> Iterator[Statement]:
        return (s for s in self.statements if s.topic in topics)

    def part_text(self, part: int) -> str:
        return "".join(t for n, t in self.parts if n == part)


_TOPIC_CELLS = {
    "received": "requests.new_received.total", "accepted": "requests.new_received.total",
    "carried_over": "requests.carried_over.total", "handled": "requests.total.total",
    "carried_forward": "requests.carried_forward.total", "granted": "requests.granted.total",
    "partially_granted": "requests.partially_granted.total",
    "granted_or_partial": "requests.granted+partially_granted.total", "denied": "requests.denied_*.total",
    "unavailable": "requests.unavailable_*.total", "not_processed": "requests.not_processed_*.total",
    "other": "requests.other*.total", "admin_fees": "active.fees.amount",
}
_APPEAL_CELLS = {"reconsideration": "reconsideration", "litigation": "litigation_*", "litigation_direct":
                 "litigation_direct", "litigation_after": "litigation_after_reconsideration", "appeals": "*"}


def _cell_of(topic: str, detail: str) -> str:
    if topic in _APPEAL_CELLS:
        return f"appeals.{_APPEAL_CELLS[topic]}.{detail or 'total'}"
    if topic == "normative_documents":
        return f"active.normative_documents.{detail}"
    if topic == "decisions":
        return f"active.{detail}.decisions"
    return _TOPIC_CELLS[topic]


# --- numbers --------------------------------------------------------------------------------------
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> Optional[int]:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; None for what is no number (一二, 十十)."""
    total = current = 0
    last_unit = 10_000
    previous_digit = False
    for ch in text:
        if ch in _CN_DIGITS:
            if previous_digit and _CN_DIGITS[ch] != 0:
                return None  # 一二: two digits in a row are no number a report writes
            current = _CN_DIGITS[ch]
            previous_digit = current != 0
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (current or 1) * unit
            current, last_unit, previous_digit = 0, unit, False
    return total + current


def _step(n: float) -> float:
    """The place a round number is rounded to: 20 → 10, 5500 → 100, 7 → 1."""
    n = int(n)
    if n < 10:
        return 1
    step = 1
    while n % (step * 10) == 0:
        step *= 10
    return step


_PREFIX_ENDS = frozenset(w[-1] for w in P.QUANTITY_PREFIXES)
_SUFFIX_STARTS = frozenset(w[0] for w in P.QUANTITY_SUFFIXES)


_FACTORS = {"万": 10_000, "亿": 100_000_000}


def quantities(sentence: str, pos: int = 0, endpos: Optional[int] = None, origin: int = 0) -> Iterator[Quantity]:
    """Every count in a sentence (or in `sentence[pos:endpos]`, read in its context), with its range
    when the words make it approximate; its place counted from `origin` (where a sentence starts
    in the text it is read in)."""
    length = len(sentence)
    endpos = length if endpos is None or endpos > length else endpos
    if endpos - pos > _LONG_TEXT and not _may_count(sentence, pos, endpos):
        return  # (a short text is scanned faster by the regex than its units are looked for)
    arabic, chinese = P.ARABIC_RE.fullmatch, P.CHINESE_NUMERAL_RE.fullmatch
    for m in P.QUANTITY_RE.finditer(sentence, pos, endpos):
        num, wan, approx, unit = m.groups()
        start, end = m.span()
        if num.isdecimal() or arabic(num):  # (most numbers are whole: no regex call for them)
            if start > 0 and sentence[start - 1] == "第":
                continue
            value = float(num) if "." in num else int(num)
        elif chinese(num):
            before = sentence[start - 1] if start > 0 else ""
            if before in P.CHINESE_NUMERAL_BLOCKERS or sentence[max(0, start - 2):start] == "多达":
                continue
            value = chinese_number(num)
            if value is None:
                continue
            if num == "一" and unit == "起" and not P.ONE_CASE_CONTEXT_RE.search(sentence[:start]):
                continue  # 一起 is "together"
        else:
            continue  # digits and numerals mixed: no count a report writes
        if wan and unit == "元":
            unit, factor = wan + "元", 1
        else:
            factor = _FACTORS.get(wan, 1) if wan else 1
        pre = post = ""
        if start and sentence[start - 1] in _PREFIX_ENDS:
            pre = next((w for w in P.QUANTITY_PREFIXES if start >= len(w) and sentence.startswith(w, start - len(w))),
                       "")
        if end < length and sentence[end] in _SUFFIX_STARTS:
            post = next((w for w in P.QUANTITY_SUFFIXES if sentence.startswith(w, end)), "")
        start -= len(pre)
        end += len(post)
        low = high = value * factor
        exact = True
        if factor > 1:  # 1.2万件: rounded to its last place
            decimals = len(num.split(".")[1]) if "." in num else 0
            half = 0.5 * factor / (10 ** decimals)
            low, high, exact = low - half, high + half, False
        if approx:  # 二十余件: more than 20, fewer than 30
            high, exact = low + _step(value) * factor, False
        if pre or post:
            if pre in ("约", "大约") or post == "左右":
                low, high, exact = low * 0.7, high * 1.3, False
            elif pre in ("近", "将近"):
                low, exact = low * 0.7, False
            elif pre in ("超过", "逾", "不少于", "至少", "多达") or post in ("以上", "之多"):
                high, exact = None, False
            elif pre in ("不足", "不到"):
                low, exact = 0, False
        yield Quantity(low, high, exact, unit, start - origin, end - origin)


_LONG_TEXT = 300  # characters from which `_may_count` costs less than the regex scan it may save
_NUMBER_CHARS = frozenset("." + P.QUANTITY_NUMERALS)  # with the digits, what QUANTITY_RE's number is made of


def _may_count(text: str, pos: int, endpos: int) -> bool:
    """False when `quantities` would find no count in `text[pos:endpos]`: no unit there follows a
    number (through 万/亿 and 余/多), or each number that one follows comes after 第 (第一项, 第3条:
    an ordinal). A table's text has many digits but few counts, and `str.find` looks for the few
    units at C speed where QUANTITY_RE tries every character. (True when unsure.)"""
    find = text.find
    for unit in P.QUANTITY_UNITS:
        i = find(unit, pos, endpos)
        while i != -1:
            j = i - 1
            if j >= pos and text[j] in "余多":
                j -= 1
            if j >= pos and text[j] in "万亿":
                j -= 1
            if j >= pos and (text[j].isdecimal() or text[j] in _NUMBER_CHARS):
                start = j  # where the number starts: QUANTITY_RE takes its whole run
                while start > 0 and (text[start - 1].isdecimal() or text[start - 1] in _NUMBER_CHARS):
                    start -= 1
                if start <= pos or text[start - 1] != "第":
                    return True
            i = find(unit, i + 1, endpos)
    return False


# --- text into sentences and clauses ---------------------------------------------------------------
@lru_cache(maxsize=8)
def _piece_re(ends: str) -> re.Pattern:
    """A run of text up to one of `ends`, with quoted or titled words (up to 80 characters) taken whole."""
    openers = "".join(P.QUOTE_PAIRS)
    quoted = "|".join(f"{re.escape(o)}[^{re.escape(c)}]{{0,80}}{re.escape(c)}" for o, c in P.QUOTE_PAIRS.items())
    # plain runs first (scanned at C speed), then a quote taken whole, then an unclosed quote mark
    return re.compile(f"(?:[^{re.escape(ends + openers)}]+|{quoted}|[{re.escape(openers)}])+")


_span = re.Match.span


def _split(text: str, ends: str, start: int = 0, stop: Optional[int] = None) -> list[tuple[int, int]]:
    """Spans of `text[start:stop]` between the characters of `ends`, never cut inside quotes or titles."""
    return list(map(_span, _piece_re(ends).finditer(text, start, len(text) if stop is None else stop)))


def sentences_of(text: str) -> list[str]:
    """The sentences of a normalised part, each with its closing mark."""
    return [text[a:min(b + 1, len(text))] for a, b in _split(text, P.SENTENCE_ENDS)]


# --- reading -------------------------------------------------------------------------------------------
_YEAR_RE = re.compile(r"((?:19|20)\d{2})年度?(?!\d{1,2}月)")
_TITLE_RE = re.compile(r"《[^》]*》|“[^”]*”")


def read(parts: Iterable[tuple[int, str]]) -> Reading:
    """The statements and claims of every part (number, normalised text)."""
    out: list[Statement] = []
    claims: list[Claim] = []
    texts: list[tuple[int, str]] = []
    for number, text in parts:
        if P.THOUSANDS_HINT_RE.search(text):
            text = P.THOUSANDS_RE.sub("", text)
        texts.append((number, text))
        if not _may_state(text):
            continue  # none of its sentences can (and a part starts in no domain): not even cut into them
        if not _may_count(text, 0, len(text)) and not _may_claim(text):
            continue  # no count anywhere (a table's text) and no statement of none: nothing to read
        domain: Optional[str] = None
        length = len(text)
        for a, b in _split(text, P.SENTENCE_ENDS):
            b = b + 1 if b < length else length  # with its closing mark
            sent = text[a:b]
            if domain != "requests" and not _may_state(sent):
                continue  # counts of something else (公开信息1469条), or none: see _STATEMENT_NOUN_CHARS
            # the counts are found in the part's text (what stands before the sentence can decide
            # a count: 一起 is one case only after a case word)
            within = b - a
            qs = [q for q in quantities(text, a, b, a) if q.end <= within]
            if not qs or not (_may_name_appeals(sent) or any(q.unit in _STATING_UNITS for q in qs)):
                # no count, or only counts that state nothing (see _STATING_UNITS): what
                # _read_sentence does then, without the call
                if "复议" in sent or "申请" in sent:
                    _claims(number, sent, [], claims)
                continue
            domain = _read_sentence(number, sent, qs, domain, out, claims)
    return Reading(tuple(out), tuple(claims), tuple(texts))


# The units a statement other than an appeal's can be counted in: _requests reads 件个项宗例 only, the
# fees (元, 万元, 亿元) are money, decisions and documents are in 件个项. A sentence whose counts are all
# in others (信息2599条, 浏览量2.66亿次, 259起) and that names no appeal (_may_name_appeals: without it
# _appeals returns None for each count) states nothing and leaves its domain as it was.
_STATING_UNITS = frozenset(("件", "个", "项", "宗", "例", *P.MONEY_UNITS))


def _may_name_appeals(sent: str) -> bool:
    """Whether the sentence has the characters of 复议, 诉讼 or 起诉 (a clause's words may join two
    pieces of it, so characters, not words)."""
    return ("复" in sent and "议" in sent) or ("诉" in sent and ("讼" in sent or "起" in sent))


def _may_state(sent: str) -> bool:
    """Whether the sentence has all the characters of a noun a statement needs (复议, 诉讼/起诉, 申请,
    规范性文件, 行政…决定, 行政事业性收费). One that lacks some of each names none of them, even
    where a clause's words join two pieces of it (收到1件…复议案), so its counts state nothing:
    outside the requests domain they are left unread. (Without 复议 or 诉讼 a sentence starts no
    appeals group, so an incoming appeals domain reads as none: skipping the sentence keeps it.)"""
    return (_may_name_appeals(sent) or ("申" in sent and "请" in sent)
            or ("性" in sent and "规" in sent and "范" in sent and "文" in sent and "件" in sent)
            or ("行" in sent and "政" in sent and (("决" in sent and "定" in sent)
                                                  or ("事" in sent and "业" in sent and "性" in sent and "收" in sent
                                                      and "费" in sent))))


def _may_claim(text: str) -> bool:
    """Whether a statement of none may stand in the text: a match of NO_REQUESTS_RE or NO_APPEAL_RE
    (tried where _claims tries them). A sentence's match is one of the whole text, which holds it,
    so a text without one claims nothing, sentence by sentence, where no count stands."""
    return (("申请" in text and ("未" in text or "没有" in text or "无" in text)
             and P.NO_REQUESTS_RE.search(text) is not None)
            or ("复议" in text and P.NO_APPEAL_RE.search(text) is not None))


def _names_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `words` (`in` at C speed: a regex search costs several times more)."""
    for word in words:
        if word in text:
            return True
    return False


class _SentenceState:
    """What the counts before in a sentence set: its domain and appeal group."""

    __slots__ = ("domain", "group", "qualified", "years")

    def __init__(self, domain: Optional[str], years: list):
        self.domain = domain
        self.years = years
        self.group: Optional[str] = None
        self.qualified = False


def _read_sentence(part: int, sent: str, qs: list[Quantity], domain: Optional[str], out: list,
                   claims: list) -> Optional[str]:
    if not qs:  # no count: only statements of none can stand here
        if "复议" in sent or "申请" in sent:
            _claims(part, sent, [], claims)
        return domain
    state = _SentenceState(domain, _years(sent))
    first_new = len(out)
    for a, b in _split(sent, _CLAUSE_AND_SENTENCE_ENDS):
        inside = [q for q in qs if a <= q.start and q.end <= b]
        if not inside:
            continue
        for q, subject, verb_ctx in _subjects(sent, a, b, inside):
            for st in _classify(part, sent, a, b, q, subject, verb_ctx, state):
                out.append(st)
    _claims(part, sent, out[first_new:], claims)
    return state.domain


_CLAUSE_AND_SENTENCE_ENDS = P.CLAUSE_ENDS + P.SENTENCE_ENDS


def _subjects(sent: str, a: int, b: int, qs: list[Quantity]) -> Iterator[tuple[Quantity, tuple[int, int], Optional[str]]]:
    """(count, span of the words naming what it counts, words before the first count or None) per
    count of one clause, by the clause's style (None: noun first); nothing when the style cannot be
    told."""
    segs = [(a, qs[0].start)] + [(qs[i].end, qs[i + 1].start) for i in range(len(qs) - 1)] + [(qs[-1].end, b)]
    first = sent[segs[0][0]:segs[0][1]]
    last = sent[segs[-1][0]:segs[-1][1]]
    noun_first = bool(P.SUBJECT_NOUN_RE.search(first))
    ends_clause = not last or P.TRAILING_FILLER_RE.match(last) is not None
    # (words between the counts matter only to a clause that ends with its last count)
    if ends_clause and (noun_first or not any(sent[x:y].strip("、和及与或") for x, y in segs[1:-1])):
        style = "noun-first"
    elif not noun_first and not ends_clause:
        style = "number-first"
    else:
        return  # X 1件 Y 2件 Z: which words go with which count cannot be told
    if style == "noun-first":
        for i, q in enumerate(qs):
            x, y = segs[i]
            if i:
                m = P.ITEM_JOINERS_RE.match(sent, x, y)  # (the pattern has no ^: match anchors at x)
                x = m.end() if m else x
            yield q, (x, y), None
    else:
        for i, q in enumerate(qs):
            x, y = segs[i + 1]
            words = sent[x:y]
            y = x + len(words.rstrip("、和及与或"))
            yield q, (x, y), first


def _classify(part: int, sent: str, a: int, b: int, q: Quantity, subject: tuple[int, int],
              verb_ctx: Optional[str], state: _SentenceState) -> list[Statement]:
    x, y = subject
    number_first = verb_ctx is not None
    words = (verb_ctx or "") + sent[x:y]
    clause = sent[a:b]
    # the words stating it: noun and count (X N件), or verb, count and noun (收到N件X)
    if number_first:  # the shared verb opens the first item's words only
        start, end = (a if sent[a:q.start] == verb_ctx else q.start), max(y, q.end)
    else:
        start, end = x, q.end
    year = _governing_year(sent, state.years, q.start) if state.years else None
    breakdown = number_first and bool(P.BREAKDOWN_RE.match(sent[x:y]))

    def make(topic: str, *, sure: bool, partial: bool = False, verb: str = "", detail: str = "",
             qualified: bool = False) -> Statement:
        return Statement(part, sent, start, end, topic, q.low, q.high, q.exact, sure and q.exact and not partial,
                         partial, verb, detail, qualified, year)

    unit = q.unit
    if unit in P.MONEY_UNITS:
        if P.ADMIN_FEE_NOUN_RE.search(words):
            factor = P.MONEY_UNITS[unit]
            return [Statement(part, sent, start, end, "admin_fees", q.low * factor,
                              None if q.high is None else q.high * factor, q.exact, False, False, year=year)]
        return []
    if unit in P.DECISION_UNITS and "决定" in words:  # (every decision's words end in 决定)
        for key, rx in P.DECISION_WORDS:
            if rx.search(words):
                verb = next((v for v in P.DECISION_SURE_VERBS if v in words), "")
                return [make("decisions", sure=bool(verb), verb=verb, detail=key)]
    normative = P.NORMATIVE_NOUN_RE.search(words) if "规范性文件" in words else None  # (as in _requests)
    if normative and unit == "件":
        return _normative(make, words[:normative.start()])
    appeals = _appeals(make, words, clause, state, breakdown, part)
    if appeals is not None:
        return appeals
    return _requests(make, words, clause, state, breakdown, unit)


def _normative(make, pre: str) -> list[Statement]:
    pre = pre[-12:]
    if any(w in pre for w in P.NORMATIVE_SKIP_WORDS):
        return []
    if any(w in pre for w in P.NORMATIVE_IN_FORCE_WORDS):
        return [make("normative_documents", sure=True, detail="in_force")]
    if any(w in pre for w in P.NORMATIVE_REPEALED_WORDS):
        return [make("normative_documents", sure=True, detail="repealed")]
    verb = next((v for v in P.NORMATIVE_ISSUE_VERBS if v in pre), "")
    return [make("normative_documents", sure=bool(verb), verb=verb, detail="issued")]


# Part 四 is the template's 政府信息公开行政复议、行政诉讼情况: the appeals it counts are about disclosure.
APPEALS_PART = 4


def _appeals(make, words: str, clause: str, state: _SentenceState, breakdown: bool,
             part: int) -> Optional[list[Statement]]:
    """Statements about table 四, or None when the words are not about appeals."""
    recon = P.RECONSIDERATION_WORD in words
    lit = _names_any(words, P.LITIGATION_WORDS)
    if not (recon or lit or (state.domain == "appeals" and state.group)):
        return None  # (the result words are looked for only where they can matter)
    result = next((f for f, rx in P.APPEAL_RESULT_WORDS if rx.search(words)), "")
    if not (recon or lit or result):
        return None
    if P.APPEAL_NOT_A_COUNT_RE.search(words):
        return []  # a rate (纠错率)
    if P.APPEAL_OTHER_KIND_RE.search(words):
        state.domain = None  # another kind of case (建议, 热线 …)
        return []
    own = _names_any(clause, P.INFO_DISCLOSURE_WORDS) or part == APPEALS_PART
    if P.LITIGATION_AFTER_RE.search(words):
        groups = ["litigation_after"]
    elif P.LITIGATION_DIRECT_RE.search(words):
        groups = ["litigation_direct"]
    elif recon and lit:
        distributive = P.DISTRIBUTIVE_RE.search(words)
        groups = ["reconsideration", "litigation"] if distributive else ["appeals"]
        if not distributive:  # 复议和诉讼共N件, or 复议后又起诉: which sum is meant is not sure
            own = False
    elif recon:
        groups = ["reconsideration"]
    elif lit:
        groups = ["litigation"]
    else:
        groups = [state.group]  # 其中结果维持72件: a result of the sentence's group
        own = own or state.qualified
    qualified = own
    state.domain, state.group, state.qualified = "appeals", groups[-1], qualified
    partial = breakdown or (result != "" and groups == ["appeals"])
    return [make(g, sure=qualified, partial=partial, detail=result, qualified=qualified) for g in groups]


def _requests(make, words: str, clause: str, state: _SentenceState, breakdown: bool, unit: str) -> list[Statement]:
    if unit not in ("件", "个", "项", "宗", "例"):
        return []
    explicit = P.REQUEST_NOUN_WORD in words
    if P.NOT_A_REQUEST_RE.search(words):
        state.domain = None  # another kind of work (建议, 12345 诉求 …): what follows counts it, not requests
        return []
    if not explicit and state.domain != "requests":
        return []
    qualified = _names_any(clause, P.INFO_DISCLOSURE_WORDS) or state.qualified
    subset = bool(P.SUBSET_WORDS_RE.search(words)) and not P.ALL_KINDS_RE.search(words)
    # counts of other bodies too: no sure reading (each of those words holds 各, 单位 or 系统内)
    others = ("各" in words or "单位" in words or "系统内" in words) and bool(P.OTHER_BODIES_RE.search(words))
    topic = ""
    if "公开" in words or "处理" in words or "无法提供" in words:  # (in every outcome's words)
        for name, word, rx in P.OUTCOME_WORDS:
            if word in words and rx.search(words):
                topic = name
                break
    # (each regex below is tried only on words holding what every one of its matches holds: `in` runs
    # at C speed, a regex call costs several times more; tests/test_narrative_sentences.py checks it)
    if topic:
        reason = bool(P.OUTCOME_REASON_RE.search(words))
        other_scope = bool(P.SUBSET_WORDS_RE.search(words.replace("其中", ""))) and not P.ALL_KINDS_RE.search(words)
        st = make(topic, sure=not others, partial=breakdown or reason or other_scope, qualified=qualified)
    elif "下" in words and P.CARRIED_FORWARD_RE.search(words):
        st = make("carried_forward", sure=not others, partial=breakdown or subset, qualified=qualified)
    elif "上" in words and P.CARRIED_OVER_RE.search(words):
        st = make("carried_over", sure=not others, partial=breakdown or subset, qualified=qualified)
    elif ("收" in words or "接" in words) and (m := P.RECEIVED_VERB_RE.search(words)):
        st = make("received", sure=explicit and not others, partial=breakdown or subset, verb=m.group(), qualified=qualified)
    elif "受理" in words and (m := P.ACCEPTED_VERB_RE.search(words)):
        st = make("accepted", sure=False, partial=breakdown or subset, verb=m.group(), qualified=qualified)
    elif ("结" in words or "复" in words) and (m := P.HANDLED_SURE_VERB_RE.search(words)):
        st = make("handled", sure=not others, partial=breakdown or subset, verb=m.group(), qualified=qualified)
    elif "办理" in words and (m := P.HANDLED_VERB_RE.search(words)):
        st = make("handled", sure=False, partial=breakdown or subset, verb=m.group(), qualified=qualified)
    elif explicit:  # 网上申请14件, 申请事项涉及…1件: requests of some kind
        st = make("received", sure=False, partial=True, qualified=qualified)
    else:
        return []
    state.domain = "requests"
    state.qualified = state.qualified or qualified
    return [st]


# --- years ---------------------------------------------------------------------------------------------
def _years(sent: str) -> list[tuple[int, int, int]]:
    """(year, start, end) of every year in a sentence outside titles and quotes."""
    if "年" not in sent:
        return []
    hidden = [(m.start(), m.end()) for m in _TITLE_RE.finditer(sent)] if "《" in sent or "“" in sent else []
    return [(int(m.group(1)), m.start(), m.end()) for m in _YEAR_RE.finditer(sent)
            if not any(x <= m.start() < y for x, y in hidden)]


def _governing_year(sent: str, years: list[tuple[int, int, int]], at: int) -> Optional[int]:
    """The year heading the words at `at` (2022年，本机关共收到…): the last year before them whose
    words in between say nothing of another period (同比, 以来, 截至 …)."""
    before = [y for y in years if y[2] <= at]
    if not before:
        return None
    year, ys, ye = before[-1]
    if P.OTHER_YEAR_CONTEXT_RE.search(sent[max(0, ys - 2):ys]) or P.OTHER_YEAR_CONTEXT_RE.search(sent[ye:at]):
        return None
    return year


# --- none and all --------------------------------------------------------------------------------------
def _claims(part: int, sent: str, stated: list[Statement], claims: list) -> None:
    qualified: Optional[bool] = None  # whether the sentence names information disclosure, when asked
    if "申请" in sent and ("未" in sent or "没有" in sent or "无" in sent):
        for m in P.NO_REQUESTS_RE.finditer(sent):
            claims.append(Claim(part, sent, m.start(), m.end(), "no_requests", qualified=True))
    if "复议" in sent:
        for m in P.NO_APPEAL_RE.finditer(sent):
            tail = sent[m.end():m.end() + 6]
            if P.APPEAL_OUTCOME_WORDS_RE.search(m["span"]) or P.APPEAL_OUTCOME_WORDS_RE.search(tail):
                continue  # 无…复议被纠错: no correction, not no reconsideration
            if qualified is None:
                qualified = _names_any(sent, P.INFO_DISCLOSURE_WORDS)
            claims.append(Claim(part, sent, m.start(), m.end(), "no_appeals", lawsuits=bool(m["lit"]),
                                qualified=qualified))
    requests = [s for s in stated if s.topic in REQUEST_TOPICS]
    if requests:
        if qualified is None:
            qualified = _names_any(sent, P.INFO_DISCLOSURE_WORDS)
        for m in (P.ALL_HANDLED_RE.finditer(sent) if "均" in sent or "全部" in sent or "都" in sent else ()):
            before = [s for s in requests if s.end <= m.start()]
            after = before[-1].topic if before else ""
            claims.append(Claim(part, sent, m.start(), m.end(), "all_handled", qualified=qualified, after=after))
        if "自然人" in sent:
            for m in P.ALL_NATURAL_PERSONS_RE.finditer(sent):
                before = [s for s in requests if s.end <= m.start()]
                if before and before[-1].topic in ("received", "accepted") and not before[-1].partial:
                    claims.append(Claim(part, sent, m.start(), m.end(), "all_natural_persons", qualified=qualified,
                                        after=before[-1].topic))
