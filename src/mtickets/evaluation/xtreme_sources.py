"""XTREME's NER and POS data as researchers hold it, read in place (nothing is unpacked to disk).

A task's ``source`` is one of these kinds, told apart by the path (``source_kind``):

============  ==========================================================================
kind          source
============  ==========================================================================
files         a template with ``{lang}`` and ``{split}`` (train, dev, test): one raw
              file per split, PAN-X ``lang:token<TAB>TAG`` or UD CoNLL-U
panx-zip      a ``.zip``: XTREME's hand-downloaded ``AmazonPhotos.zip``. Its members
              ``panx_dataset/{lang}.tar.gz`` each hold the raw PAN-X splits as the
              files ``train``, ``dev`` and ``test``
panx-tar      a ``.tar.gz``/``.tgz`` path with ``{lang}``: those language archives
              (e.g. ``resources/panx_dataset/{lang}.tar.gz``)
panx-dir      a directory holding ``{lang}.tar.gz`` files (the zip's ``panx_dataset/``)
ud            a ``.tgz``/``.tar.gz`` path without ``{lang}``: the UD release archive
              ``ud-treebanks-v2.5.tgz`` (``ud-treebanks-v2.5/UD_*/*.conllu``)
hf-parquet    a directory holding the parquet folders of the Hugging Face dataset
              ``google/xtreme``: ``PAN-X.{lang}/`` or ``udpos.{Language}/``, each with
              ``{train,validation,test}-*.parquet`` (or ``{split}/*.parquet``)
============  ==========================================================================

Treebank selection from the UD archive follows XTREME's ``download_udpos`` and
``udpos_preprocess``: every ``ud-treebanks-v2.5/*/*.conllu`` whose file name starts with
``{lang}_`` (the file's language code, so ``grc_``, ``fro_`` or ``lzh_`` treebanks are
not Greek, French or Chinese), assigned to the first of train/dev/test its name contains
(UD_German-HDT's ``de_hdt-ud-train-a-1.conllu`` … are all train), concatenated per
split; a sentence whose every word form is ``_`` is dropped (the treebanks distributed
without text, such as UD_Arabic-NYUAD, so contribute nothing). XTREME concatenates in
directory-listing order; here it is the member path's order, so the result does not
depend on how the archive was packed. The words stay UD's: XTREME's further conversion
(fused forms instead of multiword tokens' words, spaces removed inside forms) is not
applied.

google/xtreme's parquet rows are ``tokens`` with ``ner_tags`` / ``pos_tags`` class ids
(named by the file's ``huggingface`` schema metadata, else by the dataset's class order
``HF_CLASS_NAMES``) and, for PAN-X, ``langs``; its splits are train, validation
(staged as dev) and test. Its udpos configs were made by the dataset's own loader from
the same UD v2.5 archive, which picks treebanks by language *name* in the path
(udpos.Greek holds Ancient Greek too, udpos.French Old French): XTREME's selection is
the UD archive's.

Each kind is a context manager (``open_source``) that checks, before anything is read,
that every member the language needs is there, and raises one ``MticketsError`` naming
the archive, the missing member and where the data comes from; then it yields
``Member``s, whose text the stage checks line by line.

Archives are read to their end before any member is used: a tar's listing, the gzip
stream's CRC-32 and length, and the zero blocks that end a tar; the zip member's CRC-32
(and, when the member is missing, every other member's, so damage is not taken for an
absent language). Python's tarfile alone stops listing at a header it cannot parse, as if
the archive ended there, and never reads the gzip trailer, so a flipped bit could stage
altered text or drop a treebank. A damaged archive is one error naming it; nothing is
staged. An archive is also checked against a SHA-256 where one is known: the one the
researcher records in ``{archive}.sha256`` beside it (``sha256sum`` output), else the
published size and digest of a release (``PUBLISHED``). No digest of ``AmazonPhotos.zip``
was found published (the share link gives none, and XTREME's scripts check none), so
PAN-X's is the researcher's to record.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import logging
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from mtickets.errors import MticketsError
from mtickets.formats.xtreme import NER_LABELS, UPOS_LABELS

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")

PANX_ORIGIN = (
    "AmazonPhotos.zip is XTREME's PAN-X download, fetched by hand from "
    "https://www.amazon.com/clouddrive/share/d3KGCRCIYwhKJF0H3eWA26hjg2ZCRhjpEQtDL70FSBN "
    "(github.com/google-research/xtreme, scripts/download_data.sh)"
)
UD_ORIGIN = (
    "XTREME's POS data is the UD v2.5 release ud-treebanks-v2.5.tgz "
    "(http://hdl.handle.net/11234/1-3105)"
)
HF_ORIGIN = "https://huggingface.co/datasets/google/xtreme"

# google/xtreme's class order for each task's tag column (its features' ClassLabel names).
HF_TAG_COLUMNS = {"ner": "ner_tags", "pos": "pos_tags"}
HF_CLASS_NAMES = {
    "ner": ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"],
    "pos": ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
            "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"],
}  # fmt: skip
HF_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
# google/xtreme's udpos configs (XTREME's 33 POS languages) by language code.
HF_UDPOS_LANGUAGES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "kk": "Kazakh", "ko": "Korean",
    "mr": "Marathi", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
}  # fmt: skip

# The task whose data an archive kind holds, and the format each task stages as.
KIND_TASK = {"panx-zip": "ner", "panx-tar": "ner", "panx-dir": "ner", "ud": "pos"}
TASK_FORMAT = {"ner": "panx", "pos": "conllu"}
_ARCHIVE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, gzip.BadGzipFile, EOFError, OSError)
_CHUNK = 1 << 20

# Releases whose size and SHA-256 are published: a file of that name and size must have that digest.
# ud-treebanks-v2.5.tgz (http://hdl.handle.net/11234/1-3105): TensorFlow Datasets' xtreme_pos
# checksums (github.com/tensorflow/datasets, tensorflow_datasets/datasets/xtreme_pos/checksums.tsv);
# pyconll's corpus registry records the same digest.
PUBLISHED = {
    "ud-treebanks-v2.5.tgz": (355216681, "5ff973e44345a5f69b94cc1427158e14e851c967d58773cc2ac5a1d3adaca409"),
}


class Member(NamedTuple):
    """One file's worth of a split: its text lines (endings kept) in the output format."""

    split: str
    where: str  # how messages name it: "archive:member" or a path
    lines: Iterable[str]
    drop_textless: bool = False  # UD: drop sentences whose every form is "_" (XTREME does)


