"""Registry names as users type them: `CellType` is `bionty.CellType` when no other module has one.

One resolution (lamin_widgets.protocol.state.get_registry) serves the widgets' Python API, the widget
messages of the front end and the REST API (both go through the RPC method table).
"""

from __future__ import annotations

import pytest
import traitlets

from lamin_widgets.protocol import methods as rpc_methods
from lamin_widgets.protocol import state as query_state

PREFIX = "names/"


@pytest.fixture(scope="module")
def lw(instance):
    import lamin_widgets

    return lamin_widgets


@pytest.mark.parametrize(
    ("typed", "registry"),
    [
        ("Artifact", "Artifact"),
        ("bionty.CellType", "bionty.CellType"),
        ("CellType", "bionty.CellType"),
        ("bt.CellType", "bionty.CellType"),
        ("ln.ULabel", "ULabel"),
        ("lamindb.Artifact", "Artifact"),
        ("celltype", "bionty.CellType"),
        ("cell_type", "bionty.CellType"),
        (" Cell Type ", "bionty.CellType"),
        ("BIONTY.CELLTYPE", "bionty.CellType"),
        ("ulabel", "ULabel"),
        ("Gene", "bionty.Gene"),
    ],
)
def test_names_as_typed(ln, typed, registry):
    from lamin_widgets.protocol import filterspec

    assert filterspec.registry_name(query_state.get_registry(typed)) == registry


def test_unknown_names_list_the_closest_and_all(ln):
    with pytest.raises(query_state.RegistryNotFound, match="unknown registry 'Nope'; registries: Artifact, "):
        query_state.get_registry("Nope")
    with pytest.raises(query_state.RegistryNotFound, match=r"did you mean 'bionty.CellType'\?") as error:
        query_state.get_registry("CellTyp")
    assert "bionty.CellLine" in str(error.value)  # and every registry after it
    # a core name does not reach a module's registry (`ln.CellType` is no registry)
    with pytest.raises(query_state.RegistryNotFound, match=r"unknown registry 'ln\.CellType'"):
        query_state.get_registry("ln.CellType")
    for bad in (5, None, ["Artifact"], ""):
        with pytest.raises(query_state.RegistryNotFound, match="unknown registry"):
            query_state.get_registry(bad)


def test_ambiguous_names_list_the_candidates():
    known = {"Artifact": 1, "bionty.CellType": 2, "other.CellType": 3, "other.Celltype": 4}
    assert query_state.resolve_registry_name("bionty.CellType", known) == "bionty.CellType"
    assert query_state.resolve_registry_name("bt.CellType", known) == "bionty.CellType"
    with pytest.raises(
        query_state.RegistryNotFound,
        match=r"registry 'CellType' is ambiguous: bionty.CellType, other.CellType; name one of them",
    ):
        query_state.resolve_registry_name("CellType", known)
    # exact case first: `Celltype` is other.Celltype; loosely it would be three
    assert query_state.resolve_registry_name("Celltype", known) == "other.Celltype"
    with pytest.raises(
        query_state.RegistryNotFound, match=r"ambiguous: bionty\.CellType, other\.CellType, other\.Celltype"
    ):
        query_state.resolve_registry_name("cell_type", known)
    assert query_state.resolve_registry_name("artifact", known) == "Artifact"


def test_widgets_take_the_typed_name_and_show_the_registry_name(ln, lw):
    box = lw.SearchBox("CellType")
    assert box.registry == "bionty.CellType" and box.model is ln.bionty.CellType
    browser = lw.RegistryBrowser("cell_type")
    assert browser.registry == "bionty.CellType" and browser.code == "bt.CellType.filter()"
    # set later, as the front end or Python may: stored as the registry's own name
    browser.registry = "ulabel"
    assert browser.registry == "ULabel"
    lookup = lw.LookupBox("bt.CellType")
    assert lookup.registry == "bionty.CellType"
    view = lw.ViewPanel()
    view.registry = "CellType"
    assert view.registry == "bionty.CellType"
    with pytest.raises(traitlets.TraitError, match=r"did you mean 'bionty\.CellType'"):
        browser.registry = "CellTyp"
    assert browser.registry == "ULabel"


def test_rpc_and_rest_take_the_typed_name(ln):
    """The widgets' messages and the REST API call the same method table."""
    bt = ln.bionty
    if not bt.CellType.filter(name="T cell").exists():
        bt.CellType(name="T cell", ontology_id="CL:0000084").save()
    for method, params in [
        ("schema", {"registry": "CellType"}),
        ("count", {"registry": "celltype"}),
        ("page", {"registry": "bt.CellType", "limit": 5}),
        ("search", {"registry": "CellType", "string": "T cell"}),
        ("lookup", {"registry": "cell type", "prefix": "T"}),
    ]:
        response, _ = rpc_methods.handle(
            {"id": 1, "kind": rpc_methods.KIND, "method": method, "params": params}
        )
        assert response["ok"], (method, response)
        if method == "search":
            assert [r["label"] for r in response["result"]["results"]][:1] == ["T cell"]
        if method == "count":
            assert response["result"]["count"] == bt.CellType.filter().count()
    response, _ = rpc_methods.handle(
        {"id": 1, "kind": rpc_methods.KIND, "method": "page", "params": {"registry": "CellTyp"}}
    )
    assert not response["ok"] and response["error"]["type"] == "bad_request"
    assert "did you mean 'bionty.CellType'" in response["error"]["message"]
