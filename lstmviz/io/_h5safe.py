"""Nothing outside the file: HDF5 features that read other files are refused.

An HDF5 file can make libhdf5 read other files on its behalf:

- a dataset with *external storage* keeps its bytes in a named raw file
  (``create_dataset(..., external=[("/etc/passwd", 0, 16)])``);
- a *virtual dataset* maps its elements onto datasets of other HDF5 files;
- an *external link* (or a user-defined link) names an object in another file;
- a dataset whose filter is not built in makes libhdf5 look for a plugin library.

A weights file never needs any of them, and each would let a stranger's file show the
first bytes of, say, an SSH key as "weights". ``check_file`` refuses a file holding any of
them anywhere (it walks every link without following one), before any weight is read;
``check_dataset`` repeats the dataset checks just before each read, and ``check_link``
refuses an external link when a path is looked up.
"""

from __future__ import annotations

from typing import Any

from ..text import safe_name
from ._fail import Fail

#: Filters libhdf5 (and h5py, for LZF) bring themselves: deflate, shuffle, fletcher32,
#: szip, nbit, scaleoffset, lzf. Any other id would make libhdf5 load a plugin.
BUILTIN_FILTERS = {1, 2, 3, 4, 5, 6, 32000}
#: Links walked at most (a Keras file has a few per weight).
MAX_LINKS = 200_000
#: groups nested in one another at most (Keras' nest a few levels, ten or so for models in
#: models): libhdf5 walks a file's groups recursively, and 10,000 groups one inside the next
#: (a 10 MB file) took 650 MB and crashed it (its stack) after 6 s; 1,000: 0.6 s, 40 MB
MAX_DEPTH = 1000

SELF_CONTAINED = ("lstmviz reads only data stored inside the file itself, as Keras writes "
                  "it; nothing from other files")


def _name(path: str) -> str:
    return safe_name(path.lstrip("/") or "/", 200)


def check_link(link: Any, path: str) -> None:
    """Refuse a link object (``group.get(name, getlink=True)``) leaving the file."""
    import h5py

    if isinstance(link, h5py.ExternalLink):
        raise Fail(f"'{_name(path)}' is an external link to another file "
                   f"({safe_name(link.filename, 200)})", SELF_CONTAINED)
    if not isinstance(link, (h5py.HardLink, h5py.SoftLink)):
        raise Fail(f"'{_name(path)}' is a user-defined HDF5 link", SELF_CONTAINED)


def check_dataset(ds: Any, path: str) -> None:
    """Refuse a dataset whose elements do not live inside this file."""
    try:
        virtual = bool(ds.is_virtual)
        plist = ds.id.get_create_plist()
        n_external = int(plist.get_external_count())
        filters = [int(plist.get_filter(i)[0]) for i in range(min(plist.get_nfilters(), 32))]
    except Fail:
        raise
    except Exception as exc:
        raise Fail(f"cannot read how dataset '{_name(path)}' is stored; the file may be "
                   "truncated or corrupt") from exc
    if virtual:
        raise Fail(f"dataset '{_name(path)}' is a virtual dataset (its data lives in other "
                   f"files)", SELF_CONTAINED)
    if n_external:
        raise Fail(f"dataset '{_name(path)}' keeps its data in an external file",
                   SELF_CONTAINED)
    odd = [f for f in filters if f not in BUILTIN_FILTERS]
    if odd:
        raise Fail(f"dataset '{_name(path)}' needs HDF5 filter {odd[0]}, which is not built "
                   "in; lstmviz loads no filter plugins",
                   "supported: uncompressed, gzip, lzf, szip, shuffle, fletcher32, nbit and "
                   "scale-offset datasets")


