"""A first Python binding of custos over ctypes: stores, contexts, customers, timeline
events, write batches, field history, lifecycle moves, archiving, erasure, consent
records and subject exports.

    import custos
    with custos.Store("memory:", passphrase="...", create=True) as store:
        ctx = store.context("admin")
        cid = ctx.create(name="Chan Tai Man", email="tm.chan@example.com")
        print(ctx.get(cid)["email"])

        sale = custos.Event("purchase", item="Oolong 250 g")
        sale.set_amount(12990, "HKD")           # minor units: HK$129.90
        ctx.append_event(cid, sale)             # -> 1, the event's sequence number
        for e in ctx.events(cid, newest_first=True, kinds=["purchase"]):
            print(e.seq, e.time, e.amount, e["item"])
        print(ctx.get(cid)["spend_HKD"])        # timeline metrics read like fields

        ctx.update(cid, email="taiman@example.hk")
        for ch in ctx.history(cid):             # newest first
            print(ch.version, ch.author, ch.fields, ch.old("email"))
        ctx.restore(cid, 2, "email")            # the email before version 2, as a new update

        ctx.move(cid, "loyal", reason="20 visits")  # lifecycle states by name
        ctx.record_consent(cid, "marketing_email", "consent", True, source="web form")
        doc = json.loads(ctx.export(cid))       # everything stored about the customer
        ctx.erase(cid, reason="request 17")     # crypto-shredding; ctx.erasure(cid) reads the tombstone

Times are integers, microseconds since the epoch, as in C. Enumerations (event kinds,
channels, directions, scales, points operations, event texts, lifecycle states ("state"),
lawful bases ("basis")) are given and returned by
the names the library gives them ("purchase", "visit", "in", "nps", "earn", "item"); see
enum_names(). The C integer values are accepted too.

Errors raise custos.Error with the library's code, its name and the thread's message,
read right after the failing call (the message is thread-local in C).
"""
import ctypes

from . import _ffi
from ._ffi import lib

__all__ = ["Error", "Store", "Context", "Customer", "Event", "Events", "Batch", "Change", "History", "enum_names",
           "version"]


class Error(Exception):
    """A failed custos call: code (negative int), name ("CUSTOS_EINVALID") and message."""

    def __init__(self, code, message=None):
        # message: for refusals made by the binding itself; otherwise the thread's last one.
        self.code = code
        self.name = lib.custos_error_name(code).decode()
        self.message = lib.custos_error_last().decode() if message is None else message
        super().__init__("%s: %s" % (self.name, self.message))


def _check(rc):
    if rc != _ffi.OK:
        raise Error(rc)


def version():
    """The run-time version of libcustos, as a string."""
    return lib.custos_version(None, None, None).decode()


def _enc(s):
    return None if s is None else s.encode()


def _u32(what, n):
    # ctypes would silently wrap a value outside uint32_t (-1 -> 4294967295): refuse it.
    n = int(n)
    if not 0 <= n <= 0xFFFFFFFF:
        raise ValueError("%s must be 0 to 4294967295, not %d" % (what, n))
    return n


class Customer:
    """One customer's values, decrypted; freed (and wiped) when closed or collected."""

    def __init__(self, handle):
        self._h = handle

    @property
    def id(self):
        """The customer's id; 0 for a draft."""
        return lib.custos_customer_id(self._h)

    @property
    def version(self):
        """The record version: 1 when created, one more after every update (also one that
        changes no value); 0 for a draft. Field history is listed by these versions."""
        return lib.custos_customer_version(self._h)

    def __setitem__(self, field, value):
        """Any field from its text form, as custos_customer_set_string() reads it: "1500.00 HKD",
        "2026-11-23T20:15:00Z", "true", 42, "vip,regular". Python values are turned into text
        with str(), booleans as "true"/"false"."""
        if isinstance(value, bool):
            value = "true" if value else "false"
        _check(lib.custos_customer_set_string(self._h, _enc(field), _enc(str(value))))

    def __getitem__(self, field):
        """Any field, or timeline metric ("orders", "spend_HKD", ...), as text, as
        custos_customer_get_string() writes it; KeyError when it has no value."""
        buf = _ffi.Buf()
        rc = lib.custos_customer_get_string(ctypes.byref(buf), self._h, _enc(field))
        if rc == -3:  # CUSTOS_ENOTFOUND: no value
            raise KeyError(field)
        _check(rc)
        try:
            return ctypes.string_at(buf.ptr, buf.size).decode()
        finally:
            lib.custos_buf_dispose(ctypes.byref(buf))

    @property
    def state(self):
        """The customer's lifecycle state, by name ("lead", "active", "archived", ...)."""
        return _to_name("state", lib.custos_customer_state(self._h))

    def close(self):
        """Free (and wipe) the customer's values now."""
        if self._h:
            lib.custos_customer_free(self._h)
            self._h = None

    def __del__(self):
        self.close()

