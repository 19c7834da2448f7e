"""Issue 16 sign-in with real parts: a real OpenID Connect provider on loopback (PyPI
``oidc-provider-mock``), the app over HTTP, Chromium clicking through the provider's page.

Anonymous visitors see only public indicators and no save button; ``anna`` (group
``bildungsbuero`` → ``intern``) sees the internal indicators and the index that uses them but
cannot save; ``rita`` (``bildungsbuero-redaktion`` → ``redaktion``) gets the save button.
Local accounts (argon2, made by the ``benutzer anlegen`` command) and the sign-in throttle are
tested with the Flask client.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from app import create_app
from geodata.model.authconfig import AuthSettings
from tests.serving import serve_wsgi

INTERNAL = "sgb2_quote_u15"
ROLES = {"intern": ("bildungsbuero",), "redaktion": ("bildungsbuero-redaktion",)}


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub="anna", claims={"groups": ["bildungsbuero"], "preferred_username": "anna"}),
             User(sub="rita",
                  claims={"groups": ["bildungsbuero-redaktion"], "preferred_username": "rita"})]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_url(repo, provider, tmp_path_factory):
    import os
    import shutil

    from geodata.index.files import INDEX_DIR

    folder = tmp_path_factory.mktemp("indizes")
    for f in INDEX_DIR.glob("*.json"):
        shutil.copy(f, folder)
    old_env = os.environ.get("BILDUNGSATLAS_INDIZES")
    os.environ["BILDUNGSATLAS_INDIZES"] = str(folder)
    inds = dict(repo.indicators)
    for i in (INTERNAL, "kinder_u15_sgb2", "kinder_u15"):
        inds[i] = dataclasses.replace(inds[i], visibility="intern")
    internal = dataclasses.replace(repo, indicators=inds)
    auth = AuthSettings(mode="oidc", issuer=provider, client_id="bildungsatlas",
                        client_secret="geheim", role_groups=ROLES)
    app = create_app(internal, bind_host="0.0.0.0", auth=auth)
    with serve_wsgi(app.server) as url:
        yield url, internal
    if old_env is None:
        os.environ.pop("BILDUNGSATLAS_INDIZES", None)
    else:
        os.environ["BILDUNGSATLAS_INDIZES"] = old_env


def sign_in(page, url: str, user: str) -> None:
    page.goto(url + "/?ansicht=indizes")
    page.wait_for_selector("#anmelden")
    before = len(page.console_errors)
    page.click("#anmelden")
    page.wait_for_selector(f"button[name=sub][value={user}]")  # the provider's own page
    page.click(f"button[name=sub][value={user}]")
    page.wait_for_selector("#angemeldet")
    # The provider's page loads its stylesheet from a CDN (no internet here): its console
    # errors are not the atlas's; the atlas's own pages stay checked.
    del page.console_errors[before:]


@pytest.mark.browser
def test_sign_in_through_the_oidc_provider_as_intern_and_redaktion(page, oidc_url):
    url, repo = oidc_url
    # anonymous: public indicators only, no index with internal indicators, no save button
    page.goto(url + "/?ansicht=indizes")
    page.wait_for_selector("#index-liste, #profil-titel")
    assert "Chancenindex" not in page.inner_text("#gebietsprofil")
    api = page.request.get(url + "/api/indikatoren").json()
    assert INTERNAL not in {i["id"] for i in api}
    page.goto(url + "/?ansicht=definition")
    page.wait_for_selector("#index-nur-lesen")
    assert page.locator("text=Speichern und berechnen").count() == 0

    # intern: sees them, cannot save
    sign_in(page, url, "anna")
    assert page.inner_text("#angemeldet") == "anna (intern)"
    page.goto(url + "/?ansicht=indizes")
    page.wait_for_selector("#index-liste")
    assert page.locator("#index-liste a:has-text('Chancenindex')").count() == 1
    page.goto(url + "/?index=frankfurt_chancenindex&ansicht=definition")
    page.wait_for_selector("#index-nur-lesen")
    assert page.locator("text=Speichern und berechnen").count() == 0
    assert INTERNAL in {i["id"] for i in page.request.get(url + "/api/indikatoren").json()}
    who = page.request.get(url + "/api/ich").json()
    assert who == {"benutzer": "anna", "rolle": "intern", "rolle_name": "intern",
                   "anmeldung": "oidc"}
    page.click("#angemeldet + button")  # Abmelden
    page.wait_for_selector("#anmelden")

    # redaktion: saves a new version; the old one is still served under its version
    sign_in(page, url, "rita")
    assert page.inner_text("#angemeldet") == "rita (Redaktion)"
    old = page.request.get(url + "/index/frankfurt_chancenindex.json").json()
    page.goto(url + "/?index=frankfurt_chancenindex&ansicht=definition")
    page.wait_for_selector("button:has-text('Speichern und berechnen')")
    page.get_by_label("Version").fill(old["version"])  # the same number: refused
    page.get_by_role("button", name="Speichern und berechnen").click()
    page.wait_for_selector(".ba-form-errors:has-text('neue Versionsnummer')")
    page.get_by_label("Version").fill("2.0")
    page.get_by_label("Gewicht SGB-II-Quote unter 15 Jahren").fill("3")
    page.get_by_role("button", name="Speichern und berechnen").click()
    # saved: the address leaves the definition tab for the result
    page.wait_for_function("() => !location.search.includes('ansicht=definition')")
    new = page.request.get(url + "/index/frankfurt_chancenindex.json").json()
    assert new["version"] == "2.0"
    kept = page.request.get(url + f"/index/frankfurt_chancenindex/version/{old['version']}.json")
    assert kept.ok and kept.json() == old
    sheet = page.request.get(url + "/index/frankfurt_chancenindex/methode").text()
    assert "Version\n2.0" in sheet or "Version 2.0" in sheet
    page.goto(url + "/?index=frankfurt_chancenindex&ansicht=definition")
    page.wait_for_selector("#index-versionen")
    assert f"Version {old['version']}" in page.inner_text("#index-versionen")


def _accounts(tmp_path, *entries) -> object:
    path = tmp_path / "benutzer.json"
    for name, role, password in entries:
        done = subprocess.run([sys.executable, "-m", "geodata.model.accounts", "--datei",
                               str(path), "benutzer", "anlegen", name, "--rolle", role,
                               "--passwort-stdin"], input=password + "\n", text=True,
                              capture_output=True)
        assert done.returncode == 0, done.stderr
        assert "gespeichert" in done.stdout
    return path


def test_local_accounts_and_the_throttle(tmp_path, repo):
    path = _accounts(tmp_path, ("mueller", "intern", "lang-genug-1"),
                     ("schmidt", "redaktion", "lang-genug-2"))
    text = path.read_text()
    assert "$argon2id$" in text and "lang-genug" not in text  # only hashes
    bad = subprocess.run([sys.executable, "-m", "geodata.model.accounts", "--datei", str(path),
                          "benutzer", "anlegen", "kurz", "--passwort-stdin"], input="kurz\n",
                         text=True, capture_output=True)
    assert bad.returncode == 2 and "mindestens 10 Zeichen" in bad.stderr

    auth = AuthSettings(mode="lokal", accounts_file=path, sign_in_limit="5 per minute")
    app = create_app(repo, bind_host="0.0.0.0", auth=auth)
    client = app.server.test_client()
    own = {"Origin": "http://localhost"}
    assert client.get("/api/ich").get_json()["rolle"] == "oeffentlich"
    form = client.get("/anmelden")
    assert form.status_code == 200 and "Passwort" in form.get_data(True)
    ok = client.post("/anmelden", data={"benutzer": "mueller", "passwort": "lang-genug-1",
                                        "weiter": "https://angreifer.example/"}, headers=own)
    assert ok.status_code == 303 and ok.headers["Location"] == "/"  # no open redirect
    assert client.get("/api/ich").get_json() == {
        "benutzer": "mueller", "rolle": "intern", "rolle_name": "intern", "anmeldung": "lokal"}
    client.post("/abmelden", headers=own)
    assert client.get("/api/ich").get_json()["rolle"] == "oeffentlich"
    # wrong passwords: German message, then throttled (5 attempts per minute from this
    # address, the successful one above included)
    wrong = [client.post("/anmelden", data={"benutzer": "schmidt", "passwort": "falsch"},
                         headers=own) for _ in range(5)]
    assert [r.status_code for r in wrong] == [401] * 4 + [429]
    assert "stimmen nicht" in wrong[0].get_data(True)
    assert "Zu viele Anmeldeversuche" in wrong[4].get_data(True)
    # a foreign page cannot sign anybody in or out
    assert client.post("/anmelden", data={"benutzer": "schmidt", "passwort": "lang-genug-2"},
                       headers={"Origin": "http://angreifer.example"}).status_code == 403


def test_without_sign_in_on_another_address_the_app_is_public_and_says_so(repo, caplog):
    app = create_app(repo, bind_host="0.0.0.0", auth=AuthSettings())
    assert any("nur lesend und öffentlich" in r.getMessage() for r in caplog.records)
    who = app.server.test_client().get("/api/ich").get_json()
    assert who["rolle"] == "oeffentlich" and who["anmeldung"] == "keine"
    local = create_app(repo).server.test_client().get("/api/ich").get_json()
    assert local["rolle"] == "redaktion" and local["anmeldung"] == "lokal-vertraut"
