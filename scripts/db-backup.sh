#!/usr/bin/env bash
# Backup and restore of the hospital's MariaDB/MySQL database (a single server or one node of a Galera cluster).
#
#   scripts/db-backup.sh dump DATABASE_URL FILE.sql.gz
#       mariadb-dump of one database, consistent without stopping the node (--single-transaction: every table is
#       InnoDB), gzip-compressed. On Galera, dump from one node: it holds everything.
#   scripts/db-backup.sh restore FILE.sql.gz DATABASE_URL
#       creates the database (utf8mb4) and loads the dump into it. Refuses a database that already has tables, so a
#       restore never mixes with live rows: restore into a new database, then point DATABASE_URL at it.
#
# DATABASE_URL is the node's own: mysql://user[:password]@host[:port]/database. The password goes to the client
# through MYSQL_PWD, never on its command line. Proven by test/faults/backup-restore.test.ts.
set -euo pipefail

die() { echo "db-backup: $*" >&2; exit 1; }

# Splits a mysql:// or mariadb:// URL into the client's options; sets DB.
parse_url() {
  local url=$1
  [[ "$url" =~ ^(mysql|mariadb)://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([A-Za-z0-9_]+)(\?.*)?$ ]] \
    || die "not a mysql://user[:password]@host[:port]/database URL: ${url%%@*}@…"
  CLIENT=(--protocol=tcp -h "${BASH_REMATCH[5]}" -P "${BASH_REMATCH[7]:-3306}" -u "${BASH_REMATCH[2]}")
  export MYSQL_PWD="${BASH_REMATCH[4]}"
  [ -n "$MYSQL_PWD" ] || unset MYSQL_PWD
  DB="${BASH_REMATCH[8]}"
}

cmd_dump() {
  local url=${1:-} file=${2:-}
  [ -n "$url" ] && [ -n "$file" ] || die "usage: $0 dump DATABASE_URL FILE.sql.gz"
  parse_url "$url"
  mariadb-dump "${CLIENT[@]}" --single-transaction --quick --routines --triggers --events --hex-blob \
    --default-character-set=utf8mb4 "$DB" | gzip >"$file.partial"
  mv "$file.partial" "$file"
  echo "db-backup: $DB dumped to $file ($(stat -c %s "$file") bytes)"
}

cmd_restore() {
  local file=${1:-} url=${2:-}
  [ -n "$file" ] && [ -n "$url" ] || die "usage: $0 restore FILE.sql.gz DATABASE_URL"
  [ -s "$file" ] || die "$file is missing or empty"
  parse_url "$url"
  local tables
  tables=$(mariadb "${CLIENT[@]}" -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DB'")
  [ "$tables" = 0 ] || die "database $DB already has $tables tables; restore into a new, empty database"
  mariadb "${CLIENT[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  # The dump names no database (no CREATE DATABASE, no USE): it goes into the one named here.
  gunzip -c "$file" | mariadb "${CLIENT[@]}" --default-character-set=utf8mb4 "$DB"
  echo "db-backup: $file restored into $DB"
}

case "${1:-}" in
  dump) cmd_dump "${@:2}" ;;
  restore) cmd_restore "${@:2}" ;;
  *) die "usage: $0 dump DATABASE_URL FILE.sql.gz | restore FILE.sql.gz DATABASE_URL" ;;
esac