# The event enumerations: the library's name and parse functions, and the first value.
_ENUMS = {
    "event_kind": (lib.custos_event_kind_name, lib.custos_event_kind_parse, 1),
    "channel": (lib.custos_channel_name, lib.custos_channel_parse, 1),
    "direction": (lib.custos_direction_name, lib.custos_direction_parse, 1),
    "scale": (lib.custos_scale_name, lib.custos_scale_parse, 1),
    "points_op": (lib.custos_points_op_name, lib.custos_points_op_parse, 1),
    "event_text": (lib.custos_event_text_name, lib.custos_event_text_parse, 0),
    "state": (lib.custos_state_name, lib.custos_state_parse, 1),
    "basis": (lib.custos_basis_name, lib.custos_basis_parse, 1),
}


def _take_buf(rc, buf):
    """The text of a custos_buf a call filled (raising Error for rc), wiped afterwards."""
    try:
        _check(rc)
        return ctypes.string_at(buf.ptr, buf.size).decode() if buf.ptr else ""
    finally:
        lib.custos_buf_dispose(ctypes.byref(buf))


def enum_names(enumeration):
    """The names of one of the event enumerations, in the order of their C values, as the
    library names them: enumeration is "event_kind", "channel", "direction", "scale",
    "points_op", "event_text", "state" or "basis". enum_names("channel") is ("phone", "email", "visit",
    "chat", "social", "other")."""
    name, _, v = _ENUMS[enumeration]
    out = []
    while True:
        s = name(v)
        if s is None:
            return tuple(out)
        out.append(s.decode())
        v += 1


def _to_int(enumeration, value):
    # A name is parsed by the library (an unknown one is its CUSTOS_EINVALID and message);
    # an int is passed as it is, for the library to check.
    if isinstance(value, str):
        out = ctypes.c_int()
        _check(_ENUMS[enumeration][1](ctypes.byref(out), value.encode()))
        return out.value
    return int(value)


def _to_name(enumeration, value):
    s = _ENUMS[enumeration][0](value)
    return value if s is None else s.decode()


