"""Fine-tune a pretrained (ticket) BERT on one language's NER or POS data; test F1.

Paper §4.1 / XTREME: token classification with the label on the first sub-token of
each word (the other sub-tokens get -100 and are ignored by loss and evaluation;
words cut off by ``--max-length`` are dropped from gold and prediction alike, as in
XTREME). AdamW, linear decay of the learning rate to 0, gradient clipping at 1.0,
``--epochs`` epochs — raised, if needed, until at least ``--min-updates`` optimizer
updates happen (the paper's NER setting: 2 epochs but at least 2500 updates). Dev F1
is measured after every epoch; the best epoch's weights (the earliest on ties) are
evaluated on test. A ticket model runs every batch through ``--lang``'s ticket.

Scores are seqeval F1 / precision / recall in percent:
- NER: seqeval's default (conlleval-style) chunking of the IOB2 tags
  O, B-/I-PER, ORG, LOC.
- POS: the 17 UPOS tags, each token mapped to its own chunk (``NOUN`` → ``B-NOUN``),
  so every token is a one-token entity in gold and prediction alike and seqeval's
  micro F1 = precision = recall = token accuracy (XTREME's POS metric).

Output: ``metrics.json`` (written atomically) with task, language, seed, variant,
f1, precision, recall, best_epoch, dev_f1, train_sentences, updates and more.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from mtickets.device import add_device_argument, enable_tf32, resolve_device
from mtickets.errors import MticketsError
from mtickets.formats.metrics import write_metrics
from mtickets.progress import progress
from mtickets.formats.special_tokens import SpecialTokens, check_agree
from mtickets.formats.xtreme import LABELS, READERS

log = logging.getLogger(__name__)


@dataclass
class Encoded:
    """One sentence: sub-token ids and labels (-100 except first sub-tokens)."""

    input_ids: list[int]
    labels: list[int]


def load_tokenizer(directory: Path):
    from transformers import BertTokenizerFast

    try:
        return BertTokenizerFast.from_pretrained(str(directory))
    except (OSError, ValueError, TypeError) as error:
        raise MticketsError(
            f"--tokenizer {directory}: cannot load a BertTokenizerFast ({error}); pass the "
            f"`mtickets tokenizer` output directory"
        ) from None


def encode_sentences(
    sentences: Sequence[tuple[list[str], list[str]]],
    tokenizer,
    label2id: dict[str, int],
    max_length: int,
    source: str | Path = "<input>",
) -> list[Encoded]:
    """Tokenize pre-split words; label each word's first sub-token, the rest -100.

    Sentences left with no labelled position (all words vanished or were cut off)
    are dropped.
    """
    for number, (_, tags) in enumerate(sentences, start=1):
        for tag in tags:
            if tag not in label2id:
                raise MticketsError(
                    f"{source}: sentence {number} has tag {tag!r}, not one of the task's labels "
                    f"({', '.join(label2id)})"
                )
    if not sentences:
        return []
    encoding = tokenizer(
        [list(words) for words, _ in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        add_special_tokens=True,
    )
    out = []
    for index, (_, tags) in enumerate(sentences):
        word_ids = encoding.word_ids(index)
        labels, previous = [], None
        for word in word_ids:
            if word is None or word == previous:
                labels.append(-100)
            else:
                labels.append(label2id[tags[word]])
            previous = word
        if any(label != -100 for label in labels):
            out.append(Encoded(list(encoding["input_ids"][index]), labels))
    return out


def pad(batch: Sequence[Encoded], pad_id: int = 0) -> dict[str, torch.Tensor]:
    width = max(len(e.input_ids) for e in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        n = len(e.input_ids)
        input_ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        attention[row, :n] = 1
    return {
        "input_ids": input_ids,
        "attention_mask": attention,
        "token_type_ids": torch.zeros_like(input_ids),
        "labels": labels,
    }


def seqeval_tags(task: str, tags: list[str]) -> list[str]:
    """POS tags become one-token chunks so that seqeval's F1 is token accuracy."""
    return [f"B-{t}" for t in tags] if task == "pos" else list(tags)


