"""One source per option: a stage's options are one dataclass, and its command line is made from it.

A field carries its type, its default (none: a required flag) and its help
(``option(...)``); ``add_options`` turns the fields into ``--kebab-case`` flags,
``from_arguments`` turns parsed flags back into the dataclass, and ``command_line``
turns a mapping of values (a config section) into the flags a rule passes. The names
are the config's: ``pretrain.batch_size`` is ``PretrainOptions.batch_size`` is
``--batch-size``, so a new option is written in the schema, the dataclass and the code
that uses it, and nowhere else.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path

from mtickets.errors import MticketsError

_SCALARS = (bool, int, float, str, Path)


def option(default=dataclasses.MISSING, *, help: str, choices: Iterable | None = None, may_be_empty: bool = False):
    """A dataclass field that is also a command-line flag; no default makes the flag required.
    ``may_be_empty``: a list flag given with no values means an empty list (e.g. ``--loggers``: none)."""
    metadata = {"help": help, "choices": tuple(choices) if choices is not None else None,
                "may_be_empty": may_be_empty}
    if isinstance(default, list):  # a fresh list per instance
        return dataclasses.field(default_factory=default.copy, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _field_type(options_class: type, field: dataclasses.Field) -> tuple[type, bool, bool]:
    """``(scalar type, is a list, may be None)`` of a field's annotation."""
    # The field's own annotation only: other fields may name types imported for type checkers alone.
    hint = field.type if not isinstance(field.type, str) else eval(  # noqa: S307 (our own annotations)
        field.type, vars(sys.modules[options_class.__module__]), {"Path": Path})
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        if len(members) != 1:
            raise TypeError(f"{options_class.__name__}.{field.name}: one type or None, not {hint}")
        hint = members[0]
    if typing.get_origin(hint) is list:
        (element,) = typing.get_args(hint)
        if element not in _SCALARS:
            raise TypeError(f"{options_class.__name__}.{field.name}: a list of {element} is not a flag")
        return element, True, optional
    if hint not in _SCALARS:
        raise TypeError(f"{options_class.__name__}.{field.name}: {hint} is not a flag")
    return hint, False, optional


def _default(field: dataclasses.Field):
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def flags(options_class: type) -> list[dataclasses.Field]:
    """The fields made with ``option``; other fields are set by the stage itself (``from_arguments``)."""
    return [f for f in dataclasses.fields(options_class) if "help" in f.metadata]


def defaults(options_class: type) -> dict:
    """Every option with a default, by name: what the schema's defaults must equal."""
    return {f.name: _default(f) for f in flags(options_class) if _default(f) is not dataclasses.MISSING}


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, options_class: type) -> None:
    """One flag per option, in field order."""
    for field in flags(options_class):
        kind, is_list, _ = _field_type(options_class, field)
        default = _default(field)
        arguments: dict = {"dest": field.name, "help": field.metadata["help"]}
        if default is dataclasses.MISSING:
            arguments["required"] = True
        else:
            arguments["default"] = default
            if default not in (None, [], False):
                arguments["help"] += f" (default: {' '.join(map(str, default)) if is_list else default})"
        if kind is bool:
            arguments["action"] = argparse.BooleanOptionalAction
        else:
            arguments["type"] = kind
            if is_list:  # an empty list only where it is the default or declared so
                arguments["nargs"] = "*" if default == [] or field.metadata["may_be_empty"] else "+"
        if field.metadata["choices"] is not None:
            arguments["choices"] = field.metadata["choices"]
        parser.add_argument(flag_name(field.name), **arguments)


def from_arguments(options_class: type, args: argparse.Namespace, **overrides):
    """The dataclass from parsed flags; ``overrides`` set the fields that are no flags, or replace
    values the stage derives itself."""
    values = {f.name: getattr(args, f.name) for f in flags(options_class)}
    return options_class(**{**values, **overrides})


def command_line(options_class: type, values: Mapping, where: str) -> str:
    """The flags for ``values`` (field name → value, e.g. a config section), shell-quoted, in the
    dataclass's order: a reordered config section must not change a rule's params, which
    Snakemake would take for new settings and rerun.

    ``None`` leaves a flag out (the stage's default); a name that is no field is an error
    naming ``where`` (the config section), so a typo cannot vanish on its way to the stage.
    """
    known = {f.name: f for f in flags(options_class)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise MticketsError(f"{where}: {', '.join(unknown)} "
                            f"{'is not an option' if len(unknown) == 1 else 'are not options'} of "
                            f"{options_class.__name__} (its options: {', '.join(known)})")
    words: list[str] = []
    for name, field in known.items():
        value = values.get(name)
        if value is None:
            continue
        kind, is_list, _ = _field_type(options_class, field)
        if kind is bool:
            words.append(flag_name(name) if value else "--no-" + flag_name(name)[2:])
        elif is_list:  # an empty list is the default's, or the bare flag where it may be empty
            words += [flag_name(name), *map(str, value)] if value or known[name].metadata["may_be_empty"] else []
        else:
            words += [flag_name(name), str(value)]
    return shlex.join(words)
