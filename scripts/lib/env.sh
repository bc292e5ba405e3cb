# shellcheck shell=bash
# scripts/lib/env.sh — shared settings for the Bus dev/test scripts.
#
# Source it (". scripts/lib/env.sh"); do not execute it. It only exports
# variables (each keeps a value already set in the environment) and defines
# small helper functions. It sets no shell options and is safe to source twice.
#
#   BUS_RABBITMQ_HOST             127.0.0.1
#   BUS_RABBITMQ_PORT             5672      AMQP
#   BUS_RABBITMQ_MANAGEMENT_PORT  15672     management UI / HTTP API
#   BUS_RABBITMQ_USER             bus
#   BUS_RABBITMQ_PASSWORD         bus
#   BUS_RABBITMQ_VHOST            /
#   BUS_POSTGRES_HOST             127.0.0.1
#   BUS_POSTGRES_PORT             5432
#   BUS_POSTGRES_USER             bus
#   BUS_POSTGRES_PASSWORD         bus
#   BUS_POSTGRES_DB               bus
#   BUS_REDIS_HOST                127.0.0.1
#   BUS_REDIS_PORT                6379
#   BUS_ENCRYPTION_KEY            (dev key) base64 of 32 bytes: encrypts sensitive task fields
#   BUS_INFRA_TIMEOUT             120       seconds to wait for each server
#   BUS_EXPORT_READER_PASSWORD    (dev)     password of bus_export_reader, the role export queries run as
#   BUS_SLACK_WEBHOOK_URL         (unset)   Slack incoming webhook for slack_alert and failed-task alerts
#   BUS_INTEGRATION_ALLOWED_HOSTS (unset)   comma-separated hosts/networks IntegrationService may call although private
#   BUS_MAINTENANCE_REPORT_TO     ops@example.com   who gets MaintenanceService's daily report (comma-separated)
#   BUS_AUTH_SIGNING_KEY          (a fixed development key)  HMAC key the Gateway checks tokens with
#   BUS_AUTH_ISSUER               bus
#   BUS_AUTH_AUDIENCE             bus-api
#   BUS_DASHBOARD_PASSWORD        (dev)     password of the Gateway dashboard's user admin
#
# Helpers: log, warn, die, wait_for, bus_port_open, bus_repo_root.

: "${BUS_RABBITMQ_HOST:=127.0.0.1}"
: "${BUS_RABBITMQ_PORT:=5672}"
: "${BUS_RABBITMQ_MANAGEMENT_PORT:=15672}"
: "${BUS_RABBITMQ_USER:=bus}"
: "${BUS_RABBITMQ_PASSWORD:=bus}"
: "${BUS_RABBITMQ_VHOST:=/}"
: "${BUS_POSTGRES_HOST:=127.0.0.1}"
: "${BUS_POSTGRES_PORT:=5432}"
: "${BUS_POSTGRES_USER:=bus}"
: "${BUS_POSTGRES_PASSWORD:=bus}"
: "${BUS_POSTGRES_DB:=bus}"
: "${BUS_REDIS_HOST:=127.0.0.1}"
: "${BUS_REDIS_PORT:=6379}"
: "${BUS_INFRA_TIMEOUT:=120}"
# For development and tests only: anyone who reads this file can mint tokens and read protected fields.
# Deployments set their own secrets (Auth__SigningKey, Encryption__Key).
: "${BUS_ENCRYPTION_KEY:=ZGV2ZWxvcG1lbnQta2V5LWZvci1idXMtb25seS0zMmI=}"
: "${BUS_AUTH_SIGNING_KEY:=bus-development-signing-key-not-for-production-0123456789}"
: "${BUS_AUTH_ISSUER:=bus}"
: "${BUS_AUTH_AUDIENCE:=bus-api}"
: "${BUS_EXPORT_READER_PASSWORD:=bus-export-reader-dev}"
: "${BUS_MAINTENANCE_REPORT_TO:=ops@example.com}"
: "${BUS_DASHBOARD_PASSWORD:=bus-dashboard-dev}"

