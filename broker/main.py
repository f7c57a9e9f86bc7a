"""`python -m broker [server.properties] [--override key=value ...]`: start one broker node.

Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a configuration or start-up error
(logged the way Kafka logs it)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import signal
import socket
import sys
from pathlib import Path

from . import log4j
from .cluster.metadata import BrokerEndpoint
from .compaction import LogCleaner
from .config import ConfigException, KafkaConfig, RequirementFailed, UnsupportedConfig, collect_props
from .group import coordinator_of
from .log4j import logger
from .raft.bootstrap import discover_voters
from .raft.setup import check_sessions as quorum_check_sessions
from .raft.setup import start_quorum, stop_quorum
from .server import BindError, SocketServer
from .txn.coordinator import coordinator_of as txn_coordinator_of

CHECKPOINT_INTERVAL_S = 60.0
# Whole-shutdown bound. Kafka bounds controlled shutdown by controlled.shutdown (KRaft: the
# lifecycle manager's shutdown deadline) and then stops anyway; our steps together get this long.
SHUTDOWN_DEADLINE_S = 5.0
FLUSH_CHECK_S = 1.0


def canonical_host_name() -> str:
    """What Kafka substitutes for an empty advertised host (InetAddress.getLocalHost()
    .getCanonicalHostName()): inside a netlab node or a container, its hostname."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, flags=socket.AI_CANONNAME)
        return infos[0][3] or name
    except OSError:
        return name


def _parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m broker", description="A Kafka-wire-compatible broker (one node)."
    )
    p.add_argument(
        "properties",
        nargs="?",
        help="server.properties file (optional: settings may come only "
        "from --override and KAFKA_* environment variables)",
    )
    p.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, as kafka-server-start.sh does",
    )
    p.add_argument("--no-env", action="store_true", help="ignore KAFKA_* / KAFKA_CFG_* environment variables")
    return p.parse_args(argv)


def _fatal(message: str, exc: BaseException | None, klass: str = "kafka.Kafka$") -> int:
    logger(klass).error(message, exc_info=exc)
    return 1


def load_config(args: argparse.Namespace) -> KafkaConfig:
    text = None
    if args.properties:
        try:
            text = Path(args.properties).read_text()
        except OSError as exc:
            raise ConfigException(f"Cannot read properties file {args.properties}: {exc.strerror}") from None
    props = collect_props(text, {} if args.no_env else os.environ, args.override)
    return KafkaConfig(props, warn=logger("org.apache.kafka.clients.admin.AdminClientConfig").warning)


def advertised_endpoints(config: KafkaConfig) -> dict[str, BrokerEndpoint]:
    out: dict[str, BrokerEndpoint] = {}
    for ep in config.advertised:
        host = ep.host
        if not host:
            host = canonical_host_name()
            logger("kafka.server.KafkaConfig").info(f"{ep.listener}: resolved wildcard host to {host}")
        out[ep.listener] = BrokerEndpoint(host, ep.port)
    return out


