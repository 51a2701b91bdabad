"""Agency names -> one key per body; names -> province, city, county and GB/T 2260 code."""
from __future__ import annotations

import pytest

from gongkai.store.agencies import normalise
from gongkai.store.labels import header, labels
from gongkai.store.regions import locate


@pytest.mark.parametrize("a, b", [
    ("洪泽区人民政府", "淮安市洪泽区人民政府"),                      # 简称 / 全称 of the region
    ("江苏省淮安市洪泽区人民政府", "洪泽区政府"),
    ("静安区人社局", "上海市静安区人力资源和社会保障局"),           # 简称 of the body
    ("上海市 静安区人力资源和社会保障局", "上海市静安区人力资源和社会保障局（上海市静安区公务员局）"),
    ("平潭綜合實驗區公安局", "平潭综合实验区公安局"),               # Traditional characters
    ("平潭综合实验区", "平潭综合实验区管委会"),                      # the area's government, however named
    ("会理县人民政府", "会理市人民政府"),                            # a county that became a city (2021)
    ("青岛市人社局", "青岛市人力资源和社会保障局"),
])
def test_names_of_one_body_share_a_key(a, b):
    assert normalise(a).key == normalise(b).key


@pytest.mark.parametrize("a, b", [
    ("洪泽区人民政府", "淮安市人民政府"),                 # county vs city government
    ("平潭综合实验区公安局", "平潭综合实验区交通与建设局"),
    ("北京市朝阳区人民政府", "长春市朝阳区人民政府"),       # same county name, two cities
    ("鼓楼区人民政府", "福州市鼓楼区人民政府"),             # unresolved name is never merged with a guess
])
def test_different_bodies_have_different_keys(a, b):
    assert normalise(a).key != normalise(b).key


@pytest.mark.parametrize("name, expected", [
    ("洪泽区人民政府", ("江苏省", "淮安市", "洪泽区", "320813", "county")),
    ("上海市静安区人力资源和社会保障局", ("上海市", "上海市", "静安区", "310106", "county")),
    ("福建省人民政府", ("福建省", None, None, "350000", "province")),
    ("青岛市人力资源和社会保障局", ("山东省", "青岛市", None, "370200", "city")),
    ("内蒙古自治区人民政府", ("内蒙古自治区", None, None, "150000", "province")),
    ("平潭综合实验区公安局", ("福建省", "福州市", "平潭综合实验区", "350128", "county")),
    # divisions cpca's table predates, from the overlay
    ("济南市莱芜区人民政府", ("山东省", "济南市", "莱芜区", "370116", "county")),
    ("会理市人民政府", ("四川省", "凉山彝族自治州", "会理市", "513402", "county")),
    ("苏州工业园区管理委员会", ("江苏省", "苏州市", "苏州工业园区", "320571", "county")),
    # a body under vertical management: the region stands inside the name
    ("国家税务总局南京市江宁区税务局", ("江苏省", "南京市", "江宁区", "320115", "county")),
])
def test_region_from_the_name(name, expected):
    r = locate(name)
    assert (r.province, r.city, r.county, r.code, r.level) == expected


def test_renamed_division_keeps_its_code_and_links_to_its_successor():
    old = normalise("蓬莱市人民政府")
    new = normalise("烟台市蓬莱区人民政府")
    assert (old.region.code, new.region.code) == ("370684", "370614")
    assert old.key == new.key == "370614:人民政府"
    assert "蓬莱区" in old.region.note


def test_a_county_name_shared_by_several_places():
    alone = locate("鼓楼区人民政府")
    assert alone.code is None and alone.county == "鼓楼区"
    assert "同名区划4处" in alone.note and "福州市鼓楼区" in alone.note
    # the report's own text settles it when it names the city
    hinted = locate("鼓楼区人民政府", hints="……福州市鼓楼区人民政府办公室 联系电话……")
    assert (hinted.city, hinted.code) == ("福州市", "350102") and "福州市" in hinted.note
    # the city in the name settles it too
    assert locate("南京市鼓楼区人民政府").code == "320106"


def test_no_region_in_the_name():
    agency = normalise("海关总署")
    assert agency.key == "-:海关总署" and agency.region.code is None
    assert normalise(None) is None and normalise("  ") is None


def test_export_headers_are_unique_and_cover_every_template_path():
    from gongkai import vocabulary as v

    all_labels = labels()
    assert len({l.header for l in all_labels}) == len(all_labels)
    paths = {l.path for l in all_labels}
    for spec in v.REQUEST_ROWS_2021 + v.REQUEST_ROWS_2019:
        for f in v.APPLICANT_COLUMNS:
            assert f"requests.{spec.key}.{f}" in paths
    for spec in v.ACTIVE_ROWS_2021 + v.ACTIVE_ROWS_2019:
        for f in spec.fields:
            assert f"active.{spec.key}.{f}" in paths
    assert header("requests.partially_granted.total") == "依申请公开｜（二）部分公开｜总计"
    assert header("requests.other_no_fee.total") == "依申请公开｜2.申请人逾期未按收费通知要求缴纳费用｜总计"
    assert header("active.normative_documents.made") == "主动公开｜规范性文件｜本年新制作数量"
    assert header("appeals.litigation_direct.pending") == "复议诉讼｜行政诉讼·未经复议直接起诉｜尚未审结"
    assert header("requests.unknown_row.total") == "requests.unknown_row.total"
