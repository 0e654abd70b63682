"""The supervisor: keeps each App Runner service's application in the state its record asks for.

It reads the services of every account and region from the store (after each write the edge tells it of, and every
RECONCILE_INTERVAL), and
- carries out the deployment an operation awaits (build, start, health checks), then records its outcome in the
  store (records.deployments.finish): the operation, not a clock, then decides the service's status;
- keeps the deployment a RUNNING service serves running (a restarted server brings it back up), restarting an
  instance whose process exits or whose health checks fail;
- stops the instance of a service being paused or deleted, and removes a deleted service's directory;
- answers which instance serves a hostname (the service's domain, its active custom domains, its ingress
  connections' domain names), for the edge and the subnet gateway.

Records still derive every status lazily (DESIGN principle 5); the supervisor only records facts the clock can't
know — that a build finished or a health check passed. Only one server should supervise a state directory.
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from runnerlink.runtime import deploy, health, orphans
from runnerlink.runtime.containers import Engine, find_engine
from runnerlink.runtime.deploy import Built, DeployFailure
from runnerlink.runtime.instance import Instance
from runnerlink.runtime.logs import ServiceLog
from runnerlink.runtime.sources import SourceMap
from runnerlink.services.apprunner.ids import parse_arn
from runnerlink.services.apprunner.records import deployments as deployment_records
from runnerlink.services.apprunner.records.kinds import SERVICE
from runnerlink.services.apprunner.records.services import (
    CREATE_FAILED, DELETED, IN_PROGRESS, PAUSED, RUNNING, derive,
)
from runnerlink.services.base import run_handler
from runnerlink.store import Store

log = logging.getLogger("runnerlink.runtime")

RECONCILE_INTERVAL = 1.0
LISTEN_POLL = 0.02  # how often a starting instance's port is tried before its first health check
WORKER_GRACE = 10.0  # seconds stop() waits for deployments in progress to let go of their instances
# Egress: the environment a service's application runs with so its outbound requests take its network's path
# (proxy, CA bundle, credentials), from the service record; raises ValueError when that network can't be had. It may
# have release(service), called once a service is deleted, to remove what it placed for the service, and
# forget(environment), called once the instance started with that environment stops (its credentials token ends).
Egress = Callable[[dict], Mapping[str, str]]


@dataclass(frozen=True)
class Route:
    """Where a request for a hostname goes: the service, how the name reaches it, and its instance or why none."""

    service_arn: str
    service_name: str
    via: Mapping[str, str]  # {"via": "service" | "custom-domain" | "ingress", and for ingress its VPC and endpoint}
    public: bool
    status: str
    port: int | None  # the instance listening on 127.0.0.1:port, when one serves
    unavailable: str | None  # why no instance serves, when none does


@dataclass
class _Running:
    instance: Instance
    built: Built
    monitor: threading.Thread | None = None


class Supervisor:
    def __init__(self, store: Store, lifecycle_delay: float, sources: SourceMap, apps_dir: Path,
                 engine_preference: str = "auto", egress: Egress | None = None):
        self.store = store
        self.lifecycle_delay = lifecycle_delay
        self.sources = sources
        self.apps_dir = apps_dir
        self._engine_preference = engine_preference
        self._engine: tuple[Engine | None, str] | None = None
        self._engine_lock = threading.Lock()
        self._egress = egress
        self._lock = threading.RLock()
        self._running: dict[str, _Running] = {}  # service ARN → its serving instance
        self._busy: dict[str, str] = {}  # service ARN → the operation (or "restore") a worker is carrying out
        self._routes: dict[str, tuple[dict, Mapping[str, str]]] = {}  # hostname → (service snapshot, how)
        self._route_cache: dict[str, tuple[tuple, Instance, Route]] = {}  # hostname → (its _routes entry, …)
        self._removed: set[str] = set()  # deleted services whose directory is gone
        self._known: set[str] = set()  # the services the last pass read (not yet removed)
        # Vanished services a worker was still deploying: released once it is done (it may have placed egress).
        self._vanishing: set[str] = set()
        self._pass_lock = threading.Lock()  # one reconciling pass at a time (the loop's, or settle()'s)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._changes_at = float("inf")  # when a status the last pass derived from the clock flips

    # --- what the edge asks ------------------------------------------------------------------------------------
    def run_check(self, record: dict) -> str | None:
        """Why this server can't run the service's application, or None (then its operations await deployments)."""
        chosen = deploy.plan(record, self.sources, self.engine)
        return chosen if isinstance(chosen, str) else None

    def engine(self) -> tuple[Engine | None, str]:
        """The container engine (looked for once, by the supervisor's thread as it starts, so a request that needs it
        seldom waits for `<engine> info` while it holds the store), or why there is none."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = find_engine(self._engine_preference)
            return self._engine

    def route(self, host: str) -> Route | None:
        """The service a hostname names, with the instance that serves it now; None for a name no service has."""
        host = host.lower().rstrip(".")
        with self._lock:
            found = self._routes.get(host)
            if found is None:
                return None
            service, via = found
            running = self._running.get(service["ServiceArn"])
            instance = running.instance if running is not None else None
            cached = self._route_cache.get(host)
            # The answer for a serving instance holds until the next pass or a change of instance (an instance that
            # dies meanwhile refuses connections, and its watcher replaces it within a health-check interval).
            if cached is not None and cached[0] is found and cached[1] is instance:
                return cached[2]
        port = instance.port if instance is not None and instance.alive else None
        if port is None:  # say why as of now, not as of the last pass
            service = self._current(service)
        public = bool(service["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"])
        route = Route(service["ServiceArn"], service["ServiceName"], via, public, service["Status"], port,
                      None if port is not None else self._why_unavailable(service, running))
        if port is not None:
            with self._lock:
                self._route_cache[host] = (found, instance, route)
        return route

    def services(self) -> list[dict]:
        """Every known (not deleted) service with its local state, for `runnerlink services` and `runnerlink logs`:
        its status as of now, the names it answers to, the instance serving it (port, deployment) or why none does,
        and its last failure."""
        with self._lock:
            seen = {s["ServiceArn"]: s for s, _ in self._routes.values()}
            hosts = {arn: sorted(h for h, (s, _) in self._routes.items() if s["ServiceArn"] == arn) for arn in seen}
            running = dict(self._running)
        answer = []
        for snapshot in seen.values():
            service = self._current(snapshot)
            if service["Status"] == DELETED:
                continue
            arn = service["ServiceArn"]
            serving = running.get(arn)
            alive = serving is not None and serving.instance.alive
            answer.append({
                "ServiceName": service["ServiceName"], "ServiceArn": arn, "ServiceId": service["ServiceId"],
                "ServiceUrl": service.get("ServiceUrl"), "account": _scope(arn)[0], "region": _scope(arn)[1],
                "Status": service["Status"], "hosts": hosts[arn],
                "public": bool(service["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"]),
                "port": serving.instance.port if alive else None,
                "deployment": serving.built.deployment if serving else None,
                "unavailable": None if alive else self._why_unavailable(service, serving),
                "lastFailure": service.get("_failure"),
                "logs": str(self.service_dir(service)),
            })
        return sorted(answer, key=lambda s: (s["ServiceName"], s["account"], s["region"]))

    def service_dir(self, service: dict) -> Path:
        return self.apps_dir / service["ServiceId"]

    def poke(self) -> None:
        """Something was written: look at the services again now."""
        self._wake.set()

    # --- life --------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.apps_dir.mkdir(parents=True, exist_ok=True)
        ended = orphans.reap(self.apps_dir)
        if ended:
            log.warning("supervisor: ended %d instance(s) a previous server left running: %s", len(ended),
                        ", ".join(map(str, ended)))
        self._thread = threading.Thread(target=self._loop, name="runnerlink-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        # A deployment in progress sees _stopping and stops its own instance: wait for it, or the instance (in a
        # session of its own) would outlive the server.
        deadline = time.monotonic() + WORKER_GRACE
        while time.monotonic() < deadline:
            with self._lock:
                if not self._busy:
                    break
            time.sleep(0.05)
        with self._lock:
            running, self._running = list(self._running.values()), {}
        for serving in running:
            serving.instance.stop()

    def _loop(self) -> None:
        self.engine()
        while not self._stopping.is_set():
            try:
                self.reconcile()
            except Exception:  # the supervisor must outlive a bug in one pass
                log.exception("supervisor: reconciling services failed")
            # Sooner when a derived status flips (an ingress connection turning AVAILABLE routes its name then).
            self._wake.wait(max(0.0, min(RECONCILE_INTERVAL, self._changes_at - time.time() + 0.01)))
            self._wake.clear()

    # --- reconciling -------------------------------------------------------------------------------------------
    def settle(self) -> list[str]:
        """A reconciling pass now, in the caller's thread (after a reset or an import replaced records under the
        supervisor): when it returns, the instances of services no longer stored are stopped. Their ARNs."""
        return self.reconcile()

    def reconcile(self) -> list[str]:
        """One pass over every stored service; the ARNs of services that vanished from the store since the last
        (a reset or an import removed them without a DeleteService), whose instances it stopped."""
        with self._pass_lock:
            return self._reconcile_all()

    def _reconcile_all(self) -> list[str]:
        routes: dict[str, tuple[dict, Mapping[str, str]]] = {}
        services: list[dict] = []
        changes_at = float("inf")
        for scope in self.store.scopes(SERVICE):
            account, _, region = scope.partition("/")
            found, ctx = run_handler(self.store, deployment_records.snapshot, account, region, write=False,
                                     lifecycle_delay=self.lifecycle_delay)
            services.extend(found)
            changes_at = min(changes_at, ctx.changes_at)
        self._changes_at = changes_at
        for service in services:
            if service["Status"] != DELETED:
                for host, via in service["_hosts"].items():
                    routes[host.lower()] = (service, via)
        present = {service["ServiceArn"] for service in services}
        with self._lock:
            self._routes = routes
            self._route_cache = {}
            vanished = sorted((self._known | set(self._running) | self._vanishing) - present)
            self._known = present - self._removed
        for arn in vanished:
            self._vanish(arn)
        for service in services:
            self._reconcile(service)
        return vanished

    def _vanish(self, arn: str) -> None:
        """A service whose record is gone (not deleted through the API): stop it and remove what it had here, as a
        deletion would."""
        self._stop_serving(arn)
        service_id = parse_arn(arn).parts[-1]
        with self._lock:
            busy = arn in self._busy
            if busy:
                self._vanishing.add(arn)
            else:
                self._vanishing.discard(arn)
        if not busy:
            shutil.rmtree(self.apps_dir / service_id, ignore_errors=True)
        release = getattr(self._egress, "release", None)
        try:
            if release is not None:
                release({"ServiceArn": arn})
        except Exception:  # the other services' pass goes on
            log.exception("supervisor: releasing the egress of %s failed", arn)

    def _reconcile(self, service: dict) -> None:
        arn, op, status = service["ServiceArn"], service["_op"], service["Status"]
        stopping = status in (DELETED, PAUSED, CREATE_FAILED) or (
            status == IN_PROGRESS and op["Target"] in (PAUSED, DELETED))
        if stopping:
            self._stop_serving(arn)
            if status == DELETED and arn not in self._removed and arn not in self._busy:
                self._removed.add(arn)
                shutil.rmtree(self.service_dir(service), ignore_errors=True)
                release = getattr(self._egress, "release", None)
                try:
                    if release is not None:
                        release(service)
                except Exception:  # the other services' pass goes on
                    log.exception("supervisor: releasing the egress of %s failed", arn)
            return
        with self._lock:
            if arn in self._busy:
                return
            if op.get("Awaits") and op.get("Result") is None:
                self._busy[arn] = op["Id"]
                work: Callable[[], None] = lambda: self._deploy(service)
            elif status == RUNNING and service.get("_serving") and not service.get("_unrunnable") and (
                    arn not in self._running or self._running[arn].built.deployment != service["_serving"]):
                self._busy[arn] = "restore"
                work = lambda: self._restore(service)
            else:
                return
        threading.Thread(target=self._work, args=(arn, work), name=f"runnerlink-deploy-{service['ServiceName']}",
                         daemon=True).start()

    def _work(self, arn: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("supervisor: deploying %s failed", arn)
        finally:
            with self._lock:
                self._busy.pop(arn, None)
            self._wake.set()

    # --- a deployment ------------------------------------------------------------------------------------------
    def _deploy(self, service: dict) -> None:
        """Carry out the deployment the service's operation awaits and record its outcome."""
        op = service["_op"]
        service_log = ServiceLog(self.service_dir(service))
        operation, deployment = op["Id"], op["Id"]
        service_log.event(f"{op['Type']} started (operation {operation})", deployment)
        instance: Instance | None = None
        built: Built | None = None
        try:
            if op["Type"] == "RESUME_SERVICE" and service.get("_serving"):
                built = Built.load(self._deployment_dir(service, service["_serving"]))
            if built is None:
                chosen = deploy.plan(service, self.sources, self.engine)
                if isinstance(chosen, str):
                    raise DeployFailure(chosen)
                built = deploy.build(chosen, service, deployment, self._deployment_dir(service, deployment),
                                     service_log)
            instance = self._start(service, built, service_log)
            self._await_health(service, instance, service_log)
        except DeployFailure as failure:
            if instance is not None:
                instance.stop()
            if self._stopping.is_set():  # not the deployment's failure: the next server carries it out again
                service_log.event(f"{op['Type']} interrupted: runnerlink is stopping", deployment)
                return
            service_log.event(f"{op['Type']} failed: {failure}", deployment)
            outcome = self._finish(service, operation, deployment, False, str(failure))
            if outcome == "ROLLBACK_SUCCEEDED":
                service_log.event("Rollback succeeded: the previous deployment keeps serving", deployment)
            return
        assert built is not None and instance is not None
        arn = service["ServiceArn"]
        serving = _Running(instance, built)
        with self._lock:  # serving before the outcome is recorded: a RUNNING service always has its instance
            stopping = self._stopping.is_set()
            previous = self._running.get(arn)
            if not stopping:
                self._running[arn] = serving
        if stopping:  # stop() has taken the running instances already; this one is left unrecorded, as above
            instance.stop()
            service_log.event(f"{op['Type']} interrupted: runnerlink is stopping", deployment)
            return
        outcome = self._finish(service, operation, built.deployment, True, None)
        if outcome is None:  # superseded meanwhile (paused, deleted, another update): this instance isn't wanted
            with self._lock:
                if self._running.get(arn) is serving:
                    if previous is not None:
                        self._running[arn] = previous
                    else:
                        del self._running[arn]
            instance.stop()
            return
        service_log.event(f"{op['Type']} succeeded: deployment {built.deployment} serves on port {instance.port}",
                          deployment)
        self._watch(service, serving, service_log)
        if previous is not None:
            previous.instance.stop()

    def _restore(self, service: dict) -> None:
        """Start the deployment a RUNNING service serves (after a restart of the server, or a lost instance)."""
        service_log = ServiceLog(self.service_dir(service))
        deployment = service["_serving"]
        built = Built.load(self._deployment_dir(service, deployment))
        instance: Instance | None = None
        try:
            if built is None:
                chosen = deploy.plan(service, self.sources, self.engine)
                if isinstance(chosen, str):
                    raise DeployFailure(chosen)
                service_log.event(f"Deployment {deployment} is gone from disk: building it again", deployment)
                built = deploy.build(chosen, service, deployment, self._deployment_dir(service, deployment),
                                     service_log)
            service_log.event(f"Starting deployment {deployment} again", deployment)
            instance = self._start(service, built, service_log)
            self._await_health(service, instance, service_log)
        except DeployFailure as failure:
            if instance is not None:  # unhealthy, or runnerlink is stopping: it must not linger unsupervised
                instance.stop()
            service_log.event(f"Deployment {deployment} did not come back up: {failure}", deployment)
            self._stopping.wait(RECONCILE_INTERVAL * 5)  # not at once again
            return
        with self._lock:
            if self._stopping.is_set():
                serving = None
            else:
                previous = self._running.get(service["ServiceArn"])
                self._running[service["ServiceArn"]] = serving = _Running(instance, built)
        if serving is None:
            instance.stop()
            return
        if previous is not None:
            previous.instance.stop()
        self._watch(service, serving, service_log)

    def _start(self, service: dict, built: Built, service_log: ServiceLog) -> Instance:
        if self._stopping.is_set():
            raise DeployFailure("runnerlink is stopping")
        try:
            extra = dict(self._egress(service)) if self._egress is not None else {}
        except ValueError as error:
            raise DeployFailure(f"egress: {error}") from None
        extra.setdefault("AWS_REGION", _scope(service["ServiceArn"])[1])
        extra.setdefault("AWS_DEFAULT_REGION", extra["AWS_REGION"])
        name = f"runnerlink-{service['ServiceName']}-{built.deployment[:8]}"
        forget = getattr(self._egress, "forget", None)
        try:
            instance = deploy.launch(built, _free_port(), extra, service_log, name, self.apps_dir)
        except BaseException as error:  # no instance: what was granted for it ends now
            if forget is not None:
                forget(extra)
            if isinstance(error, OSError):
                raise DeployFailure(f"the instance could not start: {error}") from None
            raise
        if forget is not None:
            instance.on_stop = lambda: forget(extra)
        return instance

    def _await_health(self, service: dict, instance: Instance, service_log: ServiceLog) -> None:
        """Health checks until the instance is healthy; DeployFailure when it is unhealthy or exits."""
        check = health.HealthCheck.from_configuration(service["HealthCheckConfiguration"])
        service_log.event(f"Health check: {check.describe()}", instance.deployment)
        tally = health.Tally(check)
        _await_listening(instance, check.interval)
        while True:
            if not instance.alive:
                raise DeployFailure(f"the application exited with status {instance.process.returncode} before "
                                    f"its health check passed")
            passed, detail = health.probe(check, "127.0.0.1", instance.port)
            verdict = tally.add(passed)
            if verdict == "healthy":
                service_log.event(f"Health check passed: {detail}", instance.deployment)
                return
            if verdict == "unhealthy":
                raise DeployFailure(f"the health check failed {check.unhealthy_threshold} times in a row "
                                    f"({detail})")
            if self._stopping.wait(check.interval):
                raise DeployFailure("runnerlink is stopping")

    def _watch(self, service: dict, serving: _Running, service_log: ServiceLog) -> None:
        """Keep health-checking a serving instance; restart it when it exits or turns unhealthy."""
        check = health.HealthCheck.from_configuration(service["HealthCheckConfiguration"])

        def watch() -> None:
            tally = health.Tally(check)
            while not self._stopping.wait(check.interval):
                instance = serving.instance
                if instance.stopped:
                    return
                verdict = "exited" if not instance.alive else tally.add(
                    health.probe(check, "127.0.0.1", instance.port)[0])
                if verdict not in ("exited", "unhealthy"):
                    continue
                with self._lock:
                    if self._running.get(service["ServiceArn"]) is not serving:
                        return
                service_log.event(f"Instance of deployment {instance.deployment} "
                                  f"{'exited' if verdict == 'exited' else 'is unhealthy'}: replacing it",
                                  instance.deployment)
                instance.stop()
                try:
                    replacement = self._start(service, serving.built, service_log)
                except DeployFailure as failure:
                    # Not retried here: the reconciler restores a RUNNING service that has no instance.
                    service_log.event(f"The replacement did not start: {failure}", instance.deployment)
                    with self._lock:
                        if self._running.get(service["ServiceArn"]) is serving:
                            del self._running[service["ServiceArn"]]
                    self._wake.set()
                    return
                with self._lock:
                    wanted = self._running.get(service["ServiceArn"]) is serving
                    if wanted:
                        serving.instance = replacement
                if not wanted:  # paused, deleted or redeployed while the replacement started
                    replacement.stop()
                    return
                service_log.event(f"Instance of deployment {instance.deployment} replaced: it serves on port "
                                  f"{replacement.port}", instance.deployment)
                tally = health.Tally(check)

        serving.monitor = threading.Thread(target=watch, name=f"runnerlink-health-{service['ServiceName']}",
                                           daemon=True)
        serving.monitor.start()

    def _finish(self, service: dict, operation: str, deployment: str, succeeded: bool,
                reason: str | None) -> str | None:
        account, region = _scope(service["ServiceArn"])
        outcome = run_handler(
            self.store, lambda ctx: deployment_records.finish(ctx, service["ServiceArn"], operation, deployment,
                                                              succeeded, reason),
            account, region, write=True, lifecycle_delay=self.lifecycle_delay)[0]
        return outcome

    def _current(self, service: dict) -> dict:
        """The service's record as stored now, with its derived Status (the snapshot itself if it is gone)."""
        arn = service["ServiceArn"]
        account, region = _scope(arn)

        def read(ctx):
            record = ctx.tx.get(SERVICE, arn)
            return derive(ctx, record) if record is not None else service

        return run_handler(self.store, read, account, region, write=False, lifecycle_delay=self.lifecycle_delay)[0]

    def _stop_serving(self, arn: str) -> None:
        with self._lock:
            serving = self._running.pop(arn, None)
        if serving is not None:
            serving.instance.stop()

    def _deployment_dir(self, service: dict, deployment: str) -> Path:
        return self.service_dir(service) / "deployments" / deployment

    def _why_unavailable(self, service: dict, serving: _Running | None) -> str:
        if service.get("_unrunnable"):
            return service["_unrunnable"]
        if service["Status"] == CREATE_FAILED and service.get("_failure"):
            return f"service {service['ServiceName']} is CREATE_FAILED: {service['_failure']}"
        if service["Status"] != RUNNING:
            return f"service {service['ServiceName']} is {service['Status']}"
        if serving is not None and not serving.instance.alive:
            return f"the instance of service {service['ServiceName']} is being replaced"
        return f"service {service['ServiceName']} has no running instance yet"


def _await_listening(instance: Instance, limit: float) -> None:
    """Wait until the instance accepts a connection on its port (or exits), at most `limit` seconds (an interval):
    its first health check then comes as soon as it can pass, instead of failing on an app still starting and
    costing an interval."""
    deadline = time.monotonic() + limit
    while instance.alive:
        try:
            with socket.create_connection(("127.0.0.1", instance.port), timeout=LISTEN_POLL):
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return
        time.sleep(LISTEN_POLL)


def _scope(service_arn: str) -> tuple[str, str]:
    """(account, region) of a service, from its ARN."""
    parsed = parse_arn(service_arn)
    return parsed.account, parsed.region


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
