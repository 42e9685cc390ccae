#!/usr/bin/env bash
# A PostgreSQL 15 cluster with automatic failover on one machine, for tests and for trying it:
# etcd and two PostgreSQL nodes under Patroni, a primary and a synchronous standby, each with its
# own port and data directory. docs/OPERATING.md runs the same on three hosts.
#
#   deploy/ha/cluster.sh start [DIR] [BASE_PORT]   start (or restart) and wait for a primary
#                                                  and a synchronous standby
#   deploy/ha/cluster.sh stop  [DIR]               stop every process, keep the data
#   deploy/ha/cluster.sh url   [DIR]               print the platform's CARBONLEDGER_DATABASE_URL
#   deploy/ha/cluster.sh node  [DIR] NAME          start one node again (after it was killed)
#
# DIR defaults to /tmp/carbonledger-ha, BASE_PORT to 15400. Ports: etcd BASE (peers BASE+1),
# PostgreSQL node1 BASE+2 and node2 BASE+3, Patroni's REST API BASE+12 and BASE+13.
# Needs Debian's patroni, etcd-server and postgresql-15. PostgreSQL refuses to run as root, so
# when started by root the nodes run as the postgres user.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
COMMAND="${1:-}"
DIR="${2:-/tmp/carbonledger-ha}"
BIN_DIR="${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
NODES=(node1 node2)
DATABASE="${HA_DATABASE:-carbonledger}"

port_of() { cat "$DIR/ports/$1"; }

# PostgreSQL refuses to run as root: run a node's programs as postgres then.
if [ "$(id -u)" = 0 ]; then
  AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)
else
  AS_POSTGRES=()
fi

wait_for() { # seconds, description, command...
  local seconds="$1" what="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "cluster.sh: $what did not happen within ${seconds}s; see the logs in $DIR" >&2
  return 1
}

write_config() {
  local node="$1" pg="$2" rest="$3" etcd="$4"
  sed -e "s|@NODE@|$node|g" -e "s|@PG_PORT@|$pg|g" -e "s|@REST_PORT@|$rest|g" \
      -e "s|@ETCD_PORT@|$etcd|g" -e "s|@DIR@|$DIR|g" -e "s|@BIN_DIR@|$BIN_DIR|g" \
      "$HERE/patroni.yml.in" > "$DIR/$node/patroni.yml"
}

start_etcd() {
  local port
  port="$(port_of etcd)"
  etcd --name carbonledger --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-cluster "carbonledger=http://127.0.0.1:$((port + 1))" \
    > "$DIR/etcd.log" 2>&1 < /dev/null &
  echo $! > "$DIR/etcd.pid"
  wait_for 20 "etcd answering" curl -sf "http://127.0.0.1:$port/health"
}

start_node() {
  local node="$1"
  # setpriv executes Patroni in its own place, so $! is Patroni's process id.
  "${AS_POSTGRES[@]}" patroni "$DIR/$node/patroni.yml" >> "$DIR/$node/patroni.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$node/patroni.pid"
}

rest() { curl -sf -o /dev/null "http://127.0.0.1:$(port_of "$1-rest")/$2"; }

have_primary_and_sync_standby() {
  local primary="" standby=""
  for node in "${NODES[@]}"; do
    rest "$node" primary && primary="$node"
    rest "$node" sync && standby="$node"
  done
  [ -n "$primary" ] && [ -n "$standby" ] && [ "$primary" != "$standby" ]
}

primary_port() {
  for node in "${NODES[@]}"; do
    if rest "$node" primary; then port_of "$node"; return 0; fi
  done
  return 1
}

start() {
  local base="${3:-15400}"
  mkdir -p "$DIR/ports"
  if [ ! -f "$DIR/ports/etcd" ]; then
    echo "$base" > "$DIR/ports/etcd"
    echo $((base + 2)) > "$DIR/ports/node1"
    echo $((base + 3)) > "$DIR/ports/node2"
    echo $((base + 12)) > "$DIR/ports/node1-rest"
    echo $((base + 13)) > "$DIR/ports/node2-rest"
  fi
  for node in "${NODES[@]}"; do
    mkdir -p "$DIR/$node"
    write_config "$node" "$(port_of "$node")" "$(port_of "$node-rest")" "$(port_of etcd)"
  done
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$DIR/node1" "$DIR/node2"
  chmod 755 "$DIR"
  start_etcd
  if [ -d "$DIR/node1/data" ]; then
    # A cluster that ran before: its nodes agree among themselves which one leads.
    start_node node1
    start_node node2
  else
    # The first node bootstraps the cluster; the second copies it once it has a primary.
    start_node node1
    wait_for 60 "a primary" primary_port
    start_node node2
  fi
  wait_for 90 "a synchronous standby" have_primary_and_sync_standby
  local port
  port="$(primary_port)"
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" postgres | grep -q 1; then
    psql -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE \"$DATABASE\"" postgres
  fi
  echo "cluster up in $DIR: primary on port $port"
  echo "CARBONLEDGER_DATABASE_URL=$(url)"
}

url() {
  echo "postgresql://postgres@127.0.0.1:$(port_of node1),127.0.0.1:$(port_of node2)/$DATABASE?target_session_attrs=read-write&connect_timeout=2"
}

stop_pid() { # pidfile
  [ -f "$1" ] || return 0
  local pid
  pid="$(cat "$1")"
  if kill -0 "$pid" 2> /dev/null; then
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
  fi
  rm -f "$1"
}

stop() {
  for node in "${NODES[@]}"; do
    stop_pid "$DIR/$node/patroni.pid"
    # A PostgreSQL left running by a Patroni that was killed.
    if [ -f "$DIR/$node/data/postmaster.pid" ]; then
      "${AS_POSTGRES[@]}" "$BIN_DIR/pg_ctl" -D "$DIR/$node/data" -m immediate stop > /dev/null 2>&1 || true
    fi
  done
  stop_pid "$DIR/etcd.pid"
  echo "cluster stopped; data kept in $DIR"
}

case "$COMMAND" in
  start) start "$@" ;;
  stop) stop ;;
  url) url ;;
  node) start_node "${3:?which node: node1 or node2}" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
