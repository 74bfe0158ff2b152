"""Official documents rendered by a real office suite and measured: LibreOffice headless turns a .docx or .xlsx
into PDF (each run with its own user profile, so parallel runs never share one), pdfplumber reads where every word,
character and drawn line landed, and poppler's pdftoppm keeps PNG renders in `test-artifacts/documents/` for a
person to look at. Under CI=true a missing LibreOffice or poppler fails the test instead of skipping it."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dvk_documents import MOTTO, NATIONAL_TITLE

MM = 72 / 25.4  # PDF points per millimetre


@dataclass
class Line:
    """One line of text on a page (words sharing a baseline), positions in points from the top left."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass
class Rule:
    """A drawn horizontal line (a stroked line or a thin filled rectangle)."""

    x0: float
    x1: float
    top: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    rules: list[Rule]
    fonts: set[str] = field(default_factory=set)
    text: str = ""

    def find(self, fragment: str) -> Line | None:
        return next((line for line in self.lines if fragment in line.text), None)

    def rule_under(self, line: Line, gap: float = 10.0) -> Rule | None:
        """The drawn line just below `line` (within `gap` points), the one nearest to it."""
        below = [r for r in self.rules if line.bottom - 1 <= r.top <= line.bottom + gap and line.x0 <= r.centre <= line.x1]
        return min(below, key=lambda r: r.top - line.bottom, default=None)

    @property
    def text_box(self) -> tuple[float, float, float, float]:
        """x0, top, x1, bottom of everything printed on the page."""
        return (min(x.x0 for x in self.lines), min(x.top for x in self.lines),
                max(x.x1 for x in self.lines), max(x.bottom for x in self.lines))


@dataclass
class Rendered:
    name: str
    pdf: Path
    pages: list[Page]
    pngs: list[Path]

    def page_of(self, fragment: str) -> int | None:
        return next((p.number for p in self.pages if any(fragment in line.text for line in p.lines)), None)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)


def _lines(words: Iterable[dict]) -> list[Line]:
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        for row in rows:
            if abs(row[0]["bottom"] - word["bottom"]) < 2.5 and abs(row[-1]["x1"] - word["x0"]) < 12:
                row.append(word)
                break
        else:
            rows.append([word])
    return [Line(" ".join(w["text"] for w in row), min(w["x0"] for w in row), max(w["x1"] for w in row),
                 min(w["top"] for w in row), max(w["bottom"] for w in row)) for row in rows]


def measure(pdf: Path) -> list[Page]:
    import pdfplumber

    pages = []
    with pdfplumber.open(pdf) as document:
        for index, page in enumerate(document.pages, start=1):
            words = page.extract_words(keep_blank_chars=False, use_text_flow=True, extra_attrs=["fontname", "size"])
            rules = [Rule(x["x0"], x["x1"], x["top"]) for x in page.lines if abs(x["top"] - x["bottom"]) < 1.5]
            rules += [Rule(x["x0"], x["x1"], x["top"]) for x in page.rects
                      if x["height"] < 2 and x["width"] > 5 and x.get("fill")]
            unique: dict[tuple[int, int, int], Rule] = {}
            for rule in rules:
                unique.setdefault((round(rule.x0), round(rule.x1), round(rule.top)), rule)
            rules = sorted(unique.values(), key=lambda r: (r.top, r.x0))
            pages.append(Page(index, float(page.width), float(page.height), _lines(words), rules,
                              {c["fontname"] for c in page.chars}, page.extract_text() or ""))
    return pages


# --- what a clerk checks at a glance (Nghị định 30/2020) ------------------------------------------------


def assert_nd30_page_one(page: Page, *, subject_fragment: str) -> None:
    """The header block, the number and date lines, the title block and the margins of a first page."""
    assert (round(page.width / MM), round(page.height / MM)) == (210, 297), "A4 portrait"
    agency, name = page.find("ỦY BAN NHÂN DÂN"), page.find("PHƯỜNG MINH XUÂN")
    national, motto = page.find("CỘNG HÒA"), page.find("Độc lập")
    assert agency and name and national and motto, [x.text for x in page.lines[:8]]
    assert national.text == NATIONAL_TITLE, f"the national title is one line: {national.text!r}"
    assert motto.text == MOTTO, f"the motto is one line: {motto.text!r}"
    # Side by side: the agency block on the left, the national block on the right, starting on the same line.
    assert abs(agency.top - national.top) < 2 and agency.x1 < national.x0 and name.x1 < motto.x0

    under_name = page.rule_under(name)
    assert under_name is not None, "a rule under the agency name"
    assert name.width / 2 >= under_name.width >= name.width / 3, (under_name.width, name.width)
    assert abs(under_name.centre - name.centre) < 3, "centred under the name"
    under_motto = page.rule_under(motto)
    assert under_motto is not None, "a rule under the motto"
    assert abs(under_motto.width - motto.width) < 0.06 * motto.width and abs(under_motto.centre - motto.centre) < 3

    number, dated = page.find("Số:"), page.find(", ngày")
    assert number and dated and abs(number.top - dated.top) < 1.5, "the date line level with the number line"
    assert number.top > name.bottom and dated.top > motto.bottom

    subject = page.find(subject_fragment)
    assert subject is not None
    under_subject = page.rule_under(subject)
    assert under_subject is not None, "a rule under the subject line"
    assert subject.width / 2 >= under_subject.width >= subject.width / 3 and abs(under_subject.centre - subject.centre) < 3

    # Margins: text within left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm (the page number excepted).
    body = [x for x in page.lines if x.top > 20 * MM - 1]
    assert min(x.x0 for x in body) >= 30 * MM - 1 and max(x.x1 for x in body) <= (210 - 15) * MM + 1
    assert min(x.top for x in body) >= 20 * MM - 1 and max(x.bottom for x in body) <= (297 - 20) * MM + 1
    assert min(x.x0 for x in body) <= 35 * MM and max(x.x1 for x in body) >= (210 - 20) * MM, "the text uses the width"