class Event:
    """One timeline event: a draft to fill and append, or an event read back by
    Context.events(). Freed (and wiped) when closed or collected.

    Event(kind, time=None, **texts) makes a draft of a kind ("purchase", "interaction",
    "feedback", "note", "points"), optionally at a time (microseconds since the epoch;
    by default the time of its append) and with texts given by name: item and order for
    purchases, subject and body for interactions, body for feedback, notes and points.
    The set_* methods fill the values of its kind; event[text] = "..." sets a text.
    A draft is not changed by appending it: it may be appended again as a new event.
    """

    def __init__(self, kind, time=None, **texts):
        self._h = None
        h = ctypes.c_void_p()
        _check(lib.custos_event_new(ctypes.byref(h), _to_int("event_kind", kind)))
        self._h = h
        if time is not None:
            self.time = time
        for which, text in texts.items():
            self[which] = text

    @classmethod
    def _wrap(cls, handle):
        e = cls.__new__(cls)
        e._h = handle
        return e

    # ---- setters ----

    def set_amount(self, minor_units, currency):
        """A purchase's amount in the currency's minor units (12990 for HK$129.90; negative
        for a refund) and its ISO 4217 code ("HKD")."""
        _check(lib.custos_event_set_amount(self._h, minor_units, _enc(currency)))

    def set_quantity(self, quantity):
        """A purchase's quantity, 1 to 4,294,967,295 (1 unless set)."""
        _check(lib.custos_event_set_quantity(self._h, quantity))

    def set_channel(self, channel, direction):
        """An interaction's channel ("phone", "email", "visit", "chat", "social", "other")
        and direction ("in": from the customer, "out": to the customer)."""
        _check(lib.custos_event_set_channel(self._h, _to_int("channel", channel), _to_int("direction", direction)))

    def set_score(self, scale, score):
        """A feedback's score on its scale: "nps" 0 to 10 or "csat" 1 to 5."""
        _check(lib.custos_event_set_score(self._h, _to_int("scale", scale), score))

    def set_points(self, op, points, expires=0):
        """A points event's operation ("earn", "redeem", "expire", "adjust") and points
        (more than 0; for "adjust" not 0, negative removes points). expires: for "earn",
        when the points expire (microseconds since the epoch), 0 for never."""
        _check(lib.custos_event_set_points(self._h, _to_int("points_op", op), points, expires))

    def __setitem__(self, which, text):
        """Set a text by name ("item", "order", "subject", "body"); None or "" unsets it.
        The library trims it and puts it in Unicode NFC."""
        _check(lib.custos_event_set_text(self._h, _to_int("event_text", which), _enc(text or "")))

    # ---- getters ----

    @property
    def kind(self):
        """The kind's name: "purchase", "interaction", "feedback", "note" or "points"."""
        return _to_name("event_kind", lib.custos_event_kind_of(self._h))

    @property
    def time(self):
        """When the event happened, in microseconds since the epoch (0 for a draft whose time
        is not set: it takes the time of its append). Settable on a draft."""
        return lib.custos_event_time(self._h)

    @time.setter
    def time(self, time_us):
        _check(lib.custos_event_set_time(self._h, time_us))

    @property
    def seq(self):
        """The event's sequence number in its customer's timeline, from 1; 0 for a draft."""
        return lib.custos_event_seq(self._h)

    @property
    def customer(self):
        """The id of the event's customer; 0 for a draft."""
        return lib.custos_event_customer(self._h)

    @property
    def recorded(self):
        """When the event was appended, in microseconds since the epoch; 0 for a draft."""
        return lib.custos_event_recorded(self._h)

    @property
    def author(self):
        """The id of the principal who appended the event; 0 for a draft."""
        return lib.custos_event_author(self._h)

    @property
    def masked(self):
        """Whether the texts were masked ("***") for the context that listed the event."""
        return lib.custos_event_is_masked(self._h) == 1

    def _get(self, fn, *outs):
        rc = fn(*[ctypes.byref(o) for o in outs], self._h)
        if rc == _ffi.ENOTFOUND:  # a draft whose values are not set
            return False
        _check(rc)
        return True

    @property
    def amount(self):
        """A purchase's (minor_units, currency), as (12990, "HKD"); None while not set.
        Raises Error (CUSTOS_EINVALID) for another kind."""
        minor, cur = ctypes.c_int64(), ctypes.c_char_p()
        if not self._get(lambda m, c, h: lib.custos_event_get_purchase(m, c, None, h), minor, cur):
            return None
        return minor.value, cur.value.decode()

    @property
    def quantity(self):
        """A purchase's quantity; None while its amount is not set. Raises Error
        (CUSTOS_EINVALID) for another kind."""
        qty = ctypes.c_int64()
        if not self._get(lambda q, h: lib.custos_event_get_purchase(None, None, q, h), qty):
            return None
        return qty.value

    @property
    def channel(self):
        """An interaction's (channel, direction) by name, as ("visit", "in"); None while not
        set. Raises Error (CUSTOS_EINVALID) for another kind."""
        ch, d = ctypes.c_int(), ctypes.c_int()
        if not self._get(lib.custos_event_get_channel, ch, d):
            return None
        return _to_name("channel", ch.value), _to_name("direction", d.value)

    @property
    def score(self):
        """A feedback's (scale, score), as ("nps", 9); None while not set. Raises Error
        (CUSTOS_EINVALID) for another kind."""
        scale, score = ctypes.c_int(), ctypes.c_int()
        if not self._get(lib.custos_event_get_score, scale, score):
            return None
        return _to_name("scale", scale.value), score.value

    @property
    def points(self):
        """A points event's (op, points, expires), as ("earn", 130, 0): points are negative
        for an adjustment that removes points, expires is 0 for none. None while not set.
        Raises Error (CUSTOS_EINVALID) for another kind."""
        op, pts, exp = ctypes.c_int(), ctypes.c_int64(), ctypes.c_int64()
        if not self._get(lib.custos_event_get_points, op, pts, exp):
            return None
        return _to_name("points_op", op.value), pts.value, exp.value

    def __getitem__(self, which):
        """A text by name ("item", "order", "subject", "body"): the text, or "***" when the
        listing context sees the notes class masked. KeyError when the event has no such
        text or the context does not see the notes class."""
        out = ctypes.c_char_p()
        rc = lib.custos_event_get_text(ctypes.byref(out), self._h, _to_int("event_text", which))
        if rc == _ffi.ENOTFOUND:
            raise KeyError(which)
        _check(rc)
        return out.value.decode()

    def get(self, which, default=None):
        """A text by name, or default when the event has none."""
        try:
            return self[which]
        except KeyError:
            return default

    def __repr__(self):
        if not self._h:
            return "<custos.Event (closed)>"
        return "<custos.Event %s customer=%d seq=%d time=%d>" % (self.kind, self.customer, self.seq, self.time)

    def close(self):
        """Free (and wipe) the event now."""
        if self._h:
            lib.custos_event_free(self._h)
            self._h = None

    def __del__(self):
        self.close()


