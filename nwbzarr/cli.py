"""The ``nwbzarr`` command line.

Exit codes: 0 success, 1 an error in the data or the environment (the message names the file,
the path and what to do), 2 a usage error. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

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
    with nwb_open(args.path, links=args.links) as root:
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
        "format": root.file.format,
        "nwb_version": str(root.attrs.get("nwb_version", "")) or None,
        "identifier": text("identifier"),
        "session_description": text("session_description"),
        "session_start_time": text("session_start_time"),
        **counts,
        "data_bytes": nbytes,
        "neurodata_types": dict(sorted(types.items())),
    }


def cmd_info(args: argparse.Namespace) -> int:
    with nwb_open(args.path, links=args.links) as root:
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
        progress=None if not args.no_progress else False,
    )
    print(f"wrote {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nwbzarr.demo import run

    result = run(Path(args.outdir), seconds=args.seconds, channels=args.channels)
    return 1 if result["differences"] else 0


EPILOG_DEMO = """examples:
  nwbzarr demo
  nwbzarr demo --outdir /tmp/demo --seconds 60
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nwbzarr",
        description="NWB files on HDF5 and Zarr: inspect, convert, link, read from the cloud.",
    )
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
        p.set_defaults(fn=fn)
        return p

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
    p.add_argument(
        "--links",
        choices=("same-origin", "all", "none"),
        default=None,
        help="link policy when checking link targets",
    )

    p = add(
        "info",
        "summarise a file: format, NWB version, session, object counts, size",
        EPILOG_INFO,
        cmd_info,
    )
    p.add_argument("path", help="file, store or URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--links", choices=("same-origin", "all", "none"), default=None)

    p = add(
        "convert",
        "convert between HDF5 and Zarr, streaming chunk by chunk",
        EPILOG_CONVERT,
        cmd_convert,
    )
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument(
        "--format", choices=("hdf5", "zarr"), help="destination format (default: from suffix)"
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

    p = add(
        "demo",
        "build a small realistic session, convert it HDF5 -> Zarr -> HDF5, summarise",
        EPILOG_DEMO,
        cmd_demo,
    )
    p.add_argument(
        "--outdir", default="nwbzarr-demo", help="where to write (default: ./nwbzarr-demo)"
    )
    p.add_argument("--seconds", type=float, default=10.0, help="recording length (default: 10)")
    p.add_argument("--channels", type=int, default=32, help="number of channels (default: 32)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.fn(args)
    except (NwbZarrError, OSError, KeyError, ValueError, TypeError) as err:
        if args.debug:
            traceback.print_exc()
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        notes = getattr(err, "__notes__", [])
        print(
            f"nwbzarr {args.command}: error: {message}" + "".join(f" ({n})" for n in notes),
            file=sys.stderr,
        )
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
