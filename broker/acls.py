"""ACLs and the authorizer, with Kafka's StandardAuthorizer semantics (StandardAuthorizerData):

- enabled when `authorizer.class.name` is set (StandardAuthorizer, or ZooKeeper-era AclAuthorizer);
- `super.users` (`User:a;User:b`) are allowed everything;
- an ACL matches a resource by exact name, the literal wildcard `*`, or a PREFIXED name; a
  principal by exact name or `User:*`; a host by exact address or `*`;
- a matching DENY for the operation (or ALL) wins; else a matching ALLOW for it, ALL, or an
  operation that implies it (DESCRIBE ← READ, WRITE, DELETE, ALTER; DESCRIBE_CONFIGS ←
  ALTER_CONFIGS) allows; with no ACL at all on the resource, `allow.everyone.if.no.acl.found`
  (default false) decides.

Numbers are Kafka's (ResourceType, PatternType, AclOperation, AclPermissionType). The ACLs are
kept by the controller with the cluster state and published to every broker. Listeners here are
PLAINTEXT only, so every client is `User:ANONYMOUS`, as in Kafka.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

# ResourceType
ANY_RESOURCE, TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN, USER = 1, 2, 3, 4, 5, 6, 7
# PatternType
ANY_PATTERN, MATCH, LITERAL, PREFIXED = 1, 2, 3, 4
# AclOperation
ANY_OP, ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE = 1, 2, 3, 4, 5, 6, 7, 8
CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE = 9, 10, 11, 12
# AclPermissionType
ANY_PERMISSION, DENY, ALLOW = 1, 2, 3

CLUSTER_NAME = "kafka-cluster"
WILDCARD = "*"
ANONYMOUS = "User:ANONYMOUS"
_IMPLIES = {DESCRIBE: {READ, WRITE, DELETE, ALTER}, DESCRIBE_CONFIGS: {ALTER_CONFIGS}}
_AUTHORIZERS = {
    "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "kafka.security.authorizer.AclAuthorizer",
}


@dataclass(frozen=True)
class AclBinding:
    resource_type: int
    resource_name: str
    pattern_type: int
    principal: str
    host: str
    operation: int
    permission_type: int

    def to_json(self) -> dict:
        return asdict(self)


def invalid_binding(b: AclBinding) -> str | None:
    """Why Kafka refuses to create this ACL (ControllerApis / AclControlManager.validateNewAcl)."""
    if b.resource_type in (ANY_RESOURCE,) or not 2 <= b.resource_type <= 7:
        return "Invalid resourceType " + str(b.resource_type)
    if b.pattern_type not in (LITERAL, PREFIXED):
        return "Invalid patternType " + str(b.pattern_type)
    if b.operation in (ANY_OP,) or not 2 <= b.operation <= 14:
        return "Invalid operation " + str(b.operation)
    if b.permission_type not in (DENY, ALLOW):
        return "Invalid permissionType " + str(b.permission_type)
    if not b.resource_name:
        return "Resource name should not be empty"
    if b.resource_type == CLUSTER and b.resource_name != CLUSTER_NAME:
        return "The only valid name for the CLUSTER resource is " + CLUSTER_NAME
    if not b.principal.startswith("User:") and not b.principal.startswith("Group:"):
        return (
            "Could not parse principal from `"
            + b.principal
            + "` (no colon is present separating the principal type from the principal name)"
        )
    return None


@dataclass(frozen=True)
class AclFilter:
    resource_type: int
    resource_name: str | None
    pattern_type: int
    principal: str | None
    host: str | None
    operation: int
    permission_type: int

    def matches(self, b: AclBinding) -> bool:
        """Kafka's AclBindingFilter.matches (MATCH: the ACLs that would apply to that name)."""
        if self.resource_type != ANY_RESOURCE and self.resource_type != b.resource_type:
            return False
        if self.pattern_type == MATCH:
            if self.resource_name is not None and not (
                (b.pattern_type == LITERAL and b.resource_name in (self.resource_name, WILDCARD))
                or (b.pattern_type == PREFIXED and self.resource_name.startswith(b.resource_name))
            ):
                return False
        else:
            if self.pattern_type != ANY_PATTERN and self.pattern_type != b.pattern_type:
                return False
            if self.resource_name is not None and self.resource_name != b.resource_name:
                return False
        return (
            (self.principal is None or self.principal == b.principal)
            and (self.host is None or self.host == b.host)
            and (self.operation == ANY_OP or self.operation == b.operation)
            and (self.permission_type == ANY_PERMISSION or self.permission_type == b.permission_type)
        )


