"""Writes of the exchange: importing legacy certificates and generating regulator exports.

An import commits whole or not at all, with one audit event for the batch (not one per row): thousands of
certificates arrive through the same fast path the demo bulk load uses (raw executemany / COPY).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.certificates.bulk import Dates, Writer, bulk_indexing, check_columns, dumps
from certbody.certificates.models import Certificate, CertificateVersion
from certbody.clients.models import Organisation
from certbody.clients.services import organisations_create_bulk
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import record_creation
from certbody.schemes.models import Scheme

from . import exports
from .importing import Row, Validation, read_rows, validate
from .models import EXPORT_RUN_FLOW, ExportRun, ImportBatch
from .permissions import can_import, can_request_export

ERROR_LIMIT = 1000
DB_CHUNK = 5000
INSERT_BATCH = 5_000  # small enough that the writer thread starts early and finishes soon after


def check_upload_size(size: int | None) -> None:
    # Its own limit (CERTBODY_MAX_IMPORT_BYTES): a legacy register is larger than a document.
    limit = settings.CERTBODY_MAX_IMPORT_BYTES
    if size is not None and size > limit:
        raise InvalidInput(
            _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}, code="file_too_large"
        )


@transaction.atomic
def certificates_import(
    *,
    actor: Any,
    file_name: str,
    content: bytes,
    mode: str = ImportBatch.Mode.ALL_OR_NOTHING,
    today: date | None = None,
) -> ImportBatch:
    """Validate every row; import all of them, or (mode "valid_rows") the valid ones; record one audited batch.

    A file that cannot be read at all (binary, wrong columns) raises InvalidInput and records nothing.
    """
    refuse_if(can_import(actor))
    if mode not in ImportBatch.Mode.values:
        raise InvalidInput(_("Unknown import mode."), code="mode")
    check_upload_size(len(content))
    today = today or timezone.localdate()
    fmt, rows = read_rows(content)
    schemes = {s.code.upper(): s for s in Scheme.objects.select_related("category")}
    result = validate(rows, schemes=set(schemes), today=today)
    if result.total == 0:
        raise InvalidInput(_("The file has no certificate rows."), code="empty")
    _refuse_existing(result)
    result.errors.sort()
    batch = ImportBatch(
        file_name=(file_name or "")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        file_format=fmt,
        mode=mode,
        rows_total=result.total,
        rows_rejected=len(result.bad_lines),
        errors=[list(e) for e in result.errors[:ERROR_LIMIT]],
        error_count=len(result.errors),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if (result.errors and mode == ImportBatch.Mode.ALL_OR_NOTHING) or not result.rows:
        batch.status = ImportBatch.Status.REFUSED
        batch.save()
    else:
        batch.status = ImportBatch.Status.PARTIAL if result.errors else ImportBatch.Status.IMPORTED
        batch.save()
        _insert(batch, result.rows, schemes, actor)
        batch.save()
    _record_batch(batch, actor)
    return batch


def _refuse_existing(result: Validation) -> None:
    """Rows whose number is already in the register become errors (one query per DB_CHUNK numbers)."""
    numbers = [r.number for r in result.rows]
    existing: set[str] = set()
    table = connection.ops.quote_name(Certificate._meta.db_table)
    with connection.cursor() as cursor:
        # Raw "number IN (...)" by chunks: the ORM's per-parameter preparation cost more than the query here.
        for i in range(0, len(numbers), DB_CHUNK):
            chunk = numbers[i : i + DB_CHUNK]
            cursor.execute(f"SELECT number FROM {table} WHERE number IN ({', '.join(['%s'] * len(chunk))})", chunk)
            existing.update(n for (n,) in cursor.fetchall())
    if existing:
        message = _("a certificate with this number already exists")
        keep = []
        for r in result.rows:
            if r.number in existing:
                result.error(r.line, "number", message)
            else:
                keep.append(r)
        result.rows = keep


def _record_batch(batch: ImportBatch, actor: Any) -> None:
    """The batch's one audit event."""
    record_creation(
        batch,
        actor=actor,
        transition="import",
        after={
            "file_name": batch.file_name,
            "sha256": batch.sha256,
            "mode": batch.mode,
            "status": batch.status,
            "rows_total": batch.rows_total,
            "rows_imported": batch.rows_imported,
            "rows_rejected": batch.rows_rejected,
            "organisations_created": batch.organisations_created,
            "first_certificate_id": batch.first_certificate_id,
            "last_certificate_id": batch.last_certificate_id,
        },
        reason=_("Legacy certificates imported from %(name)s.") % {"name": batch.file_name},
    )


