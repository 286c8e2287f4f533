"""YAML loading that remembers the line of every key, so validation errors can name file, line and field."""

from __future__ import annotations

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


def _walk(node: yaml.Node, path: tuple, lines: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            sub = path + (key,)
            lines[sub] = key_node.start_mark.line + 1
            _walk(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = path + (i,)
            lines[sub] = item.start_mark.line + 1
            _walk(item, sub, lines)


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
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"YAML syntax error: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=file) from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _walk(node, (), lines)
    return Located(data, lines, file)
