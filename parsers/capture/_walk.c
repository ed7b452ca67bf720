/*
 * parsers.capture._walk: the compiled form of the engine's fast path for classic pcap.
 *
 * walk() reads pcap records in one of the reader's buffers, starting at a record
 * header, and handles only the frames the Python fast path of Engine.feed_pcap
 * would handle without calling anything: Ethernet / IPv4 without options / UDP,
 * not a fragment, of a flow already in the media state, whose RTP packet simply
 * continues its stream (the in-order step of RFC 3550 A.1 and the A.8 jitter,
 * RtpTracker.add_in_order), and the known flows of other parts of a partitioned run.
 *
 * It stops, with nothing changed for that frame, at the first frame it would not
 * handle in full (the Python loop then handles that frame with its own code), at
 * every frame whose number is a multiple of 65536 (the engine's checkpoint), and at
 * a record that is not whole in the buffer.  So every frame gets the same treatment
 * as in the Python loop, and the Python objects it updates (flow lists, stream
 * slots, payload-type counters) hold the same values afterwards.  Arithmetic is
 * done in 64-bit integers and doubles in the order the Python code uses; any value
 * that does not fit, or any object of an unexpected type, sends the frame back to
 * Python.
 *
 * Build: optional (setup.py); without it the engine runs its pure-Python loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>
#include <stdint.h>

/* flow slots of parsers/capture/flows.py, checked by configure() */
static Py_ssize_t F_PK, F_BY, F_T1, F_FR1, F_ST, F_INFO, F_SF, F_SR, F_NSLOTS;
static long S_MEDIA_STATE;

