#!/usr/bin/python3
"""Orca reads our pages in Debian's Chromium; what it says is written to orca-<scenario>.txt.

Run by run_orca.sh inside `dbus-run-session` on an Xvfb display, with the site served at $SITE.
Nothing is heard: Orca's debug log records every utterance ("SPEECH OUTPUT: '…'"), which is
what the transcripts keep. The keyboard is driven with xdotool, as a user would: Tab, typing,
Return, Down; Orca reads each page aloud on load (its default "say all on load").

Environment: SITE (http://127.0.0.1:8765), WORK (scratch folder), TRANSCRIPTS (where the
orca-*.txt go), ORCA (an Orca launcher whose debug file is line-buffered), TICKET_NUMBER and
TICKET_BIRTH_MDY (an available ticket of "Football Club de Nanterre", birth date as MMDDYYYY:
Chromium's date field follows its own locale, en-US here).
Usage: run_orca.py [scenario ...]   (default: all of accueil annuaire ticket gestion)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

SITE = os.environ.get("SITE", "http://127.0.0.1:8765")
WORK = os.environ.get("WORK", "/tmp/sr-run")
OUT = os.path.join(WORK, "out")
TRANSCRIPTS = os.environ.get("TRANSCRIPTS", os.path.dirname(os.path.abspath(__file__)))
ORCA = os.environ.get("ORCA", "orca")
LOG = os.path.join(OUT, "orca.debug")
PASSWORD = "demo-Pass+2026"
STAFF_TOTP_KEY = os.environ.get("STAFF_TOTP_KEY", "")
SPEECH = re.compile(r"^[\d:.]+ - SPEECH OUTPUT: '(.*)'(\{.*\}| voice=\w+.*)?\s*$")

processes: dict[str, subprocess.Popen] = {}


# --- What Orca said -------------------------------------------------------------------------
def lines() -> list[str]:
    with open(LOG, encoding="utf-8", errors="replace") as f:
        return f.readlines()


def mark() -> int:
    return len(lines())


def spoken(since: int) -> list[str]:
    said = []
    for line in lines()[since:]:
        m = SPEECH.match(line.rstrip("\n"))
        if m:
            said.append(m.group(1))
    return said


def settle(quiet: float = 2.5, timeout: float = 90) -> None:
    """Wait until Orca's log has been quiet for `quiet` seconds."""
    start = time.time()
    last, last_change = os.path.getsize(LOG), time.time()
    while time.time() - start < timeout:
        time.sleep(0.3)
        size = os.path.getsize(LOG)
        if size != last:
            last, last_change = size, time.time()
        elif time.time() - last_change >= quiet:
            return


# --- The keyboard ---------------------------------------------------------------------------
def xdo(*args: str) -> str:
    return subprocess.run(["xdotool", *args], check=True, capture_output=True, text=True).stdout


def focus() -> None:
    for _ in range(30):
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "chromium"],
            capture_output=True,
            text=True,
        ).stdout.split()
        if found:
            xdo("windowfocus", "--sync", found[-1])
            return
        time.sleep(1)
    raise RuntimeError("no Chromium window")


def key(*keys: str, wait: float = 1.5) -> None:
    for k in keys:
        xdo("key", "--clearmodifiers", k)
        time.sleep(0.25)
    settle(wait)


def typ(text: str, wait: float = 1.5) -> None:
    xdo("type", "--delay", "60", text)
    settle(wait)


def goto(path: str, wait: float = 4) -> None:
    key("ctrl+l", wait=1)
    xdo("type", "--delay", "20", SITE + path)
    time.sleep(0.3)
    xdo("key", "Return")
    time.sleep(2)
    settle(wait)


def tab_to(substring: str, limit: int = 25) -> None:
    """Tab until Orca says something containing `substring`."""
    for _ in range(limit):
        m = mark()
        key("Tab", wait=1.0)
        if any(substring in s for s in spoken(m)):
            return
    raise RuntimeError(f"Tab never reached {substring!r}")


def totp(secret: str) -> str:
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1000000:06d}"


# --- Orca and Chromium ----------------------------------------------------------------------
def start(name: str, argv: list[str], **env: str) -> subprocess.Popen:
    log = open(os.path.join(OUT, f"{name}.log"), "w")
    proc = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    processes[name] = proc
    return proc


def stop(name: str) -> None:
    proc = processes.pop(name, None)
    if proc is None:
        return
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # Orca 43 does not always leave on SIGTERM


def start_orca() -> None:
    start("atspi", ["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"])
    time.sleep(2)
    subprocess.run(
        ["gsettings", "set", "org.gnome.desktop.interface", "toolkit-accessibility", "true"],
        capture_output=True,
    )
    start("orca", [ORCA, "--replace", f"--debug-file={LOG}", "-u", os.path.join(OUT, "orca-prefs")])
    for _ in range(60):
        if os.path.exists(LOG) and "SPEECH OUTPUT" in open(LOG, errors="replace").read():
            return
        time.sleep(0.5)
    raise RuntimeError("Orca did not start (nothing spoken)")


def start_chromium(url: str) -> None:
    """A fresh profile each time: no session, no saved password, no translation bar."""
    profile = os.path.join(OUT, "chrome-profile")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(os.path.join(profile, "Default"))
    with open(os.path.join(profile, "Default", "Preferences"), "w") as f:
        json.dump(
            {
                "credentials_enable_service": False,
                "profile": {"password_manager_enabled": False},
                "translate": {"enabled": False},
                "translate_blocked_languages": ["fr"],
            },
            f,
        )
    start(
        "chromium",
        [
            "chromium",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--force-renderer-accessibility",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--window-size=1280,1000",
            "--window-position=0,0",
            "--password-store=basic",
            "--lang=fr",
            "--disable-features=Translate,TranslateUI",
            url,
        ],
        ACCESSIBILITY_ENABLED="1",
    )
    time.sleep(5)
    focus()
    settle(3)


