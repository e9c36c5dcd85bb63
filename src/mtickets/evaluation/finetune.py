"""Fine-tune a pretrained (ticket) BERT on one language's token tagging task (NER, POS); test F1.

Paper §4.1 / XTREME (its ``utils_preprocess.py`` and ``run_tag.py``), for a task in
PAN-X (``--format panx``, or ``help_ui`` for `mtickets help-task`'s: IOB2 tags) or CoNLL-U
(``conllu``: UPOS tags) format:

- A sentence longer than ``--max-length`` sub-tokens is split, as XTREME does, into
  pieces of at most ``max_length − 2`` sub-tokens (greedily, at word boundaries); a
  word with no sub-token or more than that becomes ``[UNK]``. Every gold word keeps a
  prediction. Pieces are trained and scored as sentences, as in XTREME; predictions
  are written back per original sentence (``predictions.tsv``).
- The label sits on the first sub-token of each word (the others get -100).
- AdamW, linear decay to 0, clipping at 1.0, ``--epochs`` epochs raised until at least
  ``--min-updates`` updates (the paper's NER setting: 2 epochs, ≥ 2500 updates).
- Batches: ``--batching random`` (the default) draws them uniformly, as XTREME's
  sampler does. ``--batching bucketed`` shuffles the training pieces each epoch, sorts
  every window of ``BUCKET_BATCHES`` batches by length, cuts it into batches and shuffles
  the batches, so a batch pads to about its own length rather than to the longest of a
  random draw: faster, but not the paper's draws (on the demo it lowers F1).
- Model selection: dev F1 every ``--eval-every`` updates and after every epoch; the
  best (the earliest on ties) is tested.
- Scores: seqeval F1 / precision / recall in percent on the raw tag sequences, as
  XTREME's ``run_tag.py``: for PAN-X the IOB2 entity spans; for POS seqeval chunks the
  bare UPOS tags by their first letter as a prefix (``NOUN`` → ``N`` + ``OUN``), so
  consecutive same-tag words form one chunk and the number differs from token
  accuracy, which metrics.json reports beside it.

Several ``--seeds`` run one after another in one process (the data is read and
tokenized once; each seed starts from the pretrained weights, with the same random
draws as a process of its own), each writing ``--out`` with ``{seed}`` filled in:
``metrics.json`` and, beside it, ``predictions.tsv`` (word, gold, predicted; a blank
line between sentences). A ticket model runs every batch through ``--lang``'s ticket, a
model with a language embedding adds ``--lang``'s row (``language=``; metrics.json's
``ticket`` stays null without a ticket bank).

Zero-shot (XTREME's main protocol): with ``--test-set LANG PATH`` (repeatable) instead of
``--test``, each seed's model, trained on ``--lang``'s train split and selected on its dev
split, tests every named language, a ticket model through the tested language's own
ticket; ``--out`` then holds ``{lang}`` too and metrics.json records ``protocol``,
``train_language`` and ``train_ticket`` beside ``language`` and ``ticket`` (the tested
language's). ``train_sentences`` and ``dev_sentences`` are then ``--lang``'s.

With ``--save-model DIR`` the first seed's model, restored to its best dev evaluation, is
kept as a Hugging Face folder: ``save_pretrained``'s weights and model code, the config
with the label map (``id2label``), and the tokenizer's files. A model that needs a language
is saved with ``default_language`` set to the one it was fine-tuned in, so a plain
``AutoModelForTokenClassification`` (``trust_remote_code=True``) or a ``pipeline`` runs it
as trained. Zero-shot keeps the model trained on ``--lang``.

Each seed's training loss and learning rate (every update), dev F1 (every evaluation) and
test scores go to the ``--loggers`` (``mtickets.trackers``; TensorBoard by default) in a
``tensorboard/`` folder beside its metrics.json (zero-shot: the training language's).
The losses stay on the device until an evaluation, which waits for it anyway.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mtickets.device import enable_tf32, resolve_device, resolve_precision
from mtickets.errors import MticketsError
from mtickets.evaluation.settings import FinetuneConfig
from mtickets.formats.metrics import write_metrics
from mtickets.progress import progress
from mtickets.formats.special_tokens import SpecialTokens, check_agree
from mtickets.formats.atomic import atomic_dir, atomic_path
from mtickets.formats.model_files import copy_tokenizer_files
from mtickets.formats.xtreme import FORMAT_LABELS, FORMAT_READERS
from mtickets.options import add_options, from_arguments
from mtickets.trackers import Trackers, clear_event_files
from mtickets.training.optimizer import adamw

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
    """Tokenize pre-split words (pieces of ``split_long_sentences``: every word has a sub-token
    and all fit); label each word's first sub-token, the rest -100."""
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