/* slot offsets of rtp._Stream and flows.FlowInfo */
enum {
    ST_PREV_PT, ST_MAX_SEQ, ST_KEY, ST_PREV_RATE, ST_ANNOUNCED, ST_CYCLES, ST_GOOD,
    ST_RECEIVED, ST_PACKETS, ST_BYTES, ST_LAST_TS, ST_LAST_FRAME, ST_PT_COUNTS,
    ST_JITTER, ST_JITTER_N, ST_JITTER_MAX, ST_PREV_ARRIVAL, ST_PREV_RTP_TS, ST_COUNT
};
static const char *stream_slots[ST_COUNT] = {
    "prev_pt", "max_seq", "key", "prev_rate", "announced", "cycles", "good",
    "received", "packets", "bytes", "last_ts", "last_frame", "pt_counts",
    "jitter", "jitter_n", "jitter_max", "prev_arrival", "prev_rtp_ts"
};
static Py_ssize_t st_off[ST_COUNT];
static Py_ssize_t info_fwd_off, info_call_id_off;
static PyTypeObject *stream_type = NULL, *info_type = NULL;
static int configured = 0;

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static int slot_offset(PyObject *cls, const char *name, Py_ssize_t *out)
{
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (d == NULL)
        return -1;
    if (!Py_IS_TYPE(d, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "%s is not a __slots__ member", name);
        Py_DECREF(d);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
    if (m->type != T_OBJECT_EX || (m->flags & READONLY)) {
        PyErr_Format(PyExc_TypeError, "%s is not a writable object slot", name);
        Py_DECREF(d);
        return -1;
    }
    *out = m->offset;
    Py_DECREF(d);
    return 0;
}

/* configure(stream_cls, info_cls, slots: tuple of 8 ints + slot count, s_media) */
static PyObject *configure(PyObject *self, PyObject *args)
{
    PyObject *scls, *icls;
    if (!PyArg_ParseTuple(args, "O!O!(nnnnnnnnn)l", &PyType_Type, &scls, &PyType_Type, &icls,
                          &F_PK, &F_BY, &F_T1, &F_FR1, &F_ST, &F_INFO, &F_SF, &F_SR, &F_NSLOTS,
                          &S_MEDIA_STATE))
        return NULL;
    configured = 0;
    for (int i = 0; i < ST_COUNT; i++)
        if (slot_offset(scls, stream_slots[i], &st_off[i]) < 0)
            return NULL;
    if (slot_offset(icls, "fwd", &info_fwd_off) < 0 || slot_offset(icls, "call_id", &info_call_id_off) < 0)
        return NULL;
    Py_XDECREF(stream_type);
    Py_XDECREF(info_type);
    Py_INCREF(scls);
    Py_INCREF(icls);
    stream_type = (PyTypeObject *)scls;
    info_type = (PyTypeObject *)icls;
    configured = 1;
    Py_RETURN_NONE;
}

static inline uint32_t rd32(const unsigned char *p, int big)
{
    return big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

/* a Python int that fits in int64, else fail (-1) */
static inline int as_i64(PyObject *o, long long *out)
{
    if (o == NULL || !PyLong_CheckExact(o))
        return -1;
    int of = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &of);
    if (of || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return -1;
    }
    *out = v;
    return 0;
}

static inline int as_f64(PyObject *o, double *out)
{
    if (o == NULL || !PyFloat_CheckExact(o))
        return -1;
    *out = PyFloat_AS_DOUBLE(o);
    return 0;
}

/* store a new reference in a slot, dropping the old one */
static inline void put(PyObject **slot, PyObject *v)
{
    PyObject *old = *slot;
    *slot = v;
    Py_XDECREF(old);
}

/*
 * State read from the Python objects at their first use in one walk() call and
 * written back when the call ends (no Python code runs in between, so nothing else
 * can see or change them meanwhile).  The values written back are those the
 * per-packet Python updates would have left.
 */
typedef struct {
    PyObject *st; /* borrowed: held by the flow list, which the table holds */
    PyObject *pt_counts;
    long long prev_pt, max_seq, ssrc, rate, cycles, good, received, packets, bytes, last_ts, last_frame,
        jitter_n, prev_arrival, prev_rtp_ts, pt_n;
    double jitter, jitter_max;
    int announced, dirty;
} Stream;

typedef struct {
    PyObject *f; /* borrowed: held by the udp table */
    long long pk, by, t1, fr1;
    int dirty;
} Flow;

typedef struct {
    unsigned char key[12];
    signed char kind; /* 0 empty, 1 media flow, 2 flow of another part */
    short flow;       /* index into flows */
    short stream;     /* index into streams, -1: no usable stream (frames go back) */
    int fwd_call_id_none;
} Entry;

#define CACHE 256         /* flows and streams held in one call */
#define TABLE (CACHE * 4) /* key slots (power of two) */

typedef struct {
    Entry tab[TABLE];
    Flow flows[CACHE];
    Stream streams[CACHE];
    int nkeys, nflows, nstreams;
} Cache;

static Cache cache;

static inline unsigned key_hash(const unsigned char *k)
{
    uint32_t a, b, c;
    memcpy(&a, k, 4);
    memcpy(&b, k + 4, 4);
    memcpy(&c, k + 8, 4);
    uint32_t h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ c * 0xC2B2AE3Du;
    return (h ^ (h >> 15)) & (TABLE - 1);
}

/* write every changed flow and stream back to its Python object; -1 on memory error */
static int flush(void)
{
    int err = 0;
    for (int i = 0; i < cache.nflows; i++) {
        Flow *c = &cache.flows[i];
        if (!c->dirty)
            continue;
        PyObject **items = ((PyListObject *)c->f)->ob_item;
        PyObject *pk = PyLong_FromLongLong(c->pk), *by = PyLong_FromLongLong(c->by);
        PyObject *t1 = PyLong_FromLongLong(c->t1), *fr1 = PyLong_FromLongLong(c->fr1);
        if (!pk || !by || !t1 || !fr1) {
            Py_XDECREF(pk); Py_XDECREF(by); Py_XDECREF(t1); Py_XDECREF(fr1);
            err = -1;
            continue;
        }
        put(&items[F_PK], pk);
        put(&items[F_BY], by);
        put(&items[F_T1], t1);
        put(&items[F_FR1], fr1);
    }
    for (int i = 0; i < cache.nstreams; i++) {
        Stream *c = &cache.streams[i];
        if (!c->dirty)
            continue;
        PyObject *st = c->st;
        PyObject *v[13];
        v[0] = PyLong_FromLongLong(c->max_seq);
        v[1] = PyLong_FromLongLong(c->cycles);
        v[2] = PyLong_FromLongLong(c->good);
        v[3] = PyLong_FromLongLong(c->received);
        v[4] = PyLong_FromLongLong(c->packets);
        v[5] = PyLong_FromLongLong(c->bytes);
        v[6] = PyLong_FromLongLong(c->last_ts);
        v[7] = PyLong_FromLongLong(c->last_frame);
        v[8] = PyFloat_FromDouble(c->jitter);
        v[9] = PyFloat_FromDouble(c->jitter_max);
        v[10] = PyLong_FromLongLong(c->jitter_n);
        v[11] = PyLong_FromLongLong(c->prev_rtp_ts);
        v[12] = PyLong_FromLongLong(c->pt_n);
        int bad = 0;
        for (int k = 0; k < 13; k++)
            bad |= v[k] == NULL;
        PyObject *pt = bad ? NULL : PyLong_FromLongLong(c->prev_pt);
        if (pt == NULL || PyDict_SetItem(c->pt_counts, pt, v[12]) < 0) {
            for (int k = 0; k < 13; k++)
                Py_XDECREF(v[k]);
            Py_XDECREF(pt);
            err = -1;
            continue;
        }
        Py_DECREF(pt);
        Py_DECREF(v[12]);
        put(&SLOT(st, st_off[ST_MAX_SEQ]), v[0]);
        put(&SLOT(st, st_off[ST_CYCLES]), v[1]);
        put(&SLOT(st, st_off[ST_GOOD]), v[2]);
        put(&SLOT(st, st_off[ST_RECEIVED]), v[3]);
        put(&SLOT(st, st_off[ST_PACKETS]), v[4]);
        put(&SLOT(st, st_off[ST_BYTES]), v[5]);
        Py_INCREF(v[6]);
        put(&SLOT(st, st_off[ST_PREV_ARRIVAL]), v[6]); /* the last arrival is the last time */
        put(&SLOT(st, st_off[ST_LAST_TS]), v[6]);
        put(&SLOT(st, st_off[ST_LAST_FRAME]), v[7]);
        put(&SLOT(st, st_off[ST_JITTER]), v[8]);
        put(&SLOT(st, st_off[ST_JITTER_MAX]), v[9]);
        put(&SLOT(st, st_off[ST_JITTER_N]), v[10]);
        put(&SLOT(st, st_off[ST_PREV_RTP_TS]), v[11]);
    }
    cache.nflows = cache.nstreams = cache.nkeys = 0;
    memset(cache.tab, 0, sizeof cache.tab);
    if (err && !PyErr_Occurred())
        PyErr_NoMemory();
    return err;
}

/* the cached stream for ``st``, read on first use; -1 if Python must handle its frames */
static int stream_index(PyObject *st)
{
    for (int i = 0; i < cache.nstreams; i++)
        if (cache.streams[i].st == st)
            return i;
    if (!Py_IS_TYPE(st, stream_type))
        return -1; /* None (no stream yet) or anything else */
    Stream c;
    memset(&c, 0, sizeof c);
    c.st = st;
    PyObject *skey = SLOT(st, st_off[ST_KEY]);
    PyObject *announced = SLOT(st, st_off[ST_ANNOUNCED]);
    c.pt_counts = SLOT(st, st_off[ST_PT_COUNTS]);
    if (skey == NULL || !PyTuple_CheckExact(skey) || PyTuple_GET_SIZE(skey) < 5 || announced == NULL
        || c.pt_counts == NULL || !PyDict_CheckExact(c.pt_counts))
        return -1;
    if (announced != Py_True && announced != Py_False)
        return -1;
    c.announced = announced == Py_True;
    if (as_i64(SLOT(st, st_off[ST_PREV_PT]), &c.prev_pt) || as_i64(SLOT(st, st_off[ST_MAX_SEQ]), &c.max_seq)
        || as_i64(PyTuple_GET_ITEM(skey, 4), &c.ssrc) || as_i64(SLOT(st, st_off[ST_PREV_RATE]), &c.rate)
        || c.rate <= 0 || as_i64(SLOT(st, st_off[ST_CYCLES]), &c.cycles)
        || as_i64(SLOT(st, st_off[ST_GOOD]), &c.good) || as_i64(SLOT(st, st_off[ST_RECEIVED]), &c.received)
        || as_i64(SLOT(st, st_off[ST_PACKETS]), &c.packets) || as_i64(SLOT(st, st_off[ST_BYTES]), &c.bytes)
        || as_i64(SLOT(st, st_off[ST_LAST_TS]), &c.last_ts)
        || as_i64(SLOT(st, st_off[ST_LAST_FRAME]), &c.last_frame)
        || as_i64(SLOT(st, st_off[ST_JITTER_N]), &c.jitter_n)
        || as_i64(SLOT(st, st_off[ST_PREV_ARRIVAL]), &c.prev_arrival)
        || as_i64(SLOT(st, st_off[ST_PREV_RTP_TS]), &c.prev_rtp_ts)
        || as_f64(SLOT(st, st_off[ST_JITTER]), &c.jitter) || as_f64(SLOT(st, st_off[ST_JITTER_MAX]), &c.jitter_max))
        return -1; /* None rate (unknown clock), or a value Python must handle */
    if (c.prev_pt < 0 || c.prev_pt > 127 || c.max_seq < 0 || c.max_seq > 0xFFFF)
        return -1;
    PyObject *pt = PyLong_FromLongLong(c.prev_pt);
    if (pt == NULL)
        return -2;
    PyObject *ptn = PyDict_GetItemWithError(c.pt_counts, pt);
    Py_DECREF(pt);
    if (ptn == NULL)
        return PyErr_Occurred() ? -2 : -1;
    if (as_i64(ptn, &c.pt_n))
        return -1;
    cache.streams[cache.nstreams] = c;
    return cache.nstreams++;
}

/* the cached flow for ``f``; -1 if Python must handle its frames */
static int flow_index(PyObject *f)
{
    for (int i = 0; i < cache.nflows; i++)
        if (cache.flows[i].f == f)
            return i;
    Flow c;
    memset(&c, 0, sizeof c);
    c.f = f;
    if (as_i64(PyList_GET_ITEM(f, F_PK), &c.pk) || as_i64(PyList_GET_ITEM(f, F_BY), &c.by)
        || as_i64(PyList_GET_ITEM(f, F_T1), &c.t1) || as_i64(PyList_GET_ITEM(f, F_FR1), &c.fr1))
        return -1;
    cache.flows[cache.nflows] = c;
    return cache.nflows++;
}

/*
 * Look a key up: the entry, or NULL when the frame goes back to Python (unknown key,
 * a flow in another state, a foreign key whose frame may hold SIP is decided by the
 * caller).  Returns (Entry *)-1 on a Python error.
 */
static Entry *lookup(const unsigned char *k, PyObject *udp, PyObject *foreign, long need)
{
    unsigned h = key_hash(k);
    for (;;) {
        Entry *e = &cache.tab[h];
        if (e->kind == 0)
            break;
        if (memcmp(e->key, k, 12) == 0)
            return e;
        h = (h + 1) & (TABLE - 1);
    }
    if (cache.nkeys >= CACHE || cache.nflows >= CACHE || cache.nstreams >= CACHE) {
        if (flush() < 0)
            return (Entry *)-1;
        return lookup(k, udp, foreign, need);
    }
    PyObject *key = PyBytes_FromStringAndSize((const char *)k, 12);
    if (key == NULL)
        return (Entry *)-1;
    Entry ne;
    memset(&ne, 0, sizeof ne);
    memcpy(ne.key, k, 12);
    PyObject *f = PyDict_GetItemWithError(udp, key);
    if (f == NULL) {
        int in = PyErr_Occurred() ? -1 : PyDict_GET_SIZE(foreign) ? PyDict_Contains(foreign, key) : 0;
        Py_DECREF(key);
        if (in < 0)
            return (Entry *)-1;
        if (in == 0)
            return NULL;
        ne.kind = 2;
    } else {
        long long state;
        if (need < 0 || !PyList_CheckExact(f) || PyList_GET_SIZE(f) < F_NSLOTS
            || as_i64(PyList_GET_ITEM(f, F_ST), &state) || state != S_MEDIA_STATE) {
            Py_DECREF(key);
            return NULL;
        }
        PyObject *info = PyList_GET_ITEM(f, F_INFO);
        PyObject *fwd = Py_IS_TYPE(info, info_type) ? SLOT(info, info_fwd_off) : NULL;
        PyObject *call_id = Py_IS_TYPE(info, info_type) ? SLOT(info, info_call_id_off) : NULL;
        if (fwd == NULL || call_id == NULL || !PyBytes_CheckExact(fwd)) {
            Py_DECREF(key);
            return NULL;
        }
        int is_fwd = PyBytes_GET_SIZE(fwd) == 12 && memcmp(PyBytes_AS_STRING(fwd), k, 12) == 0;
        Py_DECREF(key);
        int fi = flow_index(f);
        if (fi < 0)
            return NULL;
        int si = stream_index(PyList_GET_ITEM(f, is_fwd ? F_SF : F_SR));
        if (si == -2)
            return (Entry *)-1;
        ne.kind = 1;
        ne.flow = (short)fi;
        ne.stream = (short)si;
        ne.fwd_call_id_none = call_id == Py_None;
    }
    cache.tab[h] = ne;
    cache.nkeys++;
    return &cache.tab[h];
}

/* account one in-order RTP frame of a cached media flow: 1, or 0 (back to Python) */
static inline int media_frame(Entry *e, const unsigned char *d, Py_ssize_t off, Py_ssize_t incl, long long ts,
                              long long n, long need)
{
    /* off: where the 20-byte IPv4 header starts (14 on plain Ethernet) */
    if (e->stream < 0)
        return 0;
    Py_ssize_t tot = (d[off + 2] << 8) | d[off + 3];
    Py_ssize_t end = (20 <= tot && off + tot <= incl) ? off + tot : incl;
    if (end < off + 28)
        return 0;
    Py_ssize_t ulen = (d[off + 24] << 8) | d[off + 25];
    Py_ssize_t uend = (8 <= ulen && off + 20 + ulen <= end) ? off + 20 + ulen : end;
    if (uend - (off + 28) < 12)
        return 0;
    Stream *s = &cache.streams[e->stream];
    Flow *fl = &cache.flows[e->flow];
    const unsigned char *r = d + off + 28;
    long long seq = (r[2] << 8) | r[3];
    long long rtp_ts = (long long)rd32(r + 4, 1);
    long long ssrc = (long long)rd32(r + 8, 1);
    if (!(r[0] == 0x80 && (long long)(r[1] & 0x7F) == s->prev_pt && seq == ((s->max_seq + 1) & 0xFFFF)
          && ssrc == s->ssrc && (s->announced || e->fwd_call_id_none)))
        return 0;
    if (s->good + 1 == need && !s->announced)
        return 0; /* this packet confirms the stream: Python records that */
    long long arrival;
    if (__builtin_sub_overflow(ts, s->prev_arrival, &arrival) || fl->pk == LLONG_MAX || fl->by > LLONG_MAX - end
        || s->cycles > LLONG_MAX - 65536 || s->packets == LLONG_MAX || s->good == LLONG_MAX
        || s->received == LLONG_MAX || s->jitter_n == LLONG_MAX || s->pt_n == LLONG_MAX
        || s->bytes > LLONG_MAX - uend)
        return 0;
    fl->pk += 1;
    fl->by += end - off;
    fl->t1 = ts;
    fl->fr1 = n;
    fl->dirty = 1;
    if (seq < s->max_seq)
        s->cycles += 65536;
    s->max_seq = seq;
    s->good += 1;
    s->received += 1;
    s->packets += 1;
    s->bytes += uend - (off + 28) - 12;
    s->last_ts = ts;
    s->last_frame = n;
    s->pt_n += 1;
    long long tsd = ((rtp_ts - s->prev_rtp_ts + 0x80000000LL) & 0xFFFFFFFFLL) - 0x80000000LL;
    double dd = (double)arrival - (double)tsd * 1e9 / (double)s->rate;
    double j = s->jitter + ((dd < 0 ? -dd : dd) - s->jitter) / 16.0;
    s->jitter = j;
    s->jitter_n += 1;
    if (j > s->jitter_max)
        s->jitter_max = j;
    s->prev_arrival = ts;
    s->prev_rtp_ts = rtp_ts;
    s->dirty = 1;
    return 1;
}

/*
 * One Ethernet frame of ``incl`` captured bytes: 1 when taken (accounted, or a known
 * flow of another part with no SIP text), 0 when it goes back to Python, -1 on a
 * Python error.  ``frame`` is the frame number the engine records.
 */
/*
 * Where an IPv4 packet starts in a frame of ``linktype``, as
 * parsers.capture.linklayer.locate finds it; -1 for anything else (IPv6, not IP, a
 * link type the walker leaves to Python).
 */
static Py_ssize_t ipv4_offset(int linktype, const unsigned char *d, Py_ssize_t n)
{
    Py_ssize_t pos;
    unsigned etype;
    if (linktype == 1) {
        if (n < 14)
            return -1;
        etype = (d[12] << 8) | d[13];
        pos = 14;
    } else if (linktype == 113) { /* Linux cooked v1 */
        if (n < 16)
            return -1;
        etype = (d[14] << 8) | d[15];
        pos = 16;
    } else if (linktype == 276) { /* Linux cooked v2 */
        if (n < 20)
            return -1;
        etype = (d[0] << 8) | d[1];
        pos = 20;
    } else if (linktype == 12 || linktype == 14 || linktype == 101 || linktype == 228) {
        return n && (d[0] >> 4) == 4 ? 0 : -1;
    } else {
        return -1;
    }
    while ((etype == 0x8100 || etype == 0x88A8 || etype == 0x9100) && pos + 4 <= n) {
        etype = (d[pos + 2] << 8) | d[pos + 3];
        pos += 4;
    }
    if (etype == 0x0800)
        return pos;
    if (etype == 0x8864 && pos + 8 <= n) { /* PPPoE session, then PPP */
        pos += 6;
        if (pos + 2 <= n && d[pos] == 0xFF && d[pos + 1] == 0x03)
            pos += 2;
        if (pos >= n)
            return -1;
        unsigned proto;
        if (d[pos] & 1) {
            proto = d[pos];
            pos += 1;
        } else {
            proto = pos + 1 < n ? (unsigned)((d[pos] << 8) | d[pos + 1]) : 0;
            pos += 2;
        }
        return proto == 0x0021 ? pos : -1;
    }
    return -1;
}

static inline int take(int linktype, const unsigned char *d, Py_ssize_t incl, long long t, long long frame,
                       PyObject *udp, PyObject *foreign, long need)
{
    if (linktype == 1 && incl >= 42 && d[12] == 8 && d[13] == 0) {
        /* plain Ethernet / IPv4: the engine's own fast path */
        if (!(d[23] == 17 && d[14] == 0x45 && !((d[20] & 0x3F) || d[21])))
            return 0;
        Entry *e = lookup(d + 26, udp, foreign, need);
        if (e == (Entry *)-1)
            return -1;
        if (e == NULL)
            return 0;
        if (e->kind == 2) {
            unsigned c = d[incl > 42 ? 42 : 0];
            return !(65 <= c && c <= 90); /* maybe SIP text: Python looks at it */
        }
        return media_frame(e, d, 14, incl, t, frame, need);
    }
    /* VLAN tags, PPPoE, Linux cooked, raw IP: only in-order RTP of a media flow of
     * this part, whose handling by the engine's IP layer is the same accounting */
    Py_ssize_t off = ipv4_offset(linktype, d, incl);
    if (off < 0 || incl < off + 28 || d[off] != 0x45 || d[off + 9] != 17 || (d[off + 6] & 0x3F) || d[off + 7])
        return 0;
    Entry *e = lookup(d + off + 12, udp, foreign, need);
    if (e == (Entry *)-1)
        return -1;
    if (e == NULL || e->kind != 1)
        return 0;
    return media_frame(e, d, off, incl, t, frame, need);
}

static int begin(PyObject *udp, PyObject *foreign)
{
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "walk() before configure()");
        return -1;
    }
    if (!PyDict_CheckExact(udp) || !PyDict_CheckExact(foreign)) {
        PyErr_SetString(PyExc_TypeError, "walk(): dict tables expected");
        return -1;
    }
    if (cache.nkeys)
        memset(cache.tab, 0, sizeof cache.tab);
    cache.nflows = cache.nstreams = cache.nkeys = 0;
    return 0;
}

