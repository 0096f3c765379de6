"""Field history through the ctypes binding: what every update changed, who, when and the
old values, exactly; newest first and paged by version; restores recorded like updates;
refusals with exact codes that change nothing; handles freed when closed or collected.

Visibility (a support principal seeing old emails masked and old addresses not at all) is
not tested here: the binding has no way yet to create principals or roles."""
import gc
import itertools
import os
import time

import pytest

import custos

KEY = bytes(range(1, 33))
ADMIN = 1  # the bootstrap admin's principal id

EINVALID = -2
ENOTFOUND = -3
ESTATE = -8


def now_us():
    return time.time_ns() // 1000


@pytest.fixture
def ctx():
    with custos.Store("memory:", key=KEY, create=True, default_region="HK") as store:
        yield store.context("admin")


def versions(changes):
    return [ch.version for ch in changes]


def snapshot(ctx, cid):
    """Everything a refusal must leave as it was: the record version, the values, the history."""
    c = ctx.get(cid)
    values = {f: c[f] for f in ("name", "email", "phone", "company") if _has(c, f)}
    return c.version, values, [(ch.version, ch.fields, [ch.old(f) for f in ch.fields]) for ch in ctx.history(cid)]


def _has(c, field):
    try:
        c[field]
        return True
    except KeyError:
        return False


def refused(ctx, cid, call, code, says=""):
    before = snapshot(ctx, cid)
    with pytest.raises(custos.Error) as err:
        call()
    assert err.value.code == code
    assert says in err.value.message, err.value.message
    assert snapshot(ctx, cid) == before


def test_an_update_of_two_fields_is_recorded_with_both_old_values(ctx):
    cid = ctx.create(name="陳大文", email="tai.man@example.com", phone="9123 4567")
    assert list(ctx.history(cid)) == []  # creation records no change
    start = now_us()
    ctx.update(cid, email="taiman.chan@example.hk", phone="+852 6123 4567")
    end = now_us()

    [ch] = ctx.history(cid)
    assert ch.version == 2 == ctx.get(cid).version
    assert ch.author == ADMIN
    assert start <= ch.time <= end
    assert ch.fields == ["email", "phone"]
    assert ch.old("email") == "tai.man@example.com"
    assert ch.old("phone") == "+85291234567"  # as Customer[...] prints it: E.164
    assert (ch.masked("email"), ch.masked("phone")) == (False, False)
    with pytest.raises(KeyError):
        ch.old("name")  # not changed by this change
    with pytest.raises(KeyError):
        ch.masked("company")
    ch.fields.append("name")  # a copy
    assert ch.fields == ["email", "phone"]
    assert repr(ch).startswith("<custos.Change version=2 author=1 ")

    # Setting fields that had no value: recorded, with no old value.
    ctx.update(cid, company="陳記有限公司", stage="won")
    ch = next(ctx.history(cid))
    assert (ch.version, ch.fields) == (3, ["company", "stage"])
    assert ch.old("company") is None and ch.old("stage") is None
    # The old value of every type comes as its text.
    ctx.add_field("credit", "money")
    ctx.add_field("since", "timestamp")
    ctx.add_field("opted_in", "boolean")
    ctx.update(cid, credit="1500.00 HKD", since="2023-11-15T06:13:20+08:00", opted_in=True)
    ctx.update(cid, company="Chan & Co", credit="15.50 HKD", since="2024-01-01T00:00:00Z", opted_in=False)
    ch = next(ctx.history(cid))
    assert (ch.version, ch.fields) == (5, ["company", "credit", "since", "opted_in"])
    assert [ch.old(f) for f in ch.fields] == ["陳記有限公司", "1500.00 HKD", "2023-11-14T22:13:20Z", "true"]


def test_an_update_that_sets_the_current_value_records_nothing(ctx):
    cid = ctx.create(name="Same Sum", email="same@example.com")
    ctx.update(cid, name="Same Sum")
    ctx.update(cid, email="same@EXAMPLE.com")  # the same address once normalised
    ctx.update(cid, name="  Same Sum ")        # the same name once trimmed
    assert ctx.get(cid).version == 4  # all were updates: the version moved
    assert list(ctx.history(cid)) == []
    # Only the fields whose values changed are recorded.
    ctx.update(cid, name="Same Sum", email="same@example.com", company="Sum Co")
    [ch] = ctx.history(cid)
    assert (ch.version, ch.fields, ch.old("company")) == (5, ["company"], None)
    # The versions that changed nothing have no change to restore from.
    for version in (1, 2, 3, 4, 99):
        refused(ctx, cid, lambda: ctx.restore(cid, version, "name"), ENOTFOUND)


