#!/bin/bash
# Orca + Debian's Chromium on a headless Debian 12: reads our pages and writes what Orca says to
# docs/screen-reader/orca-<scenario>.txt. Run as root from anywhere:
#   docs/screen-reader/run_orca.sh [scenario ...]      (accueil annuaire ticket gestion; default all)
# Scratch: $WORK (default /tmp/sr-run): its own SQLite database with the demo data, its own
# runserver on $PORT (8765), Xvfb on :$DISPLAY_NUM (99), a D-Bus session, the AT-SPI bus, Orca,
# Chromium. Everything it started is stopped at the end (by process id).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/sr-run}
PORT=${PORT:-8765}
DISPLAY_NUM=${DISPLAY_NUM:-99}
RUN_ID="sr-$$-$(date +%s)"   # marks every process started here, to stop exactly those
export SR_RUN_ID=$RUN_ID

# 1. Debian packages (Chromium from Debian only; no browser download).
need=()
for pkg in chromium orca xvfb xdotool at-spi2-core dbus dbus-x11 python3-pyatspi speech-dispatcher \
    gsettings-desktop-schemas; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

rm -rf "$WORK"; mkdir -p "$WORK/out" "$WORK/run" "$WORK/home"; chmod 700 "$WORK/run"

# 2. Orca 43 writes its debug file through a buffered file: a copy of its launcher that opens
#    it line-buffered lets the driver read each utterance as soon as it is spoken.
sed "s/open(args.debug_file, 'w')/open(args.debug_file, 'w', buffering=1)/" /usr/bin/orca > "$WORK/orca"
chmod +x "$WORK/orca"
grep -q "buffering=1" "$WORK/orca" || { echo "Orca's launcher changed: line-buffering patch not applied" >&2; exit 1; }

# 3. No sound card. With Debian's default speech-dispatcher configuration, Orca hung after its
#    first utterances (blocked in the speech-dispatcher call: seen in the first try). With this
#    user configuration (a text-only generic module), speech-dispatcher refuses to autospawn
#    ("Module reported error in request from speechd"), Orca logs "SPEECH: Not available" and
#    carries on without a synthesizer, still logging every utterance ("SPEECH OUTPUT"), which
#    is all that is used here. Nothing is synthesized.
mkdir -p "$WORK/home/.config/speech-dispatcher/modules"
cat > "$WORK/home/.config/speech-dispatcher/speechd.conf" <<EOF
DefaultLanguage "fr"
AddModule "textlog" "sd_generic" "textlog.conf"
DefaultModule textlog
EOF
cat > "$WORK/home/.config/speech-dispatcher/modules/textlog.conf" <<EOF
GenericExecuteSynth "printf '%s\\\\n' \\'\$DATA\\' >> $WORK/out/synth.txt"
AddVoice "fr" "MALE1" "fr"
EOF

# 4. The site, on a scratch database with the demo data.
cd "$REPO"
export DATABASE_URL="sqlite:///$WORK/db.sqlite3" SITE_URL="http://127.0.0.1:$PORT"
.venv/bin/python manage.py migrate --noinput >"$WORK/out/migrate.log"
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py demo >"$WORK/out/demo.log"
STAFF_TOTP_KEY=$(sed -n 's/^LOGIN gestionnaire .*clé TOTP \([A-Z2-7]*\).*/\1/p' "$WORK/out/demo.log")
# An available ticket that "Football Club de Nanterre" may take, and (scratch data only) one
# organisation with two domains, to hear the card of such an organisation in the directory.
read -r TICKET_NUMBER TICKET_BIRTH_MDY < <(.venv/bin/python manage.py shell -c '
from passplus.organisations.models import Organisation
from passplus.tickets.models import Ticket, TicketStatus
o = Organisation.objects.get(public_name="Football Club de Nanterre")
domains = {a.domain for a in o.activities.all()}
t = next(t for t in Ticket.objects.filter(status=TicketStatus.AVAILABLE).select_related("wallet__pupil")
         if set(t.domains) & domains)
Organisation.objects.filter(public_name="Natation d'"'"'Antony 2").update(offers_culture=True)
print(t.number, t.wallet.pupil.birth_date.strftime("%m%d%Y"))' 2>/dev/null | tail -1)
export STAFF_TOTP_KEY TICKET_NUMBER TICKET_BIRTH_MDY

cleanup() {
  set +e
  for pid in $(grep -l "SR_RUN_ID=$RUN_ID" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$pid" = "$$" ] || kill "$pid" 2>/dev/null
  done
  sleep 2
  for pid in $(grep -l "SR_RUN_ID=$RUN_ID" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$pid" = "$$" ] || kill -9 "$pid" 2>/dev/null
  done
}
trap cleanup EXIT INT TERM

.venv/bin/python manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/out/runserver.log" 2>&1 &
for _ in $(seq 30); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 1; done

# 5. Display, D-Bus session, AT-SPI, Orca, Chromium: run_orca.py.
Xvfb ":$DISPLAY_NUM" -screen 0 1280x1024x24 -nolisten tcp >"$WORK/out/xvfb.log" 2>&1 &
sleep 2
export DISPLAY=":$DISPLAY_NUM" HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" \
  XDG_RUNTIME_DIR="$WORK/run" LANGUAGE=fr GTK_MODULES=gail:atk-bridge NO_AT_BRIDGE=0 \
  ORCA="$WORK/orca" WORK SITE="http://127.0.0.1:$PORT" TRANSCRIPTS="${TRANSCRIPTS:-$HERE}" \
  ORCA_VERSION="$(orca --version 2>/dev/null)" \
  CHROMIUM_VERSION="$(chromium --version 2>/dev/null | tail -1)" \
  CODE_VERSION="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet || echo ' + modifications non commitées')"
dbus-run-session -- /usr/bin/python3 "$HERE/run_orca.py" "$@"
