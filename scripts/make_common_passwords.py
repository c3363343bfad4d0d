"""Writes chalicelib/reference/common_passwords.txt: passwords people pick first, which §13 refuses (docs/rules.md).

Composed, not downloaded: the well-known lists' leaders, Chinese-typical choices (pinyin words, 520/1314), keyboard walks and digit runs, each with the endings people add to pass a length or kinds rule. Only
entries of 10 characters or more are kept (shorter ones fail the length rule anyway). Run again after editing.
"""
from __future__ import annotations

import itertools
from pathlib import Path

WORDS = """password passw0rd p@ssword p@ssw0rd admin administrator root qwerty qwertyuiop asdfghjkl zxcvbnm
qazwsx qazwsxedc 1qaz2wsx 1qaz2wsx3edc zaq12wsx letmein welcome welcome1 iloveyou monkey dragon master sunshine
princess football baseball superman batman trustno1 shadow michael jennifer abc abcd abcdef abcdefg abc123 test
test123 guest changeme secret login hello hellokitty whatever starwars freedom computer internet
woaini woaini1314 woaini520 wodemima mima mimamima aini aiwoba laopo laogong baobei xiaobao zhang wang
li liu chen yang huang zhao zhou wu xu sun ma zhu hu guo he lin luo gao zhongguo china beijing shanxi
taiyuan huawei xiaomi tencent baidu qq weixin wechat taobao alibaba fuck iloveu lovelove woshishui
nihao nihaoma wocao caonima tiantian kuaile xingfu pingan fafa facai fa888 liuliu zhangsan lisi wangwu
user manager system service office renshe laodong beian""".split()

ENDINGS = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "0", "01", "007",
           "88", "666", "888", "999", "000", "111", "520", "521", "1314", "5201314", "!", "!!", "@", "#", "1!", "123!",
           "@123", "#123", "!@#", "2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027", ".", "..", "abc"]

RUNS = ["1234567890", "0123456789", "9876543210", "12345678910", "123456789a", "a123456789", "a1234567890",
        "1234567890a", "12345678a", "1234567890q", "q1234567890", "qwertyuiop", "qwertyuiop123", "asdfghjkl;",
        "asdfghjkl123", "zxcvbnm123", "zxcvbnm,./", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "qwer1234",
        "qwe123456", "qwe1234567", "qweasdzxc", "qweasdzxc123", "qazwsxedcrfv", "1qazxsw23edc", "!qaz2wsx",
        "5201314520", "52013145201314", "1314520520", "woaini1314520", "aaaaaaaaaa", "abcabcabc1",
        "11223344556677", "1122334455", "1111122222", "0000011111", "147258369", "1472583690", "3692581470",
        "159357258", "1593574862", "7758521", "77585210", "775852100", "5211314", "13145201314"]


def candidates() -> set[str]:
    found = set(RUNS)
    for word, ending in itertools.product(WORDS, ENDINGS):
        for shape in (word, word.capitalize(), word.upper()):
            found.add(shape + ending)
            found.add(ending + shape)
    for digit in "0123456789abcdefghijklmnopqrstuvwxyz ":
        for n in range(10, 21):
            found.add(digit * n)  # one character over and over, spaces too
    for n in range(10, 21):  # a run of digits from any start, and back
        for start in range(10):
            found.add("".join(str((start + i) % 10) for i in range(n)))
            found.add("".join(str((start - i) % 10) for i in range(n)))
    return {p for p in found if len(p) >= 10}


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "chalicelib" / "reference" / "common_passwords.txt"
    words = sorted(candidates(), key=lambda p: (p.lower(), p))
    target.write_text("# docs/rules.md §13: common passwords, refused (scripts/make_common_passwords.py)\n"
                      + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords → {target}")