def assert_page_numbers(rendered: Rendered) -> None:
    """From page 2 on, the page number alone, centred in the top margin; none on page 1."""
    centre = (30 + (210 - 15)) / 2 * MM
    first = [x for x in rendered.pages[0].lines if x.bottom < 20 * MM and x.text.strip().isdigit()]
    assert first == [], "no page number on page 1"
    assert len(rendered.pages) >= 2
    for page in rendered.pages[1:]:
        top = [x for x in page.lines if x.bottom < 20 * MM]
        assert [x.text for x in top] == [str(page.number)], (page.number, [x.text for x in top])
        assert abs(top[0].centre - centre) < 3 * MM


def assert_signature_with_body(rendered: Rendered, signer: str, last_words: str) -> None:
    """The signer's name, "TM." and the body's last paragraph ("… ./.") on one page."""
    pages = {rendered.page_of(signer), rendered.page_of("TM. ỦY BAN NHÂN DÂN"), rendered.page_of(last_words)}
    assert len(pages) == 1 and None not in pages, (rendered.name, pages)


def assert_every_letter_renders(rendered: Rendered) -> None:
    """Only Liberation Serif (Times New Roman's metric twin) is embedded: no letter fell back to another face or to
    an empty box, and the text reads back in NFC."""
    for page in rendered.pages:
        assert page.fonts and all("LiberationSerif" in f for f in page.fonts), page.fonts
        assert "\ufffd" not in page.text and "□" not in page.text
        assert unicodedata.is_normalized("NFC", page.text)


def assert_one_page_wide(rendered: Rendered, last_columns: Sequence[str]) -> None:
    """Printed sheets: landscape A4, every page carrying its table's header row from "STT" to the sheet's last
    column (a column that did not fit would have gone to a page of its own, without "STT")."""
    for page in rendered.pages:
        assert (round(page.width / MM), round(page.height / MM)) == (297, 210), "landscape A4"
        assert page.find("STT") is not None, (page.number, page.text[:300])
        assert any(column in page.text for column in last_columns), (page.number, page.text[:300])
    for column in last_columns:
        assert column in rendered.text, column


class Office:
    """Renders documents with LibreOffice headless; one instance per test."""

    def __init__(self, artifacts: Path, workdir: Path) -> None:
        self.artifacts = artifacts
        self.workdir = workdir
        from .availability import unavailable

        self.binary = shutil.which("soffice") or shutil.which("libreoffice")
        if self.binary is None:
            unavailable("LibreOffice (soffice) is not installed: scripts/system-deps.sh installs it")
        if shutil.which("pdftoppm") is None:
            unavailable("poppler-utils (pdftoppm) is not installed: scripts/system-deps.sh installs it")
        try:
            import pdfplumber  # noqa: F401
        except ImportError:
            unavailable("pdfplumber is not installed (requirements/dev.txt)")

    def render(self, documents: dict[str, tuple[bytes, str]]) -> dict[str, Rendered]:
        """Converts {name: (content, "docx" | "xlsx")} in one LibreOffice run and measures each PDF."""
        source = Path(tempfile.mkdtemp(dir=self.workdir, prefix="src-"))
        out = Path(tempfile.mkdtemp(dir=self.workdir, prefix="pdf-"))
        profile = Path(tempfile.mkdtemp(dir=self.workdir, prefix="profile-"))
        paths = []
        for name, (content, extension) in documents.items():
            path = source / f"{name}.{extension}"
            path.write_bytes(content)
            paths.append(str(path))
        command = [self.binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(out), *paths]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
        rendered = {}
        self.artifacts.mkdir(parents=True, exist_ok=True)
        for name in documents:
            pdf = out / f"{name}.pdf"
            assert pdf.exists(), f"LibreOffice did not convert {name}: {result.stdout} {result.stderr}"
            kept = self.artifacts / f"{name}.pdf"
            shutil.copyfile(pdf, kept)
            for old in self.artifacts.glob(f"{name}-*.png"):
                old.unlink()
            subprocess.run(["pdftoppm", "-r", "70", "-png", str(kept), str(self.artifacts / name)],  # noqa: S603,S607
                           check=True, capture_output=True, timeout=300)
            pngs = sorted(self.artifacts.glob(f"{name}-*.png"))
            rendered[name] = Rendered(name, kept, measure(kept), pngs)
        return rendered


@pytest.fixture
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Office:
    """LibreOffice rendering; PDFs and PNGs kept in test-artifacts/documents/ at the repository's root."""
    return Office(Path(request.config.rootpath) / "test-artifacts" / "documents", tmp_path)