def split_long_sentences(sentences: Sequence[tuple[list[str], list[str]]], tokenizer, max_length: int):
    """XTREME's preprocessing: ``(pieces, origin)`` — sentences cut at word boundaries into pieces of at
    most ``max_length`` minus the special tokens sub-tokens, and the index of each piece's sentence.

    A word with no sub-token (control characters) or more than a piece holds becomes the
    tokenizer's unknown token, one sub-token. Only the sentences longer than a piece are
    walked word by word.
    """
    budget = max_length - tokenizer.num_special_tokens_to_add()
    words = [word for sentence, _ in sentences for word in sentence]
    if not words:
        return [], []
    lengths = np.array([len(ids) for ids in tokenizer(words, add_special_tokens=False)["input_ids"]])
    unknown = (lengths == 0) | (lengths > budget)
    lengths[unknown] = 1
    starts = np.cumsum([0] + [len(sentence) for sentence, _ in sentences[:-1]])
    totals = np.add.reduceat(lengths, starts)
    pieces, origin = [], []
    for index, ((sentence, tags), start) in enumerate(zip(sentences, starts)):
        shown = list(sentence)
        for k in np.flatnonzero(unknown[start : start + len(sentence)]):
            shown[k] = tokenizer.unk_token
        cuts = [0]
        if totals[index] > budget:  # greedy, as XTREME: a new piece when the next word would overflow
            used = 0
            for k, length in enumerate(lengths[start : start + len(sentence)]):
                if used + length > budget:
                    cuts.append(k)
                    used = 0
                used += int(length)
        for begin, end in zip(cuts, [*cuts[1:], len(sentence)]):
            pieces.append((shown[begin:end], list(tags[begin:end])))
            origin.append(index)
    return pieces, origin


