"""Timeline events, write batches and metrics through the ctypes binding: exact values,
exact error codes, and refusals that change nothing."""
import gc
import inspect
import os
import time

import pytest

import custos

KEY = bytes(range(1, 33))
HOUR = 3600 * 1000000
DAY = 24 * HOUR
T0 = 1700000000 * 1000000  # 2023-11-14T22:13:20Z

EINVALID = -2
ENOTFOUND = -3
ESTATE = -8


def now_us():
    return time.time_ns() // 1000


@pytest.fixture
def ctx():
    with custos.Store("memory:", key=KEY, create=True) as store:
        yield store.context("admin")


def purchase(t, amount, currency="HKD", item="tea"):
    e = custos.Event("purchase", time=t, item=item)
    e.set_amount(amount, currency)
    return e


def points(op, n, t=None, expires=0):
    e = custos.Event("points", time=t)
    e.set_points(op, n, expires)
    return e


def note(t, text="a note"):
    return custos.Event("note", time=t, body=text)


def seqs(events):
    return [e.seq for e in events]


def test_every_kind_is_appended_and_read_back_exactly(ctx):
    cid = ctx.create(name="陳大文")
    before = now_us()

    e = custos.Event("purchase", time=T0, item="  Octopus card top-up  ", order="PO-2023-0042")
    e.set_amount(12990, "HKD")
    e.set_quantity(3)
    assert (e.kind, e.seq, e.customer, e.time, e.recorded, e.author) == ("purchase", 0, 0, T0, 0, 0)
    assert e.amount == (12990, "HKD")
    assert ctx.append_event(cid, e) == 1

    e = custos.Event("interaction", time=T0 + HOUR, subject="尺寸查詢")
    e.set_channel("visit", "in")
    e["body"] = "Asked for size 42\nin black"
    assert ctx.append_event(cid, e) == 2

    e = custos.Event(custos.enum_names("event_kind").index("feedback") + 1, time=T0 + 2 * HOUR)  # by value
    e.set_score("nps", 0)
    assert ctx.append_event(cid, e) == 3

    assert ctx.append_event(cid, note(T0 + 3 * HOUR, "Prefers WhatsApp")) == 4

    e = points("earn", 130, T0 + 4 * HOUR, expires=T0 + 365 * DAY)
    e["body"] = "double points day"
    assert ctx.append_event(cid, e) == 5
    assert ctx.append_event(cid, points("adjust", -30, T0 + 5 * HOUR)) == 6

    e = custos.Event("feedback", time=T0 + 6 * HOUR, body="Quick and kind")
    e.set_score("csat", 5)
    assert ctx.append_event(cid, e) == 7
    e = custos.Event("interaction", time=T0 + 7 * HOUR)
    e.set_channel("email", "out")
    assert ctx.append_event(cid, e) == 8

    got = list(ctx.events(cid))
    assert [e.kind for e in got] == ["purchase", "interaction", "feedback", "note", "points", "points",
                                     "feedback", "interaction"]
    for i, e in enumerate(got):
        assert e.seq == i + 1
        assert e.customer == cid
        assert e.time == T0 + i * HOUR
        assert e.author == 1  # the admin
        assert before <= e.recorded <= now_us()
        assert e.masked is False

    p, i, f, n, earn, adj, csat, mail = got
    assert p.amount == (12990, "HKD")
    assert p.quantity == 3
    assert p["item"] == "Octopus card top-up"  # trimmed
    assert p["order"] == "PO-2023-0042"
    with pytest.raises(KeyError):
        p["body"]
    assert p.get("body") is None
    with pytest.raises(custos.Error) as err:
        p.channel  # not an interaction
    assert err.value.code == EINVALID

    assert i.channel == ("visit", "in")
    assert i["subject"] == "尺寸查詢"
    assert i["body"] == "Asked for size 42\nin black"
    assert f.score == ("nps", 0)
    assert f.get("body") is None
    assert n["body"] == "Prefers WhatsApp"
    assert earn.points == ("earn", 130, T0 + 365 * DAY)
    assert earn["body"] == "double points day"
    assert adj.points == ("adjust", -30, 0)
    assert csat.score == ("csat", 5)
    assert csat["body"] == "Quick and kind"
    assert mail.channel == ("email", "out")
    assert mail.get("subject") is None

    # Read back: not changeable, not appendable.
    with pytest.raises(custos.Error) as err:
        n["body"] = "changed"
    assert err.value.code == EINVALID
    with pytest.raises(custos.Error) as err:
        ctx.append_event(cid, n)
    assert err.value.code == EINVALID
    assert seqs(ctx.events(cid)) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_draft_without_values_reads_none_and_without_a_time_takes_its_append(ctx):
    cid = ctx.create(name="Rosa Chan")
    e = custos.Event("purchase")
    assert (e.amount, e.quantity, e.time) == (None, None, 0)
    assert custos.Event("interaction").channel is None
    assert custos.Event("feedback").score is None
    assert custos.Event("points").points is None
    walk_in = custos.Event("note", body="walk-in")
    before = now_us()
    assert ctx.append_event(cid, walk_in) == 1
    assert walk_in.seq == 0  # the draft is not changed by its append
    [got] = ctx.events(cid)
    assert before <= got.time <= now_us()
    assert got.time == got.recorded


