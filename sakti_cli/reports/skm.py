"""``sakti laporan skm``: the Survei Kepuasan Masyarakat index (PermenPAN-RB 14/2017) from a Google Form export.

The regulation's method: nine elements (unsur), each answer scored 1-4; the mean score of an element over the
respondents is its NRR (nilai rata-rata); the index (IKM) is the mean of the nine NRR times 25 (the regulation
writes it as the sum of NRR x 0,111, times 25), banded A Sangat Baik 88,31-100, B Baik 76,61-88,30, C Kurang Baik
65,00-76,60, D Tidak Baik 25,00-64,99. Computed for all respondents and per service (when the form asks which
service the respondent received), with the weakest elements named.

Which question is which element comes from a mapping, ``sop/_skm.yaml`` (the office's, else the shipped one),
like the import's ``sop/gform/*.yaml``. Every answer must be scorable: an empty cell or an answer outside 1-4
stops the run (exit 3) naming the file, the row and the column, so a wrong export never gives a wrong index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sakti_cli.core.errors import ConfigError, FileUnreadable, NotFound

MAP_NAME = "_skm.yaml"
ELEMENTS = 9
WEAKEST = 3
BANDS = ((88.31, "A", "Sangat Baik"), (76.61, "B", "Baik"), (65.00, "C", "Kurang Baik"), (25.00, "D", "Tidak Baik"))
_LEADING_SCORE = re.compile(r"^\s*(\d+)\s*(?:[-.):]|$|\s)")
ALL = "(semua)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Element(_Strict):
    kode: str
    nama: str
    pertanyaan: str = Field(description="judul pertanyaan di ekspor CSV")
    jawaban: list[str] = Field(default_factory=list, description="teks jawaban bernilai 1, 2, 3, 4 (urut)")

    @model_validator(mode="after")
    def _four_answers(self) -> Element:
        if self.jawaban and len(self.jawaban) != 4:
            raise ValueError(f"unsur {self.kode}: 'jawaban' harus empat teks (nilai 1 sampai 4)")
        return self


class SurveyMap(_Strict):
    layanan: str | None = Field(None, description="judul pertanyaan jenis layanan (boleh kosong)")
    layanan_pilihan: dict[str, str] = Field(default_factory=dict, description="jawaban -> kode layanan")
    unsur: list[Element]

    @model_validator(mode="after")
    def _nine(self) -> SurveyMap:
        if len(self.unsur) != ELEMENTS:
            raise ValueError(f"'unsur' harus berisi {ELEMENTS} unsur PermenPAN-RB 14/2017, ada {len(self.unsur)}")
        codes = [e.kode for e in self.unsur]
        if len(set(codes)) != len(codes):
            raise ValueError("kode unsur ganda")
        return self


def map_path(sop_dir: Path) -> Path:
    from sakti_cli.core.resources import office_or_bundled

    return office_or_bundled(Path(sop_dir), "sop", MAP_NAME)


def load_map(path: Path) -> SurveyMap:
    import yaml

    from sakti_cli.core.validation import load_yaml_text, syntax_error_place
    from sakti_cli.services.problems import problems_from

    saran = f"Perbaiki kunci yang disebut; contoh lengkapnya: sop/{MAP_NAME} di paket sakti."
    try:
        raw: Any = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"Peta survei {path} tidak ada.", berkas=str(path), saran=saran) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Peta survei {path} bukan YAML yang sah ({syntax_error_place(exc)}).", berkas=str(path),
                          saran="Perbaiki penulisan berkas itu pada letak yang disebut.") from None
    try:
        return SurveyMap.model_validate(raw)
    except ValidationError as exc:
        problems = problems_from(exc)
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise ConfigError(f"Peta survei {path} tidak valid:\n{listing}", saran=saran, berkas=str(path),
                          masalah=problems) from None


def band(index: float) -> tuple[str, str]:
    """The category of an index (rounded to two decimals first, as the bands are written)."""
    value = round(index, 2)
    for floor, letter, name in BANDS:
        if value >= floor:
            return letter, name
    return "D", "Tidak Baik"


@dataclass
class Group:
    """The sums of one group of respondents (all, or one service)."""

    name: str
    respondents: int = 0
    sums: list[int] | None = None

    def add(self, scores: list[int]) -> None:
        self.sums = [a + b for a, b in zip(self.sums or [0] * len(scores), scores, strict=True)]
        self.respondents += 1

    def result(self, elements: list[Element]) -> dict[str, Any]:
        sums = self.sums or [0] * len(elements)
        nrr = [total / self.respondents for total in sums] if self.respondents else [0.0] * len(elements)
        index = sum(nrr) / len(nrr) * 25
        letter, name = band(index)
        rows = [{"kode": e.kode, "nama": e.nama, "nrr": round(v, 3), "nilai": round(v * 25, 2),
                 "mutu": band(v * 25)[0]} for e, v in zip(elements, nrr, strict=True)]
        weakest = sorted(rows, key=lambda r: (r["nrr"], r["kode"]))[:WEAKEST]
        return {"nama": self.name, "responden": self.respondents, "unsur": rows, "indeks": round(index, 2),
                "mutu": letter, "kinerja": name, "terlemah": [{"kode": r["kode"], "nama": r["nama"], "nrr": r["nrr"]}
                                                              for r in weakest]}


def score(text: str, element: Element) -> int | None:
    """1-4 from an answer: a leading number (``3``, ``3 - Sesuai``) or the answer text of the mapping."""
    from sakti_cli.intake.gform import title_key

    match = _LEADING_SCORE.match(text)
    if match:
        value = int(match.group(1))
        return value if 1 <= value <= 4 else None
    for value, answer in enumerate(element.jawaban, 1):
        if title_key(answer) == title_key(text):
            return value
    return None


def _bad(path: Path, row: int, column: str, why: str) -> FileUnreadable:
    return FileUnreadable(f"Berkas {path} baris {row}, kolom '{column}': {why}.", berkas=str(path), baris=row,
                          kolom=column, saran="Perbaiki atau hapus baris itu di Google Sheets (jawaban 1-4 atau teks "
                          f"jawaban yang tertulis di sop/{MAP_NAME}), lalu ekspor lagi.")


def compute(csv_path: Path, mapping: SurveyMap, map_file: Path) -> dict[str, Any]:
    """The index overall and per service from the export at ``csv_path``."""
    from sakti_cli.intake.gform import read_export, title_key

    if not csv_path.is_file():
        raise FileUnreadable(f"Berkas {csv_path} tidak ada.", saran="Periksa nama dan letak berkas ekspornya.")
    if not csv_path.read_bytes().strip():
        raise FileUnreadable(f"Berkas {csv_path} kosong.", berkas=str(csv_path),
                             saran="Unduh lagi lembar respons survei: File > Download > Comma Separated Values.")
    export = read_export(csv_path)
    wanted = [(element, title_key(element.pertanyaan)) for element in mapping.unsur]
    service_key = title_key(mapping.layanan) if mapping.layanan else None
    missing = [element.pertanyaan for element, key in wanted if key not in export.titles]
    if service_key is not None and service_key not in export.titles:
        missing.append(str(mapping.layanan))
    if missing:
        raise FileUnreadable(
            f"Berkas {csv_path} baris 1: kolom tidak ada: " + "; ".join(f"'{m}'" for m in missing) + ".",
            berkas=str(csv_path), kolom=missing,
            saran=f"Samakan judul pertanyaan di {map_file} dengan baris pertama ekspor (atau hapus 'layanan' bila "
                  "formulir tidak menanyakannya).")
    if not export.responses:
        raise FileUnreadable(f"Berkas {csv_path}: tidak ada satu pun jawaban (hanya baris judul).",
                             berkas=str(csv_path), saran="Ekspor lagi setelah survei mendapat jawaban.")
    overall = Group(ALL)
    services: dict[str, Group] = {}
    for response in export.responses:
        scores = []
        for element, key in wanted:
            answer = response.cells.get(key, "").strip()
            if not answer:
                raise _bad(csv_path, response.number, export.titles[key], f"jawaban unsur {element.kode} kosong")
            value = score(answer, element)
            if value is None:
                raise _bad(csv_path, response.number, export.titles[key],
                           f"jawaban '{answer[:60]}' bukan nilai 1-4 unsur {element.kode}")
            scores.append(value)
        overall.add(scores)
        if service_key is not None:
            answer = " ".join(response.cells.get(service_key, "").split()) or "(tidak disebut)"
            name = mapping.layanan_pilihan.get(answer, answer)
            services.setdefault(name, Group(name)).add(scores)
    elements = list(mapping.unsur)
    return {"berkas": str(csv_path.resolve()), "peta": str(map_file.resolve()), "responden": overall.respondents,
            "semua": overall.result(elements),
            "layanan": [services[name].result(elements) for name in sorted(services)]}


def _number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def element_rows(group: dict[str, Any]) -> list[list[Any]]:
    return [[f"{u['kode']} {u['nama']}", _number(u["nrr"], 3), _number(u["nilai"]), u["mutu"]] for u in group["unsur"]]


def service_rows(result: dict[str, Any]) -> list[list[Any]]:
    return [[g["nama"], g["responden"], _number(g["indeks"]), f"{g['mutu']} ({g['kinerja']})",
             ", ".join(w["kode"] for w in g["terlemah"])] for g in [result["semua"], *result["layanan"]]]


def write_xlsx(ws: Any, result: dict[str, Any], target: Path) -> Path:
    from sakti_cli.reports import xlsx

    whole = result["semua"]
    intro = [f"Indeks Kepuasan Masyarakat Kecamatan {ws.config.kantor.kecamatan}",
             f"{result['responden']} responden; IKM {_number(whole['indeks'])}, mutu {whole['mutu']} "
             f"({whole['kinerja']})"]
    groups = [whole, *result["layanan"]]
    sheets = [
        xlsx.Sheet("Unsur", ["Unsur", "NRR", "Nilai (NRR x 25)", "Mutu"],
                   [[f"{u['kode']} {u['nama']}", u["nrr"], u["nilai"], u["mutu"]] for u in whole["unsur"]],
                   intro=intro, charts=[xlsx.Chart("bar", "NRR per unsur", [2], y_title="NRR (1-4)")],
                   widths={1: 44}),
        xlsx.Sheet("Layanan", ["Layanan", "Responden", "IKM", "Mutu", "Kinerja", "Unsur terlemah"],
                   [[g["nama"], g["responden"], g["indeks"], g["mutu"], g["kinerja"],
                     ", ".join(f"{w['kode']} {w['nama']}" for w in g["terlemah"])] for g in groups],
                   intro=intro, charts=[xlsx.Chart("bar", "IKM per layanan", [3], y_title="IKM")]),
    ]
    return xlsx.write(sheets, target)


def write_pdf(ws: Any, result: dict[str, Any], target: Path, printed: str) -> Path:
    from sakti_cli.reports import pdf

    office = ws.config.kantor
    whole = result["semua"]
    weakest = "; ".join(f"{w['kode']} {w['nama']} (NRR {_number(w['nrr'], 3)})" for w in whole["terlemah"])
    blocks: list[Any] = [
        pdf.Text(f"Jumlah responden: {result['responden']}. Indeks Kepuasan Masyarakat (IKM): "
                 f"{_number(whole['indeks'])}, mutu pelayanan {whole['mutu']} ({whole['kinerja']}). "
                 f"Unsur terlemah: {weakest}."),
        pdf.Heading("Nilai per unsur"),
        pdf.Table(["Unsur", "NRR", "Nilai (NRR x 25)", "Mutu"], element_rows(whole)),
        pdf.Bars("NRR per unsur (skala 1-4)", [u["kode"] for u in whole["unsur"]],
                 [("NRR", [u["nrr"] for u in whole["unsur"]])]),
    ]
    if result["layanan"]:
        blocks += [pdf.Heading("Per layanan"),
                   pdf.Table(["Layanan", "Responden", "IKM", "Mutu", "Unsur terlemah"], service_rows(result)),
                   pdf.Bars("IKM per layanan", [g["nama"] for g in result["layanan"]],
                            [("IKM", [g["indeks"] for g in result["layanan"]])])]
    blocks.append(pdf.Text("Metode: PermenPAN-RB Nomor 14 Tahun 2017; IKM = rata-rata NRR sembilan unsur x 25. "
                           "Mutu: A Sangat Baik 88,31-100; B Baik 76,61-88,30; C Kurang Baik 65,00-76,60; "
                           "D Tidak Baik 25,00-64,99."))
    document = pdf.Document(pdf.Office(office.kabupaten, office.kecamatan, office.alamat),
                            "Laporan Survei Kepuasan Masyarakat", f"Kecamatan {office.kecamatan}; ekspor "
                            f"{Path(result['berkas']).name}", blocks, footer=f"Dicetak {printed} oleh SAKTI")
    return pdf.write(document, target)