def source_kind(source: str) -> str:
    """The kind of ``source`` by its path alone; a directory is resolved when opened."""
    if "{split}" in source:
        return "files"
    name = source.lower()
    if name.endswith(".zip"):
        return "panx-zip"
    if name.endswith((".tar.gz", ".tgz")):
        return "panx-tar" if "{lang}" in source else "ud"
    return "directory"


def _directory_kind(path: Path, task: str, lang: str) -> str:
    if not path.is_dir():
        raise MticketsError(
            f"{path}: no such directory; the {task} source is a file template with {{lang}} and "
            f"{{split}}, a .zip/.tar.gz/.tgz archive, or a directory (panx_dataset/ of "
            f"{{lang}}.tar.gz, or google/xtreme's parquet folders)"
        )
    has_tars = any(path.glob("*.tar.gz"))
    has_parquet = any(child.is_dir() for child in path.glob("PAN-X.*")) or any(
        child.is_dir() for child in path.glob("udpos.*")
    )
    if task == "ner" and (path / f"{lang}.tar.gz").is_file():
        return "panx-dir"
    if has_parquet:
        return "hf-parquet"
    if task == "ner" and has_tars:
        return "panx-dir"
    expected = (
        f"{lang}.tar.gz (panx_dataset/ of AmazonPhotos.zip) or PAN-X.{lang}/ (google/xtreme parquet)"
        if task == "ner" else f"udpos.{HF_UDPOS_LANGUAGES.get(lang, '{Language}')}/ (google/xtreme parquet)"
    )
    raise MticketsError(f"{path}: holds neither {expected}; point evaluation.tasks.{task}.source at the data")


