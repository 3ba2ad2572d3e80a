"""The tutorial workflows written by pynwb to HDF5 (the corpus's ``pynwb42/`` folder).

Each ``write_*`` function writes one file (or a set of files that link to each other) into a
folder, with small data; the content is what the corpus's ``make_examples.py`` describes and
what the tests rely on (``basic_ecephys.nwb``: 100 x 2 ElectricalSeries at 1 kHz over
electrodes 0 and 2 of four in CA1 on ``shank0``, two trials, two units...).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

TZ = timezone(timedelta(hours=-7))
START = datetime(2019, 4, 3, 11, 0, 0, tzinfo=TZ)
CREATED = datetime(2019, 4, 15, 12, 0, 0, 123456, tzinfo=TZ)
FAMILY_MEMBER_SIZE = 64 * 1024


def nwb_file(identifier: str, **fields: Any) -> Any:
    """An ``NWBFile`` with fixed times (``session_description`` "demo <identifier>")."""
    from pynwb import NWBFile

    return NWBFile(
        session_description=f"demo {identifier}",
        identifier=identifier,
        session_start_time=START,
        file_create_date=CREATED,
        **fields,
    )


def write(nwbfile: Any, path: Path, **options: Any) -> Path:
    """Write ``nwbfile`` with ``NWBHDF5IO`` (``options`` go to ``io.write``)."""
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile, **options)
    return path


# --------------------------------------------------------------------------------------------
# basic_ecephys.nwb
# --------------------------------------------------------------------------------------------
def _add_series(nwb: Any) -> None:
    """Timestamps, starting time and rate, and timestamps linked to another series."""
    from pynwb import TimeSeries

    stamped = TimeSeries(
        name="ts_timestamps",
        data=np.arange(11, dtype=np.float64),
        unit="m",
        timestamps=np.linspace(0, 1, 11),
        description="explicit timestamps",
        comments="c",
        conversion=0.001,
        offset=0.5,
        resolution=0.01,
        continuity="continuous",
    )
    rated = TimeSeries(
        name="ts_rate",
        data=np.arange(20, dtype=np.int16).reshape(10, 2),
        unit="V",
        starting_time=1.5,
        rate=30.0,
    )
    linked = TimeSeries(name="ts_linked_timestamps", data=np.ones(11), unit="m", timestamps=stamped)
    for series in (stamped, rated, linked):
        nwb.add_acquisition(series)


def _add_ecephys(nwb: Any) -> None:
    """Device, electrode group, electrodes table (with a custom column), ElectricalSeries."""
    from pynwb.ecephys import ElectricalSeries

    device = nwb.create_device(name="array", description="probe", manufacturer="acme")
    group = nwb.create_electrode_group(
        name="shank0", description="shank 0", location="CA1", device=device
    )
    nwb.add_electrode_column(name="label", description="electrode label")
    for i in range(4):
        nwb.add_electrode(x=float(i), y=0.0, z=0.0, location="CA1", group=group, label=f"e{i}")
    region = nwb.create_electrode_table_region(region=[0, 2], description="two electrodes")
    data = np.random.default_rng(0).normal(size=(100, 2)).astype("f4")
    nwb.add_acquisition(
        ElectricalSeries(
            name="ElectricalSeries",
            data=data,
            electrodes=region,
            starting_time=0.0,
            rate=1000.0,
            channel_conversion=[1.0, 2.0],
            filtering="none",
        )
    )


def _add_tables(nwb: Any) -> None:
    """Trials with a custom column; units with ragged and doubly ragged columns."""
    nwb.add_trial_column(name="correct", description="correct trial")
    nwb.add_trial(start_time=0.0, stop_time=1.0, correct=True)
    nwb.add_trial(start_time=1.0, stop_time=2.0, correct=False)
    nwb.add_unit_column(name="waveform_tags", description="doubly ragged", index=2)
    nwb.add_unit(
        spike_times=[0.1, 0.2, 0.3],
        obs_intervals=[[0.0, 1.0]],
        electrodes=[0, 1],
        waveform_tags=[["a", "b"], ["c"]],
    )
    nwb.add_unit(
        spike_times=[0.5],
        obs_intervals=[[0.0, 1.0], [1.5, 2.0]],
        electrodes=[2],
        waveform_tags=[["d"]],
    )


def _add_processing_and_scratch(nwb: Any) -> None:
    """A processing module with a series and Images (ordered by references); scratch data."""
    from hdmf.common import DynamicTable, VectorData
    from pynwb import TimeSeries
    from pynwb.base import ImageReferences, Images
    from pynwb.image import GrayscaleImage, RGBImage

    module = nwb.create_processing_module("behavior", "behavioral data")
    module.add(TimeSeries(name="speed", data=np.ones(5), unit="m/s", rate=10.0))
    gray = GrayscaleImage(name="gray", data=np.zeros((4, 5)), resolution=1.0, description="g")
    rgb = RGBImage(name="rgb", data=np.zeros((4, 5, 3), dtype=np.uint8))
    order = ImageReferences(name="order_of_images", data=[rgb, gray])
    module.add(
        Images(
            name="summary_images", description="images", images=[gray, rgb], order_of_images=order
        )
    )
    nwb.add_scratch(np.arange(5.0), name="scratch_array", description="an ndarray in scratch")
    nwb.add_scratch("a note", name="scratch_note", description="a string note")
    column = VectorData(name="col", description="c", data=[1, 2, 3])
    nwb.add_scratch(
        DynamicTable(name="scratch_table", description="table in scratch", columns=[column])
    )


def basic_ecephys() -> Any:
    """The NWBFile of ``basic_ecephys.nwb``."""
    from pynwb.file import Subject

    nwb = nwb_file(
        "basic-ecephys",
        timestamps_reference_time=START,
        experimenter=["Baggins, Bilbo"],
        lab="Bag End",
        institution="Shire U",
        keywords=["ecephys", "demo"],
        related_publications=["doi:10.1/x"],
        session_id="sess-1",
        experiment_description="desc",
    )
    nwb.subject = Subject(
        subject_id="mouse-001", species="Mus musculus", sex="M", age="P90D", description="a mouse"
    )
    _add_series(nwb)
    _add_ecephys(nwb)
    _add_tables(nwb)
    _add_processing_and_scratch(nwb)
    return nwb


def write_basic_ecephys(folder: Path) -> None:
    """``basic_ecephys.nwb``, and ``basic_ecephys_copy.nwb``: ``NWBFile.copy()`` of it (its
    objects become external links to the original)."""
    from pynwb import NWBHDF5IO

    write(basic_ecephys(), folder / "basic_ecephys.nwb")
    with NWBHDF5IO(str(folder / "basic_ecephys.nwb"), "r") as src:
        clone = src.read().copy()
        with NWBHDF5IO(str(folder / "basic_ecephys_copy.nwb"), "w", manager=src.manager) as io:
            io.write(clone)


# --------------------------------------------------------------------------------------------
# ophys.nwb
# --------------------------------------------------------------------------------------------
def _imaging_plane(nwb: Any) -> Any:
    from pynwb.ophys import OpticalChannel

    device = nwb.create_device(name="Microscope", description="2p scope", manufacturer="acme")
    channel = OpticalChannel(name="OpticalChannel", description="green", emission_lambda=500.0)
    return nwb.create_imaging_plane(
        name="ImagingPlane",
        optical_channel=channel,
        imaging_rate=30.0,
        description="plane",
        device=device,
        excitation_lambda=600.0,
        indicator="GFP",
        location="V1",
        grid_spacing=[0.01, 0.01],
        grid_spacing_unit="meters",
        origin_coords=[1.0, 2.0, 3.0],
        origin_coords_unit="meters",
    )


def _add_two_photon(nwb: Any, plane: Any) -> Any:
    from pynwb.ophys import TwoPhotonSeries

    series = TwoPhotonSeries(
        name="TwoPhotonSeries",
        data=np.ones((20, 8, 8), dtype="u2"),
        imaging_plane=plane,
        rate=30.0,
        unit="n.a.",
        field_of_view=[0.1, 0.1],
        dimension=[8, 8],
    )
    external = TwoPhotonSeries(
        name="TwoPhotonSeriesExternal",
        imaging_plane=plane,
        external_file=["images.tiff"],
        format="external",
        starting_frame=[0],
        rate=30.0,
        num_samples=20,
    )
    nwb.add_acquisition(series)
    nwb.add_acquisition(external)
    return series


def _segmentation(module: Any, plane: Any, reference: Any) -> Any:
    """Image, pixel and voxel masks; returns the image-mask plane segmentation."""
    from pynwb.ophys import ImageSegmentation

    rng = np.random.default_rng(1)
    segmentation = ImageSegmentation()
    module.add(segmentation)
    images = segmentation.create_plane_segmentation(
        name="PlaneSegmentation",
        description="image masks",
        imaging_plane=plane,
        reference_images=reference,
    )
    for _ in range(3):
        mask = np.zeros((8, 8), dtype="f4")
        x, y = rng.integers(0, 6, size=2)
        mask[x : x + 2, y : y + 2] = 1
        images.add_roi(image_mask=mask)
    pixels = segmentation.create_plane_segmentation(
        name="PlaneSegmentationPix", description="pixel masks", imaging_plane=plane
    )
    for k in range(3):
        pixels.add_roi(pixel_mask=[(k, 0, 1.0), (k, 1, 0.5)] + [(k, 2, 0.25)] * k)
    voxels = segmentation.create_plane_segmentation(
        name="PlaneSegmentationVox", description="voxel masks", imaging_plane=plane
    )
    voxels.add_roi(voxel_mask=[(0, 0, 0, 1.0), (1, 1, 1, 0.5)])
    return images


def ophys() -> Any:
    """The NWBFile of ``ophys.nwb``: imaging, segmentation, fluorescence and dF/F."""
    from pynwb.ophys import DfOverF, Fluorescence, RoiResponseSeries

    nwb = nwb_file("ophys")
    plane = _imaging_plane(nwb)
    series = _add_two_photon(nwb, plane)
    module = nwb.create_processing_module("ophys", "optical physiology processed data")
    rois = _segmentation(module, plane, series)
    two = rois.create_roi_table_region(region=[0, 1], description="first two ROIs")
    response = RoiResponseSeries(
        name="RoiResponseSeries", data=np.ones((50, 2)), rois=two, unit="lumens", rate=30.0
    )
    module.add(Fluorescence(roi_response_series=response))
    every = rois.create_roi_table_region(region=[0, 1, 2], description="all ROIs")
    dff = RoiResponseSeries(
        name="dff", data=np.zeros((50, 3)), rois=every, unit="n.a.", timestamps=np.arange(50) / 30.0
    )
    module.add(DfOverF(roi_response_series=dff))
    return nwb


def write_ophys(folder: Path) -> None:
    write(ophys(), folder / "ophys.nwb")


# --------------------------------------------------------------------------------------------
# tutorial: copy and scratch (scratch_raw -> scratch_proc -> scratch_analysis)
# --------------------------------------------------------------------------------------------
def write_scratch_chain(folder: Path) -> None:
    """Each file is ``copy()`` of the previous one plus a result: the later files link to the
    earlier ones."""
    from pynwb import NWBHDF5IO, TimeSeries

    times = np.linspace(0, 100, 64)
    raw = nwb_file("NWB456")
    raw.add_acquisition(
        TimeSeries(name="raw_timeseries", data=np.sin(times), unit="m", timestamps=times)
    )
    write(raw, folder / "scratch_raw.nwb")
    with NWBHDF5IO(str(folder / "scratch_raw.nwb"), "r") as raw_io:
        source = raw_io.read()
        processed = source.copy()
        module = processed.create_processing_module("filtering_module", "filtering results")
        original = source.acquisition["raw_timeseries"]
        smooth = np.convolve(original.data[:], np.ones(8) / 8, mode="same")
        module.add(
            TimeSeries(name="filtered_timeseries", data=smooth, unit="m", timestamps=original)
        )
        with NWBHDF5IO(str(folder / "scratch_proc.nwb"), "w", manager=raw_io.manager) as io:
            io.write(processed)
        with NWBHDF5IO(str(folder / "scratch_proc.nwb"), "r") as proc_io:
            analysis = proc_io.read().copy()
            filtered = analysis.processing["filtering_module"]["filtered_timeseries"]
            spectrum = np.abs(np.fft.fft(filtered.data[:]))
            analysis.add_scratch(spectrum, name="dft_filtered", description="DFT of filtered data")
            with NWBHDF5IO(
                str(folder / "scratch_analysis.nwb"), "w", manager=proc_io.manager
            ) as io:
                io.write(analysis)


# --------------------------------------------------------------------------------------------
# tutorial: external links to datasets and containers; export resolving them
# --------------------------------------------------------------------------------------------
def _write_external_sources(folder: Path) -> None:
    from pynwb import TimeSeries

    data = np.arange(1000).reshape((100, 10))
    for i in (1, 2):
        nwb = nwb_file(f"external{i}")
        nwb.add_acquisition(
            TimeSeries(
                name=f"test_timeseries{i}", data=data, unit="SIunit", timestamps=np.arange(100.0)
            )
        )
        write(nwb, folder / f"external{i}.nwb")


def _write_dataset_links(folder: Path) -> None:
    """Two series whose data are a dataset of ``external1.nwb`` (linked, not copied)."""
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, TimeSeries

    with NWBHDF5IO(str(folder / "external1.nwb"), "r") as io:
        data = io.read().get_acquisition("test_timeseries1").data
        nwb = nwb_file("linkdataset")
        times = np.arange(100.0)
        nwb.add_acquisition(
            TimeSeries(name="test_timeseries4", data=data, unit="SIunit", timestamps=times)
        )
        linked = H5DataIO(data=data, link_data=True)
        nwb.add_acquisition(
            TimeSeries(name="test_timeseries5", data=linked, unit="SIunit", timestamps=times)
        )
        write(nwb, folder / "external_linkdataset.nwb", link_data=True)


def _write_container_links(folder: Path) -> None:
    """Whole series of ``external1.nwb`` and ``external2.nwb`` (external links to groups)."""
    from pynwb import NWBHDF5IO, get_manager

    manager = get_manager()
    with (
        NWBHDF5IO(str(folder / "external1.nwb"), "r", manager=manager) as io1,
        NWBHDF5IO(str(folder / "external2.nwb"), "r", manager=manager) as io2,
    ):
        nwb = nwb_file("linkcontainer")
        nwb.add_acquisition(io1.read().get_acquisition("test_timeseries1"))
        nwb.add_acquisition(io2.read().get_acquisition("test_timeseries2"))
        with NWBHDF5IO(str(folder / "external_linkcontainer.nwb"), "w", manager=manager) as io:
            io.write(nwb)


def write_linking(folder: Path) -> None:
    """``external1/2.nwb``, the files linking to them, and ``exported_single.nwb``: the export
    of ``external_linkcontainer.nwb`` with every link resolved."""
    from pynwb import NWBHDF5IO

    _write_external_sources(folder)
    _write_dataset_links(folder)
    _write_container_links(folder)
    with (
        NWBHDF5IO(str(folder / "external_linkcontainer.nwb"), "r") as src,
        NWBHDF5IO(str(folder / "exported_single.nwb"), "w") as io,
    ):
        io.export(src_io=src, write_args={"link_data": False})


# --------------------------------------------------------------------------------------------
# storage variants: a family of files, an iterative write, no cached specification
# --------------------------------------------------------------------------------------------
def write_family(folder: Path) -> None:
    """``family_%d.nwb``: the h5py family driver (64 KiB members); an extendable series grown
    after the write to 1000 x 10."""
    import h5py
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, TimeSeries

    data = H5DataIO(maxshape=(None, 10), dtype=np.float32, shape=(0, 10), chunks=(100, 10))
    nwb = nwb_file("family")
    nwb.add_acquisition(
        TimeSeries(name="example_timeseries", data=data, starting_time=0.0, rate=1.0, unit="mV")
    )
    pattern = str(folder / "family_%d.nwb")
    with (
        h5py.File(pattern, "w", driver="family", memb_size=FAMILY_MEMBER_SIZE) as h5,
        NWBHDF5IO(file=h5, mode="w") as io,
    ):
        io.write(nwb)
        for i in range(10):
            data.dataset.resize(((i + 1) * 100, 10))
            data.dataset[i * 100 : (i + 1) * 100, :] = i


def _blocks() -> Iterator[np.ndarray[Any, np.dtype[np.float64]]]:
    for i in range(7):
        yield np.full(4, i, dtype="f8")


def write_iterative(folder: Path) -> None:
    """``iterative.nwb``: a DataChunkIterator into a gzip, chunked, extendable dataset."""
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from hdmf.data_utils import DataChunkIterator
    from pynwb import TimeSeries

    chunks = DataChunkIterator(data=_blocks(), maxshape=(None, 4), buffer_size=3)
    nwb = nwb_file("iterative")
    data = H5DataIO(chunks, compression="gzip", chunks=(3, 4))
    nwb.add_acquisition(TimeSeries(name="iter_ts", data=data, unit="V", rate=10.0))
    write(nwb, folder / "iterative.nwb")


def write_no_cache(folder: Path) -> None:
    """``no_cache.nwb``: written with ``cache_spec=False`` (no /specifications)."""
    from pynwb import TimeSeries

    nwb = nwb_file("no-cache")
    nwb.add_acquisition(TimeSeries(name="ts", data=np.arange(3.0), unit="m", rate=1.0))
    write(nwb, folder / "no_cache.nwb", cache_spec=False)


WORKFLOWS = (
    write_basic_ecephys,
    write_ophys,
    write_scratch_chain,
    write_linking,
    write_family,
    write_iterative,
    write_no_cache,
)
