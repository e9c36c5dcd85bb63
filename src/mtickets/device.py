"""Resolve a ``--device`` choice (auto, cpu, cuda, cuda:N, xla) to a torch device.

``xla`` (TPUs) needs torch_xla, which is built against an older torch than this
project's: it runs in its own environment, ``envs/tpu.yaml``.
"""

from __future__ import annotations

import re

import torch

from mtickets.errors import MticketsError

CHOICES = ("auto", "cpu", "cuda", "xla")


def resolve_device(spec: str = "auto") -> torch.device:
    """``auto`` is cuda when a GPU is visible, else cpu; an unavailable cuda is an error."""
    spec = (spec or "auto").strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise MticketsError(
                f"--device {spec}: no CUDA GPU is visible to torch here; "
                "use --device cpu or --device auto"
            )
        return torch.device(spec)
    if spec == "xla":
        try:
            import torch_xla
        except ImportError:
            raise MticketsError(
                "--device xla: torch_xla is not installed in this environment; create envs/tpu.yaml's "
                "(torch_xla is built against an older torch than the main environment's)"
            ) from None
        return torch_xla.device()
    raise MticketsError(f"--device {spec!r}: expected auto, cpu, cuda, cuda:N or xla")


def add_device_argument(parser) -> None:
    parser.add_argument(
        "--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda, cuda:N or xla (TPU)"
    )


def enable_tf32(device: torch.device) -> None:
    """On CUDA, let fp32 matrix products use TF32 tensor cores (BERT trains fine with it)."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def step_boundary(device: torch.device) -> None:
    """End of a training step: XLA records operations lazily and runs them here."""
    if device.type == "xla":
        import torch_xla

        torch_xla.sync()


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto``: bf16 autocast on a GPU that supports it, fp32 elsewhere (CPU bf16 is slower)."""
    if precision != "auto":
        return precision
    return "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"


# Dense peak TFLOP/s per GPU, (bf16, fp32), from the vendors' datasheets: their tensor-core
# figures "with sparsity" halved. fp32 is TF32's tensor-core figure where the GPU has TF32
# (``enable_tf32`` turns it on for fp32 matrix products), plain FP32 where it has not.
# First match wins, so the specific names come before the general ones.
PEAK_TFLOPS: list[tuple[str, tuple[float | None, float]]] = [
    (r"H200 NVL", (835.5, 417.5)),  # H200 datasheet: NVL BF16 1,671*, TF32 835* (*sparsity)
    (r"H200", (989.5, 494.5)),  # H200 SXM: BF16 1,979*, TF32 989*
    (r"H100 NVL", (835.5, 417.5)),  # H100 datasheet: NVL BF16 1,671*, TF32 835*
    (r"H100 PCIe", (756.5, 378.0)),  # H100 PCIe: BF16 1,513*, TF32 756*
    (r"H100", (989.5, 494.5)),  # H100 SXM: BF16 1,979*, TF32 989*
    (r"A100", (312.0, 156.0)),  # A100 datasheet: BF16 312 (624*), TF32 156 (312*)
    (r"\bA10\b", (125.0, 62.5)),  # A10 datasheet: BF16 125 (250*), TF32 62.5 (125*)
    (r"\bL4\b", (121.0, 60.0)),  # L4 datasheet: BF16 242*, TF32 120*
    (r"RTX 4090", (165.2, 82.6)),  # Ada whitepaper: BF16 with FP32 accumulate 165.2, TF32 82.6
    (r"V100.*PCI[Ee]", (None, 14.0)),  # V100 datasheet: PCIe FP32 14; no bf16, no TF32
    (r"V100", (None, 15.7)),  # V100 SXM2: FP32 15.7
]


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else str(device)


def peak_flops(device: torch.device, precision: str) -> float | None:
    """Peak FLOP/s of one ``device`` at ``precision`` (bf16 | fp32), from ``PEAK_TFLOPS``; None for
    a CPU, a TPU or a GPU not in the table (``pretrain.peak_tflops`` sets it then)."""
    if device.type != "cuda":
        return None
    name = device_name(device)
    for pattern, (bf16, fp32) in PEAK_TFLOPS:
        if re.search(pattern, name):
            tflops = bf16 if precision == "bf16" else fp32
            return tflops * 1e12 if tflops is not None else None
    return None
