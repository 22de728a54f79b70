#!/usr/bin/env bash
# Run by `npm test` before the suites (npm's pretest): brings up what the tests use on a fresh machine of this
# project's kind. MariaDB is started when it does not answer; Chromium (for the browser tests) is installed with
# apt-get when missing. Each step says what it does; nothing happens when all is already there.
set -euo pipefail

mariadb_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1; }
if [ -z "${TEST_MYSQL_URL:-}" ] && command -v mariadb-admin >/dev/null && ! mariadb_up; then
  echo "MariaDB is not answering on 127.0.0.1:3306; starting it"
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mariadb_up && break; sleep 1; done
  mariadb_up || { echo "MariaDB did not start" >&2; exit 1; }
fi

# The browser tests drive Debian's headless Chromium with playwright-core (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is missing; installing it with apt-get"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# A Chinese font, so the zh-CN pages render as a patient sees them (glyph widths count in the 360-px checks, and
# the screenshots under test-results/ are readable) instead of as boxes.
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  echo "No Chinese font; installing fonts-wqy-microhei with apt-get"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei
fi

# The media tests run in a network namespace with only loopback (unshare -n), so no packet leaves the machine.
command -v unshare >/dev/null || { echo "unshare (util-linux) is needed for the media tests" >&2; exit 1; }
