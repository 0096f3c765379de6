"""Smoke test of the ctypes binding: every call it makes works through FFI."""
import os

import pytest

import custos

KEY = bytes(range(1, 33))


def test_version_matches_the_library():
    major, minor, patch = (int(x) for x in custos.version().split("."))
    assert major >= 0 and minor >= 0 and patch >= 0


def test_create_get_and_find_a_customer():
    with custos.Store("memory:", key=KEY, create=True, default_region="HK") as store:
        assert store.backend == "memory"
        ctx = store.context("admin")
        cid = ctx.create(name="Chan Tai Man", email="TM.Chan@Example.com", phone="9123 4567")
        assert cid == 1
        c = ctx.get(cid)
        assert c.id == 1
        assert c["name"] == "Chan Tai Man"
        assert c["email"] == "TM.Chan@example.com"
        assert c["phone"] == "+85291234567"
        with pytest.raises(KeyError):
            c["company"]
        found = [x.id for x in ctx.find("email", "tm.chan@example.com")]
        assert found == [cid]
        ctx.update(cid, stage="won")
        assert ctx.get(cid)["stage"] == "won"
        assert ctx.count() == 1


def test_fields_of_every_type_are_set_and_read_as_text():
    with custos.Store("memory:", key=KEY, create=True) as store:
        ctx = store.context("admin")
        ctx.add_field("visits", "integer")
        ctx.add_field("credit", "money")
        ctx.add_field("since", "timestamp")
        ctx.add_field("opted_in", "boolean")
        cid = ctx.create(name="Chan Tai Man", visits=42, credit="1500.00 HKD", since="2023-11-15T06:13:20+08:00",
                         opted_in=True, tags="vip,regular")
        c = ctx.get(cid)
        assert c["visits"] == "42"
        assert c["credit"] == "1500.00 HKD"
        assert c["since"] == "2023-11-14T22:13:20Z"
        assert c["opted_in"] == "true"
        assert c["tags"] == "vip,regular"
        with pytest.raises(custos.Error) as e:
            ctx.update(cid, credit="15.001 HKD")
        assert e.value.message == "field 'credit': HKD has 2 decimal places"


def test_errors_carry_code_name_and_message():
    with custos.Store("memory:", key=KEY, create=True) as store:
        ctx = store.context("admin")
        with pytest.raises(custos.Error) as e:
            ctx.create(name="Bob", email="bob@")
        assert e.value.code == -2
        assert e.value.name == "CUSTOS_EINVALID"
        assert e.value.message == "field 'email' has nothing after '@'"
        with pytest.raises(custos.Error) as e:
            ctx.get(99)
        assert e.value.name == "CUSTOS_ENOTFOUND"
        assert e.value.message == "no customer 99"


def test_a_passphrase_store_reopens_and_rejects_the_wrong_one(tmp_path):
    uri = "lmdb:" + os.path.join(str(tmp_path), "store")
    cheap = dict(kdf_opslimit=2, kdf_memlimit=64 << 20)
    with custos.Store(uri, passphrase="right", create=True, **cheap) as store:
        store.context("admin").create(name="Ada")
    with pytest.raises(custos.Error) as e:
        custos.Store(uri, passphrase="wrong")
    assert e.value.name == "CUSTOS_EKEY"
    with custos.Store(uri, passphrase="right") as store:
        assert store.context("admin").count() == 1


def test_objects_outliving_their_store_are_safe():
    store = custos.Store("memory:", key=KEY, create=True)
    ctx = store.context("admin")
    c = ctx.get(ctx.create(name="Grace"))
    store.close()
    assert c["name"] == "Grace"  # values stay readable
    with pytest.raises(custos.Error) as e:
        ctx.count()
    assert e.value.name == "CUSTOS_ESTATE"