def test_names_come_from_the_library():
    assert custos.enum_names("event_kind") == ("purchase", "interaction", "feedback", "note", "points")
    assert custos.enum_names("channel") == ("phone", "email", "visit", "chat", "social", "other")
    assert custos.enum_names("direction") == ("in", "out")
    assert custos.enum_names("scale") == ("nps", "csat")
    assert custos.enum_names("points_op") == ("earn", "redeem", "expire", "adjust")
    assert custos.enum_names("event_text") == ("item", "order", "subject", "body")
    for bad in (lambda: custos.Event("sale"), lambda: custos.Event(0), lambda: custos.Event(6),
                lambda: custos.Event("note", headline="x")):
        with pytest.raises(custos.Error) as err:
            bad()
        assert err.value.code == EINVALID
    with pytest.raises(custos.Error) as err:
        custos.Event("sale")
    assert err.value.name == "CUSTOS_EINVALID"
    assert err.value.message != ""


def test_listings_by_order_kind_time_range_position_and_limit(ctx):
    cid = ctx.create(name="Ada Ho")
    other = ctx.create(name="Bob Ho")
    # Appended out of time order; seqs 2 and 5 share a time.
    plan = [(3, "note"), (1, "purchase"), (4, "points"), (0, "note"), (1, "purchase"), (2, "note")]
    for h, kind in plan:
        e = note(T0 + h * HOUR) if kind == "note" else \
            purchase(T0 + h * HOUR, 100) if kind == "purchase" else points("earn", 5, T0 + h * HOUR)
        ctx.append_event(cid, e)
        ctx.append_event(other, note(T0 + h * HOUR))  # never listed for cid
    oldest = [4, 2, 5, 6, 1, 3]
    assert seqs(ctx.events(cid)) == oldest
    assert seqs(ctx.events(cid, newest_first=True)) == oldest[::-1]
    assert seqs(ctx.events(cid, kinds="purchase")) == [2, 5]
    assert seqs(ctx.events(cid, kinds=["points", "purchase"], newest_first=True)) == [3, 5, 2]
    assert seqs(ctx.events(cid, kinds=[4])) == [4, 6, 1]  # by value: notes
    assert seqs(ctx.events(cid, since=T0 + HOUR)) == [2, 5, 6, 1, 3]
    assert seqs(ctx.events(cid, until=T0 + 3 * HOUR)) == [4, 2, 5, 6]  # until is exclusive
    assert seqs(ctx.events(cid, since=T0 + HOUR, until=T0 + 3 * HOUR, newest_first=True)) == [6, 5, 2]
    assert seqs(ctx.events(cid, limit=2)) == [4, 2]
    assert seqs(ctx.events(cid, after=(T0 + HOUR, 2))) == [5, 6, 1, 3]
    assert seqs(ctx.events(cid, after=(T0 + HOUR, 5), newest_first=True)) == [2, 4]
    assert seqs(ctx.events(cid, kinds="note", since=T0 + HOUR, limit=1, newest_first=True)) == [1]

    # Paging by the last event seen visits each event once, both ways.
    for newest in (False, True):
        pages, after = [], None
        while True:
            page = list(ctx.events(cid, newest_first=newest, after=after, limit=4))
            pages.append(seqs(page))
            if len(page) < 4:
                break
            after = page[-1]
        assert pages == ([[4, 2, 5, 6], [1, 3]] if not newest else [[3, 1, 6, 5], [2, 4]])


