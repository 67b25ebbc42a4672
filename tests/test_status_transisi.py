"""The application and letter state machines (issue 12 §1): enums, one table per kind, one move function."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import Cli, example

from sakti_cli.core.errors import StateConflict
from sakti_cli.register.states import (
    APPLICATION_INITIAL,
    APPLICATION_MOVES,
    LETTER_INITIAL,
    LETTER_MOVES,
    ApplicationStatus,
    LetterStatus,
    move_application,
    move_letter,
)

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sakti_cli"
STATUS_VALUES = {str(s) for s in (*ApplicationStatus, *LetterStatus)}


def _reachable(table: dict, initial: object) -> set:
    seen, todo = {initial}, [initial]
    while todo:
        for _action, to in table[todo.pop()]:
            if to not in seen:
                seen.add(to)
                todo.append(to)
    return seen


@pytest.mark.parametrize(("table", "kind", "initial"), [(APPLICATION_MOVES, ApplicationStatus, APPLICATION_INITIAL),
                                                        (LETTER_MOVES, LetterStatus, LETTER_INITIAL)])
def test_table_is_complete(table: dict, kind: type, initial: object) -> None:
    assert set(table) == set(kind)  # every state has its row (a final state: an empty one)
    assert all(isinstance(to, kind) and action for moves in table.values() for action, to in moves)
    assert _reachable(table, initial) == set(kind)  # every state reachable from the initial one


def test_every_stored_status_is_a_member() -> None:
    """Every record status (and history step) in the stored fixture registers is an enum member."""
    found: set[tuple[str, str]] = set()
    for path in (REPO / "tests" / "fixtures").rglob("*.json"):
        kind = "permohonan" if "permohonan" in path.parts else "surat" if "surat" in path.parts else None
        if kind is None:
            continue
        for table in json.loads(path.read_text()).values():
            for record in table.values():
                found.add((kind, record["status"]))
                found.update((kind, str(step[k])) for step in record.get("riwayat", [])
                             for k in ("dari", "ke") if step.get(k))
    assert found, "no fixture register read"
    for kind, value in found:
        assert value in (set(ApplicationStatus) if kind == "permohonan" else set(LetterStatus)), (kind, value)


def test_statuses_serialise_as_plain_strings(tmp_path: Path) -> None:
    from tinydb import TinyDB

    assert json.dumps({"status": LetterStatus.BATAL}) == '{"status": "BATAL"}'
    assert ApplicationStatus.TERBIT == "TERBIT" and LetterStatus.TERBIT == ApplicationStatus.TERBIT
    db = TinyDB(tmp_path / "r.json")
    db.insert({"status": ApplicationStatus.BELUM_LENGKAP})
    db.close()
    assert '"status": "BELUM_LENGKAP"' in (tmp_path / "r.json").read_text()


def test_move_functions_refuse_and_leave_the_record() -> None:
    record = {"nomor_registrasi": "REG-202611-0009", "status": "DITOLAK"}
    with pytest.raises(StateConflict) as refused:
        move_application(record, ApplicationStatus.TERBIT, action="terbit")
    text = refused.value.pesan
    assert "REG-202611-0009" in text and "DITOLAK" in text and "terbit" in text and "LENGKAP" in text
    assert record["status"] == "DITOLAK"
    letter = {"nomor_surat": "400/001/X/2026", "status": "BATAL"}
    with pytest.raises(StateConflict) as refused:
        move_letter(letter, LetterStatus.BATAL, action="batalkan")
    assert "400/001/X/2026" in refused.value.pesan and "BATAL" in refused.value.pesan
    assert letter["status"] == "BATAL"
    assert move_letter({"status": "DIPESAN"}, LetterStatus.MENUNGGU_TTD, action="siapkan") == "DIPESAN"


def _snapshot(kantor: Path) -> dict[str, str]:
    return {str(p): p.read_text() for p in sorted((kantor / "data" / "register").rglob("*.json"))}


def test_cli_refuses_moves_from_a_final_state(kantor: Path, cli: Cli) -> None:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("tolak", reg, "--alasan", "bukan warga")
    before = _snapshot(kantor)
    for args in (["terbitkan", reg], ["tolak", reg, "--alasan", "lagi"]):
        result = cli(*args)
        assert result.exit_code == 5, (args, result.stderr)
        assert reg in result.stderr and "DITOLAK" in result.stderr
        assert "Traceback" not in result.stderr
    assert _snapshot(kantor) == before


def test_cli_batalkan_of_a_voided_letter_exits_5(kantor: Path, cli: Cli, issued: dict) -> None:
    number = issued["nomor_surat"]
    cli.json("batalkan", number, "--alasan", "salah ketik")
    before = _snapshot(kantor)
    again = cli("batalkan", number, "--alasan", "lagi")
    assert again.exit_code == 5 and number in again.stderr and "BATAL" in again.stderr
    assert _snapshot(kantor) == before


def _status_literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in STATUS_VALUES


def _is_status_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "status"


def test_no_status_literal_or_bare_status_assignment_outside_states() -> None:
    """Every status is an enum member, and every record's status is set by states.move_*."""
    bad: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "states.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_is_status_key(t) for t in targets):
                    bad.append(f"{where}: ['status'] = ... (pakai move_application/move_letter)")
            elif isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "status" and (_status_literal(kw.value) or (
                            isinstance(node.func, ast.Attribute) and node.func.attr == "update")):
                        bad.append(f"{where}: status={ast.unparse(kw.value)}")
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "status" and _status_literal(value):
                        bad.append(f"{where}: 'status': {ast.unparse(value)}")
            elif isinstance(node, ast.Compare) and any(_status_literal(c) for c in (node.left, *node.comparators)):
                bad.append(f"{where}: {ast.unparse(node)}")
    assert not bad, "\n".join(bad)
