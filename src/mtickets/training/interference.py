"""Interference between languages while pretraining: gradient cosine gc and cumulative-update cosine uc.

Paper §3 (Eq. 2, 6–7). For a layer (the embeddings, or encoder layer k):

- ``uc(i, j) = cos(u_i, u_j)`` with ``u_i = Σ_t 1[l(t) = i] δ_t``, the sum of the parameter
  changes ``δ_t = θ_t − θ_{t−1}`` of the steps that trained language i;
- ``gc(i, j) = cos(g_i, g_j)``, the gradients of two languages' losses at the same θ, on
  a fixed probe batch per language (its held-out examples when the shards have them),
  each through its own ticket, without dropout.

Exact ``u_i`` for every language cost |languages| × |parameters| (103 × 178M floats ≈
73 GB for mBERT), so every layer is tracked through a seeded count sketch (``CountSketch``:
each weight goes to one of ``sketch_dim`` buckets with a random sign; inner products,
hence cosines, are preserved in expectation with error ~ 1/√sketch_dim), and
``exact_layers`` × ``exact_languages`` exactly besides. Under ``language_per: rank`` a
step's δ comes from several languages at once; it is attributed to each in proportion
to the ranks that drew it (δ/G per rank).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from mtickets.errors import MticketsError

if TYPE_CHECKING:
    from mtickets.training.settings import InterferenceSettings

EMBEDDINGS = "embeddings"
_LAYER = re.compile(r"(?:^|\.)encoder\.layer\.(\d+)\.")


def layer_of(name: str) -> str | None:
    """The interference layer of a parameter name: ``embeddings``, ``layer.k``, or None (pooler, heads)."""
    match = _LAYER.search(name)
    if match:
        return f"layer.{match.group(1)}"
    return EMBEDDINGS if ".embeddings." in f".{name}" else None


def layer_order(layers) -> list[str]:
    return sorted(set(layers), key=lambda layer: -1 if layer == EMBEDDINGS else int(layer.split(".")[1]))


class FlatParameters:
    """The tracked parameters (every one in a layer) as one flat vector, layer by layer."""

    def __init__(self, model: torch.nn.Module):
        named = [(layer_of(name), name, p) for name, p in model.named_parameters()]
        named = [entry for entry in named if entry[0] is not None]
        self.layers = layer_order(layer for layer, _, _ in named)
        rank = {layer: i for i, layer in enumerate(self.layers)}
        named.sort(key=lambda entry: rank[entry[0]])  # stable: module order within a layer
        self.parameters = [p for _, _, p in named]
        sizes = torch.tensor([p.numel() for p in self.parameters])
        per_layer = torch.zeros(len(self.layers), dtype=torch.long).index_add_(
            0, torch.tensor([rank[layer] for layer, _, _ in named]), sizes)
        self.bounds = torch.cat([torch.zeros(1, dtype=torch.long), per_layer.cumsum(0)]).tolist()
        self.numel = self.bounds[-1]

    def layer_slice(self, layer: str) -> slice:
        i = self.layers.index(layer)
        return slice(self.bounds[i], self.bounds[i + 1])

    def values(self, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in self.parameters], out=out)

    def gradients(self) -> torch.Tensor:
        return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                          for p in self.parameters])


class CountSketch:
    """``[layers, dim]`` sketch of a flat vector: element e adds ``sign[e] · x[e]`` to bucket
    ``bucket[e]`` of its layer. Seeded, so a resumed run sketches the same way.

    The sign lives in the bucket table: each layer has 2·dim slots, the first dim for
    + and the second for −, and the sketch is their difference — one pass of
    ``index_add_`` over the vector, no multiplication by a sign array."""

    def __init__(self, flat: FlatParameters, dim: int, seed: int, device: torch.device):
        generator = torch.Generator().manual_seed(seed)
        # int32 throughout: at mBERT's 178M weights an int64 table would cost 1.4 GB more at start-up.
        slots = torch.randint(2 * dim, (flat.numel,), generator=generator, dtype=torch.int32)
        slots += torch.repeat_interleave(torch.arange(len(flat.layers), dtype=torch.int32) * (2 * dim),
                                         torch.diff(torch.tensor(flat.bounds)))
        self.slots = slots.to(device)
        self.shape = (len(flat.layers), dim)

    def __call__(self, vector: torch.Tensor) -> torch.Tensor:
        layers, dim = self.shape
        out = torch.zeros(layers * 2 * dim, dtype=vector.dtype, device=vector.device)
        signed = out.index_add_(0, self.slots, vector).view(layers, 2, dim)
        return signed[:, 0] - signed[:, 1]


def pairwise_cosines(vectors: torch.Tensor) -> torch.Tensor:
    """``[..., n, d]`` → ``[..., n, n]`` cosines (0 where a vector is zero)."""
    norms = vectors.norm(dim=-1, keepdim=True)
    unit = vectors / norms.clamp(min=torch.finfo(vectors.dtype).tiny)
    return unit @ unit.transpose(-1, -2)


class InterferenceTracker:
    """Accumulates each tracked language's updates (sketched, and exactly where asked) after every
    optimizer step and gives the uc and gc rows. ``state_dict`` goes into the checkpoint."""

    def __init__(self, model: torch.nn.Module, settings: InterferenceSettings, device: torch.device):
        self.model, self.settings = model, settings
        self.flat = FlatParameters(model)
        unknown = sorted(set(settings.exact_layers) - set(self.flat.layers))
        if unknown:
            raise MticketsError(f"interference.exact_layers {', '.join(unknown)}: the model's layers are "
                                f"{', '.join(self.flat.layers)}")
        outside = sorted(set(settings.exact_languages) - set(settings.languages))
        if outside:
            raise MticketsError(f"interference.exact_languages {', '.join(outside)}: not among the tracked "
                                f"languages {', '.join(settings.languages)}")
        self.index = {lang: i for i, lang in enumerate(settings.languages)}
        self.sketch = CountSketch(self.flat, settings.sketch_dim, settings.seed, device)
        self.updates = torch.zeros(len(settings.languages), *self.sketch.shape, dtype=torch.float64, device=device)
        self.exact_slices = {layer: self.flat.layer_slice(layer) for layer in settings.exact_layers}
        self.exact = {(lang, layer): torch.zeros(s.stop - s.start, dtype=torch.float64, device=device)
                      for lang in settings.exact_languages for layer, s in self.exact_slices.items()}
        self.previous = self.flat.values()
        self.spare = torch.empty_like(self.previous)

    def state_dict(self) -> dict:
        return {"updates": self.updates.cpu(), "exact": {f"{lang}|{layer}": v.cpu() for (lang, layer), v in
                                                        self.exact.items()}}

    def load_state_dict(self, state: Mapping) -> None:
        self.updates.copy_(state["updates"])
        for key, value in state["exact"].items():
            lang, layer = key.split("|")
            self.exact[(lang, layer)].copy_(value)
        self.previous = self.flat.values()

    def after_step(self, step_languages: Sequence[str]) -> None:
        """Attribute the step's parameter change to its language(s).

        Two flat buffers and no full-size temporary: the current weights go into the spare
        one, the previous ones become their negated change (θ_{t−1} − θ_t, accumulated with
        a negative share), which is sketched; the buffers swap roles."""
        current = self.flat.values(out=self.spare)
        negated_delta = self.previous.sub_(current)
        self.previous, self.spare = current, negated_delta
        shares = {lang: step_languages.count(lang) / len(step_languages) for lang in set(step_languages)
                  if lang in self.index}
        if not shares:
            return
        for lang, share in shares.items():
            for layer, part in self.exact_slices.items():
                if (lang, layer) in self.exact:
                    self.exact[(lang, layer)].sub_(negated_delta[part].double(), alpha=share)
        sketched = self.sketch(negated_delta).double()
        for lang, share in shares.items():
            self.updates[self.index[lang]].sub_(sketched, alpha=share)

    def uc_rows(self, step: int):
        return self._rows(step, self.updates, self.exact)

    def gc_rows(self, step: int, probe_loss):
        """gc at the current θ: ``probe_loss(language)`` returns that language's loss on its probe batch."""
        sketches = torch.zeros_like(self.updates)
        exact = {}
        was_training = self.model.training
        self.model.eval()
        for lang, i in self.index.items():
            self.model.zero_grad(set_to_none=True)
            probe_loss(lang).backward()
            gradient = self.flat.gradients()
            sketches[i] = self.sketch(gradient).double()
            for layer, part in self.exact_slices.items():
                if lang in self.settings.exact_languages:
                    exact[(lang, layer)] = gradient[part].double()
        self.model.zero_grad(set_to_none=True)
        self.model.train(was_training)
        return self._rows(step, sketches, exact)

    def _rows(self, step: int, sketches: torch.Tensor, exact: Mapping[tuple[str, str], torch.Tensor]):
        """A ``step, layer, lang_i, lang_j, value, method`` frame: every pair i < j of every layer."""
        import pandas as pd

        languages = np.array(self.settings.languages, dtype=object)
        layers = np.array(self.flat.layers, dtype=object)
        cosines = pairwise_cosines(sketches.transpose(0, 1)).cpu().numpy()  # [layers, langs, langs]
        i, j = np.triu_indices(len(languages), k=1)
        frames = [pd.DataFrame({
            "step": step, "layer": np.repeat(layers, len(i)), "lang_i": np.tile(languages[i], len(layers)),
            "lang_j": np.tile(languages[j], len(layers)), "value": cosines[:, i, j].ravel(), "method": "sketch",
        })]
        exact_languages = np.array(self.settings.exact_languages, dtype=object)
        i, j = np.triu_indices(len(exact_languages), k=1)
        for layer in self.settings.exact_layers if len(i) else ():
            matrix = pairwise_cosines(torch.stack([exact[(lang, layer)] for lang in exact_languages])).cpu().numpy()
            frames.append(pd.DataFrame({"step": step, "layer": layer, "lang_i": exact_languages[i],
                                        "lang_j": exact_languages[j], "value": matrix[i, j], "method": "exact"}))
        return pd.concat(frames, ignore_index=True)
