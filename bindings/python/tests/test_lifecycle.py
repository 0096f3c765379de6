"""Lifecycle moves, archiving, erasure, consent and subject export through the ctypes
binding: exact values and exact error codes."""
import json
import time

import pytest

import custos

KEY = bytes(range(1, 33))
ENOTFOUND = -3
ESTATE = -8
DAY = 86400 * 1000000


@pytest.fixture
def ctx():
    with custos.Store("memory:", key=KEY, create=True, default_region="HK") as store:
        yield store.context("admin")


def test_moves_follow_the_table_and_are_recorded(ctx):
    cid = ctx.create(name="Chan Tai Man", email="tm.chan@example.com")
    assert ctx.get(cid).state == "lead"
    assert ctx.allowed("lead", "prospect") and not ctx.allowed("prospect", "lead")
    ctx.move(cid, "prospect", reason="asked for a quote")
    with pytest.raises(custos.Error) as e:
        ctx.move(cid, "lead")
    assert e.value.code == ESTATE and "from prospect to lead" in str(e.value)
    ctx.allow("prospect", "lead")
    ctx.move(cid, "lead", reason="no budget")
    ch = next(iter(ctx.history(cid)))
    assert (ch.state_from, ch.state_to, ch.reason, ch.fields) == ("prospect", "lead", "no budget", [])
    sale = custos.Event("purchase", item="Oolong 250 g")
    sale.set_amount(12990, "HKD")
    ctx.append_event(cid, sale)
    assert ctx.get(cid).state == "active"
    counts = ctx.lifecycle_counts()
    assert counts["active"] == 1 and counts["lead"] == 0 and counts["erased"] == 0


def test_archived_customers_are_hidden_and_read_only(ctx):
    a = ctx.create(name="Au Ka Yan", email="au@example.com")
    b = ctx.create(name="Lee Siu", email="lee@example.com")
    ctx.archive(a, reason="moved away")
    assert ctx.count() == 1
    with pytest.raises(custos.Error) as e:
        ctx.get(a)
    assert e.value.code == ENOTFOUND
    ctx.show_archived(True)
    assert ctx.get(a).state == "archived" and ctx.count() == 2
    with pytest.raises(custos.Error) as e:
        ctx.update(a, company="Au Ltd")
    assert e.value.code == ESTATE
    ctx.restore_archived(a, "came back")
    ctx.show_archived(False)
    assert ctx.get(a).state == "lead" and ctx.get(b).state == "lead"


def test_erasure_leaves_a_tombstone(ctx):
    cid = ctx.create(name="Erased Wong", email="gone@example.com")
    ctx.erase(cid, reason="request 7")
    with pytest.raises(custos.Error) as e:
        ctx.get(cid)
    assert e.value.code == ENOTFOUND
    when, who, reason = ctx.erasure(cid)
    assert who == 1 and reason == "request 7" and when > 0
    with pytest.raises(custos.Error) as e:
        ctx.erase(cid)
    assert e.value.code == ENOTFOUND


def test_consent_and_export(ctx):
    cid = ctx.create(name="Consent Ho", email="ho@example.com")
    now = time.time_ns() // 1000
    assert ctx.record_consent(cid, "marketing_email", "consent", True, now - 10 * DAY, "web form", "box 3") == 1
    assert ctx.record_consent(cid, "marketing_email", "consent", False, now - DAY, "phone") == 2
    assert ctx.record_consent(cid, "loyalty", "contract", True) == 3
    every = ctx.consents(cid)
    assert [r["seq"] for r in every] == [1, 2, 3]
    assert every[0]["evidence"] == "box 3" and "evidence" not in every[1]
    current = ctx.consents(cid, current_only=True)
    assert [(r["purpose"], r["given"], r["basis"]) for r in current] == [
        ("loyalty", True, "contract"), ("marketing_email", False, "consent")]
    with pytest.raises(custos.Error):
        ctx.record_consent(cid, "Marketing", "consent", True)
    doc = json.loads(ctx.export(cid))
    assert doc["format"] == "custos-subject-export-1"
    assert doc["customer"]["fields"]["email"] == ctx.get(cid)["email"]
    assert [c["seq"] for c in doc["consent"]] == [1, 2, 3]
    assert doc["consent"][1]["given"] is False