def test_listing_errors_raise_at_the_call(ctx):
    cid = ctx.create(name="Opt Chan")
    with pytest.raises(custos.Error) as err:
        ctx.events(cid + 5)
    assert err.value.code == ENOTFOUND
    with pytest.raises(custos.Error) as err:
        ctx.events(cid, since=T0, until=T0)
    assert err.value.code == EINVALID
    assert "is not after from_us" in err.value.message
    with pytest.raises(custos.Error) as err:
        ctx.events(cid, since=-5)
    assert err.value.code == EINVALID
    with pytest.raises(custos.Error) as err:
        ctx.events(cid, kinds="sale")
    assert err.value.code == EINVALID
    with pytest.raises(custos.Error) as err:
        ctx.events(cid, kinds=[6])  # a bit that is no kind
    assert err.value.code == EINVALID
    with pytest.raises(ValueError):
        ctx.events(cid, kinds=[40])
    with pytest.raises(ValueError):
        ctx.events(cid, limit=0)
    assert list(ctx.events(cid)) == []  # no events: an empty listing


def test_an_iterator_is_freed_when_exhausted_closed_or_collected(ctx):
    cid = ctx.create(name="Iter Ng")
    for h in range(3):
        ctx.append_event(cid, note(T0 + h * HOUR))
    it = ctx.events(cid)
    assert next(it).seq == 1
    it.close()
    assert list(it) == []
    with ctx.events(cid) as it:
        assert next(it).seq == 1
    assert it._h is None
    it = ctx.events(cid)
    assert seqs(it) == [1, 2, 3]
    assert it._h is None  # freed at the end
    assert list(it) == []
    for _ in range(100):  # dropped half-way: collected without a leak or a crash
        it = ctx.events(cid)
        next(it)
        del it
    gc.collect()


def unchanged(ctx, cid, call, code, says):
    before = [(e.seq, e.time, e.kind) for e in ctx.events(cid)]
    with pytest.raises(custos.Error) as err:
        call()
    assert err.value.code == code
    assert says in err.value.message, err.value.message
    assert [(e.seq, e.time, e.kind) for e in ctx.events(cid)] == before


