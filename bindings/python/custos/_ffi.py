"""Loading libcustos and declaring the C prototypes this binding calls.

Every function gets argtypes and restype: ctypes would otherwise assume int returns and
truncate pointers on 64-bit machines. Only opaque pointers, fixed-width integers, size_t,
UTF-8 strings (also as borrowed `const char **` out-parameters), custos_buf and the flat
option structs cross the boundary.
"""
import ctypes
import ctypes.util
import os

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_s = ctypes.c_char_p
_i = ctypes.c_int
_u32 = ctypes.c_uint32
_u64 = ctypes.c_uint64
_i64 = ctypes.c_int64


class Buf(ctypes.Structure):
    """custos_buf: bytes owned by the caller, released with custos_buf_dispose()."""
    _fields_ = [("ptr", ctypes.POINTER(ctypes.c_ubyte)), ("size", ctypes.c_size_t), ("reserved", ctypes.c_size_t)]


class DbOptions(ctypes.Structure):
    """custos_db_options, version 1 (flat: mirrored here on purpose)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("flags", ctypes.c_uint),
        ("durability", _u32),
        ("kdf_opslimit", _u32),
        ("kdf_memlimit", _u64),
        ("expected_customers", _u64),
        ("default_region", _s),
        ("admin_name", _s),
        ("map_size", _u64),
        ("audit_reads", _u32),
        ("audit_batch", _u32),
        ("audit_max_age_ms", _u32),
        ("checkpoint_every", _u32),
    ]


class FieldOptions(ctypes.Structure):
    """custos_field_options, version 3 (flat: mirrored here on purpose)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("name", _s),
        ("type", _i),
        ("flags", _u32),
        ("field_class", _i),
        ("max_bytes", _u32),
        ("enum_values", _s),
        ("index_bits", _u32),
        ("norm", _i),
    ]


