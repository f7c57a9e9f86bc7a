"""Kafka 3.7's dynamic broker configs beyond the log defaults (DynamicBrokerConfig.AllDynamicConfigs:
SslConfigs.RECONFIGURABLE_CONFIGS, DynamicListenerConfig, DynamicThreadPool, SocketServer,
LogCleaner, ProducerStateManagerConfig, DynamicRemoteLogConfig, metric.reporters). DescribeConfigs
marks every one of them not read-only, as Kafka does.

AlterConfigs takes the SECURITY ones: in Kafka they act on SSL/SASL listeners only, and this
broker has none (PLAINTEXT), so recording them (DescribeConfigs shows them back) is all Kafka
would do with them here. They are per-broker only (DynamicBrokerConfig.PerBrokerConfigs). The
NOT_MODELLED ones would change what netlab does not reconfigure at run time (listeners, thread
pools, connection limits, the cleaner's buffers): refused, saying so, rather than stored and
silently ignored."""

from __future__ import annotations

# name → Kafka's ConfigDef type (KafkaConfig), for the value check and DescribeConfigs' config_type
SECURITY: dict[str, str] = {
    # SslConfigs.RECONFIGURABLE_CONFIGS and DynamicListenerConfig's SSL configs
    "ssl.keystore.type": "STRING",
    "ssl.keystore.location": "STRING",
    "ssl.keystore.password": "PASSWORD",
    "ssl.key.password": "PASSWORD",
    "ssl.truststore.type": "STRING",
    "ssl.truststore.location": "STRING",
    "ssl.truststore.password": "PASSWORD",
    "ssl.keystore.certificate.chain": "PASSWORD",
    "ssl.keystore.key": "PASSWORD",
    "ssl.truststore.certificates": "PASSWORD",
    "principal.builder.class": "CLASS",
    "ssl.protocol": "STRING",
    "ssl.provider": "STRING",
    "ssl.cipher.suites": "LIST",
    "ssl.enabled.protocols": "LIST",
    "ssl.keymanager.algorithm": "STRING",
    "ssl.trustmanager.algorithm": "STRING",
    "ssl.endpoint.identification.algorithm": "STRING",
    "ssl.secure.random.implementation": "STRING",
    "ssl.client.auth": "STRING",
    "ssl.engine.factory.class": "CLASS",
    # DynamicListenerConfig's SASL configs
    "sasl.mechanism.inter.broker.protocol": "STRING",
    "sasl.jaas.config": "PASSWORD",
    "sasl.enabled.mechanisms": "LIST",
    "sasl.kerberos.service.name": "STRING",
    "sasl.kerberos.kinit.cmd": "STRING",
    "sasl.kerberos.ticket.renew.window.factor": "DOUBLE",
    "sasl.kerberos.ticket.renew.jitter": "DOUBLE",
    "sasl.kerberos.min.time.before.relogin": "LONG",
    "sasl.kerberos.principal.to.local.rules": "LIST",
    "sasl.login.refresh.window.factor": "DOUBLE",
    "sasl.login.refresh.window.jitter": "DOUBLE",
    "sasl.login.refresh.min.period.seconds": "SHORT",
    "sasl.login.refresh.buffer.seconds": "SHORT",
}

NOT_MODELLED = frozenset(
    {
        "listeners",  # DynamicListenerConfig
        "advertised.listeners",
        "listener.security.protocol.map",
        "max.connections",
        "max.connection.creation.rate",
        "num.network.threads",
        "num.io.threads",  # DynamicThreadPool
        "num.replica.fetchers",
        "num.recovery.threads.per.data.dir",
        "background.threads",
        "max.connections.per.ip",  # SocketServer
        "max.connections.per.ip.overrides",
        "log.cleaner.threads",  # LogCleaner (message.max.bytes is a log default, taken)
        "log.cleaner.dedupe.buffer.size",
        "log.cleaner.io.buffer.load.factor",
        "log.cleaner.io.buffer.size",
        "log.cleaner.io.max.bytes.per.second",
        "log.cleaner.backoff.ms",
        "metric.reporters",
        "producer.id.expiration.ms",  # ProducerStateManagerConfig
        "transaction.partition.verification.enable",
        "remote.log.index.file.cache.total.size.bytes",  # DynamicRemoteLogConfig
    }
)

# DescribeConfigsResponse.ConfigType ids beyond the topic configs' (CLASS, PASSWORD)
TYPE_IDS = {"STRING": 2, "SHORT": 4, "LONG": 5, "DOUBLE": 6, "LIST": 7, "CLASS": 8, "PASSWORD": 9}

_INTEGRAL = {"SHORT": (-(2**15), 2**15 - 1), "LONG": (-(2**63), 2**63 - 1)}


def value_error(name: str, value: str) -> str | None:
    """Kafka's ConfigDef.parseType words for a value of the wrong type, else None."""
    typ = SECURITY[name]
    try:
        if typ in _INTEGRAL:
            lo, hi = _INTEGRAL[typ]
            if not lo <= int(value.strip()) <= hi:
                raise ValueError
        elif typ == "DOUBLE":
            float(value.strip())
    except ValueError:
        return f"Invalid value {value} for configuration {name}: Not a number of type {typ}"
    return None
