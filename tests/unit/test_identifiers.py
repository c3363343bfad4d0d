import random

import pytest

from chalicelib.domain.identifiers import (id_check_char, id_check_chars, mask_id, normalize, parse_resident_id,
                                           uscc_check_char, uscc_error)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "11320000MB151840XJ"])
def test_spec_uscc_vectors_are_valid(code):
    assert uscc_error(code) is None
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code,message", [
    ("91350100M000100Y44", "统一社会信用代码校验位错误，请核对"),
    ("91350100M000100Y4", "统一社会信用代码应为18位"),
    ("91350100I000100Y43", "统一社会信用代码含有非法字符：I（不使用I、O、Z、S、V）"),
])
def test_bad_uscc_says_why(code, message):
    assert uscc_error(code) == message


@pytest.mark.parametrize("number,birth,gender", [
    ("11010519491231002X", "1949-12-31", "女"),
    ("440524188001010014", "1880-01-01", "男"),
    ("11010519491231002x", "1949-12-31", "女"),  # lower-case x accepted
])
def test_spec_resident_id_vectors(number, birth, gender):
    rid, error = parse_resident_id(number)
    assert error is None
    assert rid.birth_date.isoformat() == birth and rid.gender == gender


@pytest.mark.parametrize("number,fragment", [
    ("110105491231002", "15位身份证号码已停用"),
    ("110105194912310021", "校验位错误"),
    ("1.40105E+17", "被Excel存成了数字"),
    ("11010519491331002X", "校验位错误"),
])
def test_bad_resident_ids_are_explained(number, fragment):
    rid, error = parse_resident_id(number)
    assert rid is None and fragment in error


def test_full_width_digits_and_spaces_are_normalized():
    assert parse_resident_id("１１０１０５ １９４９１２３１００２Ｘ")[0].number == "11010519491231002X"
    assert normalize(" 9135 0100m000100y43 ") == "91350100M000100Y43"


def test_mask_keeps_division_and_last_four():
    assert mask_id("140105199001011234") == "140105********1234"


def test_the_check_character_is_gb_11643s_weighted_sum_for_any_digits():
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    rnd = random.Random(20)
    firsts = ["0" * 17, "9" * 17, *("".join(rnd.choices("0123456789", k=17)) for _ in range(2000))]
    expected = ["10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11] for first17 in firsts]
    assert [id_check_char(first17) for first17 in firsts] == expected
    assert id_check_chars(firsts) == expected  # a batch's at once
