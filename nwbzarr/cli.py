"""The ``nwbzarr`` command line: inspect, validate, plot, convert, export and index NWB files.

Exit codes: 0 success, 1 an error in the data or the environment (the message names the file,
the path and what to do; ``nwbzarr validate`` also exits 1 when it finds errors), 2 a usage
error, 130 interrupted. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nwbzarr._version import __version__
from nwbzarr.api import open as nwb_open
from nwbzarr.convert import convert
from nwbzarr.dtypes import dtype_str
from nwbzarr.errors import LinkError, NwbZarrError
from nwbzarr.tree import Array, ExternalLink, Group, Link, Node, SoftLink

EPILOG_LS = """examples:
  nwbzarr ls session.nwb
  nwbzarr ls session.nwb.zarr /acquisition -r
  nwbzarr ls s3://bucket/session.nwb.zarr --json
"""
EPILOG_INFO = """examples:
  nwbzarr info session.nwb
  nwbzarr info session.nwb.zarr --json
"""
EPILOG_CONVERT = """examples:
  nwbzarr convert session.nwb session.nwb.zarr
  nwbzarr convert session.nwb.zarr session.nwb --overwrite
  nwbzarr convert session.nwb s3://bucket/session.nwb.zarr
"""


def _member_info(name: str, member: Node | Link, parent: Group) -> dict[str, Any]:
    if isinstance(member, SoftLink | ExternalLink):
        info: dict[str, Any] = {"name": name, "kind": "link"}
        if isinstance(member, SoftLink):
            info["target"] = member.path
        else:
            info["target"] = f"{member.source}:{member.path}"
        try:
            parent[name]
            info["broken"] = False
        except (LinkError, OSError) as err:
            info["broken"] = True
            info["error"] = str(err)
        return info
    if isinstance(member, Array):
        return {
            "name": name,
            "kind": "array",
            "shape": list(member.shape),
            "dtype": dtype_str(member.datatype),
            "chunks": list(member.chunks) if member.chunks else None,
            "shards": list(member.shards) if member.shards else None,
            "compression": [str(f) for f in member.compression],
            "maxshape": list(member.maxshape),
        }
    return {"name": name, "kind": "group", "neurodata_type": member.neurodata_type}


def _walk(group: Group, recursive: bool) -> list[dict[str, Any]]:
    out = []
    for name, member in group.members():
        info = _member_info(name, member, group)
        info["path"] = f"{group.path.rstrip('/')}/{name}"
        out.append(info)
        if recursive and isinstance(member, Group):
            out.extend(_walk(member, recursive))
    return out


def _format_line(info: dict[str, Any]) -> str:
    depth = info["path"].count("/") - 1
    pad = "  " * depth
    if info["kind"] == "group":
        kind = f" ({info['neurodata_type']})" if info.get("neurodata_type") else ""
        return f"{pad}{info['name']}/{kind}"
    if info["kind"] == "link":
        mark = "  [BROKEN]" if info["broken"] else ""
        return f"{pad}{info['name']} -> {info['target']}{mark}"
    chunks = "x".join(map(str, info["chunks"])) if info["chunks"] else "contiguous"
    comp = "+".join(info["compression"]) or "raw"
    shape = "x".join(map(str, info["shape"])) or "scalar"
    return f"{pad}{info['name']}  {shape} {info['dtype']}  chunks {chunks}  {comp}"


def cmd_ls(args: argparse.Namespace) -> int:
    with nwb_open(args.path, links=args.links, storage_options=args.storage_options) as root:
        node = root[args.group] if args.group not in ("", "/") else root
        if not isinstance(node, Group):
            rows = [_member_info(node.name, node, root) | {"path": node.path}]
        else:
            rows = _walk(node, args.recursive)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(_format_line(row))
    return 0


def _info(root: Group) -> dict[str, Any]:
    counts = {"groups": 0, "arrays": 0, "links": 0}
    nbytes = 0
    types: dict[str, int] = {}
    for _, member in root.walk():
        if isinstance(member, SoftLink | ExternalLink):
            counts["links"] += 1
        elif isinstance(member, Array):
            counts["arrays"] += 1
            nbytes += member.nbytes
        else:
            counts["groups"] += 1
            kind = member.neurodata_type
            if kind:
                types[kind] = types.get(kind, 0) + 1

    def text(path: str) -> Any:
        if path not in root:
            return None
        node = root[path]
        if not isinstance(node, Array):
            return None
        value = node[()] if not node.shape else node[...].tolist()
        return value

    return {
        "location": root.file.location,
        "format": root.file.storage_format,
        "nwb_version": str(root.attrs.get("nwb_version", "")) or None,
        "identifier": text("identifier"),
        "session_description": text("session_description"),
        "session_start_time": text("session_start_time"),
        **counts,
        "data_bytes": nbytes,
        "neurodata_types": dict(sorted(types.items())),
    }


def cmd_info(args: argparse.Namespace) -> int:
    with nwb_open(args.path, links=args.links, storage_options=args.storage_options) as root:
        info = _info(root)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    for key in (
        "location",
        "format",
        "nwb_version",
        "identifier",
        "session_description",
        "session_start_time",
        "groups",
        "arrays",
        "links",
    ):
        print(f"{key:20s} {info[key]}")
    print(f"{'data':20s} {info['data_bytes'] / 2**20:.1f} MiB (uncompressed)")
    types = ", ".join(f"{k} x{v}" for k, v in info["neurodata_types"].items())
    print(f"{'neurodata types':20s} {types}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    out = convert(
        args.src,
        args.dst,
        format=args.format,
        overwrite=args.overwrite,
        links=args.links_mode,
        compression=args.compression,
        storage_options=args.storage_options,
        src_storage_options=args.src_storage_options,
        dst_storage_options=args.dst_storage_options,
        progress=False if args.no_progress else None,
    )
    print(f"wrote {out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from nwbzarr.export import export

    out = export(
        args.src,
        args.dst,
        links=args.links_mode,
        format=args.format,
        overwrite=args.overwrite,
        storage_options=args.storage_options,
        src_storage_options=args.src_storage_options,
        dst_storage_options=args.dst_storage_options,
        progress=False if args.no_progress else None,
    )
    print(f"wrote {out}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from nwbzarr.virtual import index

    out = index(
        args.src,
        args.dst,
        format=args.format,
        overwrite=args.overwrite,
        storage_options=args.storage_options,
        src_storage_options=args.src_storage_options,
        dst_storage_options=args.dst_storage_options,
    )
    print(f"wrote {out if out is not None else args.dst}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from nwbzarr.validate import validate

    with nwb_open(args.path, links=args.links, storage_options=args.storage_options) as root:
        findings = validate(root)
    shown = [f for f in findings if f.severity == "error" or not args.errors_only]
    errors = sum(f.severity == "error" for f in findings)
    warnings_ = len(findings) - errors
    if args.json:
        print(json.dumps([f.as_dict() for f in shown], indent=2))
    else:
        for finding in shown:
            print(f"{args.path}:{finding}")
        verdict = "ok" if not errors else "INVALID"
        print(f"{args.path}: {verdict}: {errors} errors, {warnings_} warnings")
    return 1 if errors else 0


def cmd_plot(args: argparse.Namespace) -> int:
    from nwbzarr.plot import plot_node

    out = Path(args.output) if args.output else Path(Path(args.node.strip("/")).name + ".png")
    with nwb_open(args.path, links=args.links, storage_options=args.storage_options) as root:
        node = root[args.node] if args.node not in ("", "/") else root
        plot_node(
            node, out, start=args.start, stop=args.stop, channels=args.max_traces, frame=args.frame
        )
    print(f"wrote {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from nwbzarr.demo import run

    result = run(
        Path(args.outdir), seconds=args.seconds, channels=args.channels, figure=not args.no_figure
    )
    return 1 if result["differences"] else 0


EPILOG_MAIN = """commands, one line each (nwbzarr COMMAND --help for details and examples):
  ls        list the tree of a file        info      summarise a file
  validate  check schema and structure     plot      draw a series or an image
  convert   HDF5 <-> Zarr                  export    one self-contained file, links resolved
  index     virtual Zarr index of HDF5     demo      build, convert, analyse an example session