class _Owned:
    """A C handle the object owns: freed by _free (the library wipes what it held) on
    close(), at the end of a with block, or when the object is collected."""

    _h = None

    def close(self):
        """Free the C handle now (an iterator, a change, a batch); the object gives nothing
        more afterwards."""
        if self._h:
            self._free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class _Listing(_Owned):
    """What Events and History share: a C iterator handed out item by item, freed when
    the listing is exhausted, when iterating raises, on close() or at the end of a with
    block, or when the object is collected. Subclasses open it and say how to step, free
    and wrap."""

    def __iter__(self):
        return self

    def __next__(self):
        if not self._h:
            raise StopIteration
        h = ctypes.c_void_p()
        rc = self._step(ctypes.byref(h), self._h)
        if rc == _ffi.ITEROVER:
            self.close()
            raise StopIteration
        if rc != _ffi.OK:
            err = Error(rc)  # read the message before another call can replace it
            self.close()
            raise err
        return self._item(h)


class Events(_Listing):
    """An iterator over one customer's events, from Context.events(). The C iterator is
    freed when the listing is exhausted, when iterating raises, on close() or at the end of
    a with block, or when the object is collected."""

    _step = staticmethod(lib.custos_event_iter_next)
    _free = staticmethod(lib.custos_event_iter_free)

    def __init__(self, ctx, cid, opts):
        self._ctx = ctx  # the C iterator keeps its own reference too
        h = ctypes.c_void_p()
        _check(lib.custos_event_list(ctypes.byref(h), ctx._h, cid, ctypes.byref(opts)))
        self._h = h

    def _item(self, h):
        return Event._wrap(h)


