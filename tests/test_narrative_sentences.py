"""The real-sentence set: every sentence of the corpus's text (seeds and real reports) that holds a
count, each count labelled by hand with the cell it names (tests/data/narrative_sentences.json),
plus real sentences quoted in issues. A narrative rule raises an error only on a *sure* statement,
so every sure statement must name exactly the cell its label gives: precision 100 % for errors.

Labels (`relation`): `equals` the count is that cell's value in the table's own scope; `part` a
part of it (a channel, one reason, the requests of one origin); `other` a different scope (new
plus carried over, one office of the body); `maybe` the words may name the cell or something close
(documents published rather than issued); `none` no cell of the tables.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import CORPUS_DOCUMENTS
from gongkai.checks.statements import quantities, read

DATA = Path(__file__).parent / "data" / "narrative_sentences.json"
SENTENCES = json.loads(DATA.read_text(encoding="utf-8"))


def _doc_name(path: Path) -> str:
    return path.parent.name if path.name.startswith("source.") else path.name[:3]


def _labelled_counts(entry: dict) -> dict[tuple[int, int], dict]:
    """{(start, end) of the count in its sentence: its label}."""
    spans, seen = {}, defaultdict(int)
    by_key = {(c["text"], c["nth"]): c for c in entry["counts"]}
    for q in quantities(entry["sentence"]):
        text = entry["sentence"][q.start:q.end]
        key = (text, seen[text])
        seen[text] += 1
        assert key in by_key, f"{entry['doc']}: count {text} of “{entry['sentence']}” has no label"
        spans[(q.start, q.end)] = by_key[key]
    return spans


def _statements():
    """(entry, statement, label of the count it states) for every statement the reader makes on the
    labelled sentences, read in order per document part (the domain of a sentence carries on)."""
    parts: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for entry in SENTENCES:
        parts[(entry["doc"], entry["part"])].append(entry)
    for (doc, number), entries in parts.items():
        text = "".join(e["sentence"] for e in entries)
        reading = read([(number, text)])
        by_sentence = {e["sentence"]: e for e in entries}
        for st in reading.statements:
            entry = by_sentence[st.sentence]
            labels = [lab for (a, b), lab in _labelled_counts(entry).items() if st.start <= a and b <= st.end]
            yield entry, st, labels


def test_every_count_is_labelled():
    for entry in SENTENCES:
        _labelled_counts(entry)
        assert all(c["relation"] in ("equals", "part", "other", "maybe", "none") for c in entry["counts"])
        assert all((c["cell"] is None) == (c["relation"] == "none") for c in entry["counts"])


def test_every_document_of_the_corpus_is_in_the_set():
    labelled = {e["doc"] for e in SENTENCES}
    from gongkai import parse
    from gongkai.checks.patterns import normalize_narrative

    for path in CORPUS_DOCUMENTS:
        record = parse(str(path), check=False)
        numeric = [s for s in record.sections if any(True for _ in quantities(normalize_narrative(s.text)))]
        if numeric:
            assert _doc_name(path) in labelled, f"{path}: its sentences with counts are not labelled"


def test_sure_statements_name_exactly_the_labelled_cell():
    """Precision 100 % for errors: a sure statement states one labelled count, `equals`, same cell."""
    sure = 0
    for entry, st, labels in _statements():
        if not st.sure:
            continue
        sure += 1
        assert len(labels) == 1, f"{entry['doc']}: “{st.quote}” covers {len(labels)} labelled counts"
        label = labels[0]
        assert (label["relation"], label["cell"]) == ("equals", st.cell), \
            f"{entry['doc']}: “{st.quote}” read as {st.cell}, labelled {label['relation']} {label['cell']}"
    assert sure >= 30  # the set exercises the reader: most statements of the tables' figures are sure


def test_counts_of_no_cell_never_make_a_statement_that_could_be_an_error():
    for entry, st, labels in _statements():
        if any(lab["relation"] == "none" for lab in labels):
            assert not st.sure, f"{entry['doc']}: “{st.quote}” names no cell but was read as {st.cell}"


def test_recall_of_the_tables_figures():
    """How many counts labelled `equals` the reader states surely (the rest it may only warn about)."""
    equals = [(e["doc"], e["sentence"], c["text"], c["nth"]) for e in SENTENCES for c in e["counts"]
              if c["relation"] == "equals"]
    found = set()
    for entry, st, labels in _statements():
        for lab in labels:
            if st.sure and lab["relation"] == "equals" and lab["cell"] == st.cell:
                found.add((entry["doc"], entry["sentence"], lab["text"], lab["nth"]))
    recall = len(found) / len(equals)
    print(f"sure statements recall {len(found)}/{len(equals)} = {recall:.0%}")
    assert recall >= 0.8


@pytest.mark.parametrize("wording,cells", [
    ("共有行政诉讼案件1件、行政复议案件2件。", {("appeals.litigation_*.total", 1), ("appeals.reconsideration.total", 2)}),
    ("收到1件政府信息公开事务行政复议案、1件行政诉讼案。",
     {("appeals.reconsideration.total", 1), ("appeals.litigation_*.total", 1)}),
    ("本年度共收到政府信息公开申请十二件，其中，予以公开两件、部分公开一件。",
     {("requests.new_received.total", 12), ("requests.granted.total", 2), ("requests.partially_granted.total", 1)}),
    ("因政府信息公开工作被申请行政复议、提起行政诉讼的案件均为0件。",
     {("appeals.reconsideration.total", 0), ("appeals.litigation_*.total", 0)}),
])
def test_enumerations_pair_each_count_with_its_own_noun(wording, cells):
    """X N件、Y M件 and N件X、M件Y: the noun on the side the enumeration puts it; in part 四 (the
    template's 政府信息公开行政复议、行政诉讼情况) the appeals are about disclosure, so sure."""
    assert {(s.cell, s.value) for s in read([(1, wording)]).statements} == cells
    assert {(s.cell, s.value) for s in read([(4, wording)]).statements if s.sure} == cells


@pytest.mark.parametrize("wording", [
    "本年度收到政府信息公开申请二十余件。",
    "本年度收到政府信息公开申请近20件。",
    "本年度收到政府信息公开申请约1.2万件。",
    "本年度收到政府信息公开申请100件以上。",
])
def test_approximate_counts_are_never_sure(wording):
    statements = read([(1, wording)]).statements
    assert [s.exact or s.sure for s in statements] == [False]


def test_the_unit_prefilter_never_hides_a_count(monkeypatch):
    """`quantities` skips a long text in which `_may_count` finds no unit after a number. On long
    texts of numbers and words with no count but one count-like form put somewhere (seeded, so a
    failure repeats) and on texts dense in numbers and units, it finds exactly the counts the full
    regex scan finds, from any start."""
    import random

    from gongkai.checks import statements

    rng = random.Random(20261202)
    # numbers and units, never a unit right after a number
    filler = ["12", "3 ", "0", "45.6", "2023年", "案件", "事项", "收到", "，", "。", "的", "共", "万", "余"]
    forms = ["二十多件", "3余件", "1.2万件", "5亿元", "２件", "其3件", "其三件", "第3条", "第十一项", "十一项", "一起",
             "受理一起", "12.5万元", "3多", "第12件", "多达五件", "〇件"]
    texts = []
    for form in forms:
        for _ in range(40):
            words = [rng.choice(filler) for _ in range(rng.randint(120, 250))]
            words.insert(rng.randint(0, len(words)), form)
            texts.append("".join(words))
    alphabet = list("0123456789.零一二三十百千万亿余多第年的，。共受理件起宗例个项条次份元其中２ ")
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(301, 700))) for _ in range(500)]
    filtered = [[list(statements.quantities(t, pos)) for pos in (0, 7)] for t in texts]
    monkeypatch.setattr(statements, "_LONG_TEXT", 10 ** 9)  # the regex alone
    scanned = [[list(statements.quantities(t, pos)) for pos in (0, 7)] for t in texts]
    assert filtered == scanned
    skipped = sum(1 for t in texts if not statements._may_count(t, 0, len(t)))
    assert skipped > 50 and sum(1 for f in filtered if f[0]) > 500  # texts skipped, and counts found