/*
 * walk(buf, pos, n, fast, ts, mult, big, linktype, limit, udp, foreign, need)
 *   -> (pos, n, fast, ts)
 *
 * Classic pcap records.  need: RtpTracker._need, or -1 when the engine has no RTP
 * tracker (media frames then all go back to Python).
 */
static PyObject *walk(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 12) {
        PyErr_SetString(PyExc_TypeError, "walk() takes 12 arguments");
        return NULL;
    }
    PyObject *bufo = args[0], *ts_o = args[4], *udp = args[9], *foreign = args[10];
    if (!PyBytes_CheckExact(bufo)) {
        PyErr_SetString(PyExc_TypeError, "walk(): bytes buffer expected");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    long long n = PyLong_AsLongLong(args[2]);
    long long fast = PyLong_AsLongLong(args[3]);
    long long mult = PyLong_AsLongLong(args[5]);
    int big = PyObject_IsTrue(args[6]);
    int linktype = (int)PyLong_AsLong(args[7]);
    long long limit = PyLong_AsLongLong(args[8]);
    long need = PyLong_AsLong(args[11]);
    if (PyErr_Occurred())
        return NULL;
    const unsigned char *buf = (const unsigned char *)PyBytes_AS_STRING(bufo);
    Py_ssize_t size = PyBytes_GET_SIZE(bufo);
    long long ts = 0;
    int have_ts = 0;
    if (pos < 0 || pos > size || mult < 0 || mult > 1000) {
        PyErr_SetString(PyExc_ValueError, "walk(): bad position or time unit");
        return NULL;
    }
    if (begin(udp, foreign) < 0)
        return NULL;

    while (pos + 16 <= size) {
        const unsigned char *h = buf + pos;
        uint32_t sec = rd32(h, big), frac = rd32(h + 4, big), incl = rd32(h + 8, big);
        if ((long long)incl > limit || (Py_ssize_t)incl > size - pos - 16)
            break; /* the reader carries it over, or warns */
        if (((n + 1) & 0xFFFF) == 0)
            break; /* checkpoint frame: Python's */
        long long t = (long long)sec * 1000000000LL + (long long)frac * mult;
        int done = take(linktype, h + 16, incl, t, n + 1, udp, foreign, need);
        if (done < 0) {
            flush();
            return NULL;
        }
        if (!done)
            break;
        pos += 16 + incl;
        n += 1;
        fast += 1;
        ts = t;
        have_ts = 1;
    }
    if (flush() < 0)
        return NULL;
    if (have_ts)
        return Py_BuildValue("(nLLL)", pos, n, fast, ts);
    return Py_BuildValue("(nLLO)", pos, n, fast, ts_o);
}