class Change(_Owned):
    """One recorded change of a customer, from Context.history(): the record version it
    made, who made it and when, the fields whose values it changed and, field by field,
    the value each held before, shown as the listing context sees the field's class.

    version, time, author and fields are read when the change is listed and stay readable
    after close(). old() and masked() ask the C change, which keeps the visibility of the
    context that listed it (it outlives that context); after close() they raise Error
    (CUSTOS_ESTATE). The C change (with its decrypted old values) is freed and wiped on
    close(), at the end of a with block, or when the object is collected.
    """

    _free = staticmethod(lib.custos_change_free)

    def __init__(self, *args, **kwargs):
        raise TypeError("custos.Change objects come from Context.history()")

    @classmethod
    def _wrap(cls, ctx, handle):
        ch = cls.__new__(cls)
        ch._h = handle
        ch._version = lib.custos_change_version(handle)
        ch._time = lib.custos_change_time(handle)
        ch._author = lib.custos_change_author(handle)
        names = (lib.custos_change_field(handle, i) for i in range(lib.custos_change_field_count(handle)))
        ch._fields = [None if n is None else n.decode() for n in names]
        ch._from = lib.custos_change_state_from(handle)
        ch._to = lib.custos_change_state_to(handle)
        return ch

    @property
    def state_from(self):
        """For a lifecycle move, the state it left (a name); None for a change of fields."""
        return _to_name("state", self._from) if self._to else None

    @property
    def state_to(self):
        """For a lifecycle move, the state it entered (a name); None for a change of fields."""
        return _to_name("state", self._to) if self._to else None

    @property
    def reason(self):
        """For a lifecycle move, the reason given ("" for none; "***" when the listing
        context sees notes masked). Raises Error: CUSTOS_EINVALID for a change of fields,
        CUSTOS_EDENIED when the listing context does not see notes."""
        buf = _ffi.Buf()
        return _take_buf(lib.custos_change_reason(ctypes.byref(buf), self._h), buf)

    @property
    def version(self):
        """The record version the change made (Customer.version after it): 2 for the first
        update of a customer, and so on. Versions without a change (creation, updates that
        changed no value) are not listed."""
        return self._version

    @property
    def time(self):
        """When the change was made, in microseconds since the epoch."""
        return self._time

    @property
    def author(self):
        """The id of the principal who made the change (1 for the bootstrap admin)."""
        return self._author

    @property
    def fields(self):
        """The names of the fields whose values the change changed (one or more), in the
        schema's order, as a new list."""
        return list(self._fields)

    def _index(self, field):
        try:
            i = self._fields.index(field)
        except ValueError:
            raise KeyError(field) from None
        if not self._h:
            raise Error(_ffi.ESTATE, "the change of version %d is closed" % self._version)
        return i

    def old(self, field):
        """The value field held before the change, as text (as Customer[...] shows values
        of its type); its masked form ("c***@example.com") when the listing context sees
        the field's class masked; None when the field had no value before.

        Raises KeyError when the change did not change field, Error (CUSTOS_EDENIED) when
        the listing context does not see the field's class (it only sees that the field
        changed), Error (CUSTOS_ESTATE) after close()."""
        i = self._index(field)
        buf = _ffi.Buf()
        rc = lib.custos_change_old_value(ctypes.byref(buf), self._h, i)
        if rc == _ffi.ENOTFOUND:  # no value before the change
            return None
        _check(rc)
        try:
            return ctypes.string_at(buf.ptr, buf.size).decode()
        finally:
            lib.custos_buf_dispose(ctypes.byref(buf))

    def masked(self, field):
        """Whether old(field) is shown masked to the listing context. Raises KeyError when
        the change did not change field, Error (CUSTOS_ESTATE) after close()."""
        return lib.custos_change_is_masked(self._h, self._index(field)) == 1

    def __repr__(self):
        return "<custos.Change version=%d author=%d time=%d fields=%r%s>" % (
            self._version, self._author, self._time, self._fields, "" if self._h else " (closed)")



class History(_Listing):
    """An iterator over one customer's changes (Change), newest first, from
    Context.history(). The C iterator reads a page at a time and checks at every page that
    the customer is still in the context's scope. It is freed when the listing is
    exhausted, when iterating raises, on close() or at the end of a with block, or when
    the object is collected; the changes it gave stay usable."""

    _step = staticmethod(lib.custos_history_next)
    _free = staticmethod(lib.custos_history_iter_free)

    def __init__(self, ctx, cid, before):
        self._ctx = ctx  # the C iterator keeps its own reference too
        h = ctypes.c_void_p()
        _check(lib.custos_history_list(ctypes.byref(h), ctx._h, cid, before))
        self._h = h

    def _item(self, h):
        return Change._wrap(self._ctx, h)