# --- Scenarios ------------------------------------------------------------------------------
class Transcript:
    def __init__(self, name: str, title: str) -> None:
        self.name, self.title, self.steps = name, title, []

    def step(self, label: str, action) -> None:
        m = mark()
        error = None
        try:
            action()
        except Exception as exc:
            error = str(exc)
        said = spoken(m)
        if error:
            said.append(f"[ERREUR DU SCRIPT : {error}]")
        self.steps.append((label, said))
        print(f"  {label}: {len(said)} énoncés", flush=True)

    def write(self) -> None:
        path = os.path.join(TRANSCRIPTS, f"orca-{self.name}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(
                f"# {self.title}\n# Orca {os.environ.get('ORCA_VERSION', '')} + "
                f"{os.environ.get('CHROMIUM_VERSION', '')}, "
                f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n"
                f"# Site : {SITE} — code : {os.environ.get('CODE_VERSION', '')}\n"
                "# Chaque ligne est un énoncé d'Orca (SPEECH OUTPUT de son journal), "
                "dans l'ordre.\n"
            )
            for label, said in self.steps:
                f.write(f"\n## {label}\n")
                f.writelines(s.strip() + "\n" for s in said if s.strip())
        print(f"écrit : {path}")


def login(t: Transcript, email: str, next_path: str) -> None:
    t.step(
        "Connexion : chargement (le champ e-mail a le focus : autofocus)",
        lambda: goto(f"/compte/connexion/?next={next_path}"),
    )
    t.step(
        "Saisie de l'e-mail, Tab, mot de passe, Entrée",
        lambda: (
            typ(email, wait=1),
            key("Tab", wait=1),
            typ(PASSWORD, wait=0.5),
            key("Return", wait=5),
        ),
    )


def scenario_accueil() -> Transcript:
    t = Transcript("accueil", "Page d'accueil / : lecture au chargement, puis H (titre suivant)")
    t.step("Chargement de / (lecture automatique)", lambda: goto("/", wait=5))
    t.step(
        "Échap, puis H trois fois (titres suivants, mode navigation)",
        lambda: key("Escape", "h", "h", "h", wait=2),
    )
    return t


def scenario_annuaire() -> Transcript:
    t = Transcript(
        "annuaire",
        "Annuaire /annuaire/ : filtres en direct (directory.js) "
        "et nombre de résultats (role=status)",
    )
    t.step(
        "Chargement de /annuaire/ (lecture automatique de la page)",
        lambda: goto("/annuaire/", wait=5),
    )
    t.step("Tab jusqu'au champ de recherche", lambda: tab_to("Nom, activité ou mot-clé"))
    t.step("Saisie « judo » (les résultats suivent sans rechargement)", lambda: typ("judo", wait=4))
    t.step(
        "Tab vers « Commune », flèche bas (Antony)",
        lambda: (key("Tab", wait=1.5), key("Down", wait=4)),
    )
    t.step(
        "Chargement de /annuaire/?q=natation (carte d'un organisme à deux domaines)",
        lambda: goto("/annuaire/?q=natation", wait=5),
    )
    return t


def scenario_ticket() -> Transcript:
    t = Transcript(
        "ticket",
        "Espace affilié : saisie d'un ticket puis message après redirection "
        "(role=status, tabindex=-1, autofocus)",
    )
    login(t, "affilie.1@demo.passplus.fr", "/espace-affilie/tickets/saisir/")
    t.step(
        "Tab jusqu'au numéro du ticket, saisie",
        lambda: (tab_to("Numéro du ticket"), typ(os.environ["TICKET_NUMBER"], wait=1)),
    )
    t.step(
        "Tab, date de naissance, Entrée -> « Vérifier le ticket »",
        lambda: (
            key("Tab", wait=1.5),
            typ(os.environ["TICKET_BIRTH_MDY"], wait=1),
            key("Return", wait=5),
        ),
    )
    t.step(
        "Tab jusqu'à « Confirmer la saisie », Entrée -> redirection avec message",
        lambda: (tab_to("Confirmer la saisie"), key("Return", wait=6)),
    )
    return t


def scenario_gestion() -> Transcript:
    t = Transcript(
        "gestion",
        "Back-office /gestion/ : graphiques du tableau de bord (role=img, aria-labelledby)",
    )
    login(t, "gestionnaire@demo.passplus.fr", "/gestion/")
    t.step(
        "Tab jusqu'au code, code TOTP, Entrée -> /gestion/ (lecture automatique)",
        lambda: (
            tab_to("Code à 6 chiffres"),
            typ(totp(STAFF_TOTP_KEY), wait=0.5),
            key("Return", wait=8),
        ),
    )
    t.step("Échap, G (graphique suivant) deux fois", lambda: key("Escape", "g", "g", wait=2))
    return t


SCENARIOS = {
    "accueil": scenario_accueil,
    "annuaire": scenario_annuaire,
    "ticket": scenario_ticket,
    "gestion": scenario_gestion,
}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    names = sys.argv[1:] or list(SCENARIOS)
    try:
        start_orca()
        for name in names:
            print(f"== {name}", flush=True)
            start_chromium("about:blank")
            try:
                SCENARIOS[name]().write()
            finally:
                stop("chromium")
                time.sleep(2)
    finally:
        for name in list(processes):
            stop(name)


if __name__ == "__main__":
    main()
