"""`collection.mapped()`: a map-style dataset over AnnData stores (`.h5ad` files, `.zarr` folders) on disk.

LaminDB 1.5.3's MappedCollection, written anew: `ds[i]` reads one observation from the store that holds it
and returns `{"X": row, <layer>: row, "obsm_<key>": row, <obs key>: label, "_store_idx": store}`. Rows are
read from disk (dense or CSR matrices; CSC is refused, reading a row of it means reading the matrix);
`join="outer"` places each row in the sorted union of the stores' variables (zeros elsewhere), `"inner"`
in their intersection, None leaves rows as stored. Labels of `obs_keys` are encoded as integers (sorted
categories; `unknown_label` is -1; a missing label stays NaN). `obs_filter` keeps observations whose labels
are among the given values (NaN matches a missing label).

Reads the on-disk AnnData encoding (anndata >= 0.8: `encoding-type` attributes, categoricals as
`categories`/`codes`); older files without it are refused with an error. Each process opens the stores
itself, so `torch.utils.data.DataLoader(ds, num_workers=...)` works.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_MISSING = object()


def _as_list(value: str | Sequence[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{name} must be a str or a list of str, got {value!r}")


def _open(path: Path) -> Any:
    if path.suffix == ".zarr" or path.is_dir():
        import zarr  # optional: anndata's dependency (the bionty extra)

        return zarr.open_group(str(path), mode="r")
    import h5py  # optional: anndata's dependency (the bionty extra)

    return h5py.File(path, "r")


def _decode(values: np.ndarray) -> np.ndarray:
    """Strings as an object array of `str` (h5py gives bytes, zarr 3 numpy's StringDType); others as read."""
    if values.dtype.kind in ("S", "O", "U", "T"):
        decoded = np.empty(len(values), dtype=object)
        decoded[:] = [v.decode() if isinstance(v, bytes) else v for v in values.tolist()]
        return decoded
    return values


def _encoding(node: Any) -> str | None:
    value = node.attrs.get("encoding-type")
    return value.decode() if isinstance(value, bytes) else value


def _read_column(frame: Any, key: str) -> np.ndarray:
    """A whole obs/var column as an object array (categoricals decoded; missing values NaN)."""
    if key not in frame:
        raise KeyError(key)
    node = frame[key]
    if _encoding(node) == "categorical":
        categories = _decode(np.asarray(node["categories"][...]))
        codes = np.asarray(node["codes"][...])
        values = np.empty(len(codes), dtype=object)
        values[:] = np.nan
        present = codes >= 0
        values[present] = categories[codes[present]]
        return values
    if _encoding(node) in ("nullable-integer", "nullable-boolean", "nullable-string-array"):
        values = _decode(np.asarray(node["values"][...])).astype(object)
        values[np.asarray(node["mask"][...], dtype=bool)] = np.nan
        return values
    return _decode(np.asarray(node[...])).astype(object)


def _index(frame: Any) -> np.ndarray:
    key = frame.attrs.get("_index", "_index")
    key = key.decode() if isinstance(key, bytes) else key
    return np.array([str(v) for v in _decode(np.asarray(frame[key][...]))], dtype=object)


def _is_missing(value: Any) -> bool:
    return isinstance(value, float) and np.isnan(value)


class _Matrix:
    """Row access to a dense dataset or a CSR group of one store."""

    def __init__(self, node: Any, where: str) -> None:
        encoding = _encoding(node)
        if encoding == "csc_matrix":
            raise ValueError(f"{where} is a CSC sparse matrix: mapped() reads rows and needs CSR or dense")
        self.sparse = encoding == "csr_matrix"
        self.node = node
        if self.sparse:
            self.n_vars = int(node.attrs["shape"][1])
            self.dtype = node["data"].dtype
        else:
            self.n_vars = int(node.shape[1]) if len(node.shape) > 1 else 1
            self.dtype = node.dtype

    def row(self, i: int) -> np.ndarray:
        if not self.sparse:
            return np.asarray(self.node[i])
        start, end = (int(x) for x in self.node["indptr"][i : i + 2])
        row = np.zeros(self.n_vars, dtype=self.dtype)
        if end > start:
            row[np.asarray(self.node["indices"][start:end])] = np.asarray(self.node["data"][start:end])
        return row


class MappedCollection:
    """A map-style dataset over AnnData stores: `len(ds)`, `ds[i]`, `ds.shape`, `ds.encoders`, ...

    Args:
        path_list: local `.h5ad` files or `.zarr` folders.
        layers_keys: layers to return; None or "X" is `.X`.
        obs_keys: `.obs` columns to return.
        obsm_keys: `.obsm` keys to return (as `obsm_<key>`).
        obs_filter: `{column: value or values}` observations to keep (a tuple `(column, values)` too).
        join: "inner", "outer" or None: how the stores' variables are aligned.
        encode_labels: True (all `obs_keys`), False, or the `obs_keys` to encode as integers.
        unknown_label: a label encoded as -1: one for all encoded keys, or `{key: label}`.
        cache_categories: accepted; labels of `obs_keys` are always read once, at creation.
        parallel: accepted; each process opens the stores itself.
        dtype: cast the rows of `.X`, layers and `.obsm` to this dtype.
    """

    def __init__(
        self,
        path_list: Sequence[str | os.PathLike[str]],
        layers_keys: str | list[str] | None = None,
        obs_keys: str | list[str] | None = None,
        obsm_keys: str | list[str] | None = None,
        obs_filter: Mapping[str, Any] | tuple | None = None,
        join: str | None = "inner",
        encode_labels: bool | list[str] = True,
        unknown_label: str | dict[str, str] | None = None,
        cache_categories: bool = True,
        parallel: bool = False,
        dtype: str | None = None,
    ) -> None:
        if join not in ("inner", "outer", None):
            raise ValueError(f"join must be 'inner', 'outer' or None, got {join!r}")
        self.path_list = [Path(p) for p in path_list]
        if not self.path_list:
            raise ValueError("mapped() needs at least one .h5ad or .zarr AnnData store")
        self.layers_keys = _as_list(layers_keys, "layers_keys") or ["X"]
        self.obs_keys = _as_list(obs_keys, "obs_keys")
        self.obsm_keys = _as_list(obsm_keys, "obsm_keys")
        self.join_vars = join
        self.dtype = dtype
        self.parallel = parallel
        self.cache_categories = cache_categories
        self._encoded = self._check_encoding(encode_labels)
        self._unknown = self._check_unknown(unknown_label)
        self._filter = self._check_filter(obs_filter)
        self._handles: dict[int, list] = {}
        self.closed = False
        self.var_list: list[np.ndarray] | None = None

        stores = self._stores()
        self._labels: list[dict[str, np.ndarray]] = []
        self._rows: list[np.ndarray] = []
        self.original_shapes: list[tuple[int, int]] = []
        filter_keys = list(self._filter)
        for k, store in enumerate(stores):
            where = self.path_list[k].name
            columns = {}
            for key in dict.fromkeys([*self.obs_keys, *filter_keys]):
                try:
                    columns[key] = _read_column(store["obs"], key)
                except KeyError:
                    raise ValueError(f"{where} has no obs column {key!r}") from None
            n_obs = len(_index(store["obs"]))
            keep = np.ones(n_obs, dtype=bool)
            for key, allowed in self._filter.items():
                keep &= np.array([self._matches(value, allowed) for value in columns[key]], dtype=bool)
            rows = np.flatnonzero(keep)
            self._rows.append(rows)
            self._labels.append({key: columns[key][rows] for key in self.obs_keys})
            n_vars = self._matrix(store, "X", k).n_vars
            self.original_shapes.append((len(rows), n_vars))
            for key in self.layers_keys:
                self._matrix(store, key, k)  # refuses CSC and missing layers now, not at the first item
            for key in self.obsm_keys:
                if key not in store["obsm"]:
                    raise ValueError(f"{where} has no obsm key {key!r}")
        self._offsets = np.cumsum([0] + [len(rows) for rows in self._rows])
        self._align_vars(stores)
        self.encoders = self._make_encoders()

    # -- arguments ---------------------------------------------------------------------------------

    def _check_encoding(self, encode_labels: bool | list[str]) -> list[str]:
        if isinstance(encode_labels, bool):
            return list(self.obs_keys) if encode_labels else []
        keys = _as_list(encode_labels, "encode_labels")
        wrong = [key for key in keys if key not in self.obs_keys]
        if wrong:
            raise ValueError(f"encode_labels names keys that are not in obs_keys {self.obs_keys}: {wrong}")
        return keys

    def _check_unknown(self, unknown_label: str | dict[str, str] | None) -> dict[str, str]:
        if unknown_label is None:
            return {}
        if isinstance(unknown_label, str):
            return dict.fromkeys(self._encoded, unknown_label)
        if isinstance(unknown_label, Mapping):
            wrong = [key for key in unknown_label if key not in self._encoded]
            if wrong:
                raise ValueError(f"unknown_label names keys that are not encoded ({self._encoded}): {wrong}")
            return dict(unknown_label)
        raise TypeError(f"unknown_label must be a str or a dict, got {type(unknown_label).__name__}")

    @staticmethod
    def _check_filter(obs_filter: Mapping[str, Any] | tuple | None) -> dict[str, tuple]:
        if obs_filter is None:
            return {}
        if isinstance(obs_filter, tuple) and len(obs_filter) == 2 and isinstance(obs_filter[0], str):
            obs_filter = {obs_filter[0]: obs_filter[1]}  # 1.5.3's deprecated form
        if not isinstance(obs_filter, Mapping):
            raise TypeError(f"obs_filter must be a dict of obs columns to values, got {obs_filter!r}")
        return {
            key: tuple(values) if isinstance(values, list | tuple | set) else (values,)
            for key, values in obs_filter.items()
        }

    @staticmethod
    def _matches(value: Any, allowed: tuple) -> bool:
        if _is_missing(value):
            return any(_is_missing(a) for a in allowed)
        return value in allowed

    # -- stores ------------------------------------------------------------------------------------

    def _stores(self) -> list:
        if self.closed:
            raise ValueError("this MappedCollection is closed")
        pid = os.getpid()
        if pid not in self._handles:  # a new process (DataLoader workers) opens its own handles
            self._handles[pid] = [_open(path) for path in self.path_list]
        return self._handles[pid]

    def _matrix(self, store: Any, key: str, k: int) -> _Matrix:
        where = f"{self.path_list[k].name}: {'.X' if key == 'X' else f'layer {key!r}'}"
        if key == "X":
            return _Matrix(store["X"], where)
        if "layers" not in store or key not in store["layers"]:
            raise ValueError(f"{self.path_list[k].name} has no layer {key!r}")
        return _Matrix(store["layers"][key], where)

    def _var_names(self) -> list[np.ndarray]:
        if self.var_list is None:
            self.var_list = [_index(store["var"]) for store in self._stores()]
        return self.var_list

    def _align_vars(self, stores: list) -> None:
        """`var_joint` and, per store, where its variables go in a joined row (None: as stored)."""
        names = self._var_names()
        self.var_joint: np.ndarray | None = None
        self._var_positions: list[np.ndarray | None] = [None] * len(stores)
        if self.join_vars is None:
            return
        same = all(len(n) == len(names[0]) and (n == names[0]).all() for n in names)
        if same:
            self.var_joint = names[0]
            return
        if self.join_vars == "inner":
            shared = set(names[0]).intersection(*map(set, names[1:]))
            if not shared:
                raise ValueError("the stores have no variables in common: use join='outer' or join=None")
            joint = np.array([name for name in names[0] if name in shared])
        else:
            joint = np.array(sorted(set().union(*map(set, names))))
        position = {name: i for i, name in enumerate(joint)}
        self.var_joint = joint
        for k, store_names in enumerate(names):
            self._var_positions[k] = np.array([position.get(name, -1) for name in store_names])

    def _make_encoders(self) -> dict[str, dict[str, int]]:
        encoders = {}
        for key in self._encoded:
            categories = {v for labels in self._labels for v in labels[key] if not _is_missing(v)}
            unknown = self._unknown.get(key, _MISSING)
            encoder = {} if unknown is _MISSING else {unknown: -1}
            known = sorted(c for c in categories if c != unknown)
            encoder.update({category: code for code, category in enumerate(known)})
            encoders[key] = encoder
        return encoders

    # -- the dataset -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._offsets[-1])

    @property
    def shape(self) -> tuple[int, int]:
        n_vars = len(self.var_joint) if self.var_joint is not None else self.original_shapes[0][1]
        return len(self), n_vars

    def __getitem__(self, idx: int) -> dict[str, Any]:
        if isinstance(idx, np.integer):
            idx = int(idx)
        if not isinstance(idx, int):
            raise TypeError(f"index a MappedCollection with an int, got {type(idx).__name__}")
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f"index {idx} out of range for {len(self)} observations")
        k = int(np.searchsorted(self._offsets, idx, side="right") - 1)
        local = idx - int(self._offsets[k])
        row_index = int(self._rows[k][local])
        store = self._stores()[k]
        item: dict[str, Any] = {}
        for key in self.layers_keys:
            item[key] = self._joined(self._matrix(store, key, k).row(row_index), k)
        for key in self.obsm_keys:
            item[f"obsm_{key}"] = self._cast(np.asarray(store["obsm"][key][row_index]))
        for key in self.obs_keys:
            value = self._labels[k][key][local]
            if key in self.encoders and not _is_missing(value):
                value = self.encoders[key][value]
            item[key] = value
        item["_store_idx"] = k
        return item

    def _cast(self, row: np.ndarray) -> np.ndarray:
        return row.astype(self.dtype) if self.dtype is not None else row

    def _joined(self, row: np.ndarray, k: int) -> np.ndarray:
        positions = self._var_positions[k]
        if positions is None:
            return self._cast(row)
        joined = np.zeros(len(self.var_joint), dtype=row.dtype)
        present = positions >= 0
        joined[positions[present]] = row[present]
        return self._cast(joined)

    # -- helpers as in 1.5.3 -----------------------------------------------------------------------

    def get_label_weights(
        self, obs_keys: str | list[str], scaler: float | None = None, return_categories: bool = False
    ) -> np.ndarray | dict[str, float]:
        """A weight per observation, inversely related to how often its label (or label combination,
        joined by "__") occurs: `1 / count`, or `scaler / (scaler + count)`; with `return_categories`,
        `{label: weight}`."""
        keys = _as_list(obs_keys, "obs_keys")
        missing = [key for key in keys if key not in self.obs_keys]
        if missing:
            raise ValueError(f"get_label_weights() needs keys given as obs_keys: {missing}")
        labels = [
            "__".join(str(self._labels[k][key][i]) for key in keys)
            for k in range(len(self._rows))
            for i in range(len(self._rows[k]))
        ]
        names, inverse, counts = np.unique(
            np.array(labels, dtype=object), return_inverse=True, return_counts=True
        )
        weights = 1.0 / counts if scaler is None else scaler / (scaler + counts)
        if return_categories:
            return {str(name): float(weight) for name, weight in zip(names, weights, strict=True)}
        return weights[inverse]

    def check_vars_sorted(self, ascending: bool = True) -> bool:
        """Whether every store's variables are sorted (ascending or descending)."""
        for names in self._var_names():
            ordered = sorted(names, reverse=not ascending)
            if list(names) != ordered:
                return False
        return True

    def check_vars_non_aligned(self, vars: Sequence[str]) -> list[int]:
        """The indices of the stores whose variables are not exactly `vars`, in that order."""
        wanted = list(vars)
        return [k for k, names in enumerate(self._var_names()) if list(names) != wanted]

    def close(self) -> None:
        """Close the stores this process opened."""
        for handles in self._handles.values():
            for handle in handles:
                if hasattr(handle, "close"):
                    handle.close()
        self._handles = {}
        self.closed = True

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_handles"] = {}  # open files stay in their process; workers open their own
        return state

    def __enter__(self) -> MappedCollection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"MappedCollection({len(self.path_list)} stores, shape={self.shape}, layers={self.layers_keys}, "
            f"obs_keys={self.obs_keys}, join={self.join_vars!r})"
        )