def check_file(h5: Any) -> None:
    """Walk every link of an open file (following none) and refuse external or
    user-defined links and datasets stored outside the file. Each object is inspected
    once, however many hard links lead to it (a file whose groups link into one another
    names the same dataset thousands of times)."""
    import h5py
    from h5py import h5l

    seen = [0]
    inspected: set[int] = set()
    failed: list[Fail] = []
    # the groups above the link being visited (the walk goes depth first): an object is
    # opened from its group by its own name, not from the root by its whole path (that
    # walked a path of depth d for each of d nested groups: 2,000 took 4 s, and grew as d^2)
    above: list[tuple[bytes, Any]] = [(b"", h5)]

    def open_object(name: bytes) -> Any:
        while len(above) > 1 and not name.startswith(above[-1][0] + b"/"):
            above.pop()
        parent, group = above[-1]
        rest = name[len(parent) + 1:] if parent else name
        obj = group.get(rest) if b"/" not in rest else h5.get(name)
        if isinstance(obj, h5py.Group):
            above.append((name, obj))
        return obj

    def visit(name: bytes, info: Any) -> object:
        # an exception raised in here would reach us as a SystemError: keep it, stop
        seen[0] += 1
        path = name.decode("utf-8", "replace")
        try:
            if seen[0] > MAX_LINKS:
                raise Fail(f"the file holds more than {MAX_LINKS} objects")
            if name.count(b"/") >= MAX_DEPTH:  # (the walk stops here, before libhdf5 goes deeper)
                raise Fail(f"the file's groups are nested more than {MAX_DEPTH:,} deep (a Keras "
                           "file's are nested a few levels)")
            if info.type == h5l.TYPE_HARD:
                if info.u in inspected:
                    return None
                inspected.add(info.u)
                obj = open_object(name)
                if isinstance(obj, h5py.Dataset):
                    check_dataset(obj, path)
            elif info.type != h5l.TYPE_SOFT:
                check_link(h5.get(path, getlink=True), path)
                raise Fail(f"'{_name(path)}' is a link of unknown type {info.type}",
                           SELF_CONTAINED)
        except Fail as fail:
            failed.append(fail)
            return True
        except Exception as exc:  # (libhdf5 cannot open it: a damaged header, or name)
            refusal = Fail(f"cannot open '{_name(path)}' in the file; it may be truncated or corrupt")
            refusal.__cause__ = exc
            failed.append(refusal)
            return True
        return None

    try:
        h5.id.links.visit(visit, info=True)
    except Exception as exc:
        if not failed:  # (libhdf5: "bad local heap signature", "wrong B-tree signature" ...)
            raise Fail("cannot list the groups and arrays in the file; it may be truncated "
                       "or corrupt") from exc
    if failed:
        raise failed[0]


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: the multi-file drivers' identification in a superblock's driver information block
#: (libhdf5's H5FDmulti.c and H5FDfamily.c): a set of files, not one
MULTI_FILE_DRIVERS = {b"NCSAmult": "split (multi)", b"NCSAfami": "family"}
#: where a superblock may begin (after a user block of 512 bytes times a power of two)
#: that is looked for, and the bytes read to find it
_HEAD_BYTES = 64 * 1024


def _head(src: Any) -> bytes:
    try:
        if hasattr(src, "read"):
            at = src.tell()
            src.seek(0)
            try:
                return src.read(_HEAD_BYTES)
            finally:
                src.seek(at)
        with open(src, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except (OSError, ValueError, TypeError):
        return b""


def multi_file_driver(src: Any) -> str | None:
    """The kind of a set of HDF5 files (libhdf5's split/multi or family driver) whose
    first file ``src`` is, from its superblock's driver information block (None: no
    such file, or not one that can be told). A version 0 or 1 superblock holds that block's
    address; the block names its driver in 8 bytes after 8 of version and size."""
    head = _head(src)
    at = 0
    while at + 64 <= len(head):
        if head[at:at + 8] == HDF5_SIGNATURE:
            break
        at = 512 if at == 0 else at * 2
    else:
        return None
    version, width = head[at + 8], head[at + 13]
    if version not in (0, 1) or width not in (2, 4, 8):
        return None
    fields = at + (24 if version == 0 else 28)  # base, free space, end of file, driver block

    def address(k: int) -> int:
        return int.from_bytes(head[fields + k * width:fields + (k + 1) * width], "little")

    base, driver = address(0), address(3)
    if driver == (1 << (8 * width)) - 1:  # (undefined: the default, one-file driver)
        return None
    name = head[base + driver + 8:base + driver + 16] if base + driver + 16 <= len(head) else b""
    return MULTI_FILE_DRIVERS.get(name)


def open_h5(src: Any) -> Any:
    """Open HDF5 read-only and refuse it at once if it reaches outside itself (external
    storage, virtual datasets, external links: ``check_file``)."""
    import h5py
    try:
        h5 = h5py.File(src, "r")
    except Exception as exc:
        kind = multi_file_driver(src)
        if kind:  # (libhdf5 refuses it as "truncated file" or "multi driver should be used")
            raise Fail(f"the file is one file of a {kind} HDF5 set (the rest of it is in "
                       "other files beside it)",
                       "lstmviz reads single-file HDF5 models only (as Keras saves them: "
                       "model.save or save_weights)") from exc
        raise Fail("cannot open as HDF5: the file is truncated "
                   "or corrupt") from exc
    try:
        check_file(h5)
    except BaseException:
        h5.close()
        raise
    return h5