/* pcapng interface slots (parsers/capture/pcapng.py _Iface) */
static Py_ssize_t if_off[4]; /* linktype, mul, div, offset_ns */
static PyTypeObject *iface_type = NULL;

static PyObject *configure_ng(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cls;
    if (!PyArg_ParseTuple(args, "O!", &PyType_Type, &cls))
        return NULL;
    static const char *names[4] = {"linktype", "mul", "div", "offset_ns"};
    for (int i = 0; i < 4; i++)
        if (slot_offset(cls, names[i], &if_off[i]) < 0)
            return NULL;
    Py_XDECREF(iface_type);
    Py_INCREF(cls);
    iface_type = (PyTypeObject *)cls;
    Py_RETURN_NONE;
}

#define MAX_IFACES 64
#define PCAPNG_EPB 6u

/*
 * walk_ng(buf, pos, frame, n, last_ts, big, ifaces, max_block, udp, foreign, need)
 *   -> (pos, frame, n, last_ts)
 *
 * Enhanced Packet Blocks of a pcapng section, as parsers.capture.pcapng.read would
 * read them: whole in the buffer, sane and matching lengths, a described Ethernet
 * interface, the captured data inside the block.  ``frame`` is the reader's frame
 * number (every packet block), ``n`` the engine's count of frames handled.  Any
 * other block, and any frame the engine must see, stops the walk.
 */
