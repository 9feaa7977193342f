"""YAML for project files written by other people: bounded in size, depth and alias expansion.

PyYAML's safe loader builds what any file asks for: a billion-laughs file (aliases of aliases)
expands to a thousand million nodes once something walks it, a 2,000-level nesting ends in a
RecursionError, and a repeated key silently overrides the first. Here each of those is refused
before construction with a `YamlLimitError` saying what and where, in milliseconds.
"""

from __future__ import annotations

import os

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES_ENV = "ECHOLOT_CONFIG_MAX_BYTES"
DEFAULT_MAX_BYTES = 1_000_000
# A project file is a few levels deep (teams.sales.cadence.quiet_hours[0]); 64 is generous.
MAX_DEPTH = 64
# Nodes the document may stand for once every alias is expanded. The example project has
# about 300; a project with thousands of aliases and keywords stays far below.
MAX_EXPANDED_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlLimitError(ValueError):
    """The file breaks one of the limits (or repeats a key); the message says which and where."""


def max_bytes() -> int:
    """The input size limit: ECHOLOT_CONFIG_MAX_BYTES, else 1 MB."""
    configured = os.environ.get(MAX_BYTES_ENV, "")
    if not configured:
        return DEFAULT_MAX_BYTES
    try:
        value = int(configured)
    except ValueError:
        raise YamlLimitError(f"{MAX_BYTES_ENV}={configured!r} is not a whole number") from None
    if value <= 0:
        raise YamlLimitError(f"{MAX_BYTES_ENV}={configured!r} must be above 0")
    return value


def load(text: str) -> object:
    """Parse one YAML document within the limits; yaml.YAMLError for malformed YAML."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that stops composing below MAX_DEPTH and refuses repeated mapping keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        # Composition recurses once per level: stop long before Python's recursion limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(
                    f"nested deeper than {MAX_DEPTH} levels (line {mark.line + 1})"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicate_keys(loader: yaml.SafeLoader, node: MappingNode) -> None:
    # Merged keys (`<<: *defaults`) may be overridden on purpose; written keys may not repeat.
    first_line: dict[object, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        try:
            earlier = first_line.setdefault(key, line)
        except TypeError:
            continue  # unhashable keys are refused by the constructor itself
        if earlier != line:
            raise YamlLimitError(f"duplicate key {key!r} on line {line} (first on line {earlier})")


def _check_expansion(root: Node) -> None:
    """Size and depth of the document with every alias expanded, counted without expanding:
    each node is measured once (aliases share nodes), so a bomb is caught in microseconds."""
    measured: dict[int, tuple[int, int]] = {}
    active: set[int] = set()

    def too_deep(node: Node) -> YamlLimitError:
        line = node.start_mark.line + 1
        return YamlLimitError(
            f"aliases nest the document deeper than {MAX_DEPTH} levels (line {line})"
        )

    def measure(node: Node, level: int) -> tuple[int, int]:
        # `level` is the node's depth in the expanded document: checked on the way down, so a
        # long chain of aliases cannot recurse deeper than MAX_DEPTH either.
        if level > MAX_DEPTH:
            raise too_deep(node)
        key = id(node)
        if key in measured:
            size, depth = measured[key]
            if level + depth - 1 > MAX_DEPTH:
                raise too_deep(node)
            return size, depth
        if key in active:
            line = node.start_mark.line + 1
            raise YamlLimitError(f"an alias refers to its own anchor (line {line})")
        active.add(key)
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        size, depth = 1, 0
        for child in children:
            child_size, child_depth = measure(child, level + 1)
            size += child_size
            depth = max(depth, child_depth)
            if size > MAX_EXPANDED_NODES:
                line = node.start_mark.line + 1
                raise YamlLimitError(
                    f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (line {line})"
                )
        active.discard(key)
        measured[key] = (size, depth + 1)
        return size, depth + 1

    measure(root, 1)
