#!/usr/bin/env bash
# Makes sure the shared local services answer on their standard loopback ports:
# PostgreSQL 5432, Redis 6379, NATS (JetStream) 4222. Starts any that is installed but down;
# fails with a message naming any that is not installed.
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name
  for _ in $(seq 1 100); do listening "$1" && return 0; sleep 0.1; done
  echo "ensure-services: $2 did not come up on 127.0.0.1:$1" >&2
  return 1
}

ensure_postgres() {
  listening 5432 && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure-services: starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  elif command -v pg_ctl >/dev/null 2>&1 && [ -n "${PGDATA:-}" ]; then
    pg_ctl -D "$PGDATA" -l /tmp/postgres.log start >/dev/null
  else
    echo "ensure-services: PostgreSQL is not installed (need a PostgreSQL server on 127.0.0.1:5432; Debian: apt-get install postgresql)" >&2
    return 1
  fi
  wait_port 5432 PostgreSQL
}

ensure_redis() {
  listening 6379 && return 0
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure-services: Redis is not installed (need redis-server; Debian: apt-get install redis-server)" >&2
    return 1
  fi
  echo "ensure-services: starting Redis"
  mkdir -p /tmp/rl-redis-6379
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/rl-redis-6379 --logfile /tmp/rl-redis-6379/redis.log >/dev/null
  wait_port 6379 Redis
}

ensure_nats() {
  listening 4222 && return 0
  local bin
  bin=$(command -v nats-server || true)
  [ -z "$bin" ] && [ -x /usr/sbin/nats-server ] && bin=/usr/sbin/nats-server
  if [ -z "$bin" ]; then
    echo "ensure-services: NATS is not installed (need nats-server with JetStream; Debian: apt-get install nats-server)" >&2
    return 1
  fi
  echo "ensure-services: starting NATS with JetStream"
  mkdir -p /tmp/rl-nats
  nohup "$bin" -a 127.0.0.1 -p 4222 -js -sd /tmp/rl-nats >/tmp/rl-nats/nats.log 2>&1 &
  wait_port 4222 NATS
}

status=0
ensure_postgres || status=1
ensure_redis || status=1
ensure_nats || status=1
exit $status
