"""Parses YAML keeping each key's line number, so schema errors can point at the line to fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str, ...]


class YamlProblem(ValueError):
    """The text is not one valid YAML document; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class MarkedDocument:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[object]) -> int | None:
        """The line of the deepest part of `path` found in the document (a key, item or value)."""
        parts = tuple(str(p) for p in path)
        for end in range(len(parts), -1, -1):
            if parts[:end] in self.lines:
                return self.lines[parts[:end]]
        return None


def parse(text: str) -> MarkedDocument:
    """One YAML document with the line of every mapping key and sequence item; duplicate keys are errors."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return MarkedDocument(None)
        lines: dict[Path, int] = {(): node.start_mark.line + 1}
        _index(node, (), lines)
        return MarkedDocument(loader.construct_document(node), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlProblem(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}", None) from None
    finally:
        loader.dispose()


def _index(node: Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else str(key.start_mark)
            line = key.start_mark.line + 1
            if name in seen:
                raise YamlProblem(
                    f"key {name!r} appears twice (lines {seen[name]} and {line}); keep one of them", line
                )
            seen[name] = line
            lines[(*path, name)] = line
            _index(value, (*path, name), lines)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, str(index))] = item.start_mark.line + 1
            _index(item, (*path, str(index)), lines)