def test_refusals_raise_the_right_code_and_change_nothing(ctx):
    cid = ctx.create(name="Mona Lee")
    assert ctx.append_event(cid, points("earn", 50, T0)) == 1

    e = custos.Event("purchase", time=T0, item="tea")
    unchanged(ctx, cid, lambda: e.set_amount(100, "XYZ"), EINVALID, "'XYZ' is not an ISO 4217 currency code")
    unchanged(ctx, cid, lambda: ctx.append_event(cid, e), EINVALID, "needs an amount and a currency")
    e.set_amount(100, "HKD")
    unchanged(ctx, cid, lambda: e.set_quantity(-2), EINVALID, "-2 is negative")
    unchanged(ctx, cid, lambda: e.set_quantity(0), EINVALID, "the quantity 0 is outside 1 to 4294967295")
    unchanged(ctx, cid, lambda: e.set_quantity(2 ** 32), EINVALID, "the quantity 4294967296 is outside")
    f = custos.Event("feedback")
    unchanged(ctx, cid, lambda: f.set_score("nps", 11), EINVALID, "11 is outside the NPS scale's 0 to 10")
    unchanged(ctx, cid, lambda: f.set_score("csat", 0), EINVALID, "0 is outside the CSAT scale's 1 to 5")
    unchanged(ctx, cid, lambda: ctx.append_event(cid, f), EINVALID, "needs a score")
    unchanged(ctx, cid, lambda: e.set_score("nps", 5), EINVALID, "this is a 'purchase' event; the call is for 'feedback' events")
    unchanged(ctx, cid, lambda: ctx.append_event(cid, points("redeem", 51)), EINVALID,
              "redeem 51 points would take customer")
    unchanged(ctx, cid, lambda: ctx.append_event(cid, points("adjust", -51)), EINVALID, "below zero")
    ahead = purchase(now_us() + DAY + 120 * 1000000, 100)
    unchanged(ctx, cid, lambda: ctx.append_event(cid, ahead), EINVALID, "at most a day in the future")
    unchanged(ctx, cid, lambda: ctx.append_event(cid + 1, purchase(T0, 1)), ENOTFOUND, "no customer")
    unchanged(ctx, cid, lambda: points("redeem", 5, expires=T0), EINVALID, "only earned points expire")

    # The same values within bounds are taken.
    assert ctx.append_event(cid, purchase(now_us() + DAY - 120 * 1000000, 100)) == 2
    assert ctx.append_event(cid, points("redeem", 50)) == 3
    unchanged(ctx, cid, lambda: ctx.append_event(cid, points("redeem", 1)), EINVALID, "balance of 0 below zero")
    assert seqs(ctx.events(cid)) == [1, 3, 2]  # the purchase is dated almost a day ahead


def test_a_batch_commits_creates_updates_and_appends_together(ctx):
    cid = ctx.create(name="Existing Chan", email="existing@example.com")
    with ctx.batch() as b:
        assert b.create(name="New Lam", email="new.lam@example.com") == 0
        assert b.update(cid, company="Lam Trading 有限公司") == 1
        earn = points("earn", 100, T0)
        assert b.append(cid, earn) == 2
        earn.close()  # the batch holds its own copy
        assert b.append(cid, points("redeem", 60, T0)) == 3  # the balance the earlier write left allows it
        assert b.append(cid, purchase(T0, 1990, item="Oolong 250 g")) == 4
        assert len(b) == 5
        assert b.ids == [0, 0, 0, 0, 0]  # nothing before the commit
        b.commit()
        assert b.ids == [cid + 1, cid, cid, cid, cid]
        assert b.seqs == [0, 0, 1, 2, 3]
        with pytest.raises(custos.Error) as err:
            b.append(cid, note(T0))
        assert err.value.code == ESTATE
        with pytest.raises(custos.Error) as err:
            b.commit()
        assert err.value.code == ESTATE
    assert b._h is None
    assert ctx.get(cid + 1)["email"] == "new.lam@example.com"
    assert ctx.get(cid)["company"] == "Lam Trading 有限公司"
    got = list(ctx.events(cid))
    assert [(e.seq, e.kind) for e in got] == [(1, "points"), (2, "points"), (3, "purchase")]
    assert got[2]["item"] == "Oolong 250 g"
    assert ctx.get(cid)["points"] == "40"


