from chalicelib.web.http import linkify

SITE = "https://filing.example.cn"


def test_links_in_chinese_text_become_anchors_and_the_rest_is_escaped():
    html = str(linkify('请审核：https://filing.example.cn/act/a.b-c_d（仅限本人）<script>', SITE))
    assert '<a href="https://filing.example.cn/act/a.b-c_d">https://filing.example.cn/act/a.b-c_d</a>（仅限本人）' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_quotes_in_a_link_cannot_break_out_of_the_attribute():
    assert '"><' not in str(linkify('https://filing.example.cn/"><img src=x>', SITE))


def test_links_users_typed_stay_text():
    """A unit named "http://evil.example/登录" is quoted in its messages: never as a live link."""
    html = str(linkify("http://evil.example/登录 提交了备案，请审核：https://filing.example.cn/act/x "
                       "https://filing.example.cn.evil.example/act/y", SITE))
    assert html.count("<a ") == 1 and 'href="https://filing.example.cn/act/x"' in html