def enabled(props: Mapping[str, str]) -> bool:
    return bool(props.get("authorizer.class.name", "").strip())


def known_authorizer(props: Mapping[str, str]) -> bool:
    return props.get("authorizer.class.name", "").strip() in _AUTHORIZERS


def authorize(
    acls: Iterable[AclBinding],
    props: Mapping[str, str],
    principal: str,
    host: str,
    operation: int,
    resource_type: int,
    name: str,
) -> bool:
    if not enabled(props):
        return True
    supers = {s.strip() for s in props.get("super.users", "").split(";") if s.strip()}
    if principal in supers:
        return True
    on_resource = [
        b
        for b in acls
        if b.resource_type == resource_type
        and (
            (b.pattern_type == LITERAL and b.resource_name in (name, WILDCARD))
            or (b.pattern_type == PREFIXED and name.startswith(b.resource_name))
        )
    ]
    if not on_resource:
        return props.get("allow.everyone.if.no.acl.found", "false").strip().lower() == "true"
    mine = [b for b in on_resource if b.principal in (principal, "User:*") and b.host in (host, WILDCARD)]
    if any(b.permission_type == DENY and b.operation in (operation, ALL) for b in mine):
        return False
    ok_ops = {operation, ALL} | _IMPLIES.get(operation, set())
    return any(b.permission_type == ALLOW and b.operation in ok_ops for b in mine)


def binding_from_json(d: Mapping) -> AclBinding:
    return AclBinding(**{k: d[k] for k in AclBinding.__dataclass_fields__})


def allowed(ctx, operation: int, resource_type: int, name: str) -> bool:
    """Whether the request's client (`User:ANONYMOUS` from its address) may do this."""
    props = ctx.node.config.raw
    if not enabled(props):  # the common case: no authorizer, nothing to look up
        return True
    host = ctx.peer.rsplit(":", 1)[0].strip("[]")
    return authorize(ctx.node.acls, props, ANONYMOUS, host, operation, resource_type, name)


def may_write_some_topic(ctx) -> bool:
    """Kafka's authorizeByResourceType(TOPIC, WRITE) for idempotent producers: some ALLOW for
    WRITE (or ALL) on a topic applies to this client and no DENY covers every topic."""
    if not enabled(ctx.node.config.raw) or allowed(ctx, IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME):
        return True
    host = ctx.peer.rsplit(":", 1)[0].strip("[]")
    mine = [
        b
        for b in ctx.node.acls
        if b.resource_type == TOPIC and b.principal in (ANONYMOUS, "User:*") and b.host in (host, WILDCARD)
    ]
    if any(
        b.permission_type == DENY and b.operation in (WRITE, ALL) and b.resource_name == WILDCARD
        for b in mine
    ):
        return False
    return any(b.permission_type == ALLOW and b.operation in (WRITE, ALL) for b in mine)


def config_denied(ctx, operation: int, config_resource_type: int, name: str) -> tuple[int, str] | None:
    """DescribeConfigs / AlterConfigs: a topic needs the operation on the topic, a broker on the
    cluster (KafkaApis / ConfigAdminManager); the refusal, or None."""
    from_type = {2: (TOPIC, name, 29), 4: (CLUSTER, CLUSTER_NAME, 31)}.get(config_resource_type)
    if from_type is None or allowed(ctx, operation, from_type[0], from_type[1]):
        return None
    return from_type[2], "Authorization failed."