def _holders(rows: list[Row], actor: Any) -> tuple[dict[tuple[str, str], Organisation], int]:
    """Holder organisations by (USCC, name): found by USCC, else by exact name, else created through the service."""
    wanted = {(r.holder_uscc, r.holder_name): r for r in rows}
    usccs = {u for u, _n in wanted if u}
    names = {n for _u, n in wanted}
    by_uscc = {o.uscc: o for o in Organisation.objects.filter(uscc__in=usccs)} if usccs else {}
    by_name: dict[str, Organisation] = {}
    name_list = list(names)
    for i in range(0, len(name_list), DB_CHUNK):
        for o in Organisation.objects.filter(name__in=name_list[i : i + DB_CHUNK]).order_by("id"):
            by_name.setdefault(o.name, o)
    found: dict[tuple[str, str], Organisation] = {}
    # Holders to register: one per code, else one per name (as the look-up above matches them); a row without a
    # code goes to a holder of the same name registered with a code in this file, as it would in the register.
    missing: dict[tuple[str, str], Row] = {}
    coded_names: set[str] = set()
    for (uscc, name), row in sorted(wanted.items(), key=lambda item: not item[0][0]):
        org = by_uscc.get(uscc) if uscc else by_name.get(name)
        if org is not None:
            found[(uscc, name)] = org
        elif uscc:
            missing.setdefault((uscc, ""), row)
            coded_names.add(name)
        elif name not in coded_names:
            missing.setdefault(("", name), row)
    created = organisations_create_bulk(
        actor=None,  # the import is the authority that registers holders here (the system actor)
        records=[{"name": r.holder_name, "address": r.holder_address, "uscc": r.holder_uscc or None}
                 for r in missing.values()],
        reason=_("Holders of legacy certificates, registered by the import."),
    )  # fmt: skip
    registered = dict(zip(missing, created, strict=True))
    by_new_name: dict[str, Organisation] = {}
    for org in created:
        by_new_name.setdefault(org.name, org)
    for uscc, name in wanted:
        if (uscc, name) not in found:
            found[(uscc, name)] = registered[(uscc, "")] if uscc else by_new_name[name]
    return found, len(created)


def _insert(batch: ImportBatch, rows: list[Row], schemes: dict[str, Scheme], actor: Any) -> None:
    check_columns()
    vendor = connection.vendor
    holders, created = _holders(rows, actor)
    tuples = _Tuples(vendor, holders, _scheme_parts(schemes), actor)
    q = connection.ops.quote_name
    cert_table, version_table = q(Certificate._meta.db_table), q(CertificateVersion._meta.db_table)
    with connection.cursor() as cursor:
        old_cache = _prepare_load(cursor, vendor, cert_table, version_table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {cert_table}")
        cert_id = first = cursor.fetchone()[0] + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {version_table}")
        version_id = cursor.fetchone()[0] + 1
        with bulk_indexing(cursor) as indexing, Writer(cursor) as writer:
            indexing.first_version_id = version_id
            for start in range(0, len(rows), INSERT_BATCH):
                certs, versions = tuples.build(rows[start : start + INSERT_BATCH], cert_id, version_id)
                cert_id += len(certs)
                version_id += len(versions)
                writer.write("cert", certs)
                writer.write("version", versions)
        _finish_load(cursor, vendor, old_cache, (cert_table, version_table))
    batch.rows_imported = len(rows)
    batch.organisations_created = created
    batch.first_certificate_id = first
    batch.last_certificate_id = cert_id - 1


def _prepare_load(cursor: Any, vendor: str, cert_table: str, version_table: str) -> Any:
    """Set the connection up for the load; returns SQLite's cache size to restore afterwards."""
    old_cache = None
    if vendor == "postgresql":
        # Explicit ids below: keep other writers out of these two tables until the import commits.
        cursor.execute(f"LOCK TABLE {cert_table}, {version_table} IN SHARE ROW EXCLUSIVE MODE")
        # Check foreign keys row by row instead of queueing a deferred check per row for the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    elif vendor == "sqlite":
        cursor.execute("PRAGMA cache_size")
        old_cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB for the load: index pages stay in memory
    return old_cache


def _finish_load(cursor: Any, vendor: str, old_cache: Any, tables: tuple[str, str]) -> None:
    if vendor == "sqlite":
        cursor.execute(f"PRAGMA cache_size = {int(old_cache)}")
    if vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are all initially deferred
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",
                [table.strip('"')],
            )


