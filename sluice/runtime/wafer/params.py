"""Per-architecture parameters of the wafer simulator: capacities and cycle costs.

The cycle model is an estimate (docs/CSL.md §2.2 item 9): one wavelet per link per cycle,
a fixed hop latency, DSD throughput per element type, fixed costs per DSD op and task
switch. The numbers are round defaults to be calibrated against simfabric by a licensee.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ArchParams:
    arch: str
    hop_latency: int = 1  # cycles for a wavelet to cross one router
    link_buffer: int = 4  # wavelets buffered per (router input, color)
    input_queue: int = 8  # wavelets per CE input queue (per color)
    output_queue: int = 3  # f32 wavelets per CE output queue ([claim] 6 x 16-bit on WSE-2)
    f32_per_cycle: int = 1  # DSD elements per cycle, f32
    f16_per_cycle: int = 2  # DSD elements per cycle, f16 (SIMD)
    dsd_setup: int = 2  # fixed cycles per DSD op
    task_switch: int = 6  # cycles to pick and enter a task
    stmt_cost: int = 1  # cycles per scalar statement
    memcpy_words_per_cycle: int = 1  # host <-> PE words per PE per cycle
    max_async_ops: int = 4  # in-flight async DSD ops per PE (bounded by DSRs/queues)

    def with_(self, **changes: object) -> ArchParams:
        return replace(self, **changes)


ARCH_PARAMS: dict[str, ArchParams] = {
    "wse2": ArchParams("wse2"),
    "wse3": ArchParams("wse3", output_queue=4, f16_per_cycle=4, max_async_ops=8),
}