static PyObject *walk_ng(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "walk_ng() takes 11 arguments");
        return NULL;
    }
    PyObject *bufo = args[0], *ts_o = args[4], *ifaces = args[6], *udp = args[8], *foreign = args[9];
    if (!PyBytes_CheckExact(bufo) || !PyList_CheckExact(ifaces) || iface_type == NULL) {
        PyErr_SetString(PyExc_TypeError, "walk_ng(): bytes buffer and interface list expected");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    long long frame = PyLong_AsLongLong(args[2]);
    long long n = PyLong_AsLongLong(args[3]);
    int big = PyObject_IsTrue(args[5]);
    long long max_block = PyLong_AsLongLong(args[7]);
    long need = PyLong_AsLong(args[10]);
    if (PyErr_Occurred())
        return NULL;
    const unsigned char *buf = (const unsigned char *)PyBytes_AS_STRING(bufo);
    Py_ssize_t size = PyBytes_GET_SIZE(bufo);
    if (pos < 0 || pos > size) {
        PyErr_SetString(PyExc_ValueError, "walk_ng(): bad position");
        return NULL;
    }
    if (begin(udp, foreign) < 0)
        return NULL;
    /* interfaces as read on first use in this call: 0 unknown, 1 usable, -1 not */
    signed char usable[MAX_IFACES];
    int ltype[MAX_IFACES];
    long long mul[MAX_IFACES], dv[MAX_IFACES], offset[MAX_IFACES];
    memset(usable, 0, sizeof usable);
    Py_ssize_t nif = PyList_GET_SIZE(ifaces);
    long long ts = 0;
    int have_ts = 0;

    while (pos + 12 <= size) {
        const unsigned char *h = buf + pos;
        uint32_t btype = rd32(h, big), blen = rd32(h + 4, big);
        if (btype != PCAPNG_EPB || blen < 32 || (blen & 3) || (long long)blen > max_block
            || (Py_ssize_t)blen > size - pos || rd32(h + blen - 4, big) != blen)
            break; /* another block, or one the reader must warn about */
        uint32_t iid = rd32(h + 8, big), cap = rd32(h + 20, big);
        if ((Py_ssize_t)iid >= nif || iid >= MAX_IFACES || 28 + (uint64_t)cap > (uint64_t)blen - 4)
            break;
        if (usable[iid] == 0) {
            PyObject *ifc = PyList_GET_ITEM(ifaces, iid);
            long long lt;
            usable[iid] = -1;
            if (Py_IS_TYPE(ifc, iface_type) && as_i64(SLOT(ifc, if_off[0]), &lt) == 0
                && (lt == 1 || lt == 12 || lt == 14 || lt == 101 || lt == 113 || lt == 228 || lt == 276)
                && as_i64(SLOT(ifc, if_off[1]), &mul[iid]) == 0 && as_i64(SLOT(ifc, if_off[2]), &dv[iid]) == 0
                && as_i64(SLOT(ifc, if_off[3]), &offset[iid]) == 0 && mul[iid] > 0 && dv[iid] > 0) {
                usable[iid] = 1;
                ltype[iid] = (int)lt;
            }
        }
        if (usable[iid] < 0)
            break;
        if (((n + 1) & 0xFFFF) == 0)
            break; /* checkpoint frame: Python's */
        /* time: raw * mul // div + offset, as Python computes it, when it fits */
        unsigned __int128 raw = ((unsigned __int128)rd32(h + 12, big) << 32) | rd32(h + 16, big);
        unsigned __int128 q = raw * (unsigned __int128)mul[iid] / (unsigned __int128)dv[iid];
        if (q > (unsigned __int128)LLONG_MAX)
            break;
        long long t;
        if (__builtin_add_overflow((long long)q, offset[iid], &t))
            break;
        int done = take(ltype[iid], h + 28, cap, t, frame + 1, udp, foreign, need);
        if (done < 0) {
            flush();
            return NULL;
        }
        if (!done)
            break;
        pos += blen;
        frame += 1;
        n += 1;
        ts = t;
        have_ts = 1;
    }
    if (flush() < 0)
        return NULL;
    if (have_ts)
        return Py_BuildValue("(nLLL)", pos, frame, n, ts);
    return Py_BuildValue("(nLLO)", pos, frame, n, ts_o);
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Tell the walker the flow and stream layouts."},
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL, "Walk fast-path pcap records in one buffer."},
    {"configure_ng", configure_ng, METH_VARARGS, "Tell the walker the pcapng interface layout."},
    {"walk_ng", (PyCFunction)(void (*)(void))walk_ng, METH_FASTCALL, "Walk fast-path pcapng packet blocks in one buffer."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_walk", "Compiled fast path of the capture engine (classic pcap).", -1, methods,
};

PyMODINIT_FUNC PyInit__walk(void)
{
    return PyModule_Create(&module);
}