def test_a_batch_failing_at_its_third_write_stores_nothing(ctx):
    cid = ctx.create(name="Alpha")
    count = ctx.count()
    b = ctx.batch()
    b.append(cid, purchase(T0, 500))
    b.create(name="Beta")
    b.append(cid, points("redeem", 10, T0))  # no points yet
    b.append(cid, note(T0))
    with pytest.raises(custos.Error) as err:
        b.commit()
    assert err.value.code == EINVALID
    assert err.value.message.startswith("write 2: "), err.value.message
    assert b.ids == [0, 0, 0, 0] and b.seqs == [0, 0, 0, 0]
    assert list(ctx.events(cid)) == []
    assert ctx.count() == count
    with pytest.raises(custos.Error) as err:  # not committed: it fails the same way again
        b.commit()
    assert err.value.message.startswith("write 2: ")
    assert ctx.count() == count
    b.close()

    # Refused as it is added: an event no store would take, a batch left empty.
    with ctx.batch() as b:
        with pytest.raises(custos.Error) as err:
            b.append(cid, custos.Event("feedback"))
        assert err.value.code == EINVALID
        assert "needs a score" in err.value.message
        assert len(b) == 0
        b.commit()  # empty: nothing to do
    # Leaving the with block without commit() stores nothing.
    with ctx.batch() as b:
        b.append(cid, note(T0))
    assert list(ctx.events(cid)) == []


def test_metrics_read_like_fields_after_appends(ctx):
    cid = ctx.create(name="Metric Mo")
    c = ctx.get(cid)
    assert (c["orders"], c["points"], c["events"]) == ("0", "0", "0")
    with pytest.raises(KeyError):
        c["spend_HKD"]
    with pytest.raises(KeyError):
        c["last_purchase"]
    with pytest.raises(custos.Error) as err:
        c["orders"] = 5
    assert err.value.code == EINVALID
    assert "metric of the customer's timeline" in err.value.message

    ctx.append_event(cid, purchase(T0, 129900, item="watch"))
    ctx.append_event(cid, purchase(T0 + DAY, 2000, "USD", item="strap"))
    ctx.append_event(cid, purchase(T0 + 2 * DAY, -20000, item="refund"))
    ctx.append_event(cid, points("earn", 1299, T0))
    fb = custos.Event("feedback", time=T0)
    fb.set_score("nps", 9)
    ctx.append_event(cid, fb)
    fb.set_score("nps", 8)
    ctx.append_event(cid, fb)
    c = ctx.get(cid)
    assert c["orders"] == "3"
    assert c["events"] == "6"
    assert c["points"] == "1299"
    assert c["spend_HKD"] == "1099.00 HKD"
    assert c["spend_USD"] == "20.00 USD"
    assert c["spend"] == "1099.00 HKD, 20.00 USD"
    assert c["first_purchase"] == "2023-11-14T22:13:20Z"
    assert c["last_purchase"] == "2023-11-16T22:13:20Z"
    assert c["nps_average"] == "8.50"
    with pytest.raises(KeyError):
        c["csat_average"]
    ctx.append_event(cid, points("redeem", 299))
    assert ctx.get(cid)["points"] == "1000"


def test_events_and_batches_are_stored_in_lmdb(tmp_path):
    uri = "lmdb:" + os.path.join(str(tmp_path), "store")
    with custos.Store(uri, key=KEY, create=True) as store:
        ctx = store.context("admin")
        cid = ctx.create(name="Lmdb Lau")
        assert ctx.append_event(cid, purchase(T0, 4200, "JPY", item="お茶")) == 1
        b = ctx.batch()
        for h in range(1, 4):
            b.append(cid, note(T0 + h * HOUR, "note %d" % h))
        b.commit()
        assert b.seqs == [2, 3, 4]
        b.close()
    with custos.Store(uri, key=KEY) as store:
        ctx = store.context("admin")
        got = list(ctx.events(cid, newest_first=True))
        assert seqs(got) == [4, 3, 2, 1]
        assert [e.get("body") for e in got[:3]] == ["note 3", "note 2", "note 1"]
        assert got[3].amount == (4200, "JPY")
        assert got[3]["item"] == "お茶"
        assert ctx.get(cid)["spend_JPY"] == "4200 JPY"


def test_every_public_name_has_a_docstring():
    missing = []
    for name in custos.__all__:
        obj = getattr(custos, name)
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__getitem__", "__setitem__", "__len__"):
                    continue
                if not getattr(member, "__doc__", None):
                    missing.append("%s.%s" % (name, attr))
    assert missing == []