def score(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """seqeval micro F1 / precision / recall in percent on the raw tag sequences (XTREME's
    ``run_tag.py``), plus token accuracy."""
    import warnings

    from seqeval.metrics import f1_score, precision_score, recall_score

    total = sum(len(s) for s in gold)
    correct = sum(g == p for gs, ps in zip(gold, pred) for g, p in zip(gs, ps))
    with warnings.catch_warnings():  # "NOUN seems not to be NE tag", once per bare UPOS tag: by design here
        warnings.filterwarnings("ignore", message=".* seems not to be NE tag", category=UserWarning)
        return {
            "f1": 100.0 * float(f1_score(gold, pred, zero_division=0)),
            "precision": 100.0 * float(precision_score(gold, pred, zero_division=0)),
            "recall": 100.0 * float(recall_score(gold, pred, zero_division=0)),
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


BUCKET_BATCHES = 50  # batches per sorted window: close lengths in a batch, yet a new mix every epoch


def epoch_batches(lengths: Sequence[int], batch_size: int, generator: torch.Generator, *, bucketed: bool,
                  ) -> list[list[int]]:
    """One epoch's batches of example indices: every index once, ``ceil(n / batch_size)`` batches.

    Bucketed: a random permutation, each window of ``BUCKET_BATCHES`` batches sorted by length
    (stably, so ties stay in random order) and cut into batches, then the batches shuffled.
    Random: consecutive slices of the permutation."""
    order = torch.randperm(len(lengths), generator=generator)
    if not bucketed:
        return [chunk.tolist() for chunk in order.split(batch_size)]
    lengths = torch.as_tensor(lengths)
    window = batch_size * BUCKET_BATCHES
    batches = []
    for chunk in order.split(window):
        batches.extend(chunk[torch.argsort(lengths[chunk], stable=True)].split(batch_size))
    return [batches[i].tolist() for i in torch.randperm(len(batches), generator=generator).tolist()]


def epochs_needed(epochs: int, batches_per_epoch: int, min_updates: int) -> int:
    """``epochs``, raised until epochs × batches ≥ ``min_updates``."""
    if batches_per_epoch <= 0:
        return epochs
    return max(epochs, math.ceil(min_updates / batches_per_epoch))


@dataclass
class Split:
    path: Path
    sentences: list  # as read
    origin: list[int]  # the sentence of every piece (long sentences are split)
    encoded: list[Encoded]  # one per piece


def read_split(cfg: FinetuneConfig, path: Path, split: str, lang: str, tokenizer, label2id: dict[str, int]) -> Split:
    """One file read, split as XTREME and tokenized; an empty one is an error naming it."""
    sentences = FORMAT_READERS[cfg.format](path)
    if not sentences:
        raise MticketsError(f"{path}: no sentences; the {cfg.task} {split} file of '{lang}' is empty")
    pieces, origin = split_long_sentences(sentences, tokenizer, cfg.max_length)
    encoded = encode_sentences(pieces, tokenizer, label2id, cfg.max_length, path)
    return Split(path, sentences, origin, encoded)


def read_splits(cfg: FinetuneConfig, tokenizer, label2id: dict[str, int]) -> dict[str, Split]:
    """train, dev and (in-language) test of ``--lang``."""
    names = ("train", "dev", "test") if cfg.test is not None else ("train", "dev")
    return {split: read_split(cfg, Path(getattr(cfg, split)), split, cfg.lang, tokenizer, label2id)
            for split in names}


def read_test_sets(cfg: FinetuneConfig, tokenizer, label2id: dict[str, int]) -> dict[str, Split]:
    """Every ``--test-set``'s test split by language, tokenized once for all seeds."""
    return {lang: read_split(cfg, Path(path), "test", lang, tokenizer, label2id) for lang, path in cfg.test_sets}


def load_model(cfg: FinetuneConfig, tokenizer, tokenizer_dir: Path, labels: Sequence[str]):
    """The tagger on the pretrained model, checked against the tokenizer and the language; and the
    ``language=`` to run it with (None for a dense model)."""
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
    return model, language_for(cfg, model, cfg.lang, "", "fine-tune")


@dataclass
class Training:
    """What training leaves: the best dev evaluation's weights and the record of every evaluation."""

    best_state: dict
    best_epoch: int
    best_update: int
    best_dev_f1: float
    evaluations: list[dict]  # {"update", "epoch", "dev_f1"}
    epochs: int
    updates: int


def train(cfg: FinetuneConfig, seed: int, model, splits: dict[str, Split], language: str | None, device,
          pad_id: int, id2label: dict[int, str], trackers: Trackers | None = None) -> Training:
    """AdamW with linear decay over ``epochs`` (raised to ``min_updates``); dev F1 every ``eval_every``
    updates and after every epoch, the best weights kept; the losses, learning rates and dev F1 to
    ``trackers``."""
    train_set = splits["train"].encoded
    batches_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    epochs = epochs_needed(cfg.epochs, batches_per_epoch, cfg.min_updates)
    total_updates = epochs * batches_per_epoch
    optimizer = adamw(model.parameters(), lr=cfg.learning_rate, weight_decay=0.0, eps=1e-8)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: max(0.0, (total_updates - step) / total_updates)
    )
    generator = torch.Generator().manual_seed(seed)
    eval_batch = max(cfg.batch_size, 64)
    result = Training(best_state={}, best_epoch=0, best_update=0, best_dev_f1=-1.0, evaluations=[], epochs=epochs,
                      updates=0)
    pending: list[tuple[int, float, torch.Tensor]] = []  # (update, lr, loss on the device) since the last evaluation

    def evaluate(epoch: int) -> None:
        gold, pred = predict(model, splits["dev"].encoded, id2label, language, device, eval_batch, pad_id)
        dev_f1 = score(gold, pred)["f1"]
        if trackers is not None:
            losses = torch.stack([loss for _, _, loss in pending]).float().tolist() if pending else []
            for (update, lr, _), loss in zip(pending, losses):
                trackers.log({"train/loss": loss, "train/lr": lr}, update)
            trackers.log({"dev/f1": dev_f1}, result.updates)
            trackers.flush()
        pending.clear()
        result.evaluations.append({"update": result.updates, "epoch": epoch, "dev_f1": dev_f1})
        if dev_f1 > result.best_dev_f1:
            result.best_dev_f1, result.best_epoch, result.best_update = dev_f1, epoch, result.updates
            result.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.train()

    bar = progress(total=total_updates, desc=f"finetune {cfg.task}/{cfg.lang} seed {seed}")
    lengths = [len(e.input_ids) for e in train_set]
    for epoch in range(1, epochs + 1):
        model.train()
        batches = epoch_batches(lengths, cfg.batch_size, generator, bucketed=cfg.batching == "bucketed")
        for number, indices in enumerate(batches, start=1):
            lr = scheduler.get_last_lr()[0]
            loss = train_step(model, optimizer, scheduler, [train_set[i] for i in indices], language, device, pad_id)
            result.updates += 1
            if trackers is not None:
                pending.append((result.updates, lr, loss))
            bar.update(1)
            if cfg.eval_every and result.updates % cfg.eval_every == 0 and number < len(batches):
                evaluate(epoch)  # (an epoch's last update is evaluated below)
        evaluate(epoch)
    bar.close()
    return result


def train_step(model, optimizer, scheduler, encoded: Sequence[Encoded], language: str | None, device,
               pad_id: int) -> torch.Tensor:
    """One update: pad the sentences, forward with labels, backward, clip at 1.0, AdamW, schedule. Returns
    the loss, detached, on the device."""
    batch = {k: v.to(device) for k, v in pad(encoded, pad_id).items()}
    loss = model(**batch, language=language).loss
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    return loss.detach()


def write_predictions(path: Path, split: Split, pred: list[list[str]]) -> None:
    """``word<TAB>gold<TAB>predicted`` per word of the original sentences, pieces joined back."""
    predicted: list[list[str]] = [[] for _ in split.sentences]
    for index, tags in zip(split.origin, pred):
        predicted[index].extend(tags)
    lines = []
    for (words, gold), tags in zip(split.sentences, predicted):
        lines += [f"{w}\t{g}\t{p}" for w, g, p in zip(words, gold, tags)] + [""]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")


def language_for(cfg: FinetuneConfig, model, lang: str, option: str, action: str) -> str | None:
    """The ``language=`` that runs ``lang``'s batches: ``lang`` where the model has a ticket bank or a
    language embedding (an error if it lacks ``lang``), None for a dense model."""
    from mtickets.modeling import language_problem, needs_language

    if not needs_language(model.config):
        return None
    problem = language_problem(model.config, lang, str(cfg.model))
    if problem:
        raise MticketsError(f"{option}{problem}; {action} only the model's pretraining languages")
    return lang


def ticket_of(model, language: str | None) -> str | None:
    """metrics.json's ticket: the language whose ticket ran (None without a ticket bank, as with a
    language embedding alone)."""
    return language if model.config.languages else None


def language_for_test(cfg: FinetuneConfig, model, lang: str) -> str | None:
    """The ``language=`` of a zero-shot test of ``lang``: its own ticket or row (None for a dense model)."""
    exported_for = getattr(model.config, "ticket_language", None)
    if exported_for and exported_for != lang:
        raise MticketsError(
            f"{cfg.model} is the compact export of language '{exported_for}'s ticket; --test-set '{lang}' is "
            "tested through its own ticket: pass the ticket model"
        )
    return language_for(cfg, model, lang, "--test-set ", "test")


def finetune(cfg: FinetuneConfig) -> list[dict]:
    """Fine-tune once per seed, each from the pretrained weights; pick the best dev evaluation, test it;
    write ``metrics.json`` and ``predictions.tsv`` per seed (and, zero-shot, per tested language).
    Returns the metrics written."""
    cfg.check()
    labels = FORMAT_LABELS[cfg.format]
    label2id = {tag: i for i, tag in enumerate(labels)}
    tokenizer_dir = cfg.tokenizer or cfg.model
    tokenizer = load_tokenizer(Path(tokenizer_dir))
    splits = read_splits(cfg, tokenizer, label2id)
    tests = read_test_sets(cfg, tokenizer, label2id)
    device = resolve_device(cfg.device)
    enable_tf32(device)
    cfg = dataclasses.replace(cfg, precision=resolve_precision(cfg.precision, device))
    # Autocast around training, selection and test alike: weights and optimizer state stay fp32.
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16"):
        if not tests:
            return [finetune_seed(cfg, seed, tokenizer, tokenizer_dir, splits, labels, device) for seed in cfg.seeds]
        return [metrics for seed in cfg.seeds for metrics in
                finetune_zero_shot_seed(cfg, seed, tokenizer, tokenizer_dir, splits, tests, labels, device)]


@dataclass
class Fitted:
    """One seed's fine-tuned model, restored to its best dev evaluation."""

    model: object
    language: str | None  # the language= it was trained with (None: a dense model)
    pad_id: int
    training: Training
    test_languages: dict[str, str | None]  # zero-shot: each tested language's language=
    seconds: float  # loading and training
    trackers: Trackers | None  # the test scores go there too; closed by the caller


def fit(cfg: FinetuneConfig, seed: int, tokenizer, tokenizer_dir, splits: dict[str, Split], labels: Sequence[str],
        device, test_languages: Sequence[str] = ()) -> Fitted:
    started = time.time()
    torch.manual_seed(seed)  # the classifier's initialisation, then dropout: as in a process of its own
    model, language = load_model(cfg, tokenizer, tokenizer_dir, labels)
    tested = {lang: language_for_test(cfg, model, lang) for lang in test_languages}  # before training
    model.to(device)
    pad_id = SpecialTokens.from_config(model.config, f"--model {cfg.model}").pad
    trackers = None
    if cfg.loggers:
        directory = cfg.out_path(seed, cfg.lang).parent / "tensorboard"
        clear_event_files(directory)  # a fine-tuning run always starts over
        trackers = Trackers(cfg.loggers, directory, f"finetune/{cfg.variant}/{cfg.task}/{cfg.lang}/seed{seed}",
                            {**{k: str(v) if isinstance(v, Path) else v for k, v in vars(cfg).items()}, "seed": seed})
    training = train(cfg, seed, model, splits, language, device, pad_id, dict(enumerate(labels)), trackers)
    model.load_state_dict(training.best_state)
    fitted = Fitted(model, language, pad_id, training, tested, time.time() - started, trackers)
    if cfg.save_model is not None and seed == cfg.seeds[0]:
        save_tagger(fitted, tokenizer_dir, cfg.save_model)
    return fitted


def save_tagger(fitted: Fitted, tokenizer_dir, directory: Path) -> None:
    """The fine-tuned model as a Hugging Face folder (atomically): weights, model code, config with the
    label map and, for a model that needs a language, ``default_language`` = the one it was trained in;
    and the tokenizer's files."""
    model = fitted.model
    if fitted.language is not None:
        model.set_language(fitted.language)
    with atomic_dir(directory) as tmp:
        model.save_pretrained(str(tmp))
        copy_tokenizer_files(tokenizer_dir, tmp)
    log.info("kept the fine-tuned model (best dev F1 %.2f at update %d) in %s", fitted.training.best_dev_f1,
             fitted.training.best_update, directory)


def finetune_seed(cfg: FinetuneConfig, seed: int, tokenizer, tokenizer_dir, splits: dict[str, Split],
                  labels: Sequence[str], device) -> dict:
    fitted = fit(cfg, seed, tokenizer, tokenizer_dir, splits, labels, device)
    with contextlib.closing(fitted.trackers) if fitted.trackers else contextlib.nullcontext():
        return write_test_results(cfg, seed, fitted, splits, splits["test"], cfg.lang, fitted.language,
                                  cfg.out_path(seed), labels, device)


def finetune_zero_shot_seed(cfg: FinetuneConfig, seed: int, tokenizer, tokenizer_dir, splits: dict[str, Split],
                            tests: dict[str, Split], labels: Sequence[str], device) -> list[dict]:
    """Train and select on ``--lang``; test every language through its own ticket."""
    fitted = fit(cfg, seed, tokenizer, tokenizer_dir, splits, labels, device, list(tests))
    recorded = {"protocol": "zero_shot", "train_language": cfg.lang,
                "train_ticket": ticket_of(fitted.model, fitted.language)}
    with contextlib.closing(fitted.trackers) if fitted.trackers else contextlib.nullcontext():
        return [write_test_results(cfg, seed, fitted, splits, test, lang, fitted.test_languages[lang],
                                   cfg.out_path(seed, lang), labels, device, recorded)
                for lang, test in tests.items()]


def write_test_results(cfg: FinetuneConfig, seed: int, fitted: Fitted, splits: dict[str, Split], test: Split, lang: str,
                   language: str | None, out: Path, labels: Sequence[str], device, recorded: dict | None = None) -> dict:
    """Test ``fitted`` on ``test`` with ``language=``; write metrics.json at ``out`` and predictions.tsv beside it.
    ``recorded``: the zero-shot fields, after ``language``."""
    started = time.time()
    gold, pred = predict(fitted.model, test.encoded, dict(enumerate(labels)), language, device,
                         max(cfg.batch_size, 64), fitted.pad_id)
    scores = score(gold, pred)
    training = fitted.training
    out.parent.mkdir(parents=True, exist_ok=True)
    write_predictions(out.parent / "predictions.tsv", test, pred)
    metrics = {
        "task": cfg.task,
        "format": cfg.format,
        "language": lang,
        **(recorded or {}),
        "seed": seed,
        "variant": cfg.variant,
        "model": str(cfg.model),
        "f1": scores["f1"],
        "precision": scores["precision"],
        "recall": scores["recall"],
        "token_accuracy": scores["token_accuracy"],
        "metric": "seqeval on the raw tags, as XTREME's run_tag.py",
        "best_epoch": training.best_epoch,
        "best_update": training.best_update,
        "dev_f1": training.best_dev_f1,
        "dev_evaluations": training.evaluations,
        "epochs": training.epochs,
        "updates": training.updates,
        "train_sentences": len(splits["train"].sentences),
        "dev_sentences": len(splits["dev"].sentences),
        "test_sentences": len(test.sentences),
        "test_pieces": len(test.encoded),
        "ticket": ticket_of(fitted.model, language),
        "batch_size": cfg.batch_size,
        "learning_rate": cfg.learning_rate,
        "max_length": cfg.max_length,
        "eval_every": cfg.eval_every,
        "batching": cfg.batching,
        "compute_precision": cfg.precision,
        "device": str(device),
        "seconds": round(fitted.seconds + time.time() - started, 3),
    }
    write_metrics(out, metrics)
    if fitted.trackers is not None:
        where = f"/{lang}" if recorded else ""  # zero-shot: one run, every tested language
        fitted.trackers.log({f"test/f1{where}": scores["f1"], f"test/token_accuracy{where}": scores["token_accuracy"]},
                            training.updates)
        fitted.trackers.flush()
    trained_on = f" (trained on {cfg.lang})" if recorded else ""
    log.info("%s/%s%s seed %d: test F1 %.2f, token accuracy %.2f (best at update %d of %d, dev F1 %.2f)", cfg.task,
             lang, trained_on, seed, scores["f1"], scores["token_accuracy"], training.best_update, training.updates,
             training.best_dev_f1)
    return metrics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, FinetuneConfig)
    parser.add_argument("--test-set", nargs=2, action="append", default=[], metavar=("LANG", "PATH"),
                        dest="test_sets",
                        help="zero-shot (repeatable): test LANG's PATH, through LANG's ticket, with the model "
                             "trained on --lang's --train and selected on its --dev; instead of --test")


def main(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    finetune(from_arguments(FinetuneConfig, args,
                            test_sets=[(lang, Path(path)) for lang, path in args.test_sets]))
