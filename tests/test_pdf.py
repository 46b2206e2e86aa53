"""PDF export and real-client checks with LibreOffice.

The LibreOffice tests convert every kind of file the project writes in ONE
LibreOffice run (a module fixture), then inspect the PDFs with poppler
(pdftotext, pdftohtml, pdffonts). They are skipped when LibreOffice or
poppler-utils is not installed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil
import pytest
from docx import Document
from lxml import etree

from reporter.config import Config
from reporter.model import Branch, BranchInfo, Cause, FileResult, Measure, Problem
from reporter.pdf import DEBIAN_PACKAGES, FONTS_CONF, SOFFICE_ENV, PdfOutcome, convert_files, convert_to_pdf, find_soffice
from reporter.text import strip_numbering

SEED_FILES = (
    Path(__file__).parent / "data" / "seed.txt",
    Path("/work/shared/seed/000_d29e0af6fa98f9af.txt"),
)
SEED_AREAS = ("理论学习", "政治素质", "担当作为", "能力本领", "工作作风", "廉洁自律")

needs_lo = pytest.mark.skipif(
    find_soffice() is None,
    reason="LibreOffice is not installed (apt-get install " + " ".join(DEBIAN_PACKAGES) + ")",
)
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdftohtml", "pdffonts", "pdfinfo")),
    reason="poppler-utils is not installed (pdftotext, pdftohtml, pdffonts, pdfinfo)",
)
FOOTER = re.compile(r"—\s*(\d+)\s*—")
TIMEOUT = 180.0  # the default of [pdf] timeout


# ---------------------------------------------------------------- the seed


def seed_lines() -> list[str]:
    """The seed's paragraphs: non-empty lines, without the pasted U+00A0."""
    for path in SEED_FILES:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return [line.strip().strip("\u00a0").strip() for line in text.splitlines() if line.strip()]
    pytest.skip("the seed document (tests/data/seed.txt) is missing")


def seed_branch() -> Branch:
    """The seed as a Branch: items split at their first 。 into headline and details."""
    lines = seed_lines()
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in lines[2:]:
        if re.match(r"^[一二三]、", line):
            current = line[2:]
            sections[current] = []
            continue
        body = strip_numbering(line)
        headline, _, details = body.partition("。")
        sections[current].append((headline, details))
    problems = tuple(
        Problem(headline=h, details=d, number=i, row=i + 1, category=SEED_AREAS[i - 1])
        for i, (h, d) in enumerate(sections["存在的问题"], 1)
    )
    causes = tuple(Cause(headline=h, details=d, number=i, row=i + 1) for i, (h, d) in enumerate(sections["原因剖析"], 1))
    measures = tuple(
        Measure(headline=h, details=d, number=i, row=i + 1, problems=(i,), owner="支部书记",
                deadline=date(2024, 3, 31), status="整改中")
        for i, (h, d) in enumerate(sections["整改措施"], 1)
    )
    info = BranchInfo(name="党支部", parent="院*", title=lines[0], preamble=lines[1])
    return Branch(info=info, problems=problems, causes=causes, measures=measures, template_version=1)


# ---------------------------------------------------------------- the files we write


def _write_branch(path: Path) -> None:
    from reporter.docx import render_document

    path.write_bytes(render_document(seed_branch(), Config()))


def _summary(as_xlsx: bool):
    def write(path: Path) -> None:
        from reporter.summary import build_summary

        branch = seed_branch()
        result = FileResult(source="党支部.xlsx", status="ok", branch=branch, sha256="0" * 64, document="docs/党支部.docx")
        xlsx, docx = build_summary([result], Config(), date(2024, 4, 30), ["党支部", "第二党支部"])
        path.write_bytes(xlsx if as_xlsx else docx)

    return write


def _write_template(path: Path) -> None:
    from reporter.template import write_template

    write_template(path, Config())


def _write_broken(path: Path) -> None:
    path.write_bytes(random.Random(9704).randbytes(8192))


