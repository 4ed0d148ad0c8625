#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright The Costwarden Authors
"""Publish a notebook's activity, as its Jupyter server sees it, to CloudWatch.

Every minute, namespace Costwarden/Notebook, one dimension set per notebook:

  SecondsSinceLastActivity  Seconds  0 while any kernel is busy; otherwise seconds since the latest
                                     last_activity of any kernel or terminal; with neither, seconds
                                     since the Jupyter server started. Never negative.
  BusyKernels               Count    kernels whose execution_state is "busy"
  Kernels                   Count    running kernels
  Terminals                 Count    open terminals

Dimensions (exactly one set):
  SageMaker notebook instance  NotebookInstanceName
  SageMaker Studio app         DomainId, SpaceName (or UserProfileName), AppType, AppName
  EC2 notebook host            InstanceId

Standard library only: the lifecycle environment's python3 is not guaranteed to have boto3, so the
AWS CLI publishes (aws cloudwatch put-metric-data --metric-data file://...).

Exit status with --once: 0 published (or printed), 3 configuration error, 4 Jupyter unreachable or
answering nonsense, 5 put-metric-data failed. Without --once the loop outlives every one of these
except a configuration error.
"""

import argparse
import datetime
import ipaddress
import json
import os
import re
import shlex
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

NAMESPACE = "Costwarden/Notebook"
PERIOD_SECONDS = 60
METADATA_PATH = "/opt/ml/metadata/resource-metadata.json"
IMDS_URL = "http://169.254.169.254"
HTTP_TIMEOUT_SECONDS = 10
PUBLISH_TIMEOUT_SECONDS = 60

EXIT_CONFIG = 3
EXIT_JUPYTER = 4
EXIT_PUBLISH = 5

STUDIO_APP_TYPES = ("JupyterLab", "KernelGateway", "JupyterServer")

# Where each kind of notebook serves Jupyter when nothing says otherwise. A notebook instance's
# Jupyter listens on 8443 over TLS with a self-signed certificate (AWS's own auto-stop sample reads
# https://localhost:8443/api/sessions); Studio JupyterLab on 8888 under the base URL
# /jupyterlab/default (the custom-image specification's health check is
# jupyterlab/default/api/status); Studio Classic's JupyterServer under /jupyter/default; a
# KernelGateway app and a self-managed EC2 host at the Jupyter default.
DEFAULT_URLS = {
    "notebook-instance": "https://localhost:8443",
    "JupyterLab": "http://localhost:8888/jupyterlab/default",
    "JupyterServer": "http://localhost:8888/jupyter/default",
    "KernelGateway": "http://localhost:8888",
    "ec2": "http://localhost:8888",
}

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?$")


class ConfigError(Exception):
    """The publisher cannot tell which notebook it speaks for; retrying will not help."""


class JupyterUnavailable(Exception):
    """The Jupyter server did not answer, or answered something that is not its REST API."""


class PublishFailed(Exception):
    """put-metric-data did not succeed."""


def log(message):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print("{} costwarden-notebook-activity: {}".format(now, message), file=sys.stderr, flush=True)


def parse_timestamp(text):
    """An ISO-8601 instant as Jupyter writes it: ...Z or ...+00:00, any number of fraction digits.

    datetime.fromisoformat only learnt "Z" in 3.11 and the lifecycle python may be 3.7, hence the
    hand parser. A timestamp without an offset is UTC: that is what Jupyter means by it.
    """
    if not isinstance(text, str):
        raise ValueError("not a timestamp: {!r}".format(text))
    m = _TIMESTAMP.match(text.strip())
    if not m:
        raise ValueError("not an ISO-8601 timestamp: {!r}".format(text))
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    tz = datetime.timezone.utc
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz)


def iso_z(instant):
    return instant.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- which notebook this is -------------------------------------------------------------------

def dimension_set_kind(names):
    """The resource kind a set of dimension names identifies, or None if it is not a contract set."""
    names = set(names)
    if names == {"NotebookInstanceName"}:
        return "notebook-instance"
    if names == {"InstanceId"}:
        return "ec2"
    if names in ({"DomainId", "SpaceName", "AppType", "AppName"}, {"DomainId", "UserProfileName", "AppType", "AppName"}):
        return "studio"
    return None


_DIMENSION_ORDER = ["NotebookInstanceName", "DomainId", "SpaceName", "UserProfileName", "AppType", "AppName", "InstanceId"]


def ordered(dimensions):
    return [{"Name": n, "Value": dimensions[n]} for n in _DIMENSION_ORDER if n in dimensions]