def test_the_words_tested_before_a_regex_are_in_all_its_matches():
    """statements.py tries some regexes only on words holding a word every match holds (an `in`
    test costs a fraction of a regex call). On every sentence of the labelled set and of the
    corpus's text, each match of those regexes holds its word: the test skips nothing it would find."""
    from gongkai import parse
    from gongkai.checks import patterns as P
    from gongkai.checks import statements
    from gongkai.checks.patterns import normalize_narrative
    from gongkai.checks.statements import sentences_of

    gated = [(P.NORMATIVE_NOUN_RE, ("规范性文件",)), (P.CARRIED_FORWARD_RE, ("下",)), (P.CARRIED_OVER_RE, ("上",)),
             (P.RECEIVED_VERB_RE, ("收", "接")), (P.ACCEPTED_VERB_RE, ("受理",)), (P.HANDLED_SURE_VERB_RE, ("结", "复")),
             (P.HANDLED_VERB_RE, ("办理",))]
    gated += [(rx, (word,)) for _, word, rx in P.OUTCOME_WORDS]
    gated += [(P.OTHER_BODIES_RE, ("各", "单位", "系统内")), (P.ALL_HANDLED_RE, ("均", "全部", "都")),
              (statements._TITLE_RE, ("《", "“"))]
    sentences = [e["sentence"] for e in SENTENCES]
    for path in CORPUS_DOCUMENTS:
        for section in parse(str(path), check=False).sections:
            sentences += sentences_of(normalize_narrative(section.text))
    matched = 0
    for sentence in sentences:
        for rx, words in gated:
            for m in rx.finditer(sentence):
                matched += 1
                assert any(w in m.group() for w in words), (rx.pattern, m.group())
    assert matched > 100  # (the set holds matches of them)