examples:
  nwbzarr demo
  nwbzarr ls session.nwb /acquisition -r
  nwbzarr convert session.nwb session.nwb.zarr

exit codes:
  0    success (validate: no errors)
  1    error in the data or the environment (one line: file, path, what to do);
       validate: the file has errors
  2    usage error (wrong arguments)
  130  interrupted (Ctrl-C)

Files are local paths or URLs (s3://, gs://, https://); pass credentials and endpoints with
-s KEY=VALUE (fsspec storage options). --debug shows tracebacks.
"""
EPILOG_EXPORT = """examples:
  nwbzarr export linked.nwb standalone.nwb               # copy link targets in
  nwbzarr export linked.nwb.zarr standalone.nwb --links keep
  nwbzarr export session.nwb session.nwb.zarr --overwrite

--links resolve (default) copies the data behind every link into the destination, so that it
stands alone; --links keep keeps links, re-pointed so that they stay valid from DST.
"""
EPILOG_INDEX = """examples:
  nwbzarr index session.nwb session.index.zarr
  nwbzarr index s3://bucket/session.nwb session.index.zarr -s anon=true
  nwbzarr ls session.index.zarr -r                        # then open it like any Zarr store
  nwbzarr index session.nwb session.kerchunk.json --format kerchunk   # fsspec/xarray read it
  nwbzarr ls session.nwb.lindi.json -r                    # LINDI files open like the others

The index is a Zarr store whose arrays point at the chunks of SRC: no data is copied.
"""
EPILOG_VALIDATE = """examples:
  nwbzarr validate session.nwb
  nwbzarr validate session.nwb.zarr --json
  nwbzarr validate s3://bucket/session.nwb.zarr -s anon=true --errors-only

Checks, done by nwbzarr without pynwb: against the NWB schema (the file's cached one, else
the bundled one): required fields, dtypes, shapes, quantities, inheritance, link and reference
targets, as pynwb.validate does; and structural checks: neurodata_type with namespace;
TimeSeries timing (timestamps or starting_time with a float rate); DynamicTable colnames;
dates with a timezone; links and references resolving. Findings print as
FILE:PATH: severity: message (with --json, each has a code: missing, dtype, shape...).
Exit code 1 when there are errors, 0 otherwise (warnings alone do not fail).
"""
EPILOG_PLOT = """examples:
  nwbzarr plot session.nwb acquisition/ElectricalSeries -o ephys.png --start 1 --stop 1.5
  nwbzarr plot session.nwb.zarr processing/ophys/Fluorescence/RoiResponseSeries -o rois.png
  nwbzarr plot session.nwb acquisition/TwoPhotonSeries --frame 10 -o frame.png
  nwbzarr plot session.nwb processing/ophys/ImageSegmentation/PlaneSegmentation/image_mask

A TimeSeries is drawn against time in seconds with its unit on the y axis and one labelled
trace per channel or ROI (at most --max-traces); an image series, a 2-D array or a frame of a
3-D array as an image. Needs matplotlib (pip install 'nwbzarr[plot]').
"""
EPILOG_DEMO = """examples:
  nwbzarr demo
  nwbzarr demo --outdir /tmp/demo --seconds 30 --channels 64

Builds a synthetic session (ephys with units, calcium imaging with ROIs, trials) with the typed
model, writes HDF5, converts to Zarr and back, checks the trees are identical, opens both as
xarray, and writes demo.png (trial-aligned ephys average and an ROI trace).
"""


def _storage_option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE, e.g. anon=true")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def _options(pairs: list[tuple[str, Any]] | None) -> dict[str, Any] | None:
    return dict(pairs) if pairs else None


def _add_remote(p: argparse.ArgumentParser, pair: bool = False) -> None:
    p.add_argument(
        "-s",
        "--storage-option",
        dest="storage_options",
        type=_storage_option,
        action="append",
        metavar="KEY=VALUE",
        help="fsspec/obstore option for every URL of the command (repeatable; values parsed as "
        "JSON when possible)",
    )
    for side in ("src", "dst") if pair else ():
        p.add_argument(
            f"--{side}-storage-option",
            dest=f"{side}_storage_options",
            type=_storage_option,
            action="append",
            metavar="KEY=VALUE",
            help=f"the same, for the {'source' if side == 'src' else 'destination'} only "
            "(replaces --storage-option there)",
        )


def _add_links(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--links",
        choices=("same-origin", "all", "none"),
        default=None,
        help="which links may be followed (default: all for local files, same-origin for URLs)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nwbzarr",
        description="NWB files on HDF5 and Zarr: inspect, validate, plot, convert, export, index.",
        epilog=EPILOG_MAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nwbzarr {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, help_: str, epilog: str, fn: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
        p.set_defaults(fn=fn)
        return p

    _add_reading_commands(add)
    _add_writing_commands(add)
    return parser


Adder = Callable[[str, str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def _add_reading_commands(add: Adder) -> None:
    p = add(
        "ls",
        "list the tree of a file: groups, arrays (shape, dtype, chunks, compression), links",
        EPILOG_LS,
        cmd_ls,
    )
    p.add_argument("path", help="file, store or URL")
    p.add_argument("group", nargs="?", default="/", help="group to list (default: /)")
    p.add_argument("-r", "--recursive", action="store_true", help="list everything below the group")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_links(p)
    _add_remote(p)

    p = add(
        "info",
        "summarise a file: format, NWB version, session, object counts, size",
        EPILOG_INFO,
        cmd_info,
    )
    p.add_argument("path", help="file, store or URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_links(p)
    _add_remote(p)

    p = add(
        "validate",
        "check a file against the NWB schema and structure (no pynwb needed)",
        EPILOG_VALIDATE,
        cmd_validate,
    )
    p.add_argument("path", help="file, store or URL")
    p.add_argument("--json", action="store_true", help="findings as a JSON list")
    p.add_argument("--errors-only", action="store_true", help="do not print warnings")
    _add_links(p)
    _add_remote(p)

    p = add("plot", "draw a time series or an image from a file into a PNG", EPILOG_PLOT, cmd_plot)
    p.add_argument("path", help="file, store or URL")
    p.add_argument("node", help="TimeSeries group or array inside the file")
    p.add_argument("-o", "--output", help="image file (default: <name>.png here)")
    p.add_argument("--start", type=float, help="first time to draw, seconds")
    p.add_argument("--stop", type=float, help="last time to draw, seconds")
    p.add_argument("--frame", type=int, default=0, help="frame of an image series (default 0)")
    p.add_argument(
        "--max-traces", type=int, default=16, help="channels/ROIs drawn at most (default 16)"
    )
    _add_links(p)
    _add_remote(p)


def _add_writing_commands(add: Adder) -> None:
    p = add(
        "convert",
        "convert between HDF5 and Zarr, streaming chunk by chunk",
        EPILOG_CONVERT,
        cmd_convert,
    )
    p.add_argument("src", help="source file, store or URL")
    p.add_argument("dst", help="destination (.nwb: HDF5, .zarr: Zarr, or --format)")
    p.add_argument(
        "--format",
        choices=("hdf5", "zarr", "icechunk"),
        help="destination format (default: from suffix; .icechunk: an Icechunk repository)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing destination")
    p.add_argument(
        "--compression",
        choices=("keep", "default"),
        default="keep",
        help="keep the source's chunks and codecs (default) or use the destination's defaults",
    )
    p.add_argument(
        "--links",
        dest="links_mode",
        choices=("keep", "resolve"),
        default="keep",
        help="keep links (re-pointed) or copy their targets in",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_remote(p, pair=True)

    p = add(
        "export",
        "write a file as one self-contained file (links resolved) or re-pointed copy",
        EPILOG_EXPORT,
        cmd_export,
    )
    p.add_argument("src", help="source file, store or URL")
    p.add_argument("dst", help="destination (.nwb: HDF5, .zarr: Zarr, or --format)")
    p.add_argument("--format", choices=("hdf5", "zarr"), help="destination format")
    p.add_argument("--overwrite", action="store_true", help="replace an existing destination")
    p.add_argument(
        "--links",
        dest="links_mode",
        choices=("resolve", "keep"),
        default="resolve",
        help="copy link targets in (default) or keep links re-pointed",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_remote(p, pair=True)

    p = add(
        "index",
        "build a virtual Zarr index of an HDF5 file (chunk references, no data copied)",
        EPILOG_INDEX,
        cmd_index,
    )
    p.add_argument("src", help="HDF5 file or URL")
    p.add_argument("dst", help="the index to write (a Zarr store)")
    p.add_argument(
        "--format",
        default="nwbzarr",
        help="form of the index: nwbzarr (default: a Zarr v3 store), icechunk (an Icechunk "
        "repository of virtual chunk references), kerchunk (version-1 reference JSON) or "
        "another listed in nwbzarr.virtual.INDEX_FORMATS",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing index")
    _add_remote(p, pair=True)

    p = add(
        "demo",
        "build a small realistic session, convert it HDF5 -> Zarr -> HDF5, analyse, plot",
        EPILOG_DEMO,
        cmd_demo,
    )
    p.add_argument(
        "--outdir", default="nwbzarr-demo", help="where to write (default: ./nwbzarr-demo)"
    )
    p.add_argument("--seconds", type=float, default=10.0, help="recording length (default: 10)")
    p.add_argument("--channels", type=int, default=32, help="number of channels (default: 32)")
    p.add_argument("--no-figure", action="store_true", help="skip demo.png (no matplotlib needed)")


def _one_line(err: BaseException) -> str:
    message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    if isinstance(err, ModuleNotFoundError) and err.name:
        message = f"{message}; install it (pip install {err.name.split('.')[0]}) or its extra"
    notes = getattr(err, "__notes__", [])
    return " ".join((message.replace("\n", " "), *(f"({n})" for n in notes)))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``nwbzarr --help``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("storage_options", "src_storage_options", "dst_storage_options"):
        if hasattr(args, name):
            setattr(args, name, _options(getattr(args, name)))
    try:
        code: int = args.fn(args)
    except KeyboardInterrupt:
        print(f"nwbzarr {args.command}: interrupted", file=sys.stderr)
        return 130
    except (NwbZarrError, OSError, KeyError, ValueError, TypeError, ImportError) as err:
        if args.debug:
            traceback.print_exc()
        print(f"nwbzarr {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
