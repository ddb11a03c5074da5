"""PyTorch recurrent state_dicts saved as ``.safetensors`` -> ``ModelSpec``.

Read with the ``safetensors`` package's NumPy API (no torch; the format is a JSON header
of names, dtypes, shapes and byte ranges, then raw little-endian data: nothing in it can
run). The state_dict is mapped exactly as ``torch_state`` maps a ``torch.save`` file
(``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` + ``nn.Linear`` heads; see its docstring). Entry
points, each a registry entry: ``sniff(head)``, ``read_model(path)``, ``read_weights(path)``.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from ..engine.spec import ModelSpec
from ..errors import LstmvizError, is_whole, pip_install
from ..limits import fmt_bytes, shape_fault
from ..text import clean_spec_names, json_fault, kind_of, plural
from ._util import NARROW_FLOATS, narrow_floats

__all__ = ["sniff", "read_model", "read_weights", "damaged", "header_fault", "SUFFIXES"]

SUFFIXES = (".safetensors",)
SUPPORTED = ("supported: .safetensors files of PyTorch nn.LSTM / nn.GRU / nn.RNN state_dicts "
             "(+ nn.Linear heads), float tensors (F64, F32, F16, BF16, F8_E4M3, F8_E5M2)")
MAX_FILE_BYTES = 4 * 1024 ** 3
MAX_HEADER_BYTES = 100 * 1024 * 1024      # the safetensors package's own limit


#: the dtypes read: floats, the weights (those NumPy holds as they are; ``NARROW``, read
#: exactly into float32 from their bits); integers and booleans, which a state_dict holds
#: beside them (``num_batches_tracked``), refused only as a weight (``torch_state._f32``)
NARROW = {"BF16": "bfloat16", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}
DTYPES = ("F64", "F32", "F16", *NARROW, "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
          "BOOL")


def _brief(dt: object) -> str:
    return dt[:20] if isinstance(dt, str) else kind_of(dt)


def _unread(dt: object) -> str:
    """Why a tensor of safetensors dtype ``dt`` is not read: the true reason."""
    if dt in ("C64", "C128"):
        return "a complex type, and weights are real numbers"
    if isinstance(dt, str) and dt[:2] in ("F4", "F6", "F8"):
        return "a float type lstmviz does not read"
    return "not a dtype lstmviz reads"


#: the whitespace JSON allows before its text, which the safetensors package skips before
#: its header's "{" (it parses the header with serde_json; its own check of a leading "{"
#: is commented out in safetensors/src/tensor.rs): nothing else may come before it
JSON_SPACE = b" \t\n\r"


def _json_at(head: bytes, at: int) -> int:
    """Where the JSON text that begins at ``head[at]`` has its first byte, past JSON's
    whitespace (``len(head)``: nothing but whitespace to the end of ``head``)."""
    return len(head) - len(head[at:].lstrip(JSON_SPACE))


def sniff(head: bytes) -> bool:
    """True when ``head`` starts like a safetensors file: an 8-byte little-endian header
    length, then the JSON header's ``{``, after any JSON whitespace (or only whitespace to
    the end of ``head``, which the header goes on past)."""
    if len(head) < 10:
        return False
    n = struct.unpack("<Q", head[:8])[0]
    if not 2 <= n <= MAX_HEADER_BYTES:
        return False
    header = head[:8 + n]  # (its bytes in ``head``: a "{" of the data after it is none of its)
    at = _json_at(header, 8)
    return header[at:at + 1] == b"{" or (at == len(head) and 8 + n > len(head))


def header_fault(n: int, size: int) -> str | None:
    """What is wrong with a header length of ``n`` bytes in a file of ``size`` bytes (None:
    nothing): the one-line refusal's words, the numbers in them."""
    if n < 2:
        return f"the safetensors header length is {plural(n, 'byte')}, too short for its JSON"
    if n > size - 8:
        return (f"the safetensors header length is {n:,} bytes but the file has {size:,} "
                "(truncated or damaged)")
    if n > MAX_HEADER_BYTES:
        return (f"the safetensors header length is {n:,} bytes, more than the "
                f"{MAX_HEADER_BYTES:,} a safetensors header may have (damaged)")
    return None