def test_sentences_counting_only_in_other_units_are_read_as_none():
    """`read` passes over a sentence whose counts are all in units no statement is counted in
    (信息2599条, 259起) and that lacks the characters of 复议/诉讼/起诉: on every such sentence of the
    corpus and of the labelled set (with counts in 件 turned into 条, 起 and 次 too), the full
    reading from each domain it may come in with states nothing, claims what a sentence without a
    count claims, and hands on the domain unchanged."""
    from gongkai import parse
    from gongkai.checks import statements
    from gongkai.checks.patterns import normalize_narrative
    from gongkai.checks.statements import sentences_of

    sentences = [e["sentence"] for e in SENTENCES]
    for path in CORPUS_DOCUMENTS:
        for section in parse(str(path), check=False).sections:
            sentences += sentences_of(normalize_narrative(section.text))
    sentences += [s.replace("件", unit) for s in list(sentences) if "件" in s for unit in ("条", "起", "次")]
    passed_over = 0
    for sent in sentences:
        qs = list(quantities(sent))
        if not qs or statements._may_name_appeals(sent) or any(q.unit in statements._STATING_UNITS for q in qs):
            continue
        passed_over += 1
        without_counts: list = []
        statements._read_sentence(1, sent, [], None, [], without_counts)
        for domain in (None, "requests", "appeals"):
            out: list = []
            claims: list = []
            assert statements._read_sentence(1, sent, qs, domain, out, claims) == domain, sent
            assert out == [] and claims == without_counts, sent
    assert passed_over > 100


def test_a_part_without_counts_or_claims_is_read_as_its_sentences_are(monkeypatch):
    """`read` passes over a part in which `_may_count` finds no count and no statement of none can
    stand (`_may_claim`), a table's text mostly. On every part of the corpus, and on each with a
    sentence of none or a count put in (seeded), the reading is the one made sentence by sentence."""
    import random

    from gongkai import parse
    from gongkai.checks import statements
    from gongkai.checks.patterns import normalize_narrative

    rng = random.Random(14)
    added = ["本年度未收到政府信息公开申请。", "本年度未发生因政府信息公开引起的行政复议。", "无一例被行政复议或诉讼。",
             "共收到申请3件。", "二〇二三年无政府信息公开申请。", "未收到任何政府信息公开申请，", "行政复议1起；", "3 件"]
    parts = []
    for path in CORPUS_DOCUMENTS:
        for section in parse(str(path), check=False).sections:
            text = normalize_narrative(section.text)
            parts.append((section.number, text))
            starts = [0, len(text)] + [i + 1 for i, c in enumerate(text) if c == "。"]
            for words in rng.sample(added, 3):  # at a sentence's start, or anywhere
                at = rng.choice(starts + [rng.randint(0, len(text))])
                parts.append((section.number, text[:at] + words + text[at:]))
    skipped = sum(1 for _, text in parts if not statements._may_count(text, 0, len(text))
                  and not statements._may_claim(text))
    passed_over = [read([part]) for part in parts]
    monkeypatch.setattr(statements, "_may_claim", lambda text: True)  # every part read sentence by sentence
    assert passed_over == [read([part]) for part in parts]
    assert skipped > 20 and any(r.claims for r in passed_over)


def test_a_part_without_any_noun_is_read_as_none_of_its_sentences_are():
    """`read` skips a part that lacks the characters of every statement noun (`_may_state` on the
    whole part) without cutting it into sentences: on each such part of the corpus, its sentences
    read one by one state and claim nothing either; and on every part the rules' part_text finds
    the same carried-forward words as the sentences joined (what part_text gave before)."""
    from gongkai import parse
    from gongkai.checks.patterns import CARRIED_FORWARD_RE, normalize_narrative
    from gongkai.checks.statements import _may_state, sentences_of

    skipped = 0
    for path in CORPUS_DOCUMENTS:
        for section in parse(str(path), check=False).sections:
            text = normalize_narrative(section.text)
            sentences = sentences_of(text)
            if not _may_state(text):
                skipped += 1
                one_by_one = read([(section.number, s) for s in sentences])
                assert not one_by_one.statements and not one_by_one.claims
            part_text = read([(section.number, text)]).part_text(section.number)
            assert bool(CARRIED_FORWARD_RE.search(part_text)) == bool(CARRIED_FORWARD_RE.search("".join(sentences)))
    assert skipped > 5


def test_narrative_text_drops_markup_artefacts_and_spaces_but_between_digits():
    from gongkai.checks.patterns import normalize_narrative

    assert normalize_narrative("## 一、总体情况\n**共收到**政府信息公开申请 1 0 件[bookmark: _Toc1]*，(其中 网上申请\u30003 件);") \
        == "一、总体情况共收到政府信息公开申请1 0件，（其中网上申请3件）；"