class Batch(_Owned):
    """A list of writes (customers to create, updates, events to append) made as one
    context and stored together by commit(), in one transaction: all or nothing.

    Writes are copied when added (the caller may close or reuse its events at once) and
    checked then for what does not depend on the store; the rest is checked in order at
    the commit. A commit that fails raises Error whose message starts with the failing
    write's position from 0 ("write 2: ..."); nothing is stored then, and the batch may be
    committed again once the cause is removed.

    Nothing is ever committed implicitly: call commit(). Used as a context manager, the
    batch is only freed at the end of the with block, so leaving it without commit() (or
    by an exception) discards the writes.

        with ctx.batch() as b:
            b.create(name="New Lam")
            b.append(cid, sale)
            b.commit()
            new_id, seq = b.ids[0], b.seqs[1]
    """

    _free = staticmethod(lib.custos_batch_free)

    def __init__(self, ctx):
        self._ctx = ctx  # the C batch keeps its own reference too
        self._h = ctypes.c_void_p()
        _check(lib.custos_batch_new(ctypes.byref(self._h), ctx._h))

    def _add(self, rc):
        _check(rc)
        return len(self) - 1

    def create(self, **fields):
        """Add a customer to create, with fields given as Context.create() takes them.
        Returns the write's position."""
        c = self._ctx.new_customer(**fields)
        try:
            return self._add(lib.custos_batch_create(self._h, c._h))
        finally:
            c.close()

    def update(self, cid, **fields):
        """Add an update of customer cid, with fields given as Context.update() takes them.
        Returns the write's position."""
        c = self._ctx.new_customer(**fields)
        try:
            return self._add(lib.custos_batch_update(self._h, cid, c._h))
        finally:
            c.close()

    def append(self, cid, event):
        """Add a draft Event to append to customer cid's timeline. Returns the write's position."""
        return self._add(lib.custos_batch_append(self._h, cid, event._h))

    def __len__(self):
        """The number of writes added."""
        return lib.custos_batch_count(self._h)

    def commit(self):
        """Store every write in one transaction, or none (raising Error). After a success
        ids and seqs hold the results and the batch takes no more writes (CUSTOS_ESTATE)."""
        _check(lib.custos_batch_commit(self._h))

    @property
    def ids(self):
        """After a commit: for each write in order, the customer it created (the new id),
        updated or appended to; 0 for every write before a commit."""
        return [lib.custos_batch_id(self._h, i) for i in range(len(self))]

    @property
    def seqs(self):
        """After a commit: for each write in order, the sequence number its event received;
        0 for creates and updates, and for every write before a commit."""
        return [lib.custos_batch_seq(self._h, i) for i in range(len(self))]



