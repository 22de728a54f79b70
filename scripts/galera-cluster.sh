#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on this machine, for development and for the cluster tests (test/cluster/).
# Debian's galera-4 and mariadb-server; each node has its own data folder, MySQL port, socket, and Galera ports
# (group communication, IST, SST), all on 127.0.0.1. Not for production: see docs/deployment.md.
#
#   scripts/galera-cluster.sh start            bootstrap node 1 (--wsrep-new-cluster), join nodes 2 and 3 (SST by
#                                              rsync), wait until wsrep_cluster_size=3; prints each node's URL
#   scripts/galera-cluster.sh status           each node: running or not, cluster size, state, its URL
#   scripts/galera-cluster.sh kill-node N      kill -9 node N's mariadbd (a crash; the other two keep quorum)
#   scripts/galera-cluster.sh start-node N     start node N again; it rejoins (IST) and is back once Synced
#   scripts/galera-cluster.sh stop             stop every node and delete the cluster's folder
#   scripts/galera-cluster.sh check            exit 0 when this machine can run the cluster, else say why
#
# GALERA_DIR (default /tmp/hospital-galera) holds everything; GALERA_BASE_PORT (default 23300) places the ports:
# node N listens for MySQL on BASE+N, group communication on BASE+10+N, IST on BASE+20+N, SST on BASE+30+N.
set -euo pipefail

DIR="${GALERA_DIR:-/tmp/hospital-galera}"
BASE="${GALERA_BASE_PORT:-23300}"
NODES=(1 2 3)
MARIADBD=/usr/sbin/mariadbd
INSTALL_DB=/usr/bin/mariadb-install-db
PROVIDER=/usr/lib/galera/libgalera_smm.so
WAIT_SECONDS="${GALERA_WAIT_SECONDS:-120}"
# As root the servers run as Debian's mysql user, as a packaged server does: the rsync daemon that receives a
# state transfer drops root for "nobody", who could not write a root-owned data folder.
RUN_AS=''
if [ "$(id -u)" = 0 ]; then
  id mysql >/dev/null 2>&1 || { echo "galera-cluster: running as root needs the mysql user (Debian's mariadb-server creates it)" >&2; exit 1; }
  RUN_AS=mysql
fi

mysql_port() { echo $((BASE + $1)); }
gcomm_port() { echo $((BASE + 10 + $1)); }
ist_port() { echo $((BASE + 20 + $1)); }
sst_port() { echo $((BASE + 30 + $1)); }
node_dir() { echo "$DIR/node$1"; }
url_of() { echo "mysql://root@127.0.0.1:$(mysql_port "$1")/"; }

say() { echo "galera-cluster: $*"; }
die() { echo "galera-cluster: $*" >&2; exit 1; }