class EventListOptions(ctypes.Structure):
    """custos_event_list_options, version 1 (flat: mirrored here on purpose)."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("newest_first", _i),
        ("kinds", _u32),
        ("from_us", _i64),
        ("until_us", _i64),
        ("after_time_us", _i64),
        ("after_seq", _u32),
        ("limit", _u32),
    ]


def _load():
    path = os.environ.get("CUSTOS_LIBRARY") or ctypes.util.find_library("custos")
    if not path:
        raise OSError("libcustos not found: set CUSTOS_LIBRARY to the path of libcustos.so")
    return ctypes.CDLL(path)


lib = _load()

_PROTOTYPES = {
    "custos_version": (_s, [ctypes.POINTER(_i), ctypes.POINTER(_i), ctypes.POINTER(_i)]),
    "custos_error_last": (_s, []),
    "custos_error_last_code": (_i, []),
    "custos_error_name": (_s, [_i]),
    "custos_strerror": (_s, [_i]),
    "custos_key_bytes": (ctypes.c_size_t, []),
    "custos_db_options_init": (_i, [ctypes.POINTER(DbOptions), ctypes.c_uint]),
    "custos_db_options_size": (ctypes.c_size_t, []),
    "custos_buf_size": (ctypes.c_size_t, []),
    "custos_secret_passphrase": (_i, [_pp, _s]),
    "custos_secret_key": (_i, [_pp, ctypes.c_char_p, ctypes.c_size_t]),
    "custos_secret_free": (None, [_p]),
    "custos_db_open": (_i, [_pp, _s, _p, ctypes.POINTER(DbOptions)]),
    "custos_db_close": (_i, [_p]),
    "custos_db_backend_name": (_s, [_p]),
    "custos_ctx_open": (_i, [_pp, _p, _s]),
    "custos_ctx_free": (None, [_p]),
    "custos_customer_new": (_i, [_pp, _p]),
    "custos_customer_free": (None, [_p]),
    "custos_field_options_init": (_i, [ctypes.POINTER(FieldOptions), ctypes.c_uint]),
    "custos_field_options_size": (ctypes.c_size_t, []),
    "custos_field_type_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_schema_add_field": (_i, [_p, ctypes.POINTER(FieldOptions)]),
    "custos_customer_set_text": (_i, [_p, _s, _s]),
    "custos_customer_set_string": (_i, [_p, _s, _s]),
    "custos_customer_get_string": (_i, [ctypes.POINTER(Buf), _p, _s]),
    "custos_customer_id": (_u64, [_p]),
    "custos_customer_version": (_u32, [_p]),
    "custos_customer_create": (_i, [ctypes.POINTER(_u64), _p, _p]),
    "custos_customer_lookup": (_i, [_pp, _p, _u64]),
    "custos_customer_update": (_i, [_p, _u64, _p]),
    "custos_customer_count": (_i, [ctypes.POINTER(_u64), _p]),
    "custos_customer_find": (_i, [_pp, _p, _s, _s]),
    "custos_iter_next": (_i, [_pp, _p]),
    "custos_iter_next_id": (_i, [ctypes.POINTER(_u64), _p]),
    "custos_iter_free": (None, [_p]),
    "custos_buf_dispose": (None, [ctypes.POINTER(Buf)]),
    # event.h
    "custos_event_list_options_init": (_i, [ctypes.POINTER(EventListOptions), ctypes.c_uint]),
    "custos_event_list_options_size": (ctypes.c_size_t, []),
    "custos_event_new": (_i, [_pp, _i]),
    "custos_event_free": (None, [_p]),
    "custos_event_set_time": (_i, [_p, _i64]),
    "custos_event_set_amount": (_i, [_p, _i64, _s]),
    "custos_event_set_quantity": (_i, [_p, _i64]),
    "custos_event_set_channel": (_i, [_p, _i, _i]),
    "custos_event_set_score": (_i, [_p, _i, _i]),
    "custos_event_set_points": (_i, [_p, _i, _i64, _i64]),
    "custos_event_set_text": (_i, [_p, _i, _s]),
    "custos_event_append": (_i, [ctypes.POINTER(_u32), _p, _u64, _p]),
    "custos_event_list": (_i, [_pp, _p, _u64, ctypes.POINTER(EventListOptions)]),
    "custos_event_iter_next": (_i, [_pp, _p]),
    "custos_event_iter_free": (None, [_p]),
    "custos_event_kind_of": (_i, [_p]),
    "custos_event_customer": (_u64, [_p]),
    "custos_event_seq": (_u32, [_p]),
    "custos_event_time": (_i64, [_p]),
    "custos_event_recorded": (_i64, [_p]),
    "custos_event_author": (_u32, [_p]),
    "custos_event_get_purchase": (_i, [ctypes.POINTER(_i64), ctypes.POINTER(_s), ctypes.POINTER(_i64), _p]),
    "custos_event_get_channel": (_i, [ctypes.POINTER(_i), ctypes.POINTER(_i), _p]),
    "custos_event_get_score": (_i, [ctypes.POINTER(_i), ctypes.POINTER(_i), _p]),
    "custos_event_get_points": (_i, [ctypes.POINTER(_i), ctypes.POINTER(_i64), ctypes.POINTER(_i64), _p]),
    "custos_event_get_text": (_i, [ctypes.POINTER(_s), _p, _i]),
    "custos_event_is_masked": (_i, [_p]),
    "custos_event_kind_name": (_s, [_i]),
    "custos_event_kind_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_channel_name": (_s, [_i]),
    "custos_channel_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_direction_name": (_s, [_i]),
    "custos_direction_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_scale_name": (_s, [_i]),
    "custos_scale_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_points_op_name": (_s, [_i]),
    "custos_points_op_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_event_text_name": (_s, [_i]),
    "custos_event_text_parse": (_i, [ctypes.POINTER(_i), _s]),
    # batch.h
    "custos_batch_new": (_i, [_pp, _p]),
    "custos_batch_free": (None, [_p]),
    "custos_batch_create": (_i, [_p, _p]),
    "custos_batch_update": (_i, [_p, _u64, _p]),
    "custos_batch_append": (_i, [_p, _u64, _p]),
    "custos_batch_count": (ctypes.c_size_t, [_p]),
    "custos_batch_commit": (_i, [_p]),
    "custos_batch_id": (_u64, [_p, ctypes.c_size_t]),
    "custos_batch_seq": (_u32, [_p, ctypes.c_size_t]),
    # history.h
    "custos_history_list": (_i, [_pp, _p, _u64, _u32]),
    "custos_history_next": (_i, [_pp, _p]),
    "custos_history_iter_free": (None, [_p]),
    "custos_change_free": (None, [_p]),
    "custos_change_version": (_u32, [_p]),
    "custos_change_time": (_i64, [_p]),
    "custos_change_author": (_u32, [_p]),
    "custos_change_field_count": (ctypes.c_size_t, [_p]),
    "custos_change_field": (_s, [_p, ctypes.c_size_t]),
    "custos_change_old_value": (_i, [ctypes.POINTER(Buf), _p, ctypes.c_size_t]),
    "custos_change_is_masked": (_i, [_p, ctypes.c_size_t]),
    "custos_history_restore": (_i, [_p, _u64, _u32, _s]),
    "custos_change_state_from": (_i, [_p]),
    "custos_change_state_to": (_i, [_p]),
    "custos_change_reason": (_i, [ctypes.POINTER(Buf), _p]),
    # lifecycle.h
    "custos_state_name": (_s, [_i]),
    "custos_state_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_customer_state": (_i, [_p]),
    "custos_lifecycle_move": (_i, [_p, _u64, _i, _s]),
    "custos_lifecycle_allowed": (_i, [ctypes.POINTER(_i), _p, _i, _i]),
    "custos_lifecycle_allow": (_i, [_p, _i, _i, _i]),
    "custos_lifecycle_counts": (_i, [ctypes.POINTER(_u64), ctypes.c_size_t, _p]),
    "custos_customer_archive": (_i, [_p, _u64, _s]),
    "custos_customer_restore": (_i, [_p, _u64, _s]),
    "custos_ctx_show_archived": (_i, [_p, _i]),
    "custos_customer_erase": (_i, [_p, _u64, _s]),
    "custos_erasure_get": (_i, [ctypes.POINTER(_i64), ctypes.POINTER(_u32), ctypes.POINTER(Buf), _p, _u64]),
    # consent.h
    "custos_basis_name": (_s, [_i]),
    "custos_basis_parse": (_i, [ctypes.POINTER(_i), _s]),
    "custos_consent_record": (_i, [ctypes.POINTER(_u32), _p, _u64, _s, _i, _i, _i64, _s, _s]),
    "custos_consent_list": (_i, [_pp, _p, _u64, _s, _i]),
    "custos_consent_next": (_i, [_pp, _p]),
    "custos_consent_iter_free": (None, [_p]),
    "custos_consent_free": (None, [_p]),
    "custos_consent_seq": (_u32, [_p]),
    "custos_consent_purpose": (_s, [_p]),
    "custos_consent_basis": (_i, [_p]),
    "custos_consent_given": (_i, [_p]),
    "custos_consent_time": (_i64, [_p]),
    "custos_consent_recorded": (_i64, [_p]),
    "custos_consent_author": (_u32, [_p]),
    "custos_consent_text": (_i, [ctypes.POINTER(_s), _p, _i]),
    # export.h
    "custos_subject_export": (_i, [ctypes.POINTER(Buf), _p, _u64]),
}

for _name, (_res, _args) in _PROTOTYPES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# A mirrored struct that disagrees with the library would be overwritten past its end:
# refuse to run instead.
for _c_size, _mirror in ((lib.custos_db_options_size, DbOptions), (lib.custos_buf_size, Buf),
                         (lib.custos_field_options_size, FieldOptions),
                         (lib.custos_event_list_options_size, EventListOptions)):
    if _c_size() != ctypes.sizeof(_mirror):
        raise ImportError("%s is %d bytes in libcustos but %d in this binding: they do not match"
                          % (_mirror.__name__, _c_size(), ctypes.sizeof(_mirror)))

FIELD_ENCRYPTED = 0x1
FIELD_CLEAR = 0x2
FIELD_SEARCHABLE = 0x4
OPEN_CREATE = 0x1
OPEN_EXCL = 0x2
OPEN_READONLY = 0x4
EVENT_LIST_OPTIONS_VERSION = 1
OK = 0
ENOTFOUND = -3
ESTATE = -8
ITEROVER = -31
