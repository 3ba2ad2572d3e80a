"""More kinds of NWB data written by pynwb to HDF5: behavior and optogenetics, intracellular
electrophysiology, images and miscellaneous series, and an extension with its cached schema.

Small data; each file holds the features named in its function's docstring (object references,
compound columns of references, ragged columns, links, events tables, extension types).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .pynwb_files import nwb_file, write

EXTENSION = "ndx-nwbzarr-tests"


# --------------------------------------------------------------------------------------------
# behavior_ogen.nwb
# --------------------------------------------------------------------------------------------
def _add_behavior(nwb: Any) -> Any:
    """Position, heading, eye and pupil tracking, licks and running epochs in one module;
    returns the position series."""
    from pynwb import TimeSeries
    from pynwb.behavior import (
        BehavioralEpochs,
        BehavioralEvents,
        CompassDirection,
        EyeTracking,
        Position,
        PupilTracking,
        SpatialSeries,
    )
    from pynwb.misc import IntervalSeries

    module = nwb.create_processing_module("behavior", "behavioral data")
    times = np.arange(20) / 10.0
    xy = np.column_stack([np.linspace(0, 1, 20), np.linspace(1, 0, 20)])
    position = SpatialSeries(name="position", data=xy, reference_frame="corner", timestamps=times)
    module.add(Position(spatial_series=position))
    heading = SpatialSeries(
        name="heading",
        data=np.linspace(0, 3, 20),
        reference_frame="north",
        unit="radians",
        rate=10.0,
    )
    module.add(CompassDirection(spatial_series=heading))
    gaze = SpatialSeries(name="gaze", data=xy * 2, reference_frame="screen", timestamps=position)
    module.add(EyeTracking(spatial_series=gaze))
    pupil = TimeSeries(name="pupil_radius", data=np.full(20, 0.5), unit="mm", rate=10.0)
    module.add(PupilTracking(time_series=pupil))
    licks = TimeSeries(name="licks", data=np.ones(4), unit="n.a.", timestamps=[0.1, 0.4, 0.9, 1.3])
    module.add(BehavioralEvents(time_series=licks))
    running = IntervalSeries(name="running", data=[1, -1, 1, -1], timestamps=[0.0, 0.5, 1.0, 1.5])
    module.add(BehavioralEpochs(interval_series=running))
    return position


def _add_ogen(nwb: Any) -> Any:
    """A laser (with its device model), a stimulation site and the stimulus series."""
    from pynwb.ogen import OptogeneticSeries, OptogeneticStimulusSite

    model = nwb.create_device_model(name="laser-model", manufacturer="acme", model_number="L-473")
    laser = nwb.create_device(name="laser", description="473 nm laser", model=model)
    site = OptogeneticStimulusSite(
        name="site", device=laser, description="fiber tip", excitation_lambda=473.0, location="VISp"
    )
    nwb.add_ogen_site(site)
    stimulus = OptogeneticSeries(
        name="laser_power", data=np.tile([0.0, 0.01], 10), site=site, rate=10.0
    )
    nwb.add_stimulus(stimulus)
    return stimulus


def _add_events(nwb: Any) -> None:
    """An EventsTable (timestamps, durations with NaN, annotations)."""
    from pynwb.event import EventsTable

    rewards = EventsTable(
        name="rewards", description="water rewards", source_description="valve TTL"
    )
    for t, duration, note in ((0.2, 0.05, "small"), (1.1, float("nan"), ""), (1.7, 0.1, "large")):
        rewards.add_event(timestamp=t, duration=duration, annotation=note)
    nwb.add_events_table(rewards)


def behavior_ogen() -> Any:
    """Behavior, optogenetics, events; epochs whose ``timeseries`` column is a compound of
    (start, count, object reference); invalid times."""
    nwb = nwb_file("behavior-ogen")
    position = _add_behavior(nwb)
    stimulus = _add_ogen(nwb)
    _add_events(nwb)
    nwb.add_epoch(start_time=0.0, stop_time=1.0, tags=["a"], timeseries=[position])
    nwb.add_epoch(start_time=1.0, stop_time=2.0, tags=["b", "c"], timeseries=[position, stimulus])
    nwb.add_invalid_time_interval(start_time=1.9, stop_time=2.0)
    return nwb


# --------------------------------------------------------------------------------------------
# icephys.nwb
# --------------------------------------------------------------------------------------------
def _recording(nwb: Any, electrode: Any, sweep: int, clamp: str) -> Any:
    """One stimulus / response pair of a current or voltage clamp sweep, added to the
    intracellular recordings table."""
    from pynwb import icephys

    common = {"electrode": electrode, "gain": 0.02, "rate": 10_000.0, "sweep_number": sweep}
    ramp = np.linspace(0.0, 1e-10, 50)
    if clamp == "current":
        stimulus = icephys.CurrentClampStimulusSeries(name=f"ccss_{sweep}", data=ramp, **common)
        response = icephys.CurrentClampSeries(
            name=f"ccs_{sweep}",
            data=ramp * 1e8,
            bias_current=1e-12,
            bridge_balance=7e7,
            capacitance_compensation=1e-12,
            **common,
        )
    else:
        stimulus = icephys.VoltageClampStimulusSeries(
            name=f"vcss_{sweep}", data=ramp * 1e8, **common
        )
        response = icephys.VoltageClampSeries(
            name=f"vcs_{sweep}",
            data=ramp,
            capacitance_fast=1e-12,
            capacitance_slow=1e-12,
            resistance_comp_bandwidth=1.0,
            resistance_comp_correction=1.0,
            resistance_comp_prediction=1.0,
            whole_cell_capacitance_comp=1e-12,
            whole_cell_series_resistance_comp=1.0,
            **common,
        )
    return nwb.add_intracellular_recording(
        electrode=electrode, stimulus=stimulus, response=response
    )


def icephys() -> Any:
    """Intracellular electrophysiology with the full hierarchy of icephys tables (their
    columns are compounds of references and regions of the table below)."""
    nwb = nwb_file("icephys")
    amplifier = nwb.create_device(name="amplifier", description="patch clamp amplifier")
    electrode = nwb.create_icephys_electrode(
        name="electrode0", description="patch pipette", device=amplifier
    )
    recordings = [
        _recording(nwb, electrode, sweep, clamp)
        for sweep, clamp in enumerate(("current", "voltage", "current"))
    ]
    first = nwb.add_icephys_simultaneous_recording(recordings=recordings[:2])
    second = nwb.add_icephys_simultaneous_recording(recordings=recordings[2:])
    sequence = nwb.add_icephys_sequential_recording(
        simultaneous_recordings=[first, second], stimulus_type="ramp"
    )
    repetition = nwb.add_icephys_repetition(sequential_recordings=[sequence])
    nwb.add_icephys_experimental_condition(repetitions=[repetition])
    return nwb


# --------------------------------------------------------------------------------------------
# images_misc.nwb
# --------------------------------------------------------------------------------------------
def _add_images(nwb: Any) -> None:
    """Image series (stored, external, optical), stimulus templates and an index series."""
    from pynwb.base import Images
    from pynwb.image import GrayscaleImage, ImageSeries, IndexSeries, OpticalSeries

    frames = ImageSeries(
        name="frames", data=np.arange(80, dtype="u1").reshape(5, 4, 4), unit="n.a.", rate=5.0
    )
    movie = ImageSeries(
        name="movie",
        external_file=["movie.avi"],
        format="external",
        starting_frame=[0],
        rate=5.0,
        num_samples=5,
    )
    optical = OpticalSeries(
        name="optical",
        data=np.zeros((5, 4, 4, 3), dtype="u1"),
        distance=0.7,
        field_of_view=[0.2, 0.3, 0.7],
        orientation="lower left",
        unit="n.a.",
        rate=5.0,
    )
    for series in (frames, movie):
        nwb.add_acquisition(series)
    nwb.add_stimulus(optical)
    pictures = [
        GrayscaleImage(name=f"picture{i}", data=np.full((3, 3), i, dtype="u1")) for i in range(3)
    ]
    templates = Images(name="pictures", images=pictures, description="stimulus pictures")
    nwb.add_stimulus_template(templates)
    order = np.array([0, 1, 2, 1, 0], dtype="u4")
    nwb.add_stimulus(
        IndexSeries(name="shown", data=order, indexed_images=templates, unit="N/A", rate=5.0)
    )


def _add_misc(nwb: Any) -> None:
    """Annotations, features, a decomposition with its bands table, units with waveforms."""
    from pynwb import TimeSeries
    from pynwb.misc import AbstractFeatureSeries, AnnotationSeries, DecompositionSeries

    module = nwb.create_processing_module("analysis", "derived series")
    notes = AnnotationSeries(name="notes", data=["start", "stop"], timestamps=[0.0, 1.0])
    nwb.add_acquisition(notes)
    features = AbstractFeatureSeries(
        name="features",
        data=np.ones((5, 2)),
        features=["speed", "angle"],
        feature_units=["m/s", "rad"],
        timestamps=np.arange(5) / 5.0,
    )
    module.add(features)
    source = TimeSeries(name="lfp_like", data=np.sin(np.arange(50) / 3.0), unit="V", rate=100.0)
    module.add(source)
    power = DecompositionSeries(
        name="power", data=np.ones((5, 1, 2)), metric="power", rate=10.0, source_timeseries=source
    )
    power.add_band(band_name="theta", band_limits=(4.0, 8.0), band_mean=6.0, band_stdev=1.0)
    power.add_band(band_name="gamma", band_limits=(30.0, 80.0), band_mean=55.0, band_stdev=10.0)
    module.add(power)
    nwb.add_unit(spike_times=[0.1, 0.3], waveform_mean=np.arange(6.0).reshape(3, 2))
    nwb.add_unit(spike_times=[0.2], waveform_mean=np.ones((3, 2)))


def images_misc() -> Any:
    """Images and miscellaneous series (see ``_add_images`` and ``_add_misc``)."""
    nwb = nwb_file("images-misc")
    _add_images(nwb)
    _add_misc(nwb)
    return nwb


# --------------------------------------------------------------------------------------------
# extension.nwb
# --------------------------------------------------------------------------------------------
def _define_extension(folder: Path) -> Path:
    """Write the extension's namespace and types (YAML) into ``folder``: a LabMetaData with an
    attribute and a dataset, an ElectricalSeries with an extra attribute."""
    from pynwb.spec import (
        NWBAttributeSpec,
        NWBDatasetSpec,
        NWBGroupSpec,
        NWBNamespaceBuilder,
        export_spec,
    )

    builder = NWBNamespaceBuilder(
        doc="types of the nwbzarr test suite",
        name=EXTENSION,
        version="0.1.0",
        author="nwbzarr tests",
        contact="tests@example.org",
    )
    builder.include_namespace("core")
    notes = NWBGroupSpec(
        neurodata_type_def="SessionNotes",
        neurodata_type_inc="LabMetaData",
        doc="session notes",
        attributes=[NWBAttributeSpec(name="protocol", doc="protocol name", dtype="text")],
        datasets=[NWBDatasetSpec(name="weights", doc="weights", dtype="float64", shape=[None])],
    )
    tetrode = NWBGroupSpec(
        neurodata_type_def="TetrodeSeries",
        neurodata_type_inc="ElectricalSeries",
        doc="an electrical series of one tetrode",
        attributes=[NWBAttributeSpec(name="trode_id", doc="tetrode number", dtype="int32")],
    )
    export_spec(builder, [notes, tetrode], str(folder))
    return folder / f"{EXTENSION}.namespace.yaml"


def extension(spec_folder: Path) -> Any:
    """An NWBFile holding both extension types (the namespace is loaded into pynwb's type map
    of this process: run it in a process of its own)."""
    from pynwb import get_class, load_namespaces

    load_namespaces(str(_define_extension(spec_folder)))
    session_notes = get_class("SessionNotes", EXTENSION)
    tetrode_series = get_class("TetrodeSeries", EXTENSION)
    nwb = nwb_file("extension")
    nwb.add_lab_meta_data(session_notes(name="session_notes", protocol="p1", weights=[1.0, 2.5]))
    device = nwb.create_device(name="drive", description="tetrode drive")
    group = nwb.create_electrode_group(
        name="tt1", description="tetrode 1", location="CA3", device=device
    )
    for _ in range(4):
        nwb.add_electrode(location="CA3", group=group)
    region = nwb.create_electrode_table_region(region=[0, 1, 2, 3], description="tetrode 1")
    data = np.arange(40, dtype="i2").reshape(10, 4)
    nwb.add_acquisition(
        tetrode_series(name="tt1_series", data=data, electrodes=region, rate=1000.0, trode_id=1)
    )
    return nwb


def write_kinds(folder: Path, spec_folder: Path) -> None:
    """``behavior_ogen.nwb``, ``icephys.nwb``, ``images_misc.nwb`` and ``extension.nwb`` (the
    extension's YAML goes to ``spec_folder``; the file caches it)."""
    write(behavior_ogen(), folder / "behavior_ogen.nwb")
    write(icephys(), folder / "icephys.nwb")
    write(images_misc(), folder / "images_misc.nwb")
    write(extension(spec_folder), folder / "extension.nwb")