check() {
  local missing=()
  for file in "$MARIADBD" "$INSTALL_DB" "$PROVIDER" /usr/bin/wsrep_sst_rsync /usr/bin/rsync /usr/bin/mariadb; do
    [ -e "$file" ] || missing+=("$file")
  done
  [ ${#missing[@]} -eq 0 ] || die "cannot run a Galera cluster here: missing ${missing[*]} (apt-get install galera-4 mariadb-server rsync)"
}

# One statement on node N; prints the bare value(s), fails when the node does not answer.
sql() {
  mariadb --protocol=tcp -h 127.0.0.1 -P "$(mysql_port "$1")" -u root --connect-timeout=2 -N -B -e "$2" 2>/dev/null
}
status_var() { sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | cut -f2; }

# The running mariadbd of node N (it does not fork: the pid started is the server's), or nothing.
pid_of() {
  local file
  file="$(node_dir "$1")/launcher.pid"
  [ -s "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null && cat "$file"
}

write_config() {
  local n=$1 dir members=()
  dir="$(node_dir "$n")"
  for m in "${NODES[@]}"; do members+=("127.0.0.1:$(gcomm_port "$m")"); done
  local user_line=''
  [ -n "$RUN_AS" ] && user_line="user = $RUN_AS"
  cat >"$dir/my.cnf" <<EOF
[mysqld]
$user_line
datadir = $dir/data
port = $(mysql_port "$n")
bind-address = 127.0.0.1
socket = $dir/mysqld.sock
pid-file = $dir/mysqld.pid
log-error = $dir/error.log
innodb_buffer_pool_size = 64M
# What Galera requires: row-based replication, InnoDB, interleaved auto-increment locks.
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $PROVIDER
wsrep_cluster_name = hospital-dev
wsrep_cluster_address = gcomm://$(IFS=,; echo "${members[*]}")
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1:$(gcomm_port "$n")
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=64M"
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:$(sst_port "$n")
# Causality checks before reads, UPDATE/DELETE and INSERT/REPLACE: a statement first waits until this node has
# applied every write the cluster had committed when it began. A patient who books through one node sees the
# booking through another, and a transaction retried after a certification conflict sees the winner's row.
wsrep_sync_wait = 7
EOF
}

start_node() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  [ -z "$(pid_of "$n" || true)" ] || { say "node $n is already running"; return 0; }
  write_config "$n"
  # Detached from this shell (setsid), so the caller's pipes close when the script exits.
  setsid "$MARIADBD" --defaults-file="$dir/my.cnf" "${@:2}" </dev/null >>"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/launcher.pid"
}

# Waits until node N answers and reports itself Synced.
wait_synced() {
  local n=$1 deadline=$((SECONDS + WAIT_SECONDS)) dir
  dir="$(node_dir "$n")"
  until [ "$(status_var "$n" wsrep_local_state_comment || true)" = Synced ]; do
    if ! kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null; then
      tail -n 20 "$dir/error.log" >&2 || true
      die "node $n exited while starting (its log: $dir/error.log)"
    fi
    [ $SECONDS -lt "$deadline" ] || { tail -n 20 "$dir/error.log" >&2 || true; die "node $n not Synced within ${WAIT_SECONDS}s"; }
    sleep 0.2
  done
}

wait_cluster_size() {
  local want=$1 deadline=$((SECONDS + WAIT_SECONDS)) size
  while true; do
    size="$(status_var 1 wsrep_cluster_size || true)"
    [ "$size" = "$want" ] && return 0
    [ $SECONDS -lt "$deadline" ] || die "wsrep_cluster_size is '${size}', not $want, after ${WAIT_SECONDS}s"
    sleep 0.2
  done
}

cmd_start() {
  check
  if [ -d "$DIR" ] && [ -n "$(pid_of 1 || true)$(pid_of 2 || true)$(pid_of 3 || true)" ]; then
    die "a cluster already runs in $DIR (stop it first)"
  fi
  local started=$SECONDS
  rm -rf "$DIR"
  for n in "${NODES[@]}"; do mkdir -p "$(node_dir "$n")/data"; done
  chmod 755 "$DIR"
  [ -z "$RUN_AS" ] || chown -R "$RUN_AS:" "$DIR"
  "$INSTALL_DB" --no-defaults --datadir="$(node_dir 1)/data" --auth-root-authentication-method=normal --skip-test-db \
    ${RUN_AS:+--user=$RUN_AS} >"$(node_dir 1)/install.log" 2>&1 || die "mariadb-install-db failed: $(tail -n 5 "$(node_dir 1)/install.log")"
  start_node 1 --wsrep-new-cluster
  wait_synced 1
  # Joiners one at a time: node 1 is the donor of each state transfer.
  for n in 2 3; do
    start_node "$n"
    wait_synced "$n"
  done
  wait_cluster_size 3
  say "3 nodes Synced, wsrep_cluster_size=3, in $((SECONDS - started)) s (folder $DIR)"
  for n in "${NODES[@]}"; do echo "node$n $(url_of "$n")"; done
}

cmd_status() {
  local any=1
  for n in "${NODES[@]}"; do
    local pid state size
    pid="$(pid_of "$n" || true)"
    if [ -n "$pid" ]; then
      any=0
      state="$(status_var "$n" wsrep_local_state_comment || echo 'not answering')"
      size="$(status_var "$n" wsrep_cluster_size || echo '?')"
      echo "node$n running pid=$pid state=$state cluster_size=$size $(url_of "$n")"
    else
      echo "node$n down $(url_of "$n")"
    fi
  done
  return $any
}

cmd_kill_node() {
  local n=$1 pid
  pid="$(pid_of "$n" || true)"
  [ -n "$pid" ] || die "node $n is not running"
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  say "node $n killed (kill -9 $pid)"
}

cmd_start_node() {
  local n=$1
  start_node "$n"
  wait_synced "$n"
  say "node $n Synced, wsrep_cluster_size=$(status_var "$n" wsrep_cluster_size)"
}

cmd_stop() {
  local pids=()
  for n in "${NODES[@]}"; do
    local pid
    pid="$(pid_of "$n" || true)"
    [ -n "$pid" ] && kill -TERM "$pid" && pids+=("$pid")
  done
  local deadline=$((SECONDS + 60))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge "$deadline" ]; then kill -9 "$pid" 2>/dev/null || true; fi
      sleep 0.1
    done
  done
  rm -rf "$DIR"
  say "stopped, $DIR removed"
}

node_arg() {
  case "${1:-}" in 1|2|3) echo "$1" ;; *) die "which node? 1, 2 or 3" ;; esac
}

case "${1:-}" in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  kill-node) cmd_kill_node "$(node_arg "${2:-}")" ;;
  start-node) cmd_start_node "$(node_arg "${2:-}")" ;;
  check) check && say "this machine can run the cluster" ;;
  *) die "usage: $0 start|stop|status|kill-node N|start-node N|check" ;;
esac