async def run(config: KafkaConfig) -> int:
    from .node import BrokerNode

    server_class = "kafka.server.KafkaRaftServer" if config.kraft else "kafka.server.KafkaServer"
    prefix = (
        f"[KafkaRaftServer nodeId={config.node_id}]" if config.kraft else f"[KafkaServer id={config.node_id}]"
    )
    log = logger(server_class, prefix)
    log.info("starting")
    session = None
    if config.zk_mode:  # ZooKeeper first, as Kafka: the broker id may come from it (broker/zk/)
        from .zk import startup as zk_startup

        log.info(f"Connecting to zookeeper on {config['zookeeper.connect']}")
        try:
            session = await zk_startup.connect(config)
        except Exception as exc:
            log.error("Fatal error during KafkaServer startup. Prepare to shutdown", exc_info=exc)
            return 1
        log = logger(server_class, f"[KafkaServer id={config.node_id}]")
    try:
        node = BrokerNode(config, advertised_endpoints(config))
    except Exception as exc:  # storage: unreadable dirs, a meta.properties of another node...
        log.error("Fatal error during broker startup. Prepare to shutdown", exc_info=exc)
        return 1
    server = SocketServer(node, config.controller_listener_names if config.kraft else [])
    try:
        await server.bind(config.listeners)
    except BindError as exc:
        node.shutdown()
        log.error("Fatal error during broker startup. Prepare to shutdown", exc_info=exc)
        return 1
    if session is not None:
        try:
            await zk_startup.attach(node, session)
        except Exception as exc:  # e.g. the id is registered by a live broker already
            log.error("Fatal error during KafkaServer startup. Prepare to shutdown", exc_info=exc)
            await session.close()
            await server.close()
            node.shutdown()
            return 1
    background: set[asyncio.Task] = set()
    node.watch_listeners(functools.partial(_listeners_changed, node, server, background))
    cluster = await start_cluster(node, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():  # a second SIGTERM/SIGINT while shutting down: leave now
            log.warning("Received a second shutdown signal; exiting without completing the shutdown")
            os._exit(1)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    if node.lifecycle is not None:
        # Kafka's BrokerServer finishes starting once the controller has unfenced the broker; we
        # wait a bounded time (Kafka waits on), so a broker that cannot register still starts.
        # A stop signal meanwhile ends the wait and shuts down as usual.
        log.info("Waiting for the broker to be unfenced")
        waits = {
            asyncio.ensure_future(node.lifecycle.wait_running(UNFENCE_WAIT_S)),
            asyncio.ensure_future(stop.wait()),
        }
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in pending:
            w.cancel()
    coordinator_of(node).load()  # groups of the offsets partitions led here (metadata known now)
    log.info(f"Kafka Server started (cluster id {node.metadata.cluster_id})" if config.kraft else "started")
    housekeeping = asyncio.create_task(_housekeeping(node, config))
    cleaner = asyncio.create_task(LogCleaner(node).run())  # compacted topics (broker/compaction.py)
    await stop.wait()
    log.info("shutting down")
    housekeeping.cancel()
    cleaner.cancel()
    cluster.cancel()
    # One deadline for the network part of the shutdown (controlled shutdown, fetchers, sockets):
    # a controller that never answers must not keep the process alive. The logs are closed
    # (flushed, checkpointed) whatever happened before.
    # asyncio.wait, not wait_for: on timeout wait_for waits for the cancelled task to end,
    # which is exactly what may never happen.
    stopping = asyncio.create_task(_stop_network(node, server))
    done, _ = await asyncio.wait({stopping}, timeout=SHUTDOWN_DEADLINE_S)
    if not done:
        stopping.cancel()
        log.warning(
            f"Shutdown steps did not finish within {SHUTDOWN_DEADLINE_S:.0f} s; closing the logs and exiting"
        )
    node.shutdown()
    stray = await _end_stray_tasks()
    log.info("shut down completed")
    if stray:
        # Kafka.main ends with Exit.exit once the server has shut down, whatever thread is left;
        # asyncio.run would wait for these tasks forever
        logger("kafka.Kafka").warning(f"Exiting with {stray} task(s) that ignored their cancellation")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


async def _end_stray_tasks() -> int:
    """Cancel every task still running once the broker has shut down, and wait for them a bounded
    time (a task whose cancellation was lost, as Python 3.11's wait_for can lose one, would keep
    asyncio.run from returning); the number that did not end."""
    me = asyncio.current_task()
    rest = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    for t in rest:
        t.cancel()
    if not rest:
        return 0
    _, pending = await asyncio.wait(rest, timeout=STRAY_TASKS_WAIT_S)
    return len(pending)


def _listeners_changed(node, server: SocketServer, background: set, new: KafkaConfig) -> None:
    """Dynamic `listeners` / `advertised.listeners` of this broker (checked by
    broker/dynamic_broker_configs.py as Kafka's DynamicListenerConfig does): re-bind, then
    advertise the new endpoints. A listener that cannot be bound is logged and the old ones stay,
    as a failed reconfiguration in Kafka leaves the broker as it was."""
    log = logger("kafka.server.DynamicListenerConfig")

    async def go() -> None:
        try:
            await server.rebind(new.listeners)
        except BindError as exc:
            log.error(f"Failed to reconfigure listeners: {exc}")
            return
        node.readvertise(advertised_endpoints(new))
        log.info(f"Listeners now {','.join(f'{e.listener}://{e.host}:{e.port}' for e in new.listeners)}")

    task = asyncio.get_running_loop().create_task(go())
    background.add(task)
    task.add_done_callback(background.discard)


async def _stop_network(node, server: SocketServer) -> None:
    await stop_cluster(node)
    coordinator_of(node).shutdown()
    txn_coordinator_of(node).shutdown()
    await server.close()


async def start_cluster(node, config: KafkaConfig) -> asyncio.Task:
    """Wire the node to its controller (in-process, or the voter over the controller listener)
    and start replica fetchers; returns the task that checks sessions and ISR lag."""
    from .cluster.fetcher import FetcherManager

    node.replicas.fetchers = FetcherManager(node)
    if not config.voters and config["controller.quorum.bootstrap.servers"]:
        config.voters = await discover_voters(node.node_id, config["controller.quorum.bootstrap.servers"])
    if node.zk is None:  # KRaft (ZooKeeper mode: the elected controller sends LeaderAndIsr, broker/zk/)
        await start_quorum(node, config)
    return asyncio.create_task(_cluster_checks(node, config))


async def stop_cluster(node) -> None:
    if node.replicas.fetchers is not None:
        await node.replicas.fetchers.close()
    if node.lifecycle is not None:
        await node.lifecycle.close()
    if node.zk is not None:
        await node.zk.close()
    await stop_quorum(node)


async def _cluster_checks(node, config: KafkaConfig) -> None:
    """Controller: fence brokers whose session timed out. Leader: shrink the ISR of lagging
    followers (Kafka checks every replica.lag.time.max.ms / 2)."""
    every = min(config["replica.lag.time.max.ms"] / 2000, config["broker.session.timeout.ms"] / 4000, 1.0)
    while True:
        await asyncio.sleep(every)
        await quorum_check_sessions(node)
        node.replicas.check_lagging()


async def _housekeeping(node, config: KafkaConfig) -> None:
    """Retention every log.retention.check.interval.ms; recovery-point checkpoints every minute;
    time-based flushes (log.flush.interval.ms) checked every second when that is set."""
    retention_every = config["log.retention.check.interval.ms"] / 1000
    flush_ms = config["log.flush.interval.ms"]
    loop = asyncio.get_running_loop()
    next_retention = loop.time() + retention_every
    next_checkpoint = loop.time() + CHECKPOINT_INTERVAL_S
    while True:
        wake = min(next_checkpoint, next_retention)
        if flush_ms is not None:
            wake = min(wake, loop.time() + FLUSH_CHECK_S)
        await asyncio.sleep(max(wake - loop.time(), 0.1))
        if loop.time() >= next_retention:
            node.enforce_retention()
            next_retention = loop.time() + retention_every
        if flush_ms is not None:
            await loop.run_in_executor(None, node.logs.flush_due)
        if loop.time() >= next_checkpoint:
            # checkpoint files are fsynced; under write load one fsync can take seconds, so keep it
            # off the event loop (the log manager takes its own lock)
            await loop.run_in_executor(None, node.logs.checkpoint)
            next_checkpoint = loop.time() + CHECKPOINT_INTERVAL_S


UNFENCE_WAIT_S = 5.0  # longest start-up waits for the broker to be unfenced
STRAY_TASKS_WAIT_S = 2.0  # after the shutdown, for tasks still running to end once cancelled


def main(argv: list[str] | None = None) -> int:
    log4j.setup()
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args)
    except (ConfigException, RequirementFailed) as exc:
        return _fatal("Exiting Kafka due to fatal exception", exc)
    reasons = config.unsupported_reasons()
    if reasons:
        return _fatal("Exiting Kafka due to fatal exception", UnsupportedConfig("; ".join(reasons)))
    raise_fd_limit()
    return asyncio.run(run(config))


def raise_fd_limit() -> None:
    """What the JVM does at start (HotSpot's -XX:+MaxFDLimit, on by default on Linux): the soft
    limit of open files goes up to the hard limit, since a broker holds one fd per segment."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
