"""The contribution pages as a browser uses them, on both stores: the log form with its
presets and the last activity remembered, posting it, the validation queue's Approve and
Red-flag, the filtered list, and a member's page with its charts beside tables."""

from __future__ import annotations

import datetime
import json
import re
from html import unescape

import httpx
from api.conftest import Person, Web
from api.test_api_contributions import EQUATION, Camp, day_ago


def post_form(person: Person, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Submit a form as a browser does: the CSRF token from the page's hidden field, no header."""
    shown = person.get(page)
    assert shown.status_code == 200, shown.text
    found = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert found, "the page has no CSRF field"
    header = person.client.headers.pop("x-csrf-token")
    try:
        return person.post(action, data={"csrf": found.group(1), **data}, follow_redirects=False)
    finally:
        person.client.headers["x-csrf-token"] = header


def labelled(html: str) -> bool:
    """Every field a person fills in has a label (radio buttons inside theirs)."""
    fields = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|radio)")[^>]*\bid="([^"]+)"', html)
    unlabelled = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|radio)")(?![^>]*\bid=)[^>]*>', html)
    return bool(fields) and not unlabelled and all(f'<label for="{field}"' in html for field in fields)


def test_the_log_form_offers_presets_and_remembers_the_last_activity(web: Web) -> None:
    camp = Camp(web)
    form = camp.bo.get(f"/n/{camp.network}/log")
    assert form.status_code == 200
    for value, label in [("15m", "15 min"), ("30m", "30 min"), ("1h", "1 hour"), ("2h", "2 hours"),
                         ("4h", "half day (4h)"), ("8h", "day (8h)")]:
        assert f'<input type="radio" name="duration" value="{value}"><span>{label}</span>' in form.text
    assert 'class="presets"' in form.text
    assert '<option value="work" selected>' in form.text
    assert f'name="happened" value="{day_ago(0)}"' in form.text
    assert labelled(form.text)

    camp.log(camp.bo, action="deliverService", hours="2", skill="cooking", tags=["kitchen", "lunch"])
    again = camp.bo.get(f"/n/{camp.network}/log").text
    assert '<option value="deliverService" selected>' in again and '<option value="work" selected>' not in again
    assert 'name="skill" value="cooking"' in again and 'name="tags" value="kitchen, lunch"' in again
    assert '<option value="work" selected>' in camp.ana.get(f"/n/{camp.network}/log").text  # Ana's own memory


def test_posting_the_log_form_logs_a_contribution_and_shows_it(web: Web) -> None:
    camp = Camp(web)
    page = f"/n/{camp.network}/log"
    posted = post_form(camp.bo, page, page, {"action": "work", "duration": "30m", "hours": "", "note": "swept the yard",
                                             "skill": "", "tags": "Yard, tools", "happened": day_ago(1)})
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert location.startswith(f"/n/{camp.network}/contributions?")
    [logged] = camp.listed(camp.ana)
    assert (logged["hours"], logged["note"], logged["tags"], logged["day"]) == (
        "0.5", "swept the yard", ["tools", "yard"], day_ago(1))
    assert location.endswith(f"#c-{logged['contribution'][:12]}")
    shown = camp.bo.get(location).text
    assert "Logged 0.5h work. It counts once approved." in shown
    assert f'<tr id="c-{logged["contribution"][:12]}" aria-current="true">' in shown

    # A duration typed in replaces the preset chosen.
    post_form(camp.bo, page, page, {"action": "work", "duration": "30m", "hours": "1h15m"})
    assert sorted(item["hours"] for item in camp.listed(camp.ana)) == ["0.5", "1.25"]


def test_a_wrong_log_form_comes_back_with_the_message_and_the_values_kept(web: Web) -> None:
    camp = Camp(web)
    page = f"/n/{camp.network}/log"
    before = web.events()
    wrong = post_form(camp.bo, page, page,
                      {"action": "work", "hours": "soon", "note": "kept note", "skill": "sweeping"})
    assert wrong.status_code == 422
    assert re.search(r'<p class="error" role="alert" id="log-error">hours: [^<]*soon', unescape(wrong.text))
    assert ">kept note</textarea>" in wrong.text and 'name="skill" value="sweeping"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    later = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=2)).isoformat()
    future = post_form(camp.bo, page, page, {"action": "work", "duration": "1h", "happened": later})
    assert future.status_code == 403 and "after the day it was logged" in future.text
    assert f'value="{later}"' in future.text
    assert camp.cai.get(page).status_code == 403  # the form is for members
    outsider = post_form(camp.cai, "/me", page, {"action": "work", "duration": "1h", "note": "hello"})
    assert outsider.status_code == 403 and "member" in outsider.text
    assert web.events() == before


def test_the_queue_page_approves_and_red_flags(web: Web) -> None:
    camp = Camp(web)
    cooked = camp.log(camp.bo, hours="2", note="cooked lunch", evidence=["https://example.org/lunch"])
    napped = camp.log(camp.bo, hours="8", note="napped")
    queue = f"/n/{camp.network}/queue"
    shown = camp.ana.get(queue)
    assert shown.status_code == 200 and labelled(shown.text)
    assert f'id="c-{cooked[:12]}"' in shown.text and f'id="c-{napped[:12]}"' in shown.text
    assert shown.text.count(">Approve</button>") == 2 and shown.text.count(">Red-flag</button>") == 2
    assert '<a href="https://example.org/lunch"' in shown.text
    assert "Nothing waits for your verdict here." in camp.bo.get(queue).text

    approved = post_form(camp.ana, queue, f"/n/{camp.network}/contributions/{cooked}/validate", {})
    assert approved.status_code == 303
    after = camp.ana.get(approved.headers["location"]).text
    assert "Approved." in after and f'id="c-{cooked[:12]}"' not in after and f'id="c-{napped[:12]}"' in after
    assert camp.ana.ok("GET", f"{camp.api}/contributions/{cooked}")["status"] == "validated"

    before = web.events()
    reasonless = post_form(camp.ana, queue, f"/n/{camp.network}/contributions/{napped}/flag", {"reason": " "})
    assert reasonless.status_code == 422 and "reason:" in reasonless.text
    assert web.events() == before
    flagged = post_form(camp.ana, queue, f"/n/{camp.network}/contributions/{napped}/flag", {"reason": "a nap"})
    assert flagged.status_code == 303
    assert "Nothing waits for your verdict here." in camp.ana.get(flagged.headers["location"]).text
    assert camp.ana.ok("GET", f"{camp.api}/contributions/{napped}")["status"] == "flagged"
    assert camp.cai.get(queue).status_code == 403


def test_the_contributions_page_filters_and_pages(web: Web) -> None:
    camp = Camp(web)
    story = [(2, camp.ana, "swept-alpha"), (1, camp.bo, "swept-beta"), (0, camp.bo, "swept-gamma")]
    for days_ago, person, note in story:
        camp.log(person, hours="1", note=note, happened=day_ago(days_ago))
    url = f"/n/{camp.network}/contributions"
    everything = camp.ana.get(url).text
    assert everything.index("swept-alpha") < everything.index("swept-beta") < everything.index("swept-gamma")
    assert labelled(everything)
    by_bo = camp.ana.get(f"{url}?contributor={camp.bo.agent}&status=pending").text
    assert "swept-beta" in by_bo and "swept-gamma" in by_bo and "swept-alpha" not in by_bo
    first_page = camp.ana.get(f"{url}?limit=2").text
    assert "swept-gamma" not in first_page
    later = re.search(r'<a href="([^"]+)">Later</a>', first_page)
    assert later
    second_page = camp.ana.get(unescape(later.group(1))).text
    assert "swept-gamma" in second_page and "swept-alpha" not in second_page
    by_bo_first = camp.ana.get(f"{url}?limit=1&contributor={camp.bo.agent}").text
    filtered_later = re.search(r'<a href="([^"]+)">Later</a>', by_bo_first)
    assert filtered_later and f"contributor={camp.bo.agent}" in unescape(filtered_later.group(1))
    assert camp.ana.get(f"{url}?since=soon").status_code == 422
    assert camp.cai.get(url).status_code == 403


def test_the_member_page_draws_charts_beside_tables_of_the_same_figures(web: Web) -> None:
    camp = Camp(web, validation="none")
    camp.dee.grant_role(camp.network, camp.ana.agent, "cook")
    camp.log(camp.ana, hours="3")
    camp.log(camp.bo, hours="1")
    camp.dee.adopt_equation(camp.network, EQUATION)
    camp.dee.distribute_new_income(camp.network, "100", "EUR", "sales")
    page = camp.bo.get(f"/n/{camp.network}/m/{camp.ana.agent}")
    assert page.status_code == 200
    figures = [json.loads(unescape(found)) for found in re.findall(r'data-figure="([^"]+)"', page.text)]
    assert [figure["data"][0]["type"] for figure in figures] == ["pie", "bar", "scatter"]
    assert (figures[0]["data"][0]["labels"], figures[0]["data"][0]["values"]) == (["work"], [1.0])
    assert figures[2]["data"][0]["y"] == [75.0]
    assert '<span class="badge">cook</span>' in page.text
    assert '<td class="num">75.00</td><td>EUR</td>' in page.text and "<strong>75.00 EUR</strong>" in page.text
    assert f'href="/api/v1/networks/{camp.network}/members/{camp.ana.agent}/summary"' in page.text
    assert '<script src="/static/plotly.min.js"></script>' in page.text
    assert camp.cai.get(f"/n/{camp.network}/m/{camp.ana.agent}").status_code == 403
    network = camp.bo.get(f"/n/{camp.network}").text  # contributions per month: a chart, and the script
    assert "data-figure" in network and '<script src="/static/plotly.min.js"></script>' in network
