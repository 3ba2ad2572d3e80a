"""convert(client=...) spreads chunk copies over a dask cluster, with the local result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr.testing import tree_diff

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize(
    "compression", [(), (nwbzarr.Filter.of("shuffle"), nwbzarr.Filter.of("deflate", level=4))]
)
def test_cluster_conversion_equals_local(
    client: object, tmp_path: Path, compression: tuple[nwbzarr.Filter, ...]
) -> None:
    src = tmp_path / "big.nwb"
    rng = np.random.default_rng(0)
    data = np.cumsum(rng.integers(-5, 6, size=(400_000, 16)), axis=0).astype(np.int16)
    with nwbzarr.open(src, "w") as root:
        root.create_array("acquisition/es/data", data, chunks=(20_000, 16), compression=compression)
        root.create_array(
            "acquisition/es/timestamps", np.arange(400_000) / 30_000.0, chunks=(50_000,)
        )
    nwbzarr.convert(src, tmp_path / "local.nwb.zarr", progress=False)
    nwbzarr.convert(src, tmp_path / "cluster.nwb.zarr", progress=False, client=client)
    with (
        nwbzarr.open(tmp_path / "local.nwb.zarr") as a,
        nwbzarr.open(tmp_path / "cluster.nwb.zarr") as b,
    ):
        assert tree_diff(a, b) == []
        assert (
            b.array("acquisition/es/data").compression == a.array("acquisition/es/data").compression
        )
    with nwbzarr.open(src) as s, nwbzarr.open(tmp_path / "cluster.nwb.zarr") as b:
        assert tree_diff(s, b) == []