def resolve_kind(task: str, lang: str, fmt: str, source: str) -> tuple[str, Path | None]:
    """``(kind, path)`` of ``source`` for this task and language; checks that they fit."""
    kind = source_kind(source)
    if kind == "files":
        return kind, None
    if task not in TASK_FORMAT:  # help_ui: no archive holds it
        raise MticketsError(
            f"{source}: {task} data is read from one file per split; give a path template with "
            f"{{lang}} and {{split}} (`mtickets help-task --out TASK` writes TASK/{{lang}}/{{split}}.tsv)"
        )
    path = Path(source.replace("{lang}", lang))
    if kind == "directory":
        kind = _directory_kind(path, task, lang)
    holds = KIND_TASK.get(kind, task)
    if holds != task:
        what = "PAN-X (NER) data" if holds == "ner" else "UD (POS) treebanks"
        raise MticketsError(
            f"evaluation.tasks.{task}.source: {source} is a {kind} source, which holds {what}, "
            f"not {task} data; point it at the {task} data"
        )
    if fmt != TASK_FORMAT[task]:
        raise MticketsError(
            f"evaluation.tasks.{task}.format: a {kind} source stages {task} data as "
            f"{TASK_FORMAT[task]}, not {fmt}; set format: {TASK_FORMAT[task]}"
        )
    return kind, path


@contextlib.contextmanager
def open_source(task: str, lang: str, fmt: str, source: str) -> Iterator[Iterator[Member]]:
    """Check that ``source`` holds the language's three splits; yield its ``Member``s
    (each split's in concatenation order)."""
    kind, path = resolve_kind(task, lang, fmt, source)
    log.info("%s source for %s/%s: %s", kind, task, lang, path or source)
    if kind == "files":
        opened = _template(task, lang, source)
    elif kind == "panx-zip":
        opened = _panx_zip(path, lang)
    elif kind in ("panx-tar", "panx-dir"):
        archive = path if kind == "panx-tar" else path / f"{lang}.tar.gz"
        opened = _panx_tar_file(archive, lang, task)
    elif kind == "ud":
        opened = _ud_archive(path, lang)
    else:
        opened = _hf_parquet(path, task, lang)
    with opened as members:
        yield members