def test_changes_are_listed_newest_first_and_paged_by_version(ctx):
    cid = ctx.create(name="Many Ma")
    other = ctx.create(name="Neighbour Ng")
    for i in range(70):  # more than the C iterator's page of 32
        ctx.update(cid, company="company %d" % i)
        if i % 10 == 0:
            ctx.update(other, company="other %d" % i)
    got = list(ctx.history(cid))
    assert versions(got) == list(range(71, 1, -1))
    assert [ch.old("company") for ch in got] == ["company %d" % i for i in range(68, -1, -1)] + [None]
    assert all(ch.fields == ["company"] and ch.author == ADMIN for ch in got)
    assert [got[i].time >= got[i + 1].time for i in range(len(got) - 1)] == [True] * (len(got) - 1)
    assert versions(ctx.history(other)) == list(range(8, 1, -1))

    assert versions(ctx.history(cid, before=10)) == [9, 8, 7, 6, 5, 4, 3, 2]
    assert versions(ctx.history(cid, before=got[-2])) == [2]  # a Change: below its version
    assert versions(ctx.history(cid, before=2)) == []
    assert versions(ctx.history(cid, before=1)) == []
    assert versions(ctx.history(cid, before=0)) == versions(got)  # 0: every change
    assert versions(ctx.history(cid, before=1000)) == versions(got)

    # Paging by the last change seen visits each change once.
    pages, before = [], None
    while True:
        page = list(itertools.islice(ctx.history(cid, before=before), 25))
        pages.append(versions(page))
        if len(page) < 25:
            break
        before = page[-1]
    assert pages == [list(range(71, 46, -1)), list(range(46, 21, -1)), list(range(21, 1, -1))]


def test_listing_errors_raise_at_the_call(ctx):
    cid = ctx.create(name="Err Ip")
    with pytest.raises(custos.Error) as err:
        ctx.history(cid + 1)
    assert err.value.code == ENOTFOUND
    assert err.value.message == "no customer %d" % (cid + 1)
    for bad in (-1, 2 ** 32):  # not a uint32_t: refused, not wrapped around
        with pytest.raises(ValueError):
            ctx.history(cid, before=bad)


def test_a_restore_brings_the_old_value_back_and_is_recorded(ctx):
    cid = ctx.create(name="Restore Ray", email="ray@example.com")
    ctx.update(cid, email="ray.wrong@example.com")            # v2
    ctx.update(cid, company="Ray Co", phone="9123 4567")      # v3
    ctx.update(cid, company="Wrong Co")                       # v4

    ctx.restore(cid, 2, "email")
    c = ctx.get(cid)
    assert (c.version, c["email"]) == (5, "ray@example.com")
    ch = next(ctx.history(cid))
    assert (ch.version, ch.author, ch.fields) == (5, ADMIN, ["email"])
    assert ch.old("email") == "ray.wrong@example.com"  # the value it replaced

    # A change picked from a listing; restoring "no value" unsets the field.
    v3 = [x for x in ctx.history(cid) if x.version == 3][0]
    ctx.restore(cid, v3, "phone")
    with pytest.raises(KeyError):
        ctx.get(cid)["phone"]
    ch = next(ctx.history(cid))
    assert (ch.version, ch.fields, ch.old("phone")) == (6, ["phone"], "+85291234567")
    ctx.restore(cid, 4, "company")
    assert ctx.get(cid)["company"] == "Ray Co"
    # A restore of the restore undoes it: restores are changes like any other.
    ctx.restore(cid, 7, "company")
    assert ctx.get(cid)["company"] == "Wrong Co"
    assert versions(ctx.history(cid)) == [8, 7, 6, 5, 4, 3, 2]
    # Restoring the value a field holds already changes nothing and records nothing.
    ctx.restore(cid, 7, "company")  # "Wrong Co" again
    assert ctx.get(cid).version == 9
    assert versions(ctx.history(cid)) == [8, 7, 6, 5, 4, 3, 2]
    refused(ctx, cid, lambda: ctx.restore(cid, 9, "company"), ENOTFOUND)


def test_refused_restores_raise_the_right_code_and_change_nothing(ctx):
    cid = ctx.create(name="Refuse Roo", email="roo@example.com")
    ctx.update(cid, email="roo.new@example.com")  # v2
    ctx.update(cid, name="Roo")                   # v3: a value that did not change is not restored

    refused(ctx, cid, lambda: ctx.restore(cid, 2, "phone"), EINVALID,
            "the change that made version 2 of customer %d did not change field 'phone'" % cid)
    refused(ctx, cid, lambda: ctx.restore(cid, 3, "email"), EINVALID, "did not change field 'email'")
    refused(ctx, cid, lambda: ctx.restore(cid, 2, "nonsense"), EINVALID, "unknown field 'nonsense'")
    refused(ctx, cid, lambda: ctx.restore(cid, 1, "email"), ENOTFOUND)   # creation
    refused(ctx, cid, lambda: ctx.restore(cid, 0, "email"), ENOTFOUND)
    refused(ctx, cid, lambda: ctx.restore(cid, 4, "email"), ENOTFOUND)   # not made yet
    refused(ctx, cid, lambda: ctx.restore(cid + 1, 2, "email"), ENOTFOUND)
    refused(ctx, cid, lambda: ctx.restore(cid, 2, None), EINVALID)
    for bad in (-1, 2 ** 32 + 2):  # would wrap to a real version in C
        with pytest.raises(ValueError):
            ctx.restore(cid, bad, "email")
    assert ctx.get(cid).version == 3


