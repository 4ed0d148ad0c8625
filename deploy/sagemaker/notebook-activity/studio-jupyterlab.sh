#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Copyright The Costwarden Authors
#
# SageMaker Studio lifecycle configuration for JupyterLab apps (app type JupyterLab); the same
# script serves a KernelGateway or JupyterServer lifecycle configuration in Studio Classic. It runs
# as the app's user (sagemaker-user) inside the app container each time the app starts. See
# README.md next to this file.
#
# The app does not become usable until this script returns, so it starts the publisher in the
# background and returns at once; the publisher retries every minute until Jupyter listens.
# Studio containers have no systemd: a small shell loop restarts the publisher if it ever exits.
set -euo pipefail

# Where publish_activity.py comes from: an s3:// URI (needs s3:GetObject for the execution role)
# or a path inside the container. Set it before creating the lifecycle configuration.
PUBLISHER_SOURCE="s3://REPLACE-ME/costwarden/publish_activity.py"

INSTALL_DIR=/tmp/costwarden-notebook-activity
PYTHON=$(command -v /opt/conda/bin/python3 || command -v python3 || true)
AWS_CLI=$(command -v /opt/conda/bin/aws || command -v aws || true)
if [ -z "$PYTHON" ] || [ -z "$AWS_CLI" ]; then
  echo "costwarden: python3 or the AWS CLI is missing; notebook activity will not be published" >&2
  exit 0
fi

mkdir -p "$INSTALL_DIR"
fetched=true
case "$PUBLISHER_SOURCE" in
  s3://*) "$AWS_CLI" s3 cp --only-show-errors "$PUBLISHER_SOURCE" "$INSTALL_DIR/publish_activity.py" || fetched=false ;;
  *) cp "$PUBLISHER_SOURCE" "$INSTALL_DIR/publish_activity.py" || fetched=false ;;
esac
if [ "$fetched" != true ]; then
  # A failing lifecycle script fails the app start; an unwatched app is the lesser harm, and
  # Costwarden sees the missing metric as missing data.
  echo "costwarden: could not fetch $PUBLISHER_SOURCE; notebook activity will not be published" >&2
  exit 0
fi

# Studio ships this file to CloudWatch Logs with the app's own log, where it is easy to find.
LOG=/var/log/apps/app_container.log
if ! { [ -w "$LOG" ] || { [ ! -e "$LOG" ] && [ -w "$(dirname "$LOG")" ]; }; }; then
  LOG="$INSTALL_DIR/publisher.log"
fi

# The credentials come from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI in this script's environment,
# which the background loop inherits.
nohup setsid bash -c '
  while true; do
    "$0" "$1" --target studio --aws-cli "$2"
    sleep 60
  done' "$PYTHON" "$INSTALL_DIR/publish_activity.py" "$AWS_CLI" >>"$LOG" 2>&1 </dev/null &
echo "costwarden: notebook activity publisher started in the background (log: $LOG)"
