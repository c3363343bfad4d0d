from chalicelib.web.http import linkify


def test_links_in_chinese_text_become_anchors_and_the_rest_is_escaped():
    html = str(linkify('请审核：https://filing.example.cn/act/a.b-c_d（仅限本人）<script>'))
    assert '<a href="https://filing.example.cn/act/a.b-c_d">https://filing.example.cn/act/a.b-c_d</a>（仅限本人）' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_quotes_in_a_link_cannot_break_out_of_the_attribute():
    assert '"><' not in str(linkify('http://x.cn/"><img src=x>'))
