"""Compose variable interpolation and `.env` files, as Docker Compose does them.

Rules (compose-spec "Interpolation"; docker/compose v2 via compose-go `template`):
- `$VAR` and `${VAR}`: the value, or "" with a warning when unset;
- `${VAR:-default}` default when unset *or empty*, `${VAR-default}` only when unset;
- `${VAR:?message}` error when unset or empty, `${VAR?message}` only when unset;
- `${VAR:+other}` / `${VAR+other}` the other text when set (and non-empty for `:+`);
- `$$` is a literal `$`; defaults may themselves contain interpolation.
Only values are interpolated, never mapping keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from netlab.errors import InputError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_ENV_FILE_BYTES = 1 << 20  # .env / env_file read bounded


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is missing, or a malformed `${...}`."""


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing the `${` whose body starts at `start` (nested `${}` allowed)."""
    depth, i = 1, start
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise InterpolationError(f"unclosed '${{' in {text!r}")


def interpolate(text: str, env: Mapping[str, str], warn: Callable[[str], None] | None = None) -> str:
    """One string with every substitution applied."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            out.append(_braced(text[i + 2 : end], env, warn))
            i = end + 1
            continue
        m = _NAME.match(text, i + 1)
        if m is None:  # a lone `$` stays as it is
            out.append("$")
            i += 1
            continue
        out.append(_value(m.group(0), env, warn))
        i = m.end()
    return "".join(out)


def _value(name: str, env: Mapping[str, str], warn) -> str:
    if name in env:
        return env[name]
    if warn:
        warn(f'The "{name}" variable is not set. Defaulting to a blank string.')
    return ""


def _braced(body: str, env: Mapping[str, str], warn) -> str:
    m = _NAME.match(body)
    if m is None:
        raise InterpolationError(
            f"invalid interpolation format: '${{{body}}}' (a variable name must come first)"
        )
    name, rest = m.group(0), body[m.end() :]
    if not rest:
        return _value(name, env, warn)
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            arg = rest[len(op) :]
            break
    else:
        raise InterpolationError(f"invalid interpolation format: '${{{body}}}'")
    is_set = name in env
    present = is_set and (env[name] != "" or not op.startswith(":"))
    if op.endswith("-"):
        return env[name] if present else interpolate(arg, env, warn)
    if op.endswith("+"):
        return interpolate(arg, env, warn) if present else ""
    if not present:  # ? and :?
        message = interpolate(arg, env, warn) or f"{name} is required"
        raise InterpolationError(f"required variable {name} is missing a value: {message}")
    return env[name]


def interpolate_tree(data: Any, env: Mapping[str, str], path: tuple = (), warn=None, on_error=None) -> Any:
    """Interpolate every string value of parsed YAML (keys untouched). `on_error(path, exc)`
    turns an InterpolationError into a located one."""
    if isinstance(data, dict):
        return {k: interpolate_tree(v, env, path + (k,), warn, on_error) for k, v in data.items()}
    if isinstance(data, list):
        return [interpolate_tree(v, env, path + (i,), warn, on_error) for i, v in enumerate(data)]
    if isinstance(data, str) and "$" in data:
        try:
            return interpolate(data, env, warn)
        except InterpolationError as exc:
            if on_error is None:
                raise
            on_error(path, exc)
    return data


def parse_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines as compose reads .env and env_file: `#` comments, blank lines,
    an optional `export `, single quotes literal, double quotes with \\n escapes, inline
    ` #` comments on unquoted values. A line without `=` names a variable with no value (skipped)."""
    try:
        raw = path.read_bytes()[: MAX_ENV_FILE_BYTES + 1]
    except FileNotFoundError:
        raise InputError("env file not found", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read env file: {exc.strerror}", where=str(path)) from None
    if len(raw) > MAX_ENV_FILE_BYTES:
        raise InputError(f"env file larger than {MAX_ENV_FILE_BYTES} bytes", where=str(path))
    out: dict[str, str] = {}
    for lineno, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("export "):
            text = text[len("export ") :].lstrip()
        key, sep, value = text.partition("=")
        key = key.strip()
        if not _NAME.fullmatch(key):
            raise InputError(
                f"{key!r} is not a variable name (expected NAME=value)", where=f"{path}:{lineno}"
            )
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\n", "\n").replace('\\"', '"')
        else:
            hash_at = value.find(" #")
            if hash_at >= 0:
                value = value[:hash_at].rstrip()
        out[key] = value
    return out
