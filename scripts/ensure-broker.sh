#!/usr/bin/env bash
# Make sure RabbitMQ answers at AMQP_URI's host and port: start it if it is installed but stopped,
# install and start it if it is missing and we are root on Debian/Ubuntu, otherwise say what to do.
set -euo pipefail
uri=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
hostport=${uri#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=5672

reachable() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
wait_ready() {
  for _ in $(seq 1 60); do reachable && return 0; sleep 1; done
  return 1
}

# The management API (port 15672) lets the tests make a virtual host each and `liaison status`
# read queue depths; enable it where we can (it is harmless where it already is).
enable_management() {
  case "$host" in 127.0.0.1|localhost|::1) ;; *) return 0 ;; esac
  if (exec 3<>"/dev/tcp/$host/15672") 2>/dev/null; then return 0; fi
  if command -v rabbitmq-plugins >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 || true
  fi
  return 0
}

if reachable; then enable_management; exit 0; fi
case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) echo "ensure-broker: RabbitMQ at $host:$port does not answer (waiting 60 s)" >&2
     wait_ready && exit 0
     echo "ensure-broker: start RabbitMQ at $host:$port, or set AMQP_URI" >&2; exit 1 ;;
esac

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-broker: installing rabbitmq-server (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  else
    cat >&2 <<MSG
ensure-broker: RabbitMQ is not installed and this user cannot install it. Either
  sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached
or run one in a container:
  docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management
then run this command again (or set AMQP_URI to a broker you have).
MSG
    exit 1
  fi
fi

echo "ensure-broker: starting RabbitMQ"
if [ "$(id -u)" = 0 ] || [ -w /var/lib/rabbitmq ]; then
  rabbitmq-server -detached >/dev/null 2>&1 || true
else
  echo "ensure-broker: RabbitMQ is installed but stopped; start it with: sudo rabbitmq-server -detached" >&2
  exit 1
fi
if wait_ready; then
  rabbitmqctl await_startup >/dev/null 2>&1 || true
  enable_management
  echo "ensure-broker: RabbitMQ is up at $host:$port"
  exit 0
fi
echo "ensure-broker: RabbitMQ did not come up; see /var/log/rabbitmq/" >&2
exit 1