def test_batch_updates_are_recorded_and_a_failed_batch_records_nothing(ctx):
    cid = ctx.create(name="Batch Bo", email="bo@example.com")
    with ctx.batch() as b:
        b.update(cid, email="bo.two@example.com")
        b.update(cid, email="bo.three@example.com", company="Bo Co")
        b.commit()
    got = list(ctx.history(cid))
    assert [(ch.version, ch.fields) for ch in got] == [(3, ["email", "company"]), (2, ["email"])]
    assert [got[0].old("email"), got[0].old("company"), got[1].old("email")] == \
        ["bo.two@example.com", None, "bo@example.com"]
    with ctx.batch() as b:
        b.update(cid, company="Never Co")
        b.update(cid + 5, company="Nobody Co")  # refused at the commit
        with pytest.raises(custos.Error) as err:
            b.commit()
        assert err.value.code == ENOTFOUND
        assert err.value.message == "write 1: no customer %d" % (cid + 5)
    assert versions(ctx.history(cid)) == [3, 2]
    assert ctx.get(cid)["company"] == "Bo Co"


def test_changes_and_iterators_are_freed_when_closed_or_collected(ctx):
    cid = ctx.create(name="Free Fu", email="fu@example.com")
    for i in range(3):
        ctx.update(cid, email="fu%d@example.com" % i)

    it = ctx.history(cid)
    assert next(it).version == 4
    it.close()
    assert list(it) == []
    with ctx.history(cid) as it:
        assert next(it).version == 4
    assert it._h is None
    it = ctx.history(cid)
    got = list(it)
    assert it._h is None  # freed at the end
    # The changes outlive their iterator.
    assert [ch.old("email") for ch in got] == ["fu1@example.com", "fu0@example.com", "fu@example.com"]

    ch = got[0]
    ch.close()
    ch.close()
    assert (ch.version, ch.fields, ch.author) == (4, ["email"], ADMIN)  # kept
    for read in (lambda: ch.old("email"), lambda: ch.masked("email")):
        with pytest.raises(custos.Error) as err:
            read()
        assert err.value.code == ESTATE
        assert err.value.message == "the change of version 4 is closed"
    with got[1] as ch:
        assert ch.old("email") == "fu0@example.com"
    assert ch._h is None
    with pytest.raises(TypeError):
        custos.Change()

    for _ in range(100):  # dropped half-way, changes kept or dropped: no leak, no crash
        it = ctx.history(cid)
        kept = next(it)
        del it
        assert kept.old("email") == "fu1@example.com"
        del kept
    gc.collect()


def test_a_change_outlives_the_context_that_listed_it():
    store = custos.Store("memory:", key=KEY, create=True)
    ctx = store.context("admin")
    cid = ctx.create(name="Gone Go", email="go@example.com")
    ctx.update(cid, email="go2@example.com")
    [ch] = ctx.history(cid)  # the iterator is freed: only the change remains
    ctx.close()
    assert (ch.version, ch.fields) == (2, ["email"])
    assert ch.old("email") == "go@example.com"
    assert ch.masked("email") is False
    ch.close()
    store.close()


def test_history_is_stored_in_lmdb(tmp_path):
    uri = "lmdb:" + os.path.join(str(tmp_path), "store")
    with custos.Store(uri, key=KEY, create=True) as store:
        ctx = store.context("admin")
        cid = ctx.create(name="Lmdb Lau", email="lau@example.com")
        ctx.update(cid, email="lau@example.jp", company="お茶屋")
    with custos.Store(uri, key=KEY) as store:
        ctx = store.context("admin")
        [ch] = ctx.history(cid)
        assert (ch.version, ch.fields) == (2, ["email", "company"])
        assert (ch.old("email"), ch.old("company")) == ("lau@example.com", None)
        ctx.restore(cid, 2, "email")
        ch.close()
    with custos.Store(uri, key=KEY) as store:
        ctx = store.context("admin")
        assert ctx.get(cid)["email"] == "lau@example.com"
        assert [(ch.version, ch.old("email")) for ch in ctx.history(cid)] == [(3, "lau@example.jp"),
                                                                                (2, "lau@example.com")]
