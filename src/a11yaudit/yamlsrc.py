"""YAML loading that remembers the line of every key, so validation errors can name file, line and field.

Configuration YAML (sites.yaml, rules, gate baselines, `--human` files) is read with limits: no aliases, no
duplicate keys, no NaN / infinity, no impossible dates, libyaml's nesting limit; each refusal is a ConfigError
(exit 2) naming the file, the line and the field."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

# libyaml's parser when available (~5x faster on the rule files); it keeps the marks used for line numbers.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Located:
    """Parsed YAML data plus a map from field path (tuple of keys/indexes) to 1-based line number."""

    def __init__(self, data: Any, lines: dict[tuple, int], file: str):
        self.data, self.lines, self.file = data, lines, file

    def line(self, path: tuple) -> int | None:
        """Line of `path`, or of its nearest located parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(self, path: tuple, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line(path), field=format_path(path))


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NAN_INF = {".nan", ".inf", "+.inf", "-.inf"}


def _alias_line(text: str) -> int | None:
    """Line (1-based) of the first alias (*name) in the text; only called once an alias is known to exist."""
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return None


def _check_scalar(node: yaml.ScalarNode, path: tuple, file: str) -> None:
    """Refuse the scalars that construct to something no field of ours can mean: NaN / infinity, and dates that do
    not exist (2026-02-30, which the YAML constructor would turn into a traceback)."""
    line = node.start_mark.line + 1
    if node.tag == _FLOAT_TAG:
        try:
            value = float(node.value.replace("_", "")) if node.value.lower() not in _NAN_INF else math.nan
        except ValueError:
            value = 0.0     # sexagesimal floats (1:30.5) are finite
        if not math.isfinite(value):
            raise ConfigError(f"{node.value!r} is not a finite number (NaN and infinity are not accepted)",
                              file=file, line=line, field=format_path(path) or None)
    elif node.tag == _TIMESTAMP_TAG:
        try:
            yaml.SafeLoader("").construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise ConfigError(f"{node.value!r} is not a valid date (YYYY-MM-DD)", file=file, line=line,
                              field=format_path(path) or None) from None


def _walk(root: yaml.Node, lines: dict, file: str, text: str) -> None:
    """Record the line of every key and item, and refuse what a configuration file has no use for: aliases (a
    few hundred bytes of nested aliases expand to billions of items: "billion laughs"), duplicate keys (the
    last one would silently win), NaN / infinity and impossible dates. Iterative, and linear in the file's size
    because a node met twice (an alias) stops the walk."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            line = _alias_line(text) or lines.get(path)
            raise ConfigError("YAML aliases (*name) are not accepted; write the value out in full",
                              file=file, line=line, field=format_path(path) or None)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict = {}
            children = []
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                sub = path + (key,)
                line = key_node.start_mark.line + 1
                if key in keys:
                    raise ConfigError(f"duplicate key {key!r} (first at line {keys[key]})", file=file, line=line,
                                      field=format_path(sub))
                keys[key] = line
                lines[sub] = line
                children += [(key_node, sub), (value_node, sub)]
            stack.extend(reversed(children))     # document order: the first node met twice is the first alias
        elif isinstance(node, yaml.SequenceNode):
            children = []
            for i, item in enumerate(node.value):
                sub = path + (i,)
                lines[sub] = item.start_mark.line + 1
                children.append((item, sub))
            stack.extend(reversed(children))
        elif isinstance(node, yaml.ScalarNode):
            _check_scalar(node, path, file)


def load_yaml(path: str | Path, text: str | None = None) -> Located:
    """Parse a YAML file safely; syntax errors become ConfigError with the file and line."""
    file = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("file not found", file=file) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=file) from None
        except OSError as exc:
            raise ConfigError(f"cannot read the file: {exc.strerror or exc}", file=file) from None
    loader = _LOADER(text)
    lines: dict[tuple, int] = {}
    try:
        node = loader.get_single_node()
        if node is not None:
            lines[()] = node.start_mark.line + 1
            _walk(node, lines, file, text)      # before anything expands the document
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"YAML syntax error: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=file) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A value the constructor cannot build (checked above where we know how; this is the safety net).
        raise ConfigError(f"YAML value error: {exc}", file=file) from None
    finally:
        loader.dispose()
    return Located(data, lines, file)



_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_CONSTANT = re.compile(r"-?\b(?:NaN|Infinity)\b")


def load_json(path: str | Path, text: str) -> Located:
    """JSON with the same limits as YAML: duplicate keys and NaN / Infinity (which Python's json accepts) are
    refused, naming the file and the line (and the field of a duplicate key). Syntax errors name the line too."""
    import json
    file = str(path)
    problems: list[str] = []

    def no_constants(name: str):
        problems.append("constant")
        return None

    def no_duplicates(pairs: list) -> dict:
        if len({k for k, _ in pairs}) != len(pairs):
            problems.append("duplicate")
        return dict(pairs)

    try:
        data = json.JSONDecoder(object_pairs_hook=no_duplicates, parse_constant=no_constants).decode(text) \
            if text.strip() else []
    except json.JSONDecodeError as exc:
        raise ConfigError(f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno) from None
    if "constant" in problems:
        masked = _JSON_STRING.sub(lambda m: " " * len(m.group(0)), text)
        m = _JSON_CONSTANT.search(masked)
        line = masked.count("\n", 0, m.start()) + 1 if m else None
        raise ConfigError(f"{m.group(0) if m else 'NaN'} is not a finite number (NaN and infinity are not "
                          "accepted)", file=file, line=line)
    if "duplicate" in problems:
        load_yaml(file, text)        # JSON is YAML flow syntax: names the line and field of the duplicate key
        raise ConfigError("duplicate key in a JSON object", file=file)
    return Located(data, {}, file)
