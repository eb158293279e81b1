"""Writes tensors in the safetensors layout that earshot reads (src/nn/safetensors.hpp)."""
import json
import struct

import numpy as np


def write_safetensors(path, tensors, metadata):
    """The safetensors layout: header length (u64 LE), JSON header, then the F32 data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