def from_overrides(pairs):
    dims = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise ConfigError("--dimension wants Name=Value, got {!r}".format(pair))
        if name in dims:
            raise ConfigError("--dimension {} given twice".format(name))
        dims[name] = value
    kind = dimension_set_kind(dims)
    if kind is None:
        raise ConfigError(
            "--dimension names {} are not one of the contract's sets: NotebookInstanceName | "
            "DomainId+SpaceName|UserProfileName+AppType+AppName | InstanceId".format(sorted(dims)))
    if kind == "studio" and dims["AppType"] not in STUDIO_APP_TYPES:
        raise ConfigError("AppType={} is not a Jupyter app ({})".format(dims["AppType"], ", ".join(STUDIO_APP_TYPES)))
    return kind, dims


def from_metadata(path):
    """Dimensions from the file SageMaker writes into notebook instances and Studio apps.

    A notebook instance's file has ResourceName (the instance name) and ResourceArn. A Studio app's
    also has DomainId, AppType, and SpaceName (spaces, the current Studio) or UserProfileName
    (Studio Classic); its ResourceName is the app name ("default" for a JupyterLab space app).
    """
    try:
        with open(path, "r", encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise ConfigError(
            "no {}: not a SageMaker notebook instance or Studio app; use --target ec2 or --dimension".format(path))
    except (OSError, ValueError) as e:
        raise ConfigError("cannot read {}: {}".format(path, e))
    if not isinstance(meta, dict):
        raise ConfigError("{} is not a JSON object".format(path))

    def field(key):
        value = meta.get(key)
        return value if isinstance(value, str) and value else None

    region = region_of(field("ResourceArn"))
    if field("DomainId"):
        app_type = field("AppType")
        owner = ("SpaceName", field("SpaceName")) if field("SpaceName") else ("UserProfileName", field("UserProfileName"))
        app_name = field("ResourceName") or arn_last_segment(field("ResourceArn"))
        missing = [k for k, v in (("AppType", app_type), ("SpaceName or UserProfileName", owner[1]),
                                  ("ResourceName", app_name)) if not v]
        if missing:
            raise ConfigError("{} has DomainId but no {}".format(path, ", ".join(missing)))
        if app_type not in STUDIO_APP_TYPES:
            raise ConfigError("{}: AppType {} has no Jupyter server to read ({})".format(
                path, app_type, ", ".join(STUDIO_APP_TYPES)))
        dims = {"DomainId": field("DomainId"), owner[0]: owner[1], "AppType": app_type, "AppName": app_name}
        return "studio", dims, region
    if field("ResourceName"):
        return "notebook-instance", {"NotebookInstanceName": field("ResourceName")}, region
    raise ConfigError("{} has neither DomainId nor ResourceName".format(path))


def region_of(arn):
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def arn_last_segment(arn):
    return (arn or "").rsplit("/", 1)[-1] or None


def from_imds(base_url):
    """InstanceId and region through IMDSv2 (a session token first: IMDSv1 may be switched off)."""
    base = base_url.rstrip("/")
    try:
        token_request = urllib.request.Request(
            base + "/latest/api/token", method="PUT", data=b"",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
        with urllib.request.urlopen(token_request, timeout=HTTP_TIMEOUT_SECONDS) as r:
            token = r.read().decode("ascii").strip()

        def get(path):
            req = urllib.request.Request(base + "/latest/meta-data/" + path,
                                         headers={"X-aws-ec2-metadata-token": token})
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS) as resp:
                return resp.read().decode("utf-8").strip()

        instance_id = get("instance-id")
        region = get("placement/region")
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ConfigError("instance metadata (IMDSv2 at {}) unavailable: {}".format(base, reason(e)))
    if not instance_id:
        raise ConfigError("instance metadata returned an empty instance-id")
    return {"InstanceId": instance_id}, region


class Notebook(object):
    """Which notebook this process speaks for: its dimensions, region and Jupyter URL."""

    def __init__(self, kind, dimensions, region, jupyter_url):
        self.kind = kind
        self.dimensions = dimensions
        self.region = region
        self.jupyter_url = jupyter_url


def resolve(args):
    region = None
    if args.dimension:
        kind, dims = from_overrides(args.dimension)
        if args.target != "auto" and args.target != kind:
            raise ConfigError("--target {} but --dimension names a {}".format(args.target, kind))
    elif args.target == "ec2":
        kind = "ec2"
        dims, region = from_imds(args.imds_url)
    else:
        kind, dims, region = from_metadata(args.metadata_file)
        if args.target != "auto" and args.target != kind:
            raise ConfigError("--target {} but {} describes a {}".format(args.target, args.metadata_file, kind))
    url = args.jupyter_url or DEFAULT_URLS[dims["AppType"] if kind == "studio" else kind]
    return Notebook(kind, dims, args.region or region, url)


# --- what the Jupyter server says ---------------------------------------------------------------

def reason(error):
    if isinstance(error, urllib.error.HTTPError):
        return "HTTP {} {}".format(error.code, error.reason)
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or error.__class__.__name__


class Jupyter(object):
    def __init__(self, base_url, token):
        self.base_url = base_url.rstrip("/")
        self.token = token
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        self.context = None
        if self.base_url.startswith("https://") and is_loopback(host):
            # The notebook instance's certificate is self-signed and the traffic never leaves the
            # machine; anything not on loopback keeps normal verification.
            self.context = ssl.create_default_context()
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE

    def get(self, path):
        """The decoded JSON at path; None on 404 (an endpoint this server does not have)."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "token " + self.token
        url = self.base_url + path
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=HTTP_TIMEOUT_SECONDS, context=self.context) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            hint = " (wrong or missing token: --token or JUPYTER_TOKEN)" if e.code in (401, 403) else ""
            raise JupyterUnavailable("GET {}: {}{}".format(url, reason(e), hint))
        except (urllib.error.URLError, OSError) as e:
            raise JupyterUnavailable("GET {}: {}".format(url, reason(e)))
        try:
            return json.loads(body.decode("utf-8"))
        except ValueError:
            raise JupyterUnavailable("GET {}: not JSON (is this URL a Jupyter server?)".format(url))


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Reading(object):
    def __init__(self, seconds, busy, kernels, terminals, basis):
        self.seconds = seconds
        self.busy = busy
        self.kernels = kernels
        self.terminals = terminals
        self.basis = basis


class ActivityReader(object):
    def __init__(self, jupyter):
        self.jupyter = jupyter
        # Only for servers without /api/status (Jupyter Kernel Gateway): the first moment this
        # process saw the server with nothing running stands in for "started".
        self.empty_since = None

    def read(self, now):
        kernels = self.jupyter.get("/api/kernels")
        if kernels is None:
            raise JupyterUnavailable("GET {}/api/kernels: HTTP 404 (is --jupyter-url the server's base URL?)".format(
                self.jupyter.base_url))
        # A server started without terminals answers 404 here: it can have none open.
        terminals = self.jupyter.get("/api/terminals") or []
        for name, listing in (("kernels", kernels), ("terminals", terminals)):
            if not isinstance(listing, list) or not all(isinstance(x, dict) for x in listing):
                raise JupyterUnavailable("GET /api/{}: not a list of models".format(name))

        busy = sum(1 for k in kernels if k.get("execution_state") == "busy")
        if busy:
            self.empty_since = None
            return Reading(0, busy, len(kernels), len(terminals), "busy kernel")

        # "starting", "idle", "restarting", "dead": all count only through last_activity, so a
        # kernel stuck starting for an hour reads as an hour of inactivity.
        latest, basis = None, None
        for kind, models in (("kernel", kernels), ("terminal", terminals)):
            for model in models:
                try:
                    at = parse_timestamp(model.get("last_activity"))
                except ValueError:
                    continue
                if latest is None or at > latest:
                    latest, basis = at, "{} {} last_activity".format(kind, model.get("id") or model.get("name"))
        if latest is None:
            latest, basis = self.server_started(now), "server started"
        else:
            self.empty_since = None
        seconds = max(0, int((now - latest).total_seconds()))
        return Reading(seconds, 0, len(kernels), len(terminals), basis)

    def server_started(self, now):
        # Not the status model's last_activity: every API request moves it, ours included (this
        # publisher's GET /api/kernels a minute ago), and so does an open browser tab, which polls
        # kernels, sessions and terminals every few seconds whether or not anyone is there. With it
        # a forgotten tab would keep a notebook "active" for ever.
        status = self.jupyter.get("/api/status")
        if status is None:
            if self.empty_since is None:
                self.empty_since = now
            return self.empty_since
        if not isinstance(status, dict):
            raise JupyterUnavailable("GET /api/status: not a status model")
        try:
            return parse_timestamp(status.get("started"))
        except ValueError as e:
            raise JupyterUnavailable("GET /api/status: started: {}".format(e))


# --- CloudWatch ---------------------------------------------------------------------------------

def metric_data(notebook, reading, now):
    dims = ordered(notebook.dimensions)
    ts = iso_z(now)
    return [
        {"MetricName": "SecondsSinceLastActivity", "Dimensions": dims, "Timestamp": ts,
         "Value": reading.seconds, "Unit": "Seconds"},
        {"MetricName": "BusyKernels", "Dimensions": dims, "Timestamp": ts, "Value": reading.busy, "Unit": "Count"},
        {"MetricName": "Kernels", "Dimensions": dims, "Timestamp": ts, "Value": reading.kernels, "Unit": "Count"},
        {"MetricName": "Terminals", "Dimensions": dims, "Timestamp": ts, "Value": reading.terminals, "Unit": "Count"},
    ]


def publish(aws_cli, region, data):
    fd, path = tempfile.mkstemp(prefix="costwarden-notebook-activity-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        command = shlex.split(aws_cli) + ["cloudwatch", "put-metric-data", "--namespace", NAMESPACE,
                                          "--metric-data", "file://" + path]
        if region:
            command += ["--region", region]
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=PUBLISH_TIMEOUT_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PublishFailed("{}: {}".format(command[0], e))
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise PublishFailed("put-metric-data exited {}: {}".format(done.returncode, detail))
    finally:
        os.unlink(path)


def one_round(notebook, reader, args):
    now = datetime.datetime.now(datetime.timezone.utc)
    reading = reader.read(now)
    data = metric_data(notebook, reading, now)
    if args.print:
        print(json.dumps(data, indent=2), flush=True)
    else:
        publish(args.aws_cli, notebook.region, data)
    if args.verbose:
        log("{}s since activity ({}), {} busy of {} kernels, {} terminals".format(
            reading.seconds, reading.basis, reading.busy, reading.kernels, reading.terminals))


def arguments(argv):
    p = argparse.ArgumentParser(
        description="Publish Jupyter kernel and terminal activity to CloudWatch ({}).".format(NAMESPACE))
    p.add_argument("--target", choices=["auto", "notebook-instance", "studio", "ec2"], default="auto",
                   help="which kind of notebook this is; auto reads {} (default: auto)".format(METADATA_PATH))
    p.add_argument("--dimension", action="append", default=[], metavar="NAME=VALUE",
                   help="the dimension set itself, repeated; skips the metadata file and IMDS")
    p.add_argument("--jupyter-url", help="Jupyter server base URL (default depends on the notebook kind: {})".format(
        ", ".join("{} {}".format(k, v) for k, v in DEFAULT_URLS.items())))
    p.add_argument("--token", default=os.environ.get("JUPYTER_TOKEN"),
                   help="Jupyter token (default: $JUPYTER_TOKEN; the environment keeps it out of ps)")
    p.add_argument("--aws-cli", default="aws", help="the AWS CLI command (default: aws)")
    p.add_argument("--region", help="region to publish to (default: from the metadata ARN or IMDS, else the CLI's)")
    p.add_argument("--once", action="store_true", help="one round, then exit with its status")
    p.add_argument("--print", action="store_true", help="print the metric data as JSON instead of publishing")
    p.add_argument("--interval", type=float, default=PERIOD_SECONDS, help=argparse.SUPPRESS)
    p.add_argument("--metadata-file", default=METADATA_PATH, help=argparse.SUPPRESS)
    p.add_argument("--imds-url", default=IMDS_URL, help=argparse.SUPPRESS)
    p.add_argument("--verbose", action="store_true", help="log every round, not only failures")
    return p.parse_args(argv)


def main(argv=None):
    args = arguments(sys.argv[1:] if argv is None else argv)
    try:
        notebook = resolve(args)
    except ConfigError as e:
        log("configuration: {}".format(e))
        return EXIT_CONFIG
    reader = ActivityReader(Jupyter(notebook.jupyter_url, args.token))

    if args.once:
        try:
            one_round(notebook, reader, args)
            return 0
        except JupyterUnavailable as e:
            log("Jupyter unavailable, nothing published: {}".format(e))
            return EXIT_JUPYTER
        except PublishFailed as e:
            log("publish failed: {}".format(e))
            return EXIT_PUBLISH

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log("publishing {} for {} every {:g}s from {}".format(
        NAMESPACE, ", ".join("{}={}".format(d["Name"], d["Value"]) for d in ordered(notebook.dimensions)),
        args.interval, notebook.jupyter_url))
    next_round = time.monotonic()
    while not stop.is_set():
        try:
            one_round(notebook, reader, args)
        except JupyterUnavailable as e:
            # Keep going: at boot the lifecycle script starts us before Jupyter listens, and a
            # restarting server comes back. Publishing nothing is the honest report; the policy's
            # missing-data setting decides what silence means, which a made-up value would pre-empt.
            log("Jupyter unavailable, nothing published: {}".format(e))
        except PublishFailed as e:
            log("publish failed: {}".format(e))
        except Exception as e:  # a surprise in one round must not end the watch
            log("round failed: {}: {}".format(e.__class__.__name__, e))
        next_round += args.interval
        delay = next_round - time.monotonic()
        if delay < 0:
            # A round that overran (slow CLI) is not made up with a burst of rounds.
            next_round, delay = time.monotonic(), 0
        stop.wait(delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
