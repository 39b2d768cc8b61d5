"""The method table as TypeScript: method names, each method's parameters, error types.

`python -m lamin_widgets.protocol.typescript > js/src/rpc/methods.ts` writes the front end's copy;
tests/widgets/test_protocol_types.py fails when the committed file differs from `render()`, so the front
end cannot drift from the table.
"""

from __future__ import annotations

import sys

from . import errors
from .methods import METHODS, Param

_TYPES = {str: "string", int: "number", bool: "boolean", dict: "Record<string, unknown>", float: "number"}


def error_types() -> list[str]:
    """Every error type an answer can carry: the `type` of each protocol error class."""
    found, stack = [], [errors.ProtocolError]
    while stack:
        cls = stack.pop(0)
        found.append(cls.type)
        stack.extend(cls.__subclasses__())
    return sorted(set(found))


def typescript_type(param: Param) -> str:
    """The TypeScript type of a parameter's value (null included for an optional one)."""
    if param.typescript:
        base = param.typescript
    elif param.type is list:
        base = f"{_TYPES[param.items]}[]" if param.items else "unknown[]"
    else:
        base = _TYPES[param.type]
    return base if param.required else f"{base} | null"


def render() -> str:
    lines = [
        "// Generated from the method table (lamin_widgets/protocol/methods.py) by",
        "// `python -m lamin_widgets.protocol.typescript > js/src/rpc/methods.ts`; do not edit:",
        "// tests/widgets/test_protocol_types.py fails when this file and the table differ.",
        'import type { Group } from "../spec";',
        "",
        "/** A filter spec: the JSON tree of groups and conditions (protocol/filterspec.py). */",
        "export type FilterSpec = Group;",
        "",
        "export const METHODS = [",
        *(f'  "{name}",' for name in METHODS),
        "] as const;",
        "",
        "export type Method = (typeof METHODS)[number];",
        "",
        "/** Each method's parameters: optional ones take null for their default. */",
        "export interface MethodParams {",
    ]
    for name, method in METHODS.items():
        if not method.params:
            lines.append(f"  {name}: Record<string, never>;")
            continue
        lines.append(f"  {name}: {{")
        for param_name, param in method.params.items():
            optional = "" if param.required else "?"
            lines.append(f"    {param_name}{optional}: {typescript_type(param)};")
        lines.append("  };")
    lines += [
        "}",
        "",
        "/** The `type` of an error answer (lamin_widgets/protocol/errors.py). */",
        "export type ErrorType =",
        *(f'  | "{kind}"' for kind in error_types()),
    ]
    lines[-1] += ";"
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
