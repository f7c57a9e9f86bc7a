"""A drill as data: `netlab/drill/drills/<id>/drill.yaml` (story, constraints, hints, solution,
variant parameters, the rule) and `topology.yaml` (a topology template whose `expect:` rows are the
broken start). See docs/drills.md for the format.

`load_drill(dir)` reads and checks both files; `Drill.variant(seed)` draws the parameters from the
seed and renders every text, so the same seed always gives the same lab.
"""

from __future__ import annotations

import random
import re
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netlab.errors import InputError

DRILL_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # also the lab's name: no "-" in lab names
CONSTRAINT_KINDS = (
    "network_unchanged",
    "no_new_listener",
    "only_properties",
    "unchanged_nodes",
    "group_forms",
    "group_members",
)
HERE = Path(__file__).resolve().parent
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x faster
MAX_FILE = 256 * 1024  # a drill file is a few KB; bounded like every file read


@dataclass(frozen=True)
class Pick:
    """Per-item values chosen by a parameter, e.g. the one broker of five that is broken:
    `ib_bind: {by: bad, over: [1, 2, 3, 4, 5], chosen: 127.0.0.1, other: 0.0.0.0}` defines
    ib_bind_1 .. ib_bind_5, `chosen` for the item equal to the parameter `bad`."""

    name: str
    by: str
    over: tuple[str, ...]
    chosen: str
    other: str


@dataclass(frozen=True)
class Variant:
    """One drawn instance of a drill: every text rendered with the seed's parameters."""

    drill: Drill
    seed: int
    params: dict[str, str]
    topology_text: str
    story: dict[str, Any]
    hints: tuple[str, str, str]
    solution: dict[str, Any]
    explain: str
    constraints: tuple[Any, ...]

    @property
    def lab(self) -> str:
        """The lab's name: the drill's id unless the run chose another (`drill start --lab`)."""
        return self.params["lab"]


@dataclass(frozen=True)
class Drill:
    id: str
    title: str
    difficulty: int
    topics: tuple[str, ...]
    source: str
    rule: dict[str, str]
    constraints: tuple[Any, ...]
    params: dict[str, tuple[str, ...]]
    picks: tuple[Pick, ...]
    raw: dict[str, Any] = field(repr=False)
    template: str = field(repr=False)
    directory: Path = field(repr=False)

    def draw(self, seed: int, lab: str | None = None) -> dict[str, str]:
        """The parameters of a seed: one choice per parameter, in name order, from a generator
        seeded by the drill id and the seed (str seeds hash with SHA-512: stable across runs).
        The lab's name is not drawn: the drill's id, or the run's own (`drill start --lab`)."""
        rng = random.Random(f"{self.id}/{seed}")
        # built in: the lab, the seed, and how a lab process runs a drill helper script
        # (processes get a container-like environment, so the interpreter is named in full)
        out = {"lab": lab or self.id, "seed": str(seed), "python": sys.executable, "drill_bin": str(HERE)}
        for name in sorted(self.params):
            out[name] = rng.choice(self.params[name])
        for p in self.picks:
            for item in p.over:
                out[f"{p.name}_{item}"] = p.chosen if item == out[p.by] else p.other
        return out

    def variant(self, seed: int, lab: str | None = None) -> Variant:
        params = self.draw(seed, lab)
        r = self.raw
        return Variant(
            self,
            seed,
            params,
            _render(self.template, params, f"{self.directory}/topology.yaml"),
            _render_tree(r["story"], params, self.directory),
            tuple(_render_tree(r["hints"], params, self.directory)),
            _render_tree(r["solution"], params, self.directory),
            _render(r.get("explain", ""), params, f"{self.directory}/drill.yaml: explain"),
            tuple(_render_tree(list(self.constraints), params, self.directory)),
        )