class Context:
    """A permission context: every customer call is made on behalf of its principal."""

    def __init__(self, store, principal):
        self._store = store  # keeps the store alive (the C side would too)
        self._h = ctypes.c_void_p()
        _check(lib.custos_ctx_open(ctypes.byref(self._h), store._h, _enc(principal)))

    def new_customer(self, **fields):
        """A draft Customer with the given fields set from their text forms."""
        h = ctypes.c_void_p()
        _check(lib.custos_customer_new(ctypes.byref(h), self._h))
        c = Customer(h)
        for k, v in fields.items():
            c[k] = v
        return c

    def create(self, **fields):
        """Create a customer with the given fields and return its id."""
        c = self.new_customer(**fields)
        cid = ctypes.c_uint64()
        try:
            _check(lib.custos_customer_create(ctypes.byref(cid), self._h, c._h))
        finally:
            c.close()
        return cid.value

    def get(self, cid):
        """The Customer with id cid, decrypted as this context sees it."""
        h = ctypes.c_void_p()
        _check(lib.custos_customer_lookup(ctypes.byref(h), self._h, cid))
        return Customer(h)

    def update(self, cid, **fields):
        """Set the given fields of customer cid, leaving the others as they are."""
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
        """The number of customers visible to this context."""
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

    def append_event(self, cid, event):
        """Append a draft Event to customer cid's timeline in its own durable commit and
        return its sequence number (1, 2, 3, ...). A refused event (a value its kind needs
        is missing, a time more than a day ahead, a redeem above the points balance)
        raises Error and changes nothing."""
        seq = ctypes.c_uint32()
        _check(lib.custos_event_append(ctypes.byref(seq), self._h, cid, event._h))
        return seq.value

    def events(self, cid, newest_first=False, kinds=None, since=None, until=None, after=None, limit=None):
        """Customer cid's events in time order (events at the same time in the order they
        were appended), as an Events iterator of Event; errors in the options or an unknown
        customer raise here, not at the first next().

        kinds: one kind or an iterable of kinds, by name or value; None for every kind.
        since, until: only events at or after since and before until (microseconds since
        the epoch); None (or 0) for no bound. after: resume after this event in the
        listing's order, an Event read back or a (time, seq) pair: pass the last event of
        the previous page. limit: at most this many events (1 or more); None for all."""
        opts = _ffi.EventListOptions()
        _check(lib.custos_event_list_options_init(ctypes.byref(opts), _ffi.EVENT_LIST_OPTIONS_VERSION))
        opts.newest_first = 1 if newest_first else 0
        if kinds is not None:
            if isinstance(kinds, (str, int)):
                kinds = [kinds]
            for k in kinds:
                k = _to_int("event_kind", k)
                if not 0 <= k < 32:  # would not fit the 32 bits of kinds: no kind at all
                    raise ValueError("%d is no event kind" % k)
                opts.kinds |= 1 << k
        opts.from_us = since or 0
        opts.until_us = until or 0
        if after is not None:
            opts.after_time_us, opts.after_seq = (after.time, after.seq) if isinstance(after, Event) else after
        if limit is not None:
            if limit < 1:
                raise ValueError("limit must be 1 or more (None for no limit), not %r" % (limit,))
            opts.limit = limit
        return Events(self, cid, opts)

    def batch(self):
        """A new, empty Batch of writes made as this context."""
        return Batch(self)

    def history(self, cid, before=None):
        """Customer cid's recorded changes, newest first, as a History iterator of Change;
        an unknown customer or one out of this context's scope raises Error
        (CUSTOS_ENOTFOUND) here, not at the first next().

        Every update that changed at least one value made one change (creation and updates
        that changed nothing made none). before: only changes that made a version below
        this one, an int or a Change: pass the last change of the previous page; None (or
        0) for every change. Take a page with itertools.islice(ctx.history(cid), n)."""
        if isinstance(before, Change):
            before = before.version
        return History(self, cid, _u32("before", before or 0))

    def restore(self, cid, version, field):
        """Give field of customer cid back the value it held before the change that made
        version (an int or a Change); no value then unsets it. The restore is an update
        like any other: checked like one, it makes a new version and records its own change
        (whose old value is the one replaced). Needs the update right and the field's class
        seen clearly (else CUSTOS_EDENIED).

        Raises Error: CUSTOS_ENOTFOUND for an unknown customer or a version without a
        recorded change, CUSTOS_EINVALID when that change did not change field (or an
        unknown field, or a value the field no longer takes), CUSTOS_EEXISTS when another
        customer now holds that unique value. A refused restore changes nothing."""
        if isinstance(version, Change):
            version = version.version
        _check(lib.custos_history_restore(self._h, cid, _u32("version", version), _enc(field)))

    # ---- lifecycle, erasure, consent, export ----

    def move(self, cid, state, reason=None):
        """Move customer cid to another working state as the store's table allows
        (CUSTOS_ESTATE naming both states otherwise; a move back needs the archive right)."""
        _check(lib.custos_lifecycle_move(self._h, cid, _to_int("state", state), _enc(reason)))

    def allowed(self, from_state, to_state):
        """Whether the store's table allows a move between two working states."""
        out = ctypes.c_int()
        _check(lib.custos_lifecycle_allowed(ctypes.byref(out), self._h, _to_int("state", from_state),
                                            _to_int("state", to_state)))
        return out.value == 1

    def allow(self, from_state, to_state, allowed=True):
        """Allow or forbid a move in the store's table (the schema right)."""
        _check(lib.custos_lifecycle_allow(self._h, _to_int("state", from_state), _to_int("state", to_state),
                                          1 if allowed else 0))

    def lifecycle_counts(self):
        """{state name: customers in it} over the whole store ("erased": erased so far)."""
        n = len(enum_names("state")) + 1
        arr = (ctypes.c_uint64 * n)()
        _check(lib.custos_lifecycle_counts(arr, n, self._h))
        return {_to_name("state", s): arr[s] for s in range(1, n)}

    def archive(self, cid, reason=None):
        """Archive customer cid: read-only and hidden until restored."""
        _check(lib.custos_customer_archive(self._h, cid, _enc(reason)))

    def restore_archived(self, cid, reason=None):
        """Bring archived customer cid back to the state it was archived from."""
        _check(lib.custos_customer_restore(self._h, cid, _enc(reason)))

    def show_archived(self, show=True):
        """Let this context see archived customers on every path (the archive right)."""
        _check(lib.custos_ctx_show_archived(self._h, 1 if show else 0))

    def erase(self, cid, reason=None):
        """Erase customer cid for good; the reason goes to the erasure ledger in clear."""
        _check(lib.custos_customer_erase(self._h, cid, _enc(reason)))

    def erasure(self, cid):
        """The tombstone of erased customer cid: (time in µs, principal id, reason)."""
        t, who, buf = ctypes.c_int64(), ctypes.c_uint32(), _ffi.Buf()
        reason = _take_buf(lib.custos_erasure_get(ctypes.byref(t), ctypes.byref(who), ctypes.byref(buf), self._h,
                                                  cid), buf)
        return t.value, who.value, reason

    def record_consent(self, cid, purpose, basis, given, time=0, source=None, evidence=None):
        """Append a consent record for purpose (basis by name or value; given True or
        False; time in µs, 0 for now) and return its sequence number."""
        seq = ctypes.c_uint32()
        _check(lib.custos_consent_record(ctypes.byref(seq), self._h, cid, _enc(purpose), _to_int("basis", basis),
                                         1 if given else 0, time, _enc(source), _enc(evidence)))
        return seq.value

    def consents(self, cid, purpose=None, current_only=False):
        """Customer cid's consent records as dicts, oldest first (current_only: the record
        in force of each purpose). Source and evidence are absent when the context does
        not see notes."""
        it = ctypes.c_void_p()
        _check(lib.custos_consent_list(ctypes.byref(it), self._h, cid, _enc(purpose), 1 if current_only else 0))
        out = []
        try:
            while True:
                h = ctypes.c_void_p()
                rc = lib.custos_consent_next(ctypes.byref(h), it)
                if rc == _ffi.ITEROVER:
                    return out
                _check(rc)
                try:
                    rec = {"seq": lib.custos_consent_seq(h), "purpose": lib.custos_consent_purpose(h).decode(),
                           "basis": _to_name("basis", lib.custos_consent_basis(h)),
                           "given": lib.custos_consent_given(h) == 1, "time": lib.custos_consent_time(h),
                           "recorded": lib.custos_consent_recorded(h), "author": lib.custos_consent_author(h)}
                    for which, key in ((0, "source"), (1, "evidence")):
                        t = ctypes.c_char_p()
                        if lib.custos_consent_text(ctypes.byref(t), h, which) == 0:
                            rec[key] = t.value.decode()
                    out.append(rec)
                finally:
                    lib.custos_consent_free(h)
        finally:
            lib.custos_consent_iter_free(it)

    def export(self, cid):
        """Everything stored about customer cid, as the JSON text custos_subject_export()
        writes (json.loads() it for a dict)."""
        buf = _ffi.Buf()
        return _take_buf(lib.custos_subject_export(ctypes.byref(buf), self._h, cid), buf)

    def close(self):
        """Release the context now."""
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
        """The name of the store's backend ("memory", "lmdb", ...)."""
        return lib.custos_db_backend_name(self._h).decode()

    def context(self, principal):
        """A Context acting for the principal of that name."""
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