def _scheme_parts(schemes: dict[str, Scheme]) -> dict[str, tuple]:
    """Per scheme code, the scheme and current-rule columns every version row repeats."""
    scheme_parts: dict[str, tuple] = {}
    for code, scheme in schemes.items():
        rule = scheme.current_rule()
        standards = [s.as_record() for s in rule.standards.order_by("code")] if rule else []
        scheme_parts[code] = (
            scheme.pk,
            scheme.category_id,
            scheme.code,
            scheme.name_zh,
            rule.document_code if rule else "",
            rule.version if rule else "",
            dumps(standards),
            dumps(scheme.mode_record()),
            scheme.mode_text(),
        )
    return scheme_parts


_ENDED_REASON = {
    Certificate.Status.VALID: "",
    Certificate.Status.SUSPENDED: "legacy_import",
    Certificate.Status.WITHDRAWN: "legacy_import",
    Certificate.Status.CANCELLED: "legacy_import",
    Certificate.Status.EXPIRED: "expired",
}


class _Tuples:
    """Certificate and version rows for the bulk writer, with the JSON pieces cached across rows."""

    def __init__(self, vendor: str, holders: dict[tuple[str, str], Organisation], scheme_parts: dict, actor: Any):
        self.holders = holders
        self.scheme_parts = scheme_parts
        self.dates = Dates(vendor)
        self.now_text = self.dates.now()
        self.cb_name, self.cb_address = settings.CERTBODY_ORG_NAME, settings.CERTBODY_ORG_ADDRESS
        self.actor_id = actor.pk if getattr(actor, "pk", None) else None
        self.text_json: dict[str, str] = {}
        self.list_json: dict[int, str] = {}  # by id(): the validator shares one list between rows with the same text

    def j(self, value: str) -> str:
        out = self.text_json.get(value)
        if out is None:
            out = self.text_json[value] = dumps(value)
        return out

    def jl(self, value: list) -> str:
        out = self.list_json.get(id(value))
        if out is None:
            out = self.list_json[id(value)] = dumps(value)
        return out

    def build(self, rows: list[Row], cert_id: int, version_id: int) -> tuple[list[tuple], list[tuple]]:
        """Rows for `rows`, numbered from the given ids."""
        dates, now_text, j, jl = self.dates, self.now_text, self.j, self.jl
        certs, versions = [], []
        for r in rows:
            org = self.holders[(r.holder_uscc, r.holder_name)]
            sid, cat_id, scode, sname, rule_doc, rule_ver, std_json, mode_json, mode_text = self.scheme_parts[
                r.scheme_code
            ]
            issued, expires = dates.d(r.issued_on), dates.d(r.expires_on)
            status = r.status
            if status == Certificate.Status.VALID:
                changed = dates.dt(r.issued_on, 0)
                ended = None
            else:
                changed = now_text
                ended = expires if status == Certificate.Status.EXPIRED else None
            # The unit's JSON assembled from cached pieces: json.dumps per row was a third of the insert time.
            unit = (
                f'[{{"product_name": {j(r.product_name)}, "product_name_en": "", "trademark": "", '
                f'"models": {jl(r.models)}, "version": {j(r.version)}, '
                f'"manufacturer": {j(r.manufacturer or org.name)}, "manufacturer_address": "", '
                f'"production_site": {j(r.production_site)}, "production_site_address": "", '
                f'"difference_statement": ""}}]'
            )
            certs.append(
                (
                    cert_id, r.number, status, org.pk, sid, cat_id, None, org.name, r.product_name, issued,
                    issued, expires, 1, None, None, _ENDED_REASON[status], changed, ended, now_text,
                    (r.manufacturer or org.name)[:500],
                )
            )  # fmt: skip
            versions.append(
                (
                    version_id, cert_id, 1, CertificateVersion.Reason.INITIAL, None, issued, issued, expires,
                    org.name, org.name_en, r.holder_address, "", unit,
                    jl(r.standards) if r.standards else std_json, scode, sname, rule_doc, rule_ver,
                    mode_json, mode_text, self.cb_name, self.cb_address, now_text, self.actor_id,
                )
            )  # fmt: skip
            cert_id += 1
            version_id += 1
        return certs, versions