# name in the source folder -> (writer, a text the PDF must contain)
KINDS = {
    "branch.docx": (_write_branch, "一、存在的问题"),
    "summary-report.docx": (_summary(False), "基本情况"),
    "summary.xlsx": (_summary(True), "支部名称"),
    "template.xlsx": (_write_template, "支部名称"),
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Write every kind of file, plus a broken and a missing one; convert all in one call.

    Returns (out_dir, outcome, build_errors, leftovers): leftovers are the
    temporary folders/profiles still present after the call.
    """
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    root = tmp_path_factory.mktemp("pdf")
    src, out, tmp = root / "src", root / "pdf", root / "tmp"
    for d in (src, tmp):
        d.mkdir()
    build_errors: dict[str, BaseException] = {}
    paths = []
    for name, (write, _) in KINDS.items():
        try:
            write(src / name)
        except Exception as exc:  # reported by the test for that kind
            build_errors[name] = exc
            continue
        paths.append(src / name)
    _write_broken(src / "broken.docx")
    paths[1:1] = [src / "broken.docx", src / "missing.docx"]  # between good files
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(tmp))  # where the private profile goes
        outcome = convert_to_pdf(paths, out, timeout=TIMEOUT)
    leftovers = sorted(p.name for p in [*tmp.iterdir(), *out.iterdir()] if p.is_dir() or p.name.startswith("."))
    return out, outcome, build_errors, leftovers


def _pdf_of(converted, name: str) -> Path:
    out, outcome, build_errors, _ = converted
    if name in build_errors:
        raise build_errors[name]
    assert outcome.run_error is None, (outcome.run_error, outcome.details)
    assert not [v for p, v in outcome.failed.items() if p.name == name]
    return out / (Path(name).stem + ".pdf")


# ---------------------------------------------------------------- poppler helpers


def pdf_text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True, text=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_lines(pdf: Path) -> list[dict]:
    """Pages of pdftohtml -xml: {width, lines: [{top, left, right, text, chunks: [(text, family)]}]}."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)], capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    pages = []
    fonts: dict[str, str] = {}
    for page in root.iter("page"):
        for spec in page.iter("fontspec"):
            fonts[spec.get("id")] = spec.get("family").split("+", 1)[-1]
        chunks = sorted(
            (int(t.get("top")), int(t.get("left")), int(t.get("width")), "".join(t.itertext()), fonts[t.get("font")])
            for t in page.iter("text")
        )
        lines: list[dict] = []
        for top, left, width, text, family in chunks:
            if not (lines and top - lines[-1]["top"] < 10):  # a new line (the pitch is about 43 px)
                lines.append({"top": top, "left": left, "right": left, "chunks": []})
            line = lines[-1]
            line["left"] = min(line["left"], left)
            line["right"] = max(line["right"], left + width)
            line["chunks"].append((left, text, family))
        for line in lines:
            line["chunks"] = [(text, family) for _, text, family in sorted(line["chunks"])]
            line["text"] = "".join(text for text, _ in line["chunks"])
        pages.append({"width": int(page.get("width")), "lines": lines})
    return pages


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- no LibreOffice needed


def test_missing_libreoffice_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    assert find_soffice() is None
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"PK")
    outcome = convert_to_pdf([doc], tmp_path / "pdf", timeout=TIMEOUT)
    message = outcome.run_error
    assert list(outcome.failed) == [doc]
    assert "LibreOffice" in message
    assert "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk" in message
    assert "fonts-arphic-ukai fonts-arphic-uming" in message
    assert not (tmp_path / "pdf").exists()


def test_soffice_override_is_used(tmp_path, monkeypatch):
    fake = tmp_path / "my-soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv(SOFFICE_ENV, str(fake))
    assert find_soffice() == str(fake)


def test_nothing_to_convert_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    assert convert_to_pdf([], tmp_path / "pdf", timeout=TIMEOUT) == PdfOutcome({})


FAKE_SOFFICE = """#!{python}
# A stand-in for soffice: files starting with CRASH kill it, BAD ones fail to load,
# HANG ones make it hang.
import json, os, sys, time
args = sys.argv[1:]
out = args[args.index("--outdir") + 1]
files = args[args.index("--outdir") + 2:]
with open({log!r}, "a") as log:
    log.write(json.dumps({{"files": [os.path.basename(f) for f in files], "args": args,
                          "fontconfig": os.environ.get("FONTCONFIG_FILE")}}) + "\\n")
for f in files:
    data = open(f, "rb").read()
    if data.startswith(b"CRASH"):
        print("fake soffice: crashed on", os.path.basename(f), file=sys.stderr)
        sys.exit(139)
    if data.startswith(b"HANG"):
        time.sleep(600)
    if data.startswith(b"BAD"):
        print("Error: source file could not be loaded", file=sys.stderr)
        continue
    with open(os.path.join(out, os.path.splitext(os.path.basename(f))[0] + ".pdf"), "wb") as pdf:
        pdf.write(b"%PDF-fake " + data)
"""