#: UTF-8's byte-order mark, which an editor or a text-mode copy may put before a file
BOM = b"\xef\xbb\xbf"


def damaged(head: bytes, size: int, name: str = "") -> str | None:
    """For a file no format claims: what is wrong when it is a safetensors file but for
    its header length (its JSON header begins after 8 bytes that are no text, or its name
    says safetensors), or but for a UTF-8 byte-order mark before its header length or its
    JSON (the safetensors package reads neither: a length of "header too large", JSON
    "expected value at line 1 column 1"), else None."""
    if head.startswith(BOM) and sniff(head[3:]):
        return ("the file begins with a UTF-8 byte-order mark (bytes EF BB BF) before its "
                "safetensors header length, where a safetensors file begins with that length's "
                "8 bytes (something wrote it as text): remove the first 3 bytes")
    json_at = 8 + len(BOM) if head[8:11] == BOM else 8
    at = _json_at(head, json_at)
    if len(head) < at + 2 or head[at:at + 2] != b'{"':
        return None
    if not name.lower().endswith(SUFFIXES) and head[:8].decode("utf-8", "replace").isprintable():
        return None  # (a text file, a JSON config, whose 9th character opens an object)
    fault = header_fault(struct.unpack("<Q", head[:8])[0], size)
    if fault or json_at == 8:
        return fault
    return ("the safetensors header's JSON begins with a UTF-8 byte-order mark (bytes EF BB BF), "
            "where a safetensors file's JSON begins right after its 8-byte length, as the "
            "safetensors package reads it (something wrote it as text)")


#: what a safetensors header holds, said after what is wrong with one
HOLDS = ('a safetensors header holds, for each tensor, an object of its "dtype" (a text '
         'such as "F32"), "shape" (a list of whole numbers) and "data_offsets" (its start and '
         'end in the data, two whole numbers), and may hold "__metadata__", an object of texts')


