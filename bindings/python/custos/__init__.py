"""A first Python binding of custos over ctypes: stores, contexts and customers.

    import custos
    with custos.Store("memory:", passphrase="...", create=True) as store:
        ctx = store.context("admin")
        cid = ctx.create(name="Chan Tai Man", email="tm.chan@example.com")
        print(ctx.get(cid)["email"])

Errors raise custos.Error with the library's code, its name and the thread's message,
read right after the failing call (the message is thread-local in C).
"""
import ctypes

from . import _ffi
from ._ffi import lib

__all__ = ["Error", "Store", "Context", "Customer", "version"]


class Error(Exception):
    """A failed custos call: code (negative int), name ("CUSTOS_EINVALID") and message."""

    def __init__(self, code):
        self.code = code
        self.name = lib.custos_error_name(code).decode()
        self.message = lib.custos_error_last().decode()
        super().__init__("%s: %s" % (self.name, self.message))


def _check(rc):
    if rc != _ffi.OK:
        raise Error(rc)


def version():
    """The run-time version of libcustos, as a string."""
    return lib.custos_version(None, None, None).decode()


def _enc(s):
    return None if s is None else s.encode()


class Customer:
    """One customer's values, decrypted; freed (and wiped) when closed or collected."""

    def __init__(self, handle):
        self._h = handle

    @property
    def id(self):
        return lib.custos_customer_id(self._h)

    def __setitem__(self, field, value):
        """Any field from its text form, as custos_customer_set_string() reads it: "1500.00 HKD",
        "2026-11-23T20:15:00Z", "true", 42, "vip,regular". Python values are turned into text
        with str(), booleans as "true"/"false"."""
        if isinstance(value, bool):
            value = "true" if value else "false"
        _check(lib.custos_customer_set_string(self._h, _enc(field), _enc(str(value))))

    def __getitem__(self, field):
        buf = _ffi.Buf()
        rc = lib.custos_customer_get_string(ctypes.byref(buf), self._h, _enc(field))
        if rc == -3:  # CUSTOS_ENOTFOUND: no value
            raise KeyError(field)
        _check(rc)
        try:
            return ctypes.string_at(buf.ptr, buf.size).decode()
        finally:
            lib.custos_buf_dispose(ctypes.byref(buf))

    def close(self):
        if self._h:
            lib.custos_customer_free(self._h)
            self._h = None

    def __del__(self):
        self.close()


class Context:
    """A permission context: every customer call is made on behalf of its principal."""

    def __init__(self, store, principal):
        self._store = store  # keeps the store alive (the C side would too)
        self._h = ctypes.c_void_p()
        _check(lib.custos_ctx_open(ctypes.byref(self._h), store._h, _enc(principal)))

    def new_customer(self, **fields):
        h = ctypes.c_void_p()
        _check(lib.custos_customer_new(ctypes.byref(h), self._h))
        c = Customer(h)
        for k, v in fields.items():
            c[k] = v
        return c

    def create(self, **fields):
        c = self.new_customer(**fields)
        cid = ctypes.c_uint64()
        try:
            _check(lib.custos_customer_create(ctypes.byref(cid), self._h, c._h))
        finally:
            c.close()
        return cid.value

    def get(self, cid):
        h = ctypes.c_void_p()
        _check(lib.custos_customer_lookup(ctypes.byref(h), self._h, cid))
        return Customer(h)

    def update(self, cid, **fields):
        c = self.new_customer(**fields)
        try:
            _check(lib.custos_customer_update(self._h, cid, c._h))
        finally:
            c.close()

    def add_field(self, name, type, clear=False, searchable=False, enum_values=None):
        """Add a custom field of a type named as custos_field_type_name() names it
        ("integer", "money", "timestamp", ...); encrypted unless clear."""
        opts = _ffi.FieldOptions()
        _check(lib.custos_field_options_init(ctypes.byref(opts), 3))
        t = ctypes.c_int()
        _check(lib.custos_field_type_parse(ctypes.byref(t), _enc(type)))
        opts.name = _enc(name)
        opts.type = t.value
        opts.flags = (_ffi.FIELD_CLEAR if clear else _ffi.FIELD_ENCRYPTED) | (_ffi.FIELD_SEARCHABLE if searchable else 0)
        opts.enum_values = _enc(enum_values) if enum_values else None
        _check(lib.custos_schema_add_field(self._h, ctypes.byref(opts)))

    def count(self):
        n = ctypes.c_uint64()
        _check(lib.custos_customer_count(ctypes.byref(n), self._h))
        return n.value

    def find(self, field, value):
        """The customers whose searchable field equals value, in id order."""
        it = ctypes.c_void_p()
        _check(lib.custos_customer_find(ctypes.byref(it), self._h, _enc(field), _enc(value)))
        try:
            while True:
                h = ctypes.c_void_p()
                rc = lib.custos_iter_next(ctypes.byref(h), it)
                if rc == _ffi.ITEROVER:
                    return
                _check(rc)
                yield Customer(h)
        finally:
            lib.custos_iter_free(it)

    def close(self):
        if self._h:
            lib.custos_ctx_free(self._h)
            self._h = None

    def __del__(self):
        self.close()


class Store:
    """An open store. Unlock it with a passphrase or a raw 32-byte key."""

    def __init__(self, uri, passphrase=None, key=None, create=False, exclusive=False, readonly=False,
                 default_region=None, kdf_memlimit=0, kdf_opslimit=0):
        if (passphrase is None) == (key is None):
            raise ValueError("give exactly one of passphrase and key")
        secret = ctypes.c_void_p()
        if passphrase is not None:
            _check(lib.custos_secret_passphrase(ctypes.byref(secret), passphrase.encode()))
        else:
            _check(lib.custos_secret_key(ctypes.byref(secret), bytes(key), len(key)))
        opts = _ffi.DbOptions()
        _check(lib.custos_db_options_init(ctypes.byref(opts), 1))
        opts.flags = (_ffi.OPEN_CREATE if create else 0) | (_ffi.OPEN_EXCL if exclusive else 0) | \
            (_ffi.OPEN_READONLY if readonly else 0)
        opts.default_region = _enc(default_region)
        opts.kdf_memlimit = kdf_memlimit
        opts.kdf_opslimit = kdf_opslimit
        self._h = ctypes.c_void_p()
        try:
            _check(lib.custos_db_open(ctypes.byref(self._h), uri.encode(), secret, ctypes.byref(opts)))
        finally:
            lib.custos_secret_free(secret)

    @property
    def backend(self):
        return lib.custos_db_backend_name(self._h).decode()

    def context(self, principal):
        return Context(self, principal)

    def close(self):
        """Close now; contexts and customers still alive are released when collected."""
        if self._h:
            lib.custos_db_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