# --- exports ---------------------------------------------------------------------------------------------------------


def last_cutoff(kind: str) -> datetime | None:
    run = ExportRun.objects.filter(kind=kind, status=ExportRun.Status.DONE).order_by("-cutoff", "-id").first()
    return run.cutoff if run else None


@transaction.atomic
def export_request(
    *,
    actor: Any,
    kind: str,
    date_from: date | None = None,
    date_to: date | None = None,
    changes_only: bool = False,
) -> ExportRun:
    """Ask for an export; the file is made by a job (`generate_export`) once this commits."""
    refuse_if(can_request_export(actor))
    if kind not in ExportRun.Kind.values:
        raise InvalidInput(_("Unknown export."), code="kind")
    if not changes_only and (date_from is None or date_to is None):
        raise InvalidInput(_("Give a date range, or choose the changes since the last export."), code="range")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(_("The start of the range is after its end."), code="range")
    run = ExportRun.objects.create(
        kind=kind,
        date_from=None if changes_only else date_from,
        date_to=None if changes_only else date_to,
        changes_only=changes_only,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    record_creation(
        run,
        actor=actor,
        transition="request",
        after={"kind": kind, "date_from": run.date_from, "date_to": run.date_to, "changes_only": changes_only},
    )
    from .tasks import generate_export

    transaction.on_commit(lambda: generate_export.delay(run.pk))
    return run


FILES = ("file", "json_file")


def export_generate(*, run_id: int) -> ExportRun:
    """Make the file of a requested export (a job; also the management commands)."""
    with transaction.atomic():
        # Not core.workflow.lock(): that takes the audit chain head first, and every writer would wait for the
        # whole file to be built. Only this job locks a run, and it takes the head last (the audit event).
        run = ExportRun.objects.select_for_update().get(pk=run_id)
        if run.status != ExportRun.Status.PENDING:
            return run
        cutoff = timezone.now()
        since = last_cutoff(run.kind) if run.changes_only else None
        try:
            records = exports.export_records(
                since=since, until=cutoff, date_from=run.date_from, date_to=run.date_to, changes_only=run.changes_only
            )
            stamp = timezone.localtime(cutoff).strftime("%Y%m%d-%H%M%S")
            if run.kind == ExportRun.Kind.CNCA:
                data = exports.cnca_xlsx(records)
                run.file.save(f"cnca-certificates-{stamp}.xlsx", ContentFile(data), save=False)
            else:
                data, ext = exports.iaf_upload(records)
                run.file.save(f"iaf-certsearch-{stamp}.{ext}", ContentFile(data), save=False)
                body = json.dumps(exports.iaf_json(records), ensure_ascii=False, indent=1).encode("utf-8")
                run.json_file.save(f"iaf-certsearch-{stamp}.json", ContentFile(body), save=False)
        except Exception as exc:  # recorded on the run for the staff page; the job does not retry a broken export
            run.error = str(exc)[:2000]
            run.finished_at = timezone.now()
            return EXPORT_RUN_FLOW.apply(
                run, "fail", actor=None, after={"error": run.error}, update_fields=["error", "finished_at", *FILES]
            )
        run.since = since
        run.cutoff = cutoff
        run.row_count = len(records)
        run.finished_at = timezone.now()
        EXPORT_RUN_FLOW.apply(
            run,
            "generate",
            actor=None,
            after={"kind": run.kind, "rows": run.row_count, "since": since, "cutoff": cutoff, "file": run.file.name},
            update_fields=["since", "cutoff", "row_count", "finished_at", *FILES],
        )
    return run
