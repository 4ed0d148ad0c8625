#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Copyright The Costwarden Authors
#
# SageMaker notebook-instance lifecycle configuration (OnStart): installs Costwarden's notebook
# activity publisher and leaves it running. See README.md next to this file.
#
# SageMaker fails the notebook start if this script runs longer than 5 minutes, so it only copies
# one file and starts a service; it never waits for Jupyter (the publisher does, by retrying every
# minute). It runs as root on every start: the root volume is fresh each time, only
# /home/ec2-user/SageMaker survives a stop.
set -euo pipefail

# Where publish_activity.py comes from: an s3:// URI (needs s3:GetObject for the notebook's role,
# and an S3 endpoint in VPC-only setups) or a path on this instance, e.g. under
# /home/ec2-user/SageMaker. Set it before creating the lifecycle configuration (README.md shows a sed).
PUBLISHER_SOURCE="s3://REPLACE-ME/costwarden/publish_activity.py"

INSTALL_DIR=/usr/local/lib/costwarden
UNIT=costwarden-notebook-activity
LOG=/var/log/costwarden-notebook-activity.log

# Resolved now because a service's PATH is the bare system one, while the CLI on notebook
# instances may live under the conda installation.
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
AWS_CLI=$(command -v aws || true)
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
  # A watchdog that cannot install must not keep the notebook from starting: exit 0, and the
  # missing metric shows up as missing data in Costwarden.
  echo "costwarden: could not fetch $PUBLISHER_SOURCE; notebook activity will not be published" >&2
  exit 0
fi

if command -v systemd-run >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop "$UNIT" 2>/dev/null || true
  systemctl reset-failed "$UNIT" 2>/dev/null || true
  # A transient unit: restarted if it dies, stopped with the instance, logs in the journal.
  systemd-run --unit="$UNIT" --description="Costwarden notebook activity publisher" \
    --property=Restart=always --property=RestartSec=30 \
    "$PYTHON" "$INSTALL_DIR/publish_activity.py" --target notebook-instance --aws-cli "$AWS_CLI"
  echo "costwarden: notebook activity publisher started as $UNIT (journalctl -u $UNIT)"
else
  nohup setsid "$PYTHON" "$INSTALL_DIR/publish_activity.py" --target notebook-instance --aws-cli "$AWS_CLI" \
    >>"$LOG" 2>&1 </dev/null &
  echo "costwarden: notebook activity publisher started in the background (log: $LOG)"
fi