def _shown(value: object) -> str:
    """``value`` as the header writes it (JSON), cut short."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):  # (a JSON value always dumps; kept for safety)
        text = kind_of(value)
    return text if len(text) <= 40 else text[:37] + "..."


#: the largest dimension a safetensors header may give (a 64-bit count)
MOST = 2 ** 64 - 1


def header_entry_fault(header: dict, data_size: int) -> str | None:
    """What is wrong with the parsed JSON ``header`` of a safetensors file whose data after
    the header is ``data_size`` bytes, in the user's terms (None: each entry is as a
    safetensors header holds it). Checked before any entry is used: the safetensors
    package's own refusals of these are its JSON parser's ("invalid type: string, expected
    usize"), and a list where an entry's object belongs was read by it as one."""
    for name, entry in header.items():
        if name == "__metadata__":  # (null: none, as the package reads it)
            if entry is not None and not isinstance(entry, dict):
                return f'its "__metadata__" is {_shown(entry)}, not an object of texts; {HOLDS}'
            for key, value in (entry or {}).items():
                if not isinstance(value, str):
                    return (f'its "__metadata__" entry \'{key[:80]}\' is {_shown(value)}, not a '
                            f"text; {HOLDS}")
            continue
        what = f"tensor '{name[:80]}'"
        if not isinstance(entry, dict):
            return f"{what} is {_shown(entry)} in the header, not an object; {HOLDS}"
        for key in ("dtype", "shape", "data_offsets"):
            if key not in entry:
                return f'{what} has no "{key}"; {HOLDS}'
        if not isinstance(entry["dtype"], str):
            return f'{what} has the dtype {_shown(entry["dtype"])}, not a text; {HOLDS}'
        shape = entry["shape"]
        if not (isinstance(shape, list) and all(is_whole(d, 0, MOST) for d in shape)):
            return f"{what} has the shape {_shown(shape)}, not a list of whole numbers; {HOLDS}"
        fault = shape_fault(shape)  # (a NumPy array's: the arrays read are NumPy's)
        if fault:
            return f"{what} has the shape {_shown(shape)}, which {fault} (damaged)"
        r = entry["data_offsets"]
        if not (isinstance(r, list) and len(r) == 2 and all(is_whole(v, 0) for v in r)):
            return (f"{what} has the data_offsets {_shown(r)}, not two whole numbers (its start "
                    f"and end in the data); {HOLDS}")
        if r[0] > r[1]:
            return (f"{what} has the data_offsets {_shown(r)}, which end before they start "
                    "(damaged)")
        if r[1] > data_size:
            return (f"{what} ends at byte {r[1]:,} of the data, but the file holds "
                    f"{plural(data_size, 'byte')} of data (truncated or damaged)")
    return None


#: the values a header may hold for each tensor lstmviz reads (``torch_state.MAX_TENSORS``):
#: its dtype, two offsets and its shape's numbers, a metadata's texts
MAX_VALUES_PER_TENSOR = 16


def json_objects(raw: bytes, of: bytes = b"{") -> int:
    """How many objects the JSON text ``raw`` opens: its "{" outside its strings (a "{" in
    a tensor's name opens none; ``of`` b",": the commas between its values), counted without
    parsing it: 0.27 s for a 20 MB header of
    300,000 tensors at a load of 10 (its "{" counted in 0.04 s; the parse took 21 s and
    460 MB). Its escapes are dropped first (backslash pairs, then escaped quotes: in JSON a
    backslash is only found in a string, each escape read from the left), so that each
    quote left opens or closes a string: a "{" is outside one when the quotes before it
    are even in number."""
    text = np.frombuffer(raw.replace(b"\\\\", b"").replace(b'\\"', b""), np.uint8)
    count, inside = 0, 0
    for start in range(0, len(text), 1 << 22):  # (in 4 MB pieces: their masks stay small)
        piece = text[start:start + (1 << 22)]
        quotes = np.flatnonzero(piece == ord('"'))
        opens = np.flatnonzero(piece == of[0])
        before = np.searchsorted(quotes, opens) + inside  # (the quotes before each "{")
        count += len(opens) - int(np.count_nonzero(before % 2))
        inside = (inside + len(quotes)) % 2
    return count


def _state_dict(path) -> dict[str, np.ndarray]:
    from safetensors import safe_open

    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise LstmvizError(f"the file is {fmt_bytes(size)}, larger than lstmviz reads ({fmt_bytes(MAX_FILE_BYTES)})")
    with open(path, "rb") as fh:
        head = fh.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
        fault = header_fault(n, size)
        if fault:
            raise LstmvizError(fault)
        raw = fh.read(n)
        from .torch_state import MAX_TENSORS  # (a .pt file's cap: the same state_dicts)

        # every tensor's entry is a JSON object, so the header's objects bound their count
        # before it is parsed: an 89 MB header of 1.5 million empty tensors took 20 s and
        # 970 MB to parse and be refused for holding no recurrent weights
        objects = raw.count(b"{") - 1  # (at most: a "{" in a name opens none)
        if objects > MAX_TENSORS:
            objects = json_objects(raw) - 1
        if objects > MAX_TENSORS:
            raise LstmvizError(f"the header holds {objects:,} objects, room for more tensors "
                               f"than lstmviz reads ({MAX_TENSORS:,})")
        # and a tensor's entry holds a few values (its dtype, its shape's numbers, two offsets):
        # a header of 92 MB, one tensor whose shape listed 11 million numbers, took 11 s and
        # 1.1 GB to parse and be refused
        most = MAX_VALUES_PER_TENSOR * MAX_TENSORS
        if raw.count(b",") > most and (values := json_objects(raw, b",") + 1) > most:
            raise LstmvizError(f"the header holds {values:,} values, more than {MAX_TENSORS:,} tensors "
                               f"(the most lstmviz reads) would hold (damaged)")
        try:  # (as io/_util.parse_json says it: Python's own advice, such as raising its
            # limit of an integer's digits, is nothing a user of a file can act on)
            header = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise LstmvizError(f"the header is not valid JSON ({json_fault(exc)})") from None
    if not isinstance(header, dict):
        raise LstmvizError(f"the header is not a JSON object; {HOLDS}")
    fault = header_entry_fault(header, size - 8 - n)
    if fault:
        raise LstmvizError(fault)
    # tensors in the order of their data in the file (the writer's order), not sorted names
    order = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: (header[k]["data_offsets"][0], k))
    bad = [k for k in order if header[k]["dtype"] not in DTYPES]
    if bad:
        dt = header[bad[0]]["dtype"]
        raise LstmvizError(f"tensor '{bad[0][:80]}' is {_brief(dt)}, {_unread(dt)}; save the "
                           "state_dict as float32")
    narrow = {k: NARROW[header[k]["dtype"]] for k in order if header[k]["dtype"] in NARROW}
    # the arrays read count against the memory limit, as every reader's do (from the
    # header's byte ranges, before reading)
    from ..limits import HINT, excess

    def read_bytes(k: str) -> int:  # (a narrow float read as float32: its bytes as read)
        start, end = header[k]["data_offsets"]
        return (end - start) * (4 // NARROW_FLOATS[narrow[k]] if k in narrow else 1)

    total = sum(read_bytes(k) for k in order)
    over = excess(total, "the tensors in the file")
    if over:
        raise LstmvizError(f"{over}; {HINT}")
    out: dict[str, np.ndarray] = {}
    with safe_open(str(path), framework="numpy") as f:  # (opening it checks the header:
        # every tensor's byte range inside the data, its size its shape's)
        for k in order:
            if k not in narrow:
                out[k] = np.asarray(f.get_tensor(k))
    if narrow:  # (NumPy has no dtype of theirs: their bytes read here, from the same ranges)
        with open(path, "rb") as fh:
            for k in narrow:
                shape = [int(d) for d in header[k]["shape"]]
                start, end = (int(v) for v in header[k]["data_offsets"])
                fh.seek(8 + n + start)
                raw = fh.read(end - start)
                if len(raw) != end - start or len(raw) != NARROW_FLOATS[narrow[k]] * math.prod(shape):
                    raise LstmvizError(f"tensor '{k[:80]}' has {plural(len(raw), 'byte')}, not "
                                       f"those of its shape {tuple(shape)} (truncated or damaged)")
                out[k] = narrow_floats(raw, narrow[k]).reshape(shape)
    return {k: out[k] for k in order}


def read_model(path) -> ModelSpec:
    """A ``ModelSpec`` from a safetensors state_dict; failures are one ``LstmvizError`` line."""
    from .torch_state import Fail as TorchFail
    from .torch_state import _build_spec

    fname = os.path.basename(str(path))
    try:
        import safetensors  # noqa: F401
    except ImportError:
        raise LstmvizError(f"{fname}: reading .safetensors files needs the 'safetensors' package: "
                           f"{pip_install('onnx', 'safetensors')} (the extra 'onnx')") from None
    try:
        sd = _state_dict(path)
        spec = _build_spec(sd, str(path), "safetensors", "", [])
        spec.source["notes"] = [n.replace("PyTorch state_dict", "PyTorch state_dict (safetensors)", 1)
                                for n in spec.source.get("notes", [])]
        return clean_spec_names(spec)  # (its notes name the file's modules, as a .pt's do)
    except TorchFail as f:
        raise LstmvizError(f"{fname}: {f.what}; {SUPPORTED}") from None
    except LstmvizError as err:
        raise LstmvizError(f"{fname}: {err}; {SUPPORTED}") from None
    except OSError as exc:
        raise LstmvizError(f"{fname}: cannot read the file ({exc.strerror or exc})") from None
    except Exception as exc:  # a corrupt file still gives one line
        # (the safetensors package's own words say which check failed: an offset, a shape
        # that does not fit its bytes; any other error's class and words tell a user
        # nothing: they stay chained, for a traceback)
        said = str(exc).splitlines()[0][:160] if str(exc).strip() else ""
        said = said.replace("Error while deserializing header: ", "")
        said = f" ({said})" if said and exc.__class__.__name__ == "SafetensorError" else ""
        raise LstmvizError(f"{fname}: the file is truncated or corrupt{said}; {SUPPORTED}") from exc


def read_weights(path) -> list[tuple[str, list[np.ndarray]]]:
    """(layer name, arrays in Keras order) for every layer with weights."""
    spec = read_model(path)
    return [(l.name or "", list(l.weights)) for l in spec.layers if l.weights]