def score(task: str, gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """seqeval micro F1 / precision / recall in percent, plus token accuracy."""
    from seqeval.metrics import f1_score, precision_score, recall_score

    gold_s = [seqeval_tags(task, s) for s in gold]
    pred_s = [seqeval_tags(task, s) for s in pred]
    total = sum(len(s) for s in gold)
    correct = sum(g == p for gs, ps in zip(gold, pred) for g, p in zip(gs, ps))
    return {
        "f1": 100.0 * float(f1_score(gold_s, pred_s, zero_division=0)),
        "precision": 100.0 * float(precision_score(gold_s, pred_s, zero_division=0)),
        "recall": 100.0 * float(recall_score(gold_s, pred_s, zero_division=0)),
        "token_accuracy": 100.0 * correct / max(1, total),
    }


@torch.no_grad()
def predict(model, data: list[Encoded], id2label: dict[int, str], language, device, batch_size: int,
            pad_id: int = 0):
    """Gold and predicted tag sequences over the labelled (first sub-token) positions."""
    model.eval()
    gold, pred = [], []
    for start in range(0, len(data), batch_size):
        batch = pad(data[start : start + batch_size], pad_id)
        labels = batch.pop("labels")
        batch = {k: v.to(device) for k, v in batch.items()}
        logits = model(**batch, language=language).logits
        argmax = logits.argmax(dim=-1).cpu()
        for row in range(labels.shape[0]):
            keep = labels[row] != -100
            gold.append([id2label[int(i)] for i in labels[row][keep]])
            pred.append([id2label[int(i)] for i in argmax[row][keep]])
    return gold, pred


def epochs_needed(epochs: int, batches_per_epoch: int, min_updates: int) -> int:
    """``epochs``, raised until epochs × batches ≥ ``min_updates``."""
    if batches_per_epoch <= 0:
        return epochs
    return max(epochs, math.ceil(min_updates / batches_per_epoch))


@dataclass
class FinetuneConfig:
    """One fine-tuning run: the ``mtickets finetune`` options."""

    model: Path
    task: str
    lang: str
    train: Path
    dev: Path
    test: Path
    out: Path
    tokenizer: Path | None = None  # default: the model directory's
    variant: str | None = None
    seed: int = 1
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 2e-5
    min_updates: int = 0
    max_length: int = 128
    device: str = "auto"

    def check(self) -> None:
        if self.epochs <= 0 or self.batch_size <= 0 or self.max_length < 3:
            raise MticketsError("--epochs and --batch-size must be positive and --max-length at least 3")


@dataclass
class Split:
    path: Path
    sentences: list
    encoded: list[Encoded]


def read_splits(cfg: FinetuneConfig, tokenizer, label2id: dict[str, int]) -> dict[str, Split]:
    """train, dev and test, read and tokenized; an empty split is an error naming its file."""
    splits = {}
    for split in ("train", "dev", "test"):
        path = Path(getattr(cfg, split))
        sentences = READERS[cfg.task](path)
        if not sentences:
            raise MticketsError(f"{path}: no sentences; the {cfg.task} {split} file of '{cfg.lang}' is empty")
        encoded = encode_sentences(sentences, tokenizer, label2id, cfg.max_length, path)
        if not encoded:
            raise MticketsError(f"{path}: no sentence keeps a labelled sub-token after tokenization")
        splits[split] = Split(path, sentences, encoded)
    return splits


def load_model(cfg: FinetuneConfig, tokenizer, tokenizer_dir: Path, labels: Sequence[str]):
    """The tagger on the pretrained model, checked against the tokenizer and the language; and the
    ticket language to run it with (None for a dense model)."""
    from mtickets.modeling import TicketBertForTokenClassification

    try:
        model = TicketBertForTokenClassification.from_pretrained(
            str(cfg.model), num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={tag: i for i, tag in enumerate(labels)},
        )
    except (OSError, ValueError) as error:
        raise MticketsError(f"--model {cfg.model}: cannot load a ticket-bert model ({error})") from None
    if len(tokenizer) > model.config.vocab_size:
        raise MticketsError(
            f"--tokenizer {tokenizer_dir} has {len(tokenizer)} tokens but the model {cfg.model} has "
            f"vocab_size {model.config.vocab_size}; pass the tokenizer the model was pretrained with"
        )
    specials = SpecialTokens.from_vocab(tokenizer.get_vocab(), f"--tokenizer {tokenizer_dir}")
    model_specials = SpecialTokens.from_config(model.config, f"--model {cfg.model}")
    check_agree(specials, f"--tokenizer {tokenizer_dir}", model_specials, f"--model {cfg.model}")
    if cfg.max_length > model.config.max_position_embeddings:
        raise MticketsError(
            f"--max-length {cfg.max_length} exceeds the model's max_position_embeddings "
            f"{model.config.max_position_embeddings} ({cfg.model})"
        )
    exported_for = getattr(model.config, "ticket_language", None)
    if exported_for and exported_for != cfg.lang:
        raise MticketsError(
            f"{cfg.model} is the compact export of language '{exported_for}'s ticket; it cannot "
            f"fine-tune '{cfg.lang}'. Export '{cfg.lang}' (`mtickets export --lang {cfg.lang}`) "
            "or pass the ticket model"
        )
    bank = list(getattr(model.config, "languages", None) or [])
    if bank and cfg.lang not in bank:
        raise MticketsError(
            f"language '{cfg.lang}' has no ticket in {cfg.model} (its ticket bank: {', '.join(bank)}); "
            f"fine-tune only pretraining languages or add '{cfg.lang}' to the ticket languages"
        )
    return model, (cfg.lang if bank else None)


@dataclass
class Training:
    """What training leaves: the best dev epoch's weights and the record of every epoch."""

    best_state: dict
    best_epoch: int
    best_dev_f1: float
    dev_f1_per_epoch: list[float]
    epochs: int
    updates: int


def train(cfg: FinetuneConfig, model, splits: dict[str, Split], language: str | None, device, pad_id: int,
          id2label: dict[int, str]) -> Training:
    """AdamW with linear decay over ``epochs`` (raised to ``min_updates``); dev F1 after every epoch."""
    train_set = splits["train"].encoded
    batches_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    epochs = epochs_needed(cfg.epochs, batches_per_epoch, cfg.min_updates)
    total_updates = epochs * batches_per_epoch
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.0, eps=1e-8)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: max(0.0, (total_updates - step) / total_updates)
    )
    generator = torch.Generator().manual_seed(cfg.seed)
    eval_batch = max(cfg.batch_size, 64)
    result = Training(best_state={}, best_epoch=0, best_dev_f1=-1.0, dev_f1_per_epoch=[], epochs=epochs, updates=0)
    bar = progress(total=total_updates, desc=f"finetune {cfg.task}/{cfg.lang}")
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(train_set), generator=generator).tolist()
        for start in range(0, len(order), cfg.batch_size):
            batch = pad([train_set[i] for i in order[start : start + cfg.batch_size]], pad_id)
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch, language=language).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            result.updates += 1
            bar.update(1)
        gold, pred = predict(model, splits["dev"].encoded, id2label, language, device, eval_batch, pad_id)
        dev = score(cfg.task, gold, pred)
        result.dev_f1_per_epoch.append(dev["f1"])
        log.debug("epoch %d: dev f1 %.2f (last loss %.4f)", epoch, dev["f1"], loss.item())
        if dev["f1"] > result.best_dev_f1:
            result.best_dev_f1, result.best_epoch = dev["f1"], epoch
            result.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    bar.close()
    return result