def _render(text: str, params: dict[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(params)
    except (KeyError, ValueError) as exc:
        raise InputError(
            f"unknown or malformed parameter {exc} (parameters: {', '.join(sorted(params))})", where=where
        ) from None


def _render_tree(value: Any, params: dict[str, str], directory: Path) -> Any:
    if isinstance(value, str):
        return _render(value, params, f"{directory}/drill.yaml")
    if isinstance(value, list):
        return [_render_tree(v, params, directory) for v in value]
    if isinstance(value, dict):
        return {
            _render(str(k), params, f"{directory}/drill.yaml"): _render_tree(v, params, directory)
            for k, v in value.items()
        }
    return value


def _read(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"missing file {path.name}", where=str(path.parent))
    if path.stat().st_size > MAX_FILE:
        raise InputError(f"larger than {MAX_FILE} bytes", where=str(path))
    return path.read_text()


_KIND_WORDS = {int: "a number", str: "a text", list: "a list", dict: "a mapping"}


def _need(raw: dict, key: str, kind: type, where: str) -> Any:
    if not isinstance(raw.get(key), kind):
        raise InputError(f"`{key}` is required here: {_KIND_WORDS.get(kind, kind.__name__)}", where=where)
    return raw[key]


def load_drill(directory: Path) -> Drill:
    """Read one drill directory; every problem names the file and the field."""
    where = f"{directory}/drill.yaml"
    try:
        raw = yaml.load(_read(directory / "drill.yaml"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", where=where) from None
    if not isinstance(raw, dict):
        raise InputError("a drill file is a YAML mapping", where=where)
    drill_id = directory.name
    if not DRILL_ID.match(drill_id):
        raise InputError(f"{drill_id!r}: a drill id is 1-32 of a-z 0-9 _ (it names the lab)", where=where)
    difficulty = _need(raw, "difficulty", int, where)
    if difficulty not in (1, 2, 3):
        raise InputError("difficulty is 1, 2 or 3", where=where)
    hints = _need(raw, "hints", list, where)
    if len(hints) != 3 or not all(isinstance(h, str) and h.strip() for h in hints):
        raise InputError("three hints: where to look, which rule, what to change", where=where)
    story = _need(raw, "story", dict, where)
    for key in ("who", "complaint", "may_change", "how"):
        if key not in story:
            raise InputError(f"story.{key} is required", where=where)
    solution = _need(raw, "solution", dict, where)
    if not solution.get("why") or not (solution.get("set") or solution.get("topology")):
        raise InputError(
            "solution needs `why` and `set` (broker properties) or `topology` edits", where=where
        )
    params = {
        str(k): tuple(str(x) for x in v) for k, v in (raw.get("params") or {}).items() if isinstance(v, list)
    }
    if len(params) != len(raw.get("params") or {}) or any(not v for v in params.values()):
        raise InputError("params: each parameter is a non-empty list of choices", where=where)
    picks = []
    for name, spec in (raw.get("pick") or {}).items():
        if not isinstance(spec, dict) or not {"by", "over", "chosen", "other"} <= set(spec):
            raise InputError(
                f"pick.{name} is a mapping with by, over, chosen and other, e.g. "
                "{by: bad, over: [1, 2, 3], chosen: 127.0.0.1, other: 0.0.0.0}",
                where=where,
            )
        if spec["by"] not in params:
            raise InputError(f"pick.{name}.by must name a parameter", where=where)
        if not isinstance(spec["over"], list):
            raise InputError(f"pick.{name}.over is a list of the parameter's choices", where=where)
        picks.append(
            Pick(
                name, spec["by"], tuple(str(x) for x in spec["over"]), str(spec["chosen"]), str(spec["other"])
            )
        )
    constraints = tuple(raw.get("constraints") or ())
    for c in constraints:
        kind = c if isinstance(c, str) else next(iter(c), None) if isinstance(c, dict) else None
        if kind not in CONSTRAINT_KINDS:
            raise InputError(f"constraint {c!r}: kinds are {', '.join(CONSTRAINT_KINDS)}", where=where)
    rule = _need(raw, "rule", dict, where)
    if "cause" not in rule:
        raise InputError("rule.cause: the predictor's cause for the complaint", where=where)
    return Drill(
        id=drill_id,
        title=_need(raw, "title", str, where),
        difficulty=difficulty,
        topics=tuple(_need(raw, "topics", list, where)),
        source=_need(raw, "source", str, where),
        rule={str(k): str(v) for k, v in rule.items()},
        constraints=constraints,
        params=params,
        picks=tuple(picks),
        raw=raw,
        template=_read(directory / "topology.yaml"),
        directory=directory,
    )
