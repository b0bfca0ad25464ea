"""The whole certification lifecycle driven through the REST API only, each step by the person who does it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certbody.core.audit import verify_chain
from certbody.demo.scenarios import MINIMAL_PDF


def _upload_required(client, application_id: int) -> None:
    """An application made by API carries its checklist: the client uploads each required document before submitting."""
    checklist = client.get(f"/portal/applications/{application_id}/documents")["checklist"]
    for item in checklist:
        if item["required"] and not item["provided"]:
            upload = SimpleUploadedFile(f"{item['code']}.pdf", MINIMAL_PDF, content_type="application/pdf")
            client.upload(
                f"/portal/applications/{application_id}/documents", {"item": item["code"], "file": upload}, status=201
            )


def _unit(site: dict, manufacturer: dict, *models: str, product: str = "手机银行客户端") -> dict:
    return {
        "product_name": product,
        "model_names": list(models),
        "version": "6.0.1",
        "manufacturer_id": manufacturer["id"],
        "production_site_id": site["id"],
        "difference_statement": "各型号仅界面不同" if len(models) > 1 else "",
    }


@pytest.mark.django_db
def test_whole_journey_from_application_to_withdrawal(cast, software_scheme, as_user):
    client, market, engineer = as_user(cast.client), as_user(cast.market), as_user(cast.engineer)
    lab, reviewer, decider, inspector = (
        as_user(cast.lab_user),
        as_user(cast.reviewer),
        as_user(cast.decider),
        as_user(cast.inspector),
    )
    today = timezone.localdate()

    me = client.get("/me")
    assert me["roles"] == ["client"]
    manufacturer = me["organisation"]["manufacturers"][0]
    site = manufacturer["sites"][0]

    # --- application (7.2) ---
    app = client.post("/applications", {"scheme": software_scheme.code, "title": "手机银行客户端认证"}, status=201)
    assert app["status"] == "draft" and app["scheme"] == software_scheme.code and "submit" in app["transitions"]
    path = f"/applications/{app['id']}"
    unit = client.post(f"{path}/units", _unit(site, manufacturer, "V6"), status=201)
    assert unit["model_names"] == ["V6"] and unit["manufacturer"] == manufacturer["name"]
    extra = client.post(f"{path}/units", _unit(site, manufacturer, "V6 Lite"), status=201)
    assert [u["id"] for u in client.post(f"{path}/units/{extra['id']}/remove")["units"]] == [unit["id"]]
    _upload_required(client, app["id"])
    assert client.post(f"{path}/submit")["status"] == "submitted"
    assert app["id"] in [a["id"] for a in market.get("/applications", {"status": "submitted"})["items"]]

    # --- application review and contract (7.3) ---
    accepted = market.post(
        f"{path}/accept",
        {"contract_number": "HT-2026-001", "fee": "38000.00", "signed_on": today.isoformat(), "engineer": "engineer"},
    )
    assert accepted["status"] == "accepted" and accepted["engineer"] == "engineer"
    assert accepted["contract"]["number"] == "HT-2026-001"

    # --- evaluation (7.4): type test at the partner lab ---
    assert engineer.post(f"{path}/start-evaluation", {})["status"] == "evaluation"
    assert engineer.get(f"{path}/evaluation")["gaps"]  # no test report yet
    order = engineer.post(
        "/test-orders",
        {"application_id": app["id"], "lab_id": cast.lab.pk, "unit_id": unit["id"], "sample_description": "V6 安装包"},
        status=201,
    )
    assert order["status"] == "ordered" and order["lab"] == cast.lab.name
    order_path = f"/test-orders/{order['id']}"
    assert engineer.post(f"{order_path}/send-sample", {"sent_on": today.isoformat()})["status"] == "sample_sent"
    assert lab.post(f"{order_path}/receive-sample", {"received_on": today.isoformat()})["status"] == "sample_received"
    report = lab.upload(
        f"{order_path}/report",
        {
            "report_number": "R-2026-001",
            "issued_on": today.isoformat(),
            "result": "pass",
            "file": SimpleUploadedFile("report.pdf", MINIMAL_PDF, content_type="application/pdf"),
        },
    )
    assert report["status"] == "reported" and report["has_report_file"]
    assert report["report_sha256"] == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert [h["to_status"] for h in report["history"]] == ["sample_sent", "sample_received", "reported"]
    download = client.client.get(f"/api/v1{order_path}/report-file", headers=client.headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == MINIMAL_PDF
    assert engineer.get(f"{path}/evaluation")["gaps"] == []
    assert engineer.post(f"{path}/complete-evaluation")["status"] == "review"

    # --- review (7.5) and decision (7.6) ---
    assert engineer.post(f"{path}/assign-reviewer", {"reviewer": "reviewer"})["reviewer"] == "reviewer"
    assert reviewer.post(f"{path}/review", {"recommendation": "grant", "comments": "资料齐全"})["status"] == "decision"
    result = decider.post(f"{path}/decide", {"outcome": "grant"})
    assert result["decision"]["outcome"] == "grant" and result["decision"]["decider"] == "decider"
    assert result["application"]["status"] == "granted"
    number = result["certificate"]
    assert number.startswith(f"NFCC{today.year}")

    # --- the certificate (7.7), as its holder sees it ---
    certificate = client.get(f"/certificates/{number}")
    assert certificate["status"] == "valid" and certificate["cnca_code"] == "01"
    assert certificate["version_no"] == 1 and len(certificate["versions"]) == 1
    assert certificate["versions"][0]["units"][0]["models"] == ["V6"]
    assert [h["transition"] for h in certificate["history"]] == ["issue"]
    assert number in [c["number"] for c in client.get("/certificates")["items"]]

    # --- surveillance (7.9): follow-up inspection with a finding, then the outcome ---
    surveillance = engineer.get("/surveillances", {"certificate": number})["items"][0]
    assert surveillance["status"] == "planned"
    s_path = f"/surveillances/{surveillance['id']}"
    assert engineer.post(f"{s_path}/start", {})["status"] == "in_progress"
    inspection = engineer.post(
        "/inspections",
        {
            "surveillance_id": surveillance["id"],
            "planned_on": today.isoformat(),
            "leader": "inspector",
            "site_id": site["id"],
        },
        status=201,
    )
    assert inspection["kind"] == "follow_up" and inspection["members"][0]["username"] == "inspector"
    i_path = f"/inspections/{inspection['id']}"
    with_finding = inspector.post(
        f"{i_path}/findings", {"severity": "minor", "description": "变更记录不完整", "clause": "4.3"}, status=201
    )
    finding = with_finding["findings"][0]
    assert finding["status"] == "open"
    closed = inspector.post(f"{i_path}/findings/{finding['id']}/close", {"corrective_action": "补充变更记录"})
    assert closed["findings"][0]["status"] == "closed"
    done = inspector.post(f"{i_path}/complete", {"conclusion": "pass", "completed_on": today.isoformat()})
    assert done["status"] == "completed"
    kept = decider.post(f"{s_path}/complete", {"outcome": "keep"})
    assert kept["status"] == "completed" and kept["outcome"] == "keep"
    assert len(engineer.get("/surveillances", {"certificate": number})["items"]) == 2  # the next one is planned

    # --- change (7.10): a change application makes a new certificate version ---
    change = client.post(
        "/applications",
        {"kind": "change", "certificate": number, "title": "升级到 V7", "change_description": "新增 V7 与 V7 Pro"},
        status=201,
    )
    assert change["certificate"] == number and change["scheme"] == software_scheme.code
    c_path = f"/applications/{change['id']}"
    client.post(f"{c_path}/units", _unit(site, manufacturer, "V7", "V7 Pro"), status=201)
    _upload_required(client, change["id"])
    client.post(f"{c_path}/submit")
    market.post(
        f"{c_path}/accept",
        {
            "contract_number": "HT-2026-002",
            "fee": 5000,
            "signed_on": today.isoformat(),
            "engineer": "engineer",
            "evaluation_required": False,
        },
    )
    engineer.post(f"{c_path}/start-evaluation", {})
    engineer.post(f"{c_path}/complete-evaluation")
    engineer.post(f"{c_path}/assign-reviewer", {"reviewer": "reviewer"})
    reviewer.post(f"{c_path}/review", {"recommendation": "grant"})
    assert decider.post(f"{c_path}/decide", {"outcome": "grant"})["certificate"] == number
    certificate = client.get(f"/certificates/{number}")
    assert certificate["version_no"] == 2
    assert [v["units"][0]["models"] for v in certificate["versions"]] == [["V6"], ["V7", "V7 Pro"]]

    # --- suspension, restoration, withdrawal (7.11) with the CNCA codes ---
    until = (today + timedelta(days=30)).isoformat()
    suspended = decider.post(
        f"/certificates/{number}/suspend",
        {"reason_code": "nonconformity", "reason": "跟踪检查发现不符合", "until": until},
    )
    assert (suspended["status"], suspended["cnca_code"], suspended["suspended_until"]) == ("suspended", "02", until)
    restored = decider.post(f"/certificates/{number}/restore", {"reason": "整改完成"})
    assert (restored["status"], restored["cnca_code"]) == ("valid", "01")
    withdrawn = decider.post(f"/certificates/{number}/withdraw", {"reason_code": "fraud", "reason": "提供虚假材料"})
    assert (withdrawn["status"], withdrawn["cnca_code"]) == ("withdrawn", "03")
    assert [h["transition"] for h in withdrawn["history"]] == ["issue", "suspend", "restore", "withdraw"]
    assert withdrawn["history"][-1]["actor"] == "decider"
    assert client.get("/certificates", {"status": "withdrawn"})["items"][0]["cnca_code"] == "03"
    assert verify_chain().ok


@pytest.mark.django_db
def test_application_can_be_returned_resubmitted_rejected_or_withdrawn(cast, software_scheme, as_user):
    client, market = as_user(cast.client), as_user(cast.market)
    me = client.get("/me")
    manufacturer = me["organisation"]["manufacturers"][0]

    def new_submitted() -> str:
        app = client.post("/applications", {"scheme": software_scheme.code, "title": "客户端"}, status=201)
        path = f"/applications/{app['id']}"
        client.post(f"{path}/units", _unit(manufacturer["sites"][0], manufacturer, "V1"), status=201)
        _upload_required(client, app["id"])
        client.post(f"{path}/submit")
        return path

    path = new_submitted()
    returned = market.post(f"{path}/return", {"reason": "缺少营业执照"})
    assert returned["status"] == "returned" and returned["return_reason"] == "缺少营业执照"
    assert client.post(f"{path}/submit")["status"] == "submitted"
    assert market.post(f"{path}/reject", {"reason": "不在认证范围"})["status"] == "rejected"

    other = new_submitted()
    assert client.post(f"{other}/withdraw", {"reason": "暂缓"})["status"] == "withdrawn"
    assert [h["transition"] for h in client.get(other)["history"]] == ["submit", "withdraw"]


@pytest.mark.django_db
def test_review_can_send_the_file_back_and_a_decision_can_refuse(cast, hardware_scheme, as_user):
    from certbody.demo import scenarios as sc

    application = sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, hardware_scheme)))
    reviewer, decider, engineer = as_user(cast.reviewer), as_user(cast.decider), as_user(cast.engineer)
    path = f"/applications/{application.pk}"
    assert reviewer.post(f"{path}/reopen", {"reason": "检查报告缺页"})["status"] == "evaluation"
    evaluation = engineer.get(f"{path}/evaluation")
    assert len(evaluation["inspections"]) == 1 and evaluation["test_orders"][0]["result"] == "pass"
    engineer.post(f"{path}/complete-evaluation")
    reviewer.post(f"{path}/review", {"recommendation": "refuse", "comments": "安全缺陷"})
    result = decider.post(f"{path}/decide", {"outcome": "refuse", "reason": "安全缺陷未整改"})
    assert result["certificate"] is None and result["application"]["status"] == "refused"
    assert engineer.get(f"{path}/evaluation")["decision"]["outcome"] == "refuse"


@pytest.mark.django_db
def test_test_order_and_inspection_can_be_cancelled(cast, hardware_scheme, as_user):
    from certbody.certification import services as svc
    from certbody.demo import scenarios as sc

    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    engineer = as_user(cast.engineer)
    order = engineer.post("/test-orders", {"application_id": application.pk, "lab_id": cast.lab.pk}, status=201)
    cancelled = engineer.post(f"/test-orders/{order['id']}/cancel", {"reason": "样品型号错误"})
    assert cancelled["status"] == "cancelled" and cancelled["transitions"] == []
    inspection = engineer.post(
        "/inspections",
        {
            "application_id": application.pk,
            "planned_on": timezone.localdate().isoformat(),
            "leader": "inspector",
            "members": ["inspector2", "inspector2", "inspector"],  # repeats name the same person once
        },
        status=201,
    )
    assert sorted(m["username"] for m in inspection["members"]) == ["inspector", "inspector2"]
    assert engineer.post(f"/inspections/{inspection['id']}/cancel", {"reason": "改期"})["status"] == "cancelled"
    listed = engineer.get("/inspections", {"application_id": application.pk})
    assert listed["count"] == 1 and listed["items"][0]["status"] == "cancelled"
    assert engineer.get("/test-orders", {"application_id": application.pk, "status": "cancelled"})["count"] == 1


@pytest.mark.django_db
def test_nonconformity_is_confirmed_then_resolved_or_answered_by_suspension(cast, software_scheme, as_user):
    from certbody.demo import scenarios as sc

    number = sc.certified(cast, software_scheme).number
    quality = as_user(cast.quality)
    today = timezone.localdate()
    confirmed = quality.post(
        f"/certificates/{number}/nonconformities",
        {"source": "complaint", "description": "用户投诉交易失败", "confirmed_on": today.isoformat()},
        status=201,
    )
    case = confirmed["nonconformity_cases"][0]
    assert case["status"] == "open" and case["suspend_by"] == (today + timedelta(days=5)).isoformat()
    resolved = quality.post(
        f"/certificates/{number}/nonconformities/{case['id']}/resolve", {"resolution": "非产品原因"}
    )
    assert resolved["nonconformity_cases"][0]["status"] == "resolved" and resolved["status"] == "valid"

    second = quality.post(
        f"/certificates/{number}/nonconformities",
        {"source": "regulator", "description": "监管通报", "confirmed_on": today.isoformat()},
        status=201,
    )["nonconformity_cases"][0]
    suspended = quality.post(
        f"/certificates/{number}/suspend",
        {
            "reason_code": "nonconformity",
            "reason": "监管通报",
            "until": (today + timedelta(days=60)).isoformat(),
            "case_id": second["id"],
        },
    )
    assert suspended["status"] == "suspended"
    assert {c["id"]: c["status"] for c in suspended["nonconformity_cases"]}[second["id"]] == "suspended"
    cancelled = as_user(cast.market).post(
        f"/certificates/{number}/cancel", {"reason_code": "client_request", "reason": "持证人申请注销"}
    )
    assert (cancelled["status"], cancelled["cnca_code"]) == ("cancelled", "04")
