"""Which language a page speaks: the user's choice, then the browser's, then the region's."""
from tests.conftest import bearer, login


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_regions_language_is_the_fallback(make_app, regions_copy):
    regions_copy.replace("primorye", 'locale = "ru"', 'locale = "en"')
    client = make_app(region="primorye").test_client()
    assert _lang(client.get("/login")) == "en"  # no Accept-Language: the region's
    assert _lang(client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})) == "en"  # none we speak
    assert _lang(client.get("/login", headers={"Accept-Language": "ru"})) == "ru"  # the browser's beats the region's
    assert "Primorye Electronic School" in client.get("/login").get_data(as_text=True)  # the portal's English name


def test_the_accounts_choice_beats_the_browser_on_every_device(client, demo):
    login(client, "teacher")
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "en"})) == "en"
    client.post("/language", data={"locale": "ru", "next": "/dashboard"})
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "en"})) == "ru"
    client.post("/language", data={"locale": "xx", "next": "/dashboard"})  # not a language we speak: ignored
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "en"})) == "ru"


def test_api_messages_follow_the_browser_and_codes_do_not(client, demo):
    headers = bearer(client, "teacher")
    english = client.get("/api/v1/plugins", headers={**headers, "Accept-Language": "en"}).get_json()
    russian = client.get("/api/v1/plugins", headers={**headers, "Accept-Language": "ru"}).get_json()
    assert english["error"]["code"] == russian["error"]["code"] == "forbidden"
    assert english["error"]["message"] == "You do not have permission to do this here."