def _fake_soffice(tmp_path: Path, monkeypatch) -> Path:
    log = tmp_path / "soffice.log"
    fake = tmp_path / "fake-soffice"
    fake.write_text(FAKE_SOFFICE.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    monkeypatch.setenv(SOFFICE_ENV, str(fake))
    return log


def test_crash_is_blamed_on_one_file_and_the_rest_convert(tmp_path, monkeypatch):
    log = _fake_soffice(tmp_path, monkeypatch)
    src = tmp_path / "src"
    src.mkdir()
    contents = {"一.docx": b"ONE", "崩溃.docx": b"CRASH", "二.docx": b"TWO", "坏.docx": b"BAD", "三.docx": b"THREE"}
    for name, data in contents.items():
        (src / name).write_bytes(data)
    out = tmp_path / "pdf"
    outcome = convert_to_pdf([src / n for n in contents], out, timeout=TIMEOUT)
    assert outcome.run_error is None
    by_name = {p.name: v for p, v in outcome.failed.items()}
    assert sorted(by_name) == ["坏.docx", "崩溃.docx"]
    assert "异常退出" in by_name["崩溃.docx"] and "139" in by_name["崩溃.docx"]
    assert "坏.docx" in by_name["坏.docx"] and "打不开" in by_name["坏.docx"]
    assert (out / "二.pdf").read_bytes() == b"%PDF-fake TWO"
    assert sorted(p.name for p in out.iterdir()) == ["一.pdf", "三.pdf", "二.pdf"]
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    # one run for all; the crash: that file alone, then the rest together
    assert [len(r["files"]) for r in runs] == [5, 1, 3]
    assert all(r["fontconfig"] == str(FONTS_CONF) for r in runs)
    assert all(any(a.startswith("-env:UserInstallation=file://") for a in r["args"]) for r in runs)
    assert all("--infilter=MS Word 2007 XML" in r["args"] for r in runs)
    assert all(name.isascii() for r in runs for name in r["files"])  # no locale trouble under cron
    assert os.environ.get("FONTCONFIG_FILE") != str(FONTS_CONF)  # set for LibreOffice only


def test_libreoffice_failing_on_everything_is_not_retried_forever(tmp_path, monkeypatch):
    log = _fake_soffice(tmp_path, monkeypatch)
    files = []
    for i in range(6):
        files.append(tmp_path / f"{i}.docx")
        files[-1].write_bytes(b"CRASH")
    outcome = convert_to_pdf(files, tmp_path / "pdf", timeout=TIMEOUT)
    # LibreOffice fails whatever it is given: a problem of the run, not of the documents
    assert "异常退出" in outcome.run_error and "退出码 139" in outcome.run_error
    assert sorted(outcome.failed) == sorted(files)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [len(r["files"]) for r in runs] == [6, 1, 5]  # all, the first alone, the rest: give up
    # LibreOffice's own output is kept for the log, not thrown away
    assert len(outcome.details) == 3
    assert all("退出码 139" in d and "fake soffice: crashed on" in d for d in outcome.details)


def _shell_soffice(tmp_path: Path, monkeypatch, body: str) -> Path:
    """A fake soffice written in sh; each start appends its pid to the returned file."""
    starts = tmp_path / "starts"
    fake = tmp_path / "sh-soffice"
    fake.write_text(f"#!/bin/sh\necho $$ >> '{starts}'\n{body}\n")
    fake.chmod(0o755)
    monkeypatch.setenv(SOFFICE_ENV, str(fake))
    return starts


def _documents(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    files = [folder / f"{i:03d}.docx" for i in range(count)]
    for f in files:
        f.write_bytes(b"DOC")
    return files


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("count", [1, 9])
def test_libreoffice_exiting_81_at_once_is_a_run_error(tmp_path, monkeypatch, count):
    starts = _shell_soffice(tmp_path, monkeypatch, 'echo "soffice: cannot start the user profile" >&2\nexit 81')
    files = _documents(tmp_path / "docs", count)
    outcome = convert_to_pdf(files, tmp_path / "pdf", timeout=TIMEOUT)
    assert "退出码 81" in outcome.run_error and "没有生成任何 PDF" in outcome.run_error
    assert sorted(outcome.failed) == files
    assert outcome.details and all("退出码 81" in d and "cannot start the user profile" in d for d in outcome.details)
    assert len(starts.read_text().split()) <= 3
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == []  # no work folder left


def test_hung_libreoffice_is_given_up_after_one_timeout(tmp_path, monkeypatch):
    from reporter import pdf

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    starts = _shell_soffice(tmp_path, monkeypatch, 'echo "hanging" >&2\nsleep 600 &\nwait')
    monkeypatch.setattr(pdf, "BATCH_SIZE", 4)
    files = _documents(tmp_path / "docs", 10)
    began = time.monotonic()
    outcome = convert_to_pdf(files, tmp_path / "pdf", timeout=1)
    assert time.monotonic() - began < 30  # not 3 batches x 3 tries x the timeout
    assert "卡死" in outcome.run_error and "1 秒" in outcome.run_error
    assert sorted(outcome.failed) == files
    assert len(outcome.details) == 1 and "超时" in outcome.details[0] and "hanging" in outcome.details[0]
    pids = [int(p) for p in starts.read_text().split()]
    assert len(pids) == 1  # no retry, no further batch
    assert not _alive(pids[0])
    assert [p for p in tmp_path.iterdir() if p.name.startswith("reporter-lo-")] == []
    assert list((tmp_path / "pdf").iterdir()) == []


def test_timeout_with_progress_tries_on_then_gives_up_at_the_hang(tmp_path, monkeypatch):
    log = _fake_soffice(tmp_path, monkeypatch)
    src = tmp_path / "src"
    src.mkdir()
    contents = {"一.docx": b"ONE", "卡.docx": b"HANG", "二.docx": b"TWO"}
    for name, data in contents.items():
        (src / name).write_bytes(data)
    outcome = convert_to_pdf([src / n for n in contents], tmp_path / "pdf", timeout=3)
    assert "卡死" in outcome.run_error
    assert sorted(p.name for p in outcome.failed) == ["二.docx", "卡.docx"]
    assert (tmp_path / "pdf" / "一.pdf").read_bytes() == b"%PDF-fake ONE"
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [len(r["files"]) for r in runs] == [3, 1]  # the hang made progress once, then none: give up


SIGNALLED_RUN = """
import signal, sys
from pathlib import Path
from reporter.pdf import convert_to_pdf

class Stopped(Exception):
    pass

def stop(signum, frame):
    raise Stopped()

signal.signal(signal.SIGTERM, stop)
try:
    convert_to_pdf([Path(sys.argv[1])], Path(sys.argv[2]), timeout=600)
except Stopped:
    print("stopped")
"""


def test_signal_during_conversion_stops_libreoffice_and_cleans_up(tmp_path, monkeypatch):
    # LibreOffice (here: a script and its child) runs in its own session: a
    # signal to the run does not reach it, so the run must stop it.
    starts = _shell_soffice(tmp_path, monkeypatch, f"sleep 600 &\necho $! >> '{tmp_path / 'starts'}'\nwait")
    temp = tmp_path / "tmp"
    temp.mkdir()
    doc = _documents(tmp_path / "docs", 1)[0]
    env = {**os.environ, "TMPDIR": str(temp)}
    run = subprocess.Popen([sys.executable, "-c", SIGNALLED_RUN, str(doc), str(tmp_path / "pdf")],
                           env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (starts.exists() and len(starts.read_text().split()) == 2):
            assert time.monotonic() < deadline and run.poll() is None, "the fake LibreOffice did not start"
            time.sleep(0.05)
        pids = [int(p) for p in starts.read_text().split()]
        run.send_signal(signal.SIGTERM)
        out, _ = run.communicate(timeout=30)
    finally:
        run.kill()
    assert out.strip() == "stopped"
    assert not any(_alive(pid) for pid in pids)
    assert list(temp.iterdir()) == []  # the private profile is gone
    assert list((tmp_path / "pdf").iterdir()) == []  # and the work folder


def test_many_files_are_converted_in_few_runs(tmp_path, monkeypatch):
    from reporter import pdf

    log = _fake_soffice(tmp_path, monkeypatch)
    monkeypatch.setattr(pdf, "BATCH_SIZE", 4)
    files = []
    for i in range(10):
        files.append(tmp_path / f"{i}.docx")
        files[-1].write_bytes(b"DOC")
    sheet = tmp_path / "表.xlsx"
    sheet.write_bytes(b"SHEET")
    outcome = convert_to_pdf([*files, sheet], tmp_path / "pdf", timeout=TIMEOUT)
    assert outcome == PdfOutcome({})
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(len(r["files"]) for r in runs) == [1, 2, 4, 4]
    assert sum("--infilter=Calc MS Excel 2007 XML" in r["args"] for r in runs) == 1


def test_files_for_two_folders_convert_in_one_run(tmp_path, monkeypatch):
    log = _fake_soffice(tmp_path, monkeypatch)
    doc, report = tmp_path / "一支部.docx", tmp_path / "汇总报告.docx"
    doc.write_bytes(b"DOC")
    report.write_bytes(b"REPORT")
    out = tmp_path / "output"
    targets = {doc: out / "pdf" / "一支部.pdf", report: out / "summary" / "汇总报告.pdf"}
    assert convert_files(targets, timeout=TIMEOUT) == PdfOutcome({})
    assert (out / "summary" / "汇总报告.pdf").read_bytes() == b"%PDF-fake REPORT"
    assert (out / "pdf" / "一支部.pdf").read_bytes() == b"%PDF-fake DOC"
    assert len(log.read_text().splitlines()) == 1
    assert sorted(p.name for p in out.rglob("*")) == ["pdf", "summary", "一支部.pdf", "汇总报告.pdf"]


def test_leftovers_of_a_killed_run_are_removed(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, monkeypatch)
    temp = tmp_path / "tmp"
    out = tmp_path / "pdf"
    old_work, new_work = out / ".reporter-pdf-old", out / ".reporter-pdf-new"
    old_profile = temp / "reporter-lo-profile-old"
    for d in (old_work, new_work, old_profile):
        d.mkdir(parents=True)
        (d / "x").write_text("x")
    two_days_ago = time.time() - 2 * 86400
    for d in (old_work, old_profile):
        os.utime(d, (two_days_ago, two_days_ago))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    empty, doc = tmp_path / "空.docx", tmp_path / "文.docx"
    empty.write_bytes(b"")
    doc.write_bytes(b"DOC")
    outcome = convert_to_pdf([empty, doc], out, timeout=TIMEOUT)
    assert outcome == PdfOutcome({empty: "空.docx 未能转换为 PDF：这是一个空文件。"})
    assert not old_work.exists() and not old_profile.exists()
    assert new_work.exists()  # may belong to a run still going
    assert sorted(p.name for p in temp.iterdir()) == []


OFFICIAL_NAMES = {
    "方正小标宋简体": "Noto Serif CJK SC",
    "方正小标宋_GBK": "Noto Serif CJK SC",
    "小标宋": "Noto Serif CJK SC",
    "华文中宋": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
    "楷体_GB2312": "AR PL UKai CN",
    "楷体": "AR PL UKai CN",
    "KaiTi": "AR PL UKai CN",
    "KaiTi_GB2312": "AR PL UKai CN",
    "仿宋_GB2312": "AR PL UMing CN",
    "仿宋": "AR PL UMing CN",
    "FangSong": "AR PL UMing CN",
    "FangSong_GB2312": "AR PL UMing CN",
}


def _fc(args: list[str], conf: Path | None = None) -> str:
    env = dict(os.environ)
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout


@needs_lo
@needs_poppler
@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_of_output_converts(converted, name):
    pdf = _pdf_of(converted, name)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert KINDS[name][1] in _squeeze(pdf_text(pdf))


@needs_lo
def test_broken_and_missing_files_fail_alone(converted):
    out, outcome, build_errors, leftovers = converted
    assert outcome.run_error is None, (outcome.run_error, outcome.details)
    by_name = {p.name: v for p, v in outcome.failed.items()}
    assert sorted(by_name) == ["broken.docx", "missing.docx"]
    assert "broken.docx" in by_name["broken.docx"] and "未能转换为 PDF" in by_name["broken.docx"]
    assert "找不到" in by_name["missing.docx"]
    assert not (out / "broken.pdf").exists() and not (out / "missing.pdf").exists()
    good = [n for n in KINDS if n not in build_errors]
    assert good, "no file of ours could be written"
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(n).stem + ".pdf" for n in good)
    assert leftovers == []  # the work folder and the private profile are gone


@needs_lo
def test_timeout_kills_libreoffice(tmp_path, monkeypatch):
    src = tmp_path / "a.docx"
    Document().save(src)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    outcome = convert_to_pdf([src], tmp_path / "pdf", timeout=0.05)
    assert "卡死" in outcome.run_error and "卡死" in outcome.failed[src]
    assert "超时" in outcome.details[0]
    assert not (tmp_path / "pdf" / "a.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("reporter-lo-")] == []
    running = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(tmp_path) in arg for arg in proc.info["cmdline"] or ()):
            running.append(proc.pid)
    assert running == []


def test_same_stem_in_two_folders_is_refused_not_overwritten(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, monkeypatch)
    a, b = tmp_path / "a" / "x.docx", tmp_path / "b" / "x.docx"
    for path, text in ((a, b"A"), (b, b"B")):
        path.parent.mkdir()
        path.write_bytes(text)
    outcome = convert_to_pdf([a, b], tmp_path / "pdf", timeout=TIMEOUT)
    assert outcome == PdfOutcome({b: "x.docx 未能转换为 PDF：与 x.docx 会生成同名的 x.pdf。"})
    assert (tmp_path / "pdf" / "x.pdf").read_bytes() == b"%PDF-fake A"


# ---------------------------------------------------------------- LibreOffice: the seed's PDF


@pytest.fixture(scope="module")
def seed_pdf(converted) -> Path:
    return _pdf_of(converted, "branch.docx")


@needs_lo
@needs_poppler
def test_seed_pdf_holds_every_paragraph(seed_pdf):
    text = "\n".join(line for line in pdf_text(seed_pdf).splitlines() if not FOOTER.fullmatch(line.strip()))
    text = _squeeze(text)
    missing = [line for line in seed_lines() if _squeeze(line) not in text]
    assert missing == []


@needs_lo
@needs_poppler
def test_seed_pdf_has_22_lines_of_28_characters(seed_pdf):
    pages = pdf_lines(seed_pdf)
    assert len(pages) >= 3
    body_pages = [[ln for ln in p["lines"] if not FOOTER.fullmatch(ln["text"].strip())] for p in pages]
    counts = [len(lines) for lines in body_pages]
    # every page but the last is full; widow/orphan control may leave one line empty
    assert max(counts[:-1]) == 22, counts
    assert all(c <= 22 for c in counts), counts
    lengths = [len(ln["text"]) for lines in body_pages for ln in lines]
    assert max(lengths) == 28, lengths
    full = [n for n in lengths if n == 28]
    assert len(full) >= len(lengths) // 2, lengths  # most lines of justified paragraphs are full


@needs_lo
@needs_poppler
def test_seed_pdf_uses_distinct_faces(seed_pdf):
    lines = seed_lines()
    chunks = [c for page in pdf_lines(seed_pdf) for ln in page["lines"] for c in ln["chunks"]]

    def family_of(probe: str) -> str:
        families = {family for text, family in chunks if probe in text}
        assert len(families) == 1, (probe, families)
        return families.pop()

    title = family_of(lines[0])
    heading = family_of("一、存在的问题")
    lead_in = family_of("（一）理论学习不深入")
    body = family_of("对开展政治理论学习")
    assert len({title, heading, lead_in, body}) == 4, (title, heading, lead_in, body)
    assert "Kai" in lead_in
    listed = subprocess.run(["pdffonts", str(seed_pdf)], capture_output=True, check=True, text=True).stdout
    names = {row.split()[0].split("+", 1)[-1] for row in listed.splitlines()[2:] if row.strip()}
    for family in (title, heading, lead_in, body):
        assert any(n.startswith(family) for n in names), (family, names)


@needs_lo
@needs_poppler
def test_seed_pdf_page_numbers_on_every_page(seed_pdf):
    pages = pdf_lines(seed_pdf)
    assert len(pages) == page_count(seed_pdf) >= 3
    for number, page in enumerate(pages, 1):
        assert FOOTER.search(pdf_text(seed_pdf, number)).group(1) == str(number)
        footers = [ln for ln in page["lines"] if FOOTER.fullmatch(ln["text"].strip())]
        assert len(footers) == 1, page["lines"][-1]
        footer, middle = footers[0], page["width"] / 2
        if number % 2:  # odd pages: right, even pages: left
            assert footer["left"] > middle
        else:
            assert footer["right"] < middle


def test_output_folder_that_cannot_be_made_is_a_run_error(tmp_path, monkeypatch):
    starts = _shell_soffice(tmp_path, monkeypatch, "exit 0")
    doc = _documents(tmp_path / "docs", 1)[0]
    (tmp_path / "file").write_text("not a folder")
    outcome = convert_to_pdf([doc], tmp_path / "file" / "pdf", timeout=TIMEOUT)
    assert outcome.run_error.startswith("无法创建 PDF 输出文件夹") and "路径中的某一级不是文件夹" in outcome.run_error
    assert list(outcome.failed) == [doc]
    assert not starts.exists()  # LibreOffice was not started
