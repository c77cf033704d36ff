"""crc16: CRC-16/X.25 (reflected polynomial 0x8408, init 0xFFFF, final complement) of a byte
array, returned with its two bytes swapped (as the NPBench crc16 benchmark does).

`kernel_numpy` follows NPBench's formulation: a loop over the elements of the array itself
(`for byte in data`), each a NumPy uint8. `kernel_restructured` loops over indices and turns
each byte into a Python int first.
"""

import numpy as np

NAME = "crc16"
SIZES = {
    "test": dict(N=16),
    "S": dict(N=2000),
    "M": dict(N=20000),
}
OUTPUTS = ()


def init(N):
    rng = np.random.default_rng(42)
    data = rng.integers(0, 256, size=N, dtype=np.uint8)
    return (data,)


def kernel_numpy(data, poly=0x8408):
    crc = 0xFFFF
    for byte in data:
        cur_byte = 0xFF & byte
        for _ in range(8):
            if (crc & 0x0001) ^ (cur_byte & 0x0001):
                crc = (crc >> 1) ^ poly
            else:
                crc >>= 1
            cur_byte >>= 1
    crc = ~crc & 0xFFFF
    crc = (crc << 8) | ((crc >> 8) & 0xFF)
    return crc & 0xFFFF


def kernel_restructured(data, poly=0x8408):
    crc = 0xFFFF
    for i in range(data.shape[0]):
        cur_byte = 0xFF & int(data[i])
        for _ in range(8):
            if (crc & 0x0001) ^ (cur_byte & 0x0001):
                crc = (crc >> 1) ^ poly
            else:
                crc >>= 1
            cur_byte >>= 1
    crc = ~crc & 0xFFFF
    crc = (crc << 8) | ((crc >> 8) & 0xFF)
    return crc & 0xFFFF


def _table(poly):
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ poly if value & 1 else value >> 1
        table.append(value)
    return table


def kernel_reference(data, poly=0x8408):
    # Independent table-driven formulation of the same reflected CRC.
    table = _table(poly)
    crc = 0xFFFF
    for k in range(data.shape[0]):
        crc = (crc >> 8) ^ table[(crc ^ int(data[k])) & 0xFF]
    crc ^= 0xFFFF
    return ((crc & 0xFF) << 8) | (crc >> 8)


# CRC-16/X.25 catalogue check value of b"123456789" is 0x906E; byte-swapped here.
CHECK = (np.frombuffer(b"123456789", dtype=np.uint8), 0x6E90)


def kernel_jax(data, poly=0x8408):
    import jax.numpy as jnp
    from jax import lax

    def feed_byte(crc, byte):
        byte = byte.astype(jnp.int32)
        for _ in range(8):
            crc = jnp.where(((crc ^ byte) & 1) == 1, (crc >> 1) ^ poly, crc >> 1)
            byte = byte >> 1
        return crc, None

    crc, _ = lax.scan(feed_byte, jnp.int32(0xFFFF), data)
    crc = ~crc & 0xFFFF
    crc = (crc << 8) | ((crc >> 8) & 0xFF)
    return crc & 0xFFFF
