"""The front end's protocol types and the REST API's document are the method table's.

`js/src/rpc/methods.ts` is generated from the table (`python -m lamin_widgets.protocol.typescript`): it must
be what the generator writes now, and `types.ts` must take the methods from it rather than keep a copy.
`docs/openapi.yaml` is written by hand: each method's parameter schema must name the table's parameters,
with their JSON types, required ones and defaults, and its error types the protocol's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lamin_widgets.protocol import METHODS
from lamin_widgets.protocol.methods import REQUIRED
from lamin_widgets.protocol.typescript import error_types, render

ROOT = Path(__file__).resolve().parents[2]
RPC = ROOT / "js" / "src" / "rpc"
JSON_TYPES = {str: "string", int: "integer", bool: "boolean", dict: "object", list: "array"}


def test_the_typescript_methods_are_generated_from_the_table():
    assert (RPC / "methods.ts").read_text() == render(), (
        "js/src/rpc/methods.ts differs from the method table: run "
        "`python -m lamin_widgets.protocol.typescript > js/src/rpc/methods.ts`"
    )


def test_the_generated_types_name_every_method_and_parameter():
    text = (RPC / "methods.ts").read_text()
    names = re.search(r"export const METHODS = \[(.*?)\] as const;", text, re.S).group(1)
    assert re.findall(r'"(\w+)"', names) == list(METHODS)
    params = text[text.index("export interface MethodParams {") :]
    for name, method in METHODS.items():
        block = re.search(rf"\n  {name}: \{{\n(.*?)\n  \}};", params, re.S).group(1)
        found = dict(re.findall(r"^    (\w+)(\??):", block, re.M))
        assert found == {p: "" if spec.required else "?" for p, spec in method.params.items()}, name


def test_types_ts_takes_the_methods_from_the_generated_file():
    text = (RPC / "types.ts").read_text()
    assert 'from "./methods"' in text
    assert not re.search(r"export type Method\s*=", text), "types.ts keeps its own copy of the methods"


def _openapi() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())


def test_openapi_parameters_are_the_tables():
    document = _openapi()
    schemas = document["components"]["schemas"]
    rpc = document["paths"]["/lamin/api/rpc/{method}"]["post"]
    (method,) = [p for p in rpc["parameters"] if p["name"] == "method"]
    assert method["schema"]["enum"] == list(METHODS)
    body = rpc["requestBody"]["content"]["application/json"]["schema"]["properties"]["params"]
    assert [ref["$ref"] for ref in body["oneOf"]] == [
        f"#/components/schemas/{name.capitalize()}Params" for name in METHODS
    ]
    for name, spec in METHODS.items():
        schema = schemas[f"{name.capitalize()}Params"]
        assert schema["additionalProperties"] is False, name
        assert set(schema["properties"]) == set(spec.params), name
        assert schema.get("required", []) == [p for p, param in spec.params.items() if param.required], name
        for param_name, param in spec.params.items():
            documented = schema["properties"][param_name]
            where = f"{name}.{param_name}"
            if param.typescript == "FilterSpec":
                assert documented["oneOf"][0] == {"$ref": "#/components/schemas/FilterSpec"}, where
                continue
            json_type = JSON_TYPES[param.type]
            assert documented["type"] == (json_type if param.required else [json_type, "null"]), where
            if param.items is not None:
                assert documented["items"] == {"type": JSON_TYPES[param.items]}, where
            if param.default not in (REQUIRED, None):
                assert documented["default"] == param.default, where
            else:
                assert "default" not in documented, where
        row = re.search(rf"\| `{name}` \| (.*?) \|\n", rpc["description"]).group(1)
        assert re.findall(r"`(\w+)`", row.split("→")[0]) == list(spec.params), f"the table's row of {name}"


def test_openapierror_types_are_the_protocols():
    error = _openapi()["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["type"]
    assert sorted(error["enum"]) == error_types()


def test_openapi_documents_both_answer_formats():
    rpc = _openapi()["paths"]["/lamin/api/rpc/{method}"]["post"]
    ok = rpc["responses"]["200"]
    assert set(ok["content"]) == {"application/json", "application/vnd.apache.arrow.stream"}
    assert {"X-Lamin-Result", "Vary"} <= set(ok["headers"])
    assert any(p["name"] == "Accept" and p["in"] == "header" for p in rpc["parameters"])