def _damaged(where: str, error: Exception | str, origin: str) -> MticketsError:
    """One line for an archive that cannot be read as it should be (tarfile's reasons span lines)."""
    reason = " ".join(str(error).split()) or type(error).__name__
    return MticketsError(f"{where}: the archive is damaged ({reason}); nothing was staged: download it again. "
                         f"{origin}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_digest(archive: Path, origin: str) -> None:
    """``archive`` against its recorded SHA-256: ``{archive}.sha256`` if the researcher wrote one, else
    the published one of a file of its name and size (``PUBLISHED``)."""
    recorded = archive.with_name(archive.name + ".sha256")
    if recorded.is_file():
        words = recorded.read_text(encoding="utf-8", errors="replace").split()
        if not words or len(words[0]) != 64 or any(c not in "0123456789abcdefABCDEF" for c in words[0]):
            raise MticketsError(f"{recorded}: does not start with a SHA-256 (64 hex digits); write it with "
                                f"`sha256sum {archive.name} > {recorded.name}`, or delete it")
        expected, source = words[0].lower(), str(recorded)
    elif archive.name in PUBLISHED:
        published_size, expected = PUBLISHED[archive.name]
        size = archive.stat().st_size
        if size != published_size:
            log.warning("%s: %d bytes, not the %d of the published %s; its own checksums are checked, not the "
                        "published digest", archive, size, published_size, archive.name)
            return
        source = "the published digest"
    else:
        return
    actual = _sha256(archive)
    if actual != expected:
        raise _damaged(str(archive), f"SHA-256 {actual}, {source} says {expected}", origin)


def _tar_lines(tar: tarfile.TarFile, info: tarfile.TarInfo, where: str, origin: str) -> Iterator[str]:
    """A tar member's text lines (endings kept), read as they are consumed."""
    try:
        with io.TextIOWrapper(tar.extractfile(info), encoding="utf-8", newline="") as handle:
            yield from handle
    except _ARCHIVE_ERRORS as error:
        raise _damaged(where, error, origin) from None


# --- per-split files (the original layout) ---------------------------------------------


@contextlib.contextmanager
def _template(task: str, lang: str, template: str) -> Iterator[Iterator[Member]]:
    paths = {split: Path(template.format(lang=lang, split=split)) for split in SPLITS}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise MticketsError(
            f"{task} data for language '{lang}' not found: {', '.join(missing)}. "
            f"Provide the raw XTREME files there (README, 'The paper's configuration') or set "
            f"evaluation.tasks.{task}.source in the config."
        )

    def members() -> Iterator[Member]:
        for split, path in paths.items():
            with open(path, encoding="utf-8", newline="") as handle:
                yield Member(split, str(path), handle)

    yield members()


# --- PAN-X: AmazonPhotos.zip > panx_dataset/{lang}.tar.gz > train, dev, test -------------


def _split_members(tar: tarfile.TarFile, where: str, origin: str) -> dict[str, tarfile.TarInfo]:
    """The ``train``, ``dev`` and ``test`` files of a PAN-X language archive."""
    files = [info for info in tar.getmembers() if info.isfile()]
    found: dict[str, tarfile.TarInfo] = {}
    for info in files:
        name = PurePosixPath(info.name).name
        if name in SPLITS:
            if name in found:
                raise MticketsError(
                    f"{where}: two '{name}' members ({found[name].name}, {info.name}); "
                    f"a PAN-X language archive holds one file per split. {origin}"
                )
            found[name] = info
    missing = [split for split in SPLITS if split not in found]
    if missing:
        held = ", ".join(sorted(info.name for info in files)) or "nothing"
        raise MticketsError(
            f"{where}: no {' or '.join(repr(split) for split in missing)} member (it holds {held}); "
            f"a PAN-X language archive holds the raw splits train, dev and test. {origin}"
        )
    return {split: found[split] for split in SPLITS}


def _panx_tar_members(tar: tarfile.TarFile, where: str, origin: str) -> Iterator[Member]:
    for split, info in _split_members(tar, where, origin).items():
        name = f"{where}:{info.name}"
        yield Member(split, name, _tar_lines(tar, info, name, origin))


@contextlib.contextmanager
def _open_tar(where: str, origin: str, **kwargs) -> Iterator[tarfile.TarFile]:
    """The tar archive, listed and read to its end first (see the module's notes)."""
    try:
        tar = tarfile.open(mode="r:*", **kwargs)
    except _ARCHIVE_ERRORS as error:
        raise _damaged(where, error, origin) from None
    with tar:
        try:
            tar.getmembers()
            # Listing stops at the end-of-archive block, or silently at a header it cannot
            # parse: what follows must be zero blocks, and reading them to the end makes the
            # gzip (bz2, xz) reader check its stream's CRC and length.
            while chunk := tar.fileobj.read(_CHUNK):
                if chunk.count(0) != len(chunk):
                    raise tarfile.ReadError(f"members follow an unreadable header near byte {tar.offset}")
        except _ARCHIVE_ERRORS as error:
            raise _damaged(where, error, origin) from None
        yield tar


@contextlib.contextmanager
def _panx_tar_file(archive: Path, lang: str, task: str) -> Iterator[Iterator[Member]]:
    if not archive.is_file():
        raise MticketsError(
            f"{archive}: not found; PAN-X language '{lang}' is panx_dataset/{lang}.tar.gz in "
            f"AmazonPhotos.zip ({PANX_ORIGIN}). Put it there, point evaluation.tasks.{task}.source "
            f"at the zip, or remove '{lang}' from evaluation.tasks.{task}.languages"
        )
    check_digest(archive, PANX_ORIGIN)
    with _open_tar(str(archive), PANX_ORIGIN, name=archive) as tar:
        _split_members(tar, str(archive), PANX_ORIGIN)
        yield _panx_tar_members(tar, str(archive), PANX_ORIGIN)


def _zip_member(archive: zipfile.ZipFile, zip_path: Path, lang: str) -> str:
    wanted = f"panx_dataset/{lang}.tar.gz"
    names = archive.namelist()
    if wanted in names:
        return wanted
    elsewhere = [name for name in names if PurePosixPath(name).name == f"{lang}.tar.gz"]
    if len(elsewhere) == 1:
        return elsewhere[0]
    # A damaged central directory can misname the member: read every member before blaming the language.
    try:
        bad = archive.testzip()
    except _ARCHIVE_ERRORS as error:
        raise _damaged(str(zip_path), error, PANX_ORIGIN) from None
    if bad is not None:
        raise _damaged(str(zip_path), f"member {bad} fails its CRC-32", PANX_ORIGIN)
    held = sorted(PurePosixPath(name).name[: -len(".tar.gz")] for name in names
                  if name.endswith(".tar.gz") and not PurePosixPath(name).name.startswith("."))
    listing = ", ".join(held[:60]) + (f", … ({len(held)} in all)" if len(held) > 60 else "")
    raise MticketsError(
        f"{zip_path}: no member {wanted} (its language archives: {listing or 'none'}); {PANX_ORIGIN}. "
        f"Remove '{lang}' from evaluation.tasks.ner.languages if PAN-X lacks it"
    )


@contextlib.contextmanager
def _panx_zip(zip_path: Path, lang: str) -> Iterator[Iterator[Member]]:
    if not zip_path.is_file():
        raise MticketsError(
            f"{zip_path}: not found; {PANX_ORIGIN}. Save it there or set evaluation.tasks.ner.source"
        )
    check_digest(zip_path, PANX_ORIGIN)
    try:
        archive = zipfile.ZipFile(zip_path)
    except _ARCHIVE_ERRORS as error:
        raise _damaged(str(zip_path), error, PANX_ORIGIN) from None
    with archive:
        member = _zip_member(archive, zip_path, lang)
        where = f"{zip_path}:{member}"
        try:
            # A language archive is a few MB compressed; holding it lets the splits be checked
            # first, and reading it whole checks its CRC-32.
            data = archive.read(member)
        except _ARCHIVE_ERRORS as error:
            raise _damaged(where, error, PANX_ORIGIN) from None
        with _open_tar(where, PANX_ORIGIN, fileobj=io.BytesIO(data)) as tar:
            _split_members(tar, where, PANX_ORIGIN)
            yield _panx_tar_members(tar, where, PANX_ORIGIN)


# --- UD v2.5: ud-treebanks-v2.5.tgz > ud-treebanks-v2.5/UD_*/{lang}_*.conllu ---------------


def treebank_split(file_name: str) -> str | None:
    """XTREME's rule: the first of train, dev, test that the file name contains."""
    return next((split for split in SPLITS if split in file_name), None)


def ud_files(names: Iterable[str], lang: str) -> dict[str, list[str]]:
    """The archive members XTREME takes for ``lang``, per split, in concatenation order:
    ``TOP/TREEBANK/{lang}_*.conllu``."""
    chosen: dict[str, list[str]] = {split: [] for split in SPLITS}
    for name in names:
        parts = PurePosixPath(name).parts  # "./x/y" has the parts x, y
        if len(parts) != 3 or not parts[2].endswith(".conllu") or parts[2].split("_")[0] != lang:
            continue
        split = treebank_split(parts[2])
        if split is None:
            log.warning("%s: no train, dev or test in its name; XTREME skips it too", name)
            continue
        chosen[split].append(name)
    return {split: sorted(members, key=lambda n: PurePosixPath(n).parts) for split, members in chosen.items()}


def _ud_check(archive: Path, lang: str, tops: set[str], chosen: dict[str, list[str]]) -> None:
    top = "ud-treebanks-v2.5" if not tops else sorted(tops)[0]
    if not any(chosen.values()):
        raise MticketsError(
            f"{archive}: no treebank for '{lang}' (no member {top}/UD_*/{lang}_*.conllu); {UD_ORIGIN}. "
            f"Remove '{lang}' from evaluation.tasks.pos.languages if UD v2.5 lacks it"
        )
    treebanks = sorted({PurePosixPath(name).parts[-2] for names in chosen.values() for name in names})
    for split in SPLITS:
        if not chosen[split]:
            raise MticketsError(
                f"{archive}: no {split} file for '{lang}': none of its treebanks ({', '.join(treebanks)}) "
                f"has {top}/UD_*/{lang}_*-ud-{split}.conllu; {UD_ORIGIN}. Remove '{lang}' from "
                f"evaluation.tasks.pos.languages (fine-tuning needs train, dev and test)"
            )


@contextlib.contextmanager
def _ud_archive(archive: Path, lang: str) -> Iterator[Iterator[Member]]:
    if not archive.is_file():
        raise MticketsError(f"{archive}: not found; {UD_ORIGIN}. Save it there or set evaluation.tasks.pos.source")
    check_digest(archive, UD_ORIGIN)
    with _open_tar(str(archive), UD_ORIGIN, name=archive) as tar:
        infos = {info.name: info for info in tar.getmembers() if info.isfile()}
        chosen = ud_files(infos, lang)
        tops = {PurePosixPath(name).parts[0] for names in chosen.values() for name in names}
        _ud_check(archive, lang, tops, chosen)
        if tops != {"ud-treebanks-v2.5"}:
            log.warning("%s: treebanks under %s, not ud-treebanks-v2.5 (the release XTREME and the "
                        "paper use)", archive, ", ".join(sorted(tops)))
        for split in SPLITS:
            log.info("%s %s: %s", lang, split, ", ".join(chosen[split]))

        def members() -> Iterator[Member]:
            # Each split's files in path order; the gzip stream re-reads from its start
            # only when a split begins before the previous one's last file.
            for split in SPLITS:
                for name in chosen[split]:
                    where = f"{archive}:{name}"
                    yield Member(split, where, _tar_lines(tar, infos[name], where, UD_ORIGIN), drop_textless=True)

        yield members()


# --- google/xtreme parquet: {PAN-X.{lang}|udpos.{Language}}/{split}-*.parquet ----------------


def hf_config(task: str, lang: str, root: Path) -> str:
    if task == "ner":
        return f"PAN-X.{lang}"
    if lang not in HF_UDPOS_LANGUAGES:
        raise MticketsError(
            f"{root}: google/xtreme has no udpos config for '{lang}' (it has XTREME's "
            f"{len(HF_UDPOS_LANGUAGES)} POS languages: {', '.join(sorted(HF_UDPOS_LANGUAGES))}); stage "
            f"'{lang}' from ud-treebanks-v2.5.tgz instead ({UD_ORIGIN})"
        )
    return f"udpos.{HF_UDPOS_LANGUAGES[lang]}"


def hf_files(config_dir: Path, split: str) -> list[Path]:
    """A split's parquet shards: ``{split}-*.parquet`` (the dataset's layout) or ``{split}/*.parquet``."""
    name = HF_SPLITS[split]
    return sorted(config_dir.glob(f"{name}-*.parquet")) or sorted((config_dir / name).glob("*.parquet"))


@contextlib.contextmanager
def _hf_parquet(root: Path, task: str, lang: str) -> Iterator[Iterator[Member]]:
    config = hf_config(task, lang, root)
    config_dir = root / config
    files = {split: hf_files(config_dir, split) for split in SPLITS}
    missing = [f"{config}/{HF_SPLITS[split]}-*.parquet" for split in SPLITS if not files[split]]
    if missing:
        other = ("; google/xtreme's PAN-X configs are XTREME's 40 languages, AmazonPhotos.zip holds "
                 "the others" if task == "ner" else "")
        raise MticketsError(
            f"{root}: no {', '.join(missing)}, the parquet files of google/xtreme's '{config}' config "
            f"(its splits train, validation = dev, test){other}; download them from {HF_ORIGIN} into {root}"
        )
    if task == "pos":
        log.warning("%s: google/xtreme's udpos configs pick treebanks by language name (udpos.Greek "
                    "includes Ancient Greek); XTREME's own selection is ud-treebanks-v2.5.tgz's", config)

    def members() -> Iterator[Member]:
        for split in SPLITS:
            for path in files[split]:
                yield Member(split, str(path), parquet_lines(path, task, lang))

    yield members()


def class_names(metadata: dict | None, column: str) -> list[str] | None:
    """The ClassLabel names of ``column`` in a parquet file's ``huggingface`` metadata."""
    if not metadata or b"huggingface" not in metadata:
        return None
    try:
        feature = json.loads(metadata[b"huggingface"])["info"]["features"][column]
    except (KeyError, TypeError, ValueError):
        return None
    while isinstance(feature, dict) and "names" not in feature:
        feature = feature.get("feature")  # Sequence / List wrapping the ClassLabel
    return list(feature["names"]) if isinstance(feature, dict) else None


def _bad_token(token) -> bool:
    return not isinstance(token, str) or not token or any(c in token for c in "\t\n\r")


def parquet_lines(path: Path, task: str, lang: str) -> Iterator[str]:
    """google/xtreme parquet rows as PAN-X (``lang:token<TAB>TAG``) or CoNLL-U lines, checked."""
    import pyarrow.parquet as pq

    column = HF_TAG_COLUMNS[task]
    try:
        handle = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own ArrowInvalid, OSError, ...
        raise MticketsError(
            f"{path}: not a readable parquet file ({error}); google/xtreme's are at {HF_ORIGIN}"
        ) from None
    schema = handle.schema_arrow
    needed = ["tokens", column] + (["langs"] if task == "ner" and "langs" in schema.names else [])
    absent = [name for name in ("tokens", column) if name not in schema.names]
    if absent:
        raise MticketsError(
            f"{path}: no column {', '.join(absent)} (it has {', '.join(schema.names)}); google/xtreme's "
            f"{'PAN-X' if task == 'ner' else 'udpos'} files ({HF_ORIGIN}) have tokens and {column}"
        )
    names = class_names(schema.metadata, column) or HF_CLASS_NAMES[task]
    row = 0
    for batch in handle.iter_batches(batch_size=4096, columns=needed):
        values = {name: batch.column(name).to_pylist() for name in needed}
        for index in range(batch.num_rows):
            tokens, tags = values["tokens"][index], values[column][index]
            langs = values["langs"][index] if "langs" in values else None
            yield from _row_lines(path, row, task, lang, tokens, tags, langs, names)
            row += 1


def _row_lines(path, row, task, lang, tokens, tags, langs, names) -> Iterator[str]:
    """One row's lines; ``names`` are the tag column's class names."""
    where = f"{path}, row {row}"
    labels = NER_LABELS if task == "ner" else UPOS_LABELS
    if not tokens:
        return
    if tags is None or len(tags) != len(tokens):
        raise MticketsError(f"{where}: {len(tokens)} tokens but {0 if tags is None else len(tags)} tags")
    if langs is not None and len(langs) != len(tokens):
        raise MticketsError(f"{where}: {len(tokens)} tokens but {len(langs)} langs")
    for position, (token, tag) in enumerate(zip(tokens, tags), start=1):
        if _bad_token(token):
            raise MticketsError(
                f"{where}: token {position} is {token!r}; a token is non-empty text without tabs or line breaks"
            )
        if isinstance(tag, str):
            name = tag
        elif isinstance(tag, int) and 0 <= tag < len(names):
            name = names[tag]
        else:
            raise MticketsError(
                f"{where}: tag {tag!r} of token {position} is not a class id 0–{len(names) - 1} ({', '.join(names)})"
            )
        if name not in labels:
            raise MticketsError(
                f"{where}: tag {name!r} of token {position} is not one of the task's labels ({', '.join(labels)})"
            )
        if task == "ner":
            code = langs[position - 1] if langs is not None else lang
            if code != lang:
                raise MticketsError(f"{where}: langs gives {code!r}, not '{lang}'; is this PAN-X.{lang}'s file?")
            yield f"{code}:{token}\t{name}\n"
        else:
            yield f"{position}\t{token}\t_\t{name}\t_\t_\t_\t_\t_\t_\n"
    yield "\n"
