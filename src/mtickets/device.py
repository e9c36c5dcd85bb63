"""Resolve a ``--device`` choice (auto, cpu, cuda, cuda:N, xla) to a torch device.

``xla`` (TPUs) needs torch_xla, which is built against an older torch than this
project's: it runs in its own environment, ``envs/tpu.yaml``.
"""

from __future__ import annotations

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
