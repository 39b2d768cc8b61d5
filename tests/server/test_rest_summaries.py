"""Column summaries over REST (`POST /lamin/api/rpc/summaries`) on a real `jupyter server` serving the
guide's small instance: the counts of the seed, bad input as 400 with a message, the token required."""

from __future__ import annotations

from collections import Counter

from harness.seed import ARTIFACTS, VALUES
from test_rest_api import seeded, server  # noqa: F401 (the module's fixtures: one seeded server)

H5AD = {"op": "and", "not": False, "items": [{"field": "suffix", "lookup": "exact", "value": ".h5ad"}]}


def test_summaries_of_the_seed(server):  # noqa: F811
    status, _, body = server.rpc(
        "summaries", registry="Artifact", columns=["size", "suffix", "ulabels__name"]
    )
    assert status == 200 and body["ok"], body
    size, suffix, labels = body["result"]["columns"]
    sizes = [s for _, _, s in ARTIFACTS]
    assert body["result"]["count"] == len(ARTIFACTS)
    assert (size["min"], size["max"], size["count"]) == (min(sizes), max(sizes), len(sizes))
    assert [b["count"] for b in size["bins"]] == [
        sum(b["start"] <= s < b["end"] for s in sizes) for b in size["bins"]
    ]
    expected = Counter(sfx for _, sfx, _ in ARTIFACTS)
    assert {t["value"]: t["count"] for t in suffix["top"]} == dict(expected)
    assert (suffix["distinct"], suffix["more_distinct"]) == (len(expected), False)
    names: Counter = Counter()
    for values in VALUES.values():
        names.update({*values["perturbation"], values["experiment"]})
    assert {t["value"]: t["count"] for t in labels["top"]} == dict(names)
    assert labels["nulls"] == len(ARTIFACTS) - len(VALUES)


def test_summaries_follow_the_filter(server):  # noqa: F811
    status, _, body = server.rpc("summaries", registry="Artifact", filters=H5AD, columns=["size"])
    assert status == 200
    (size,) = body["result"]["columns"]
    h5ad = [s for _, sfx, s in ARTIFACTS if sfx == ".h5ad"]
    assert body["result"]["count"] == len(h5ad) and (size["min"], size["max"]) == (min(h5ad), max(h5ad))


def test_bad_summaries_get_400_and_need_the_token(server):  # noqa: F811
    status, _, body = server.rpc("summaries", registry="Artifact", columns=["size"] * 13)
    assert status == 400 and "columns takes 1 to 12" in body["error"]["message"]
    status, _, body = server.rpc("summaries", registry="Feature", columns=["array_shape"])
    assert status == 400 and "holds JSON" in body["error"]["message"]
    status, _, body = server.rpc("summaries", registry="Artifact", columns=["nope"])
    assert status == 400 and "'nope'" in body["error"]["message"]
    body = {"params": {"registry": "Artifact", "columns": ["size"]}}
    status, _, _ = server.request("/lamin/api/rpc/summaries", body, token=None)
    assert status == 403