def finetune(cfg: FinetuneConfig) -> dict:
    """Fine-tune, pick the best dev epoch, score it on test; write and return ``metrics.json``."""
    cfg.check()
    started = time.time()
    labels = LABELS[cfg.task]
    id2label = dict(enumerate(labels))
    tokenizer_dir = cfg.tokenizer or cfg.model
    tokenizer = load_tokenizer(Path(tokenizer_dir))
    splits = read_splits(cfg, tokenizer, {tag: i for i, tag in enumerate(labels)})

    device = resolve_device(cfg.device)
    enable_tf32(device)
    torch.manual_seed(cfg.seed)
    model, language = load_model(cfg, tokenizer, tokenizer_dir, labels)
    model.to(device)
    pad_id = SpecialTokens.from_config(model.config, f"--model {cfg.model}").pad
    training = train(cfg, model, splits, language, device, pad_id, id2label)

    model.load_state_dict(training.best_state)
    gold, pred = predict(model, splits["test"].encoded, id2label, language, device, max(cfg.batch_size, 64), pad_id)
    test = score(cfg.task, gold, pred)
    metrics = {
        "task": cfg.task,
        "language": cfg.lang,
        "seed": cfg.seed,
        "variant": cfg.variant,
        "model": str(cfg.model),
        "f1": test["f1"],
        "precision": test["precision"],
        "recall": test["recall"],
        "token_accuracy": test["token_accuracy"],
        "best_epoch": training.best_epoch,
        "dev_f1": training.best_dev_f1,
        "dev_f1_per_epoch": training.dev_f1_per_epoch,
        "epochs": training.epochs,
        "updates": training.updates,
        "train_sentences": len(splits["train"].sentences),
        "dev_sentences": len(splits["dev"].sentences),
        "test_sentences": len(splits["test"].sentences),
        "ticket": language,
        "batch_size": cfg.batch_size,
        "learning_rate": cfg.learning_rate,
        "max_length": cfg.max_length,
        "device": str(device),
        "seconds": round(time.time() - started, 3),
    }
    write_metrics(cfg.out, metrics)
    log.info("%s/%s seed %d: test F1 %.2f (best epoch %d of %d, dev F1 %.2f)", cfg.task, cfg.lang, cfg.seed,
             test["f1"], training.best_epoch, training.epochs, training.best_dev_f1)
    return metrics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="pretrained model (save_pretrained dir)")
    parser.add_argument("--tokenizer", type=Path,
                        help="tokenizer directory (`mtickets tokenizer` output); default: --model")
    parser.add_argument("--task", required=True, choices=sorted(LABELS))
    parser.add_argument("--lang", required=True, help="language code (selects the ticket)")
    parser.add_argument("--variant", help="model variant name, recorded in metrics.json")
    parser.add_argument("--train", required=True, type=Path)
    parser.add_argument("--dev", required=True, type=Path)
    parser.add_argument("--test", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--min-updates", type=int, default=0, help="raise epochs until this many updates")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    add_device_argument(parser)
    parser.add_argument("--out", required=True, type=Path, help="metrics.json path")


def main(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    finetune(FinetuneConfig(
        model=args.model, tokenizer=args.tokenizer, task=args.task, lang=args.lang, variant=args.variant,
        train=args.train, dev=args.dev, test=args.test, out=args.out, seed=args.seed, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, min_updates=args.min_updates,
        max_length=args.max_length, device=args.device,
    ))