export BUS_RABBITMQ_HOST BUS_RABBITMQ_PORT BUS_RABBITMQ_MANAGEMENT_PORT \
  BUS_RABBITMQ_USER BUS_RABBITMQ_PASSWORD BUS_RABBITMQ_VHOST \
  BUS_POSTGRES_HOST BUS_POSTGRES_PORT BUS_POSTGRES_USER BUS_POSTGRES_PASSWORD \
  BUS_POSTGRES_DB BUS_REDIS_HOST BUS_REDIS_PORT BUS_INFRA_TIMEOUT BUS_ENCRYPTION_KEY \
  BUS_AUTH_SIGNING_KEY BUS_AUTH_ISSUER BUS_AUTH_AUDIENCE BUS_EXPORT_READER_PASSWORD BUS_MAINTENANCE_REPORT_TO

# log MESSAGE... — timestamped line on stderr (keeps stdout for results).
log() {
  printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

warn() {
  printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# die MESSAGE... — print an error and exit 1 (meant for scripts).
die() {
  printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# bus_repo_root — absolute path of the repository root.
bus_repo_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

# bus_port_open HOST PORT — true if a TCP connection to HOST:PORT succeeds.
bus_port_open() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_for NAME TIMEOUT_SECONDS COMMAND [ARGS...]
#   Runs COMMAND (a program or shell function) once a second until it
#   succeeds. Returns 0 on success; on timeout prints an error naming NAME
#   and returns 1. COMMAND's own output is discarded.
wait_for() {
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  while true; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if (( SECONDS - start >= limit )); then
      printf '[%s] ERROR: timed out after %ss waiting for %s (%s)\n' \
        "$(date +%H:%M:%S)" "$limit" "$name" "$*" >&2
      return 1
    fi
    sleep 1
  done
}

# bus_export_service_settings — the BUS_* settings in the form the .NET services bind
# (RabbitMq__Host, Postgres__ConnectionString, ...), for processes started by the scripts.
bus_export_service_settings() {
  export RabbitMq__Host=$BUS_RABBITMQ_HOST RabbitMq__Port=$BUS_RABBITMQ_PORT \
    RabbitMq__VirtualHost=$BUS_RABBITMQ_VHOST RabbitMq__Username=$BUS_RABBITMQ_USER \
    RabbitMq__Password=$BUS_RABBITMQ_PASSWORD RabbitMq__ManagementPort=$BUS_RABBITMQ_MANAGEMENT_PORT
  export Postgres__ConnectionString="Host=$BUS_POSTGRES_HOST;Port=$BUS_POSTGRES_PORT;Username=$BUS_POSTGRES_USER;Password=$BUS_POSTGRES_PASSWORD;Database=$BUS_POSTGRES_DB"
  export Redis__ConnectionString="$BUS_REDIS_HOST:$BUS_REDIS_PORT"
  export Encryption__Key=$BUS_ENCRYPTION_KEY
  export Auth__SigningKey=$BUS_AUTH_SIGNING_KEY Auth__Issuer=$BUS_AUTH_ISSUER Auth__Audience=$BUS_AUTH_AUDIENCE
  export Export__ReaderPassword=$BUS_EXPORT_READER_PASSWORD
  export Dashboard__Users__admin__Password=$BUS_DASHBOARD_PASSWORD Dashboard__Users__admin__Role=admin
  if [ -n "${BUS_SLACK_WEBHOOK_URL:-}" ]; then export Integration__Slack__WebhookUrl=$BUS_SLACK_WEBHOOK_URL; fi
  local i=0 host
  local IFS=,
  for host in ${BUS_INTEGRATION_ALLOWED_HOSTS:-}; do
    export "Integration__Outbound__AllowedHosts__$i=$host"
    i=$((i + 1))
  done
  i=0
  local recipient
  for recipient in $BUS_MAINTENANCE_REPORT_TO; do
    export "Maintenance__Report__Recipients__$i=${recipient// /}"
    i=$((i + 1))
  done
}
