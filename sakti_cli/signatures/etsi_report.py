"""The ETSI TS 119 102-2 validation report of ``verifikasi --laporan FILE.xml``.

Written with the standard library, element by element as in the TS 119 102-2 schema (namespace
``http://uri.etsi.org/19102/v1.2.1#``; pyHanko's generated bindings ``pyhanko.generated.etsi.ts_11910202``
name the same elements). pyHanko 0.38 has a generator of its own (``pyhanko.sign.validation.report``),
but it needs the optional ``[etsi]`` extra (xsdata, signxml), reports one signature per call, and judges
with its own AdES run: the report here carries exactly the indication ``verifikasi`` prints for each
signature (:mod:`sakti_cli.signatures.indication`), document timestamps included.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from sakti_cli.signatures.validate import PdfVerification, SignatureReport

VR = "http://uri.etsi.org/19102/v1.2.1#"
DS = "http://www.w3.org/2000/09/xmldsig#"
NAMESPACES = {"vr": VR, "ds": DS}

MAIN_URI = {
    "TOTAL-PASSED": "urn:etsi:019102:mainindication:total-passed",
    "TOTAL-FAILED": "urn:etsi:019102:mainindication:total-failed",
    "INDETERMINATE": "urn:etsi:019102:mainindication:indeterminate",
}
SUB_URI = "urn:etsi:019102:subindication:{}"
DIGEST_URI = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}


def _el(parent: ET.Element, name: str, text: str | None = None, ns: str = VR, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ns}}}{name}", attrs)
    if text is not None:
        child.text = text
    return child


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _digest(parent: ET.Element, algorithm: str, value: bytes) -> None:
    pair = _el(parent, "DigestAlgAndValue")
    _el(pair, "DigestMethod", ns=DS, Algorithm=DIGEST_URI.get(algorithm, f"urn:oid:{algorithm}"))
    _el(pair, "DigestValue", base64.b64encode(value).decode(), ns=DS)


def _certificate_id(der: bytes) -> str:
    return f"vo-sertifikat-{hashlib.sha256(der).hexdigest()[:16]}"


def _process(report: SignatureReport) -> str:
    """The validation process the verdict rests on: with archive timestamps (LTA), with a signature
    timestamp as proof of time (LTVM), or at the validation time only (Basic)."""
    if report.level == "B-LTA":
        return "LTA"
    return "LTVM" if report.time_from_timestamp else "Basic"


def _signature_report(parent: ET.Element, report: SignatureReport, emb: Any, validated_at: datetime,
                      objects: dict[str, bytes]) -> None:
    sig = _el(parent, "SignatureValidationReport")
    if emb is not None:
        with_signature_identity(sig, report, emb, validated_at, objects)
    else:
        times = _el(sig, "ValidationTimeInfo")
        _el(times, "ValidationTime", _time(validated_at))
    process = _el(sig, "SignatureValidationProcess")
    _el(process, "SignatureValidationProcessID", f"urn:etsi:019102:validationprocess:{_process(report)}")
    status = _el(sig, "SignatureValidationStatus")
    _el(status, "MainIndication", MAIN_URI[report.indication])
    if report.sub_indication:
        _el(status, "SubIndication", SUB_URI.format(report.sub_indication))
    data = _el(status, "AssociatedValidationReportData")
    extra = _el(data, "AdditionalValidationReportData")
    note = _el(extra, "ReportData")
    _el(note, "Type", "urn:sakti:penjelasan")
    _el(note, "Value", f"{report.field}: {report.indication_note or report.pesan or ''}")


def with_signature_identity(sig: ET.Element, report: SignatureReport, emb: Any, validated_at: datetime,
                            objects: dict[str, bytes]) -> None:
    """SignatureIdentifier, ValidationTimeInfo, SignersDocument, SignatureAttributes and SignerInformation of
    one parsed signature (schema order); its signer's certificate goes to ``objects``."""
    algorithm = str(emb.md_algorithm)
    signer_info = emb.signer_info
    ident = _el(sig, "SignatureIdentifier")
    _digest(ident, algorithm, hashlib.new(algorithm, signer_info["signed_attrs"].dump()).digest())
    _el(ident, "SignatureValue", base64.b64encode(signer_info["signature"].native).decode(), ns=DS)
    _el(ident, "HashOnly", "false")
    _el(ident, "DocHashOnly", "false")
    times = _el(sig, "ValidationTimeInfo")
    _el(times, "ValidationTime", _time(validated_at))
    best = _el(times, "BestSignatureTime")
    proven = (report.timestamp_time or report.signing_time) if report.time_from_timestamp else None
    _el(best, "POETime", _time(proven or validated_at))
    _el(best, "TypeOfProof", "urn:etsi:019102:poetype:validation")
    try:
        document = emb.compute_digest()
    except Exception:  # byte ranges beyond the file: the indication already says so
        document = None
    if document is not None:
        _digest(_el(sig, "SignersDocument"), str(emb.external_md_algorithm), document)
    attrs = _el(sig, "SignatureAttributes")
    claimed = emb.self_reported_timestamp
    if claimed is not None:
        _el(_el(attrs, "SigningTime", Signed="true"), "Time", _time(claimed))
    if report.timestamp_time is not None and report.kind == "tanda_tangan":
        _el(_el(attrs, "SignatureTimeStamp", Signed="false"), "TimeStampValue", _time(report.timestamp_time))
    if report.subfilter:
        _el(_el(attrs, "SubFilter", Signed="true"), "SubFilterElement", report.subfilter)
    byte_range = emb.sig_object.get("/ByteRange")
    if byte_range is not None:
        _el(attrs, "ByteRange", " ".join(str(int(x)) for x in byte_range))
    cert = emb.signer_cert
    if cert is not None:
        der = cert.dump()
        objects[_certificate_id(der)] = der
        info = _el(sig, "SignerInformation")
        _el(info, "SignerCertificate", VOReference=_certificate_id(der))
        if report.signer:
            _el(info, "Signer", report.signer)


def render_report(found: PdfVerification) -> bytes:
    """The whole report: one SignatureValidationReport per signature (and document timestamp) in the
    order of the file, then the signers' certificates as validation objects."""
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    root = ET.Element(f"{{{VR}}}ValidationReport")
    validated_at = found.validated_at or datetime.now(UTC)
    objects: dict[str, bytes] = {}
    for report in found.signatures:
        _signature_report(root, report, found.embedded.get(report.field), validated_at, objects)
    if objects:
        listed = _el(root, "SignatureValidationObjects")
        for ident, der in objects.items():
            obj = _el(listed, "ValidationObject", id=ident)
            _el(obj, "ObjectType", "urn:etsi:019102:validationObject:certificate")
            _el(_el(obj, "ValidationObjectRepresentation"), "base64", base64.b64encode(der).decode())
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
