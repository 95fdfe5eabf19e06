"""The counselor's desk's files, served by intake under /desk/: the page and its scripts, nothing
else from the disk, and the headers of a page that shows personal data (no foreign script, no
framing, no referrer)."""

import pytest
from relais_intake.bootstrap import DESK_FILES, create_app
from support.http import in_process, offline


@pytest.fixture(scope="module")
def client():
    return in_process(create_app(offline()))


def test_the_page_and_its_scripts_are_served_with_a_strict_policy(client):
    page = client.get("/desk/")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    for name in DESK_FILES:
        assert f'"/desk/static/{name}"' in page.text
        served = client.get(f"/desk/static/{name}")
        assert served.status_code == 200 and served.headers["content-security-policy"] == policy


@pytest.mark.parametrize("name", ["index.html", "..%2Fsrc%2Frelais_intake%2Fbootstrap.py", "desk", "package.json"])
def test_nothing_else_is_served(client, name):
    assert client.get(f"/desk/static/{name}").status_code == 404


def test_no_inline_script_or_style_that_the_policy_would_block():
    from relais_runtime.settings import get_settings

    page = (get_settings().desk_dir / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "style=" not in page and "onclick" not in page.lower()


def test_the_scripts_never_parse_what_they_show_as_html():
    """Names typed by counselors (young people, employers) reach every screen: the desk sets text,
    never markup, so a name like `<img onerror=…>` is shown as typed, never run."""
    from relais_runtime.settings import get_settings

    for name in DESK_FILES:
        if name.endswith(".js"):
            script = (get_settings().desk_dir / name).read_text(encoding="utf-8")
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
                assert sink not in script, (name, sink)
