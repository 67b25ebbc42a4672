"""ETSI EN 319 102-1 indications, in the words people read.

``verifikasi`` states, per signature, the standard's main indication (TOTAL-PASSED, TOTAL-FAILED,
INDETERMINATE) and sub-indication as the national verifier and European validators do, so a clerk
can tell "the document was changed" (TOTAL-FAILED / HASH_FAILURE) from "the signer's root is not
trusted on this computer" (INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND). The validation report
(:mod:`sakti_cli.signatures.etsi_report`) carries the same pair as URIs.
"""

from __future__ import annotations

from typing import Any

PASSED, FAILED, INDETERMINATE = "TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"

MAIN_WORDS = {
    PASSED: "sah",
    FAILED: "tidak sah",
    INDETERMINATE: "belum dapat dipastikan",
}
"""The main indication in one or two words."""

SUB_WORDS = {
    None: "dokumen tidak berubah sejak ditandatangani dan sertifikat penanda tangan tepercaya serta berlaku",
    "HASH_FAILURE": "dokumen telah berubah setelah ditandatangani: isinya bukan lagi yang ditandatangani",
    "SIG_CRYPTO_FAILURE": "nilai tanda tangan tidak cocok dengan sertifikat penanda tangan (tanda tangan rusak "
                          "atau palsu)",
    "FORMAT_FAILURE": "tanda tangan tidak dapat dibaca atau bentuknya tidak sesuai standar PAdES",
    "NO_CERTIFICATE_CHAIN_FOUND": "sertifikat penanda tangan tidak berantai ke sertifikat akar yang dipercaya di "
                                  "komputer ini; bukan berarti dokumennya berubah",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "rantai sertifikat penanda tangan tidak dapat divalidasi (mis. akar "
                                         "tepercaya bernama sama tetapi kuncinya lain)",
    "CHAIN_CONSTRAINTS_FAILURE": "sertifikat tidak boleh dipakai untuk menandatangani dokumen",
    "SIG_CONSTRAINTS_FAILURE": "tanda tangan tidak memenuhi syarat kebijakan validasi",
    "CRYPTO_CONSTRAINTS_FAILURE": "algoritma kriptografi yang dipakai tidak lagi dianggap aman",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "algoritma kriptografi yang dipakai tidak lagi dianggap aman dan tidak ada "
                                         "cap waktu dari masa algoritma itu masih aman",
    "REVOKED": "sertifikat penanda tangan telah dicabut penerbitnya",
    "REVOKED_NO_POE": "sertifikat penanda tangan telah dicabut dan tidak ada cap waktu yang membuktikan tanda "
                      "tangan dibuat sebelum pencabutan",
    "REVOKED_CA_NO_POE": "sertifikat penerbit (CA) telah dicabut dan tidak ada cap waktu yang membuktikan tanda "
                         "tangan dibuat sebelum pencabutan",
    "EXPIRED": "sertifikat penanda tangan sudah kedaluwarsa",
    "NOT_YET_VALID": "sertifikat penanda tangan belum berlaku pada waktu tanda tangan",
    "OUT_OF_BOUNDS_NO_POE": "sertifikat penanda tangan di luar masa berlakunya dan tidak ada cap waktu yang "
                            "membuktikan tanda tangan dibuat saat sertifikat masih berlaku",
    "OUT_OF_BOUNDS_NOT_REVOKED": "sertifikat penanda tangan sudah di luar masa berlakunya (tidak dicabut), sehingga "
                                 "keabsahannya kini tidak dapat dipastikan",
    "NO_SIGNING_CERTIFICATE_FOUND": "sertifikat penanda tangan tidak ditemukan dalam tanda tangan",
    "NO_POE": "cap waktu pada tanda tangan tidak sah atau tidak tepercaya, jadi waktu tanda tangan tidak terbukti",
    "TRY_LATER": "data pencabutan sertifikat belum tersedia; periksa lagi nanti",
    "TIMESTAMP_ORDER_FAILURE": "urutan cap waktu dalam tanda tangan tidak masuk akal",
}
"""Each sub-indication explained (None: TOTAL-PASSED, which has none)."""


def explain(main: str, sub: str | None) -> str:
    """``"TOTAL-FAILED (HASH_FAILURE): tidak sah, dokumen telah berubah ..."`` as one Indonesian sentence."""
    words = SUB_WORDS.get(sub) or f"tanda tangan tidak dapat divalidasi ({sub})"
    text = f"{MAIN_WORDS[main]}: {words}"
    return text[0].upper() + text[1:] + "."


def sub_of(indic: Any, default: str) -> tuple[str, str]:
    """The (main, sub) pair of a pyHanko ``AdESSubIndic`` (``status.trust_problem_indic``), or
    ``(INDETERMINATE, default)`` when pyHanko names none."""
    name = getattr(indic, "standard_name", None) or getattr(indic, "name", None)
    status = getattr(getattr(indic, "status", None), "name", None)
    if not name:
        return INDETERMINATE, default
    return (FAILED if status == "FAILED" else PASSED if status == "PASSED" else INDETERMINATE), str(name)
