/*
 * pri-harness: libpri on one end of a D-channel frame pipe, driven by line
 * commands on stdin, reporting what libpri tells it as one line per event on
 * stdout. The ISDN tests spawn it as the real peer of sipline's stack.
 *
 * Usage: pri-harness --side user|network --switch NAME [--span t1|e1]
 *                    [--fd N] [--overlap] [--service] [--timer NAME=VALUE]...
 *                    [--debug]
 *
 * The frame pipe is a stream (fd 3 by default, as a Node child gets it):
 * every D-channel frame is a 2-octet big-endian length and then the frame
 * (address, control, information; no flags, no FCS). libpri writes two octets
 * of FCS after every frame and expects two after every frame it reads: they
 * are dropped on write and added (as zeros) on read.
 *
 * Commands (stdin, one a line; ID is a name the script gives a call, incoming
 * calls are named in1, in2, ...; CHAN is a B-channel number or "any"):
 *   call ID CHAN CALLED [CALLING] [overlap] [exclusive] [restricted]
 *   more ID            SETUP ACKNOWLEDGE (overlap receiving)
 *   digits ID DIGITS   INFORMATION, one per digit (overlap sending)
 *   proceed ID | alert ID [inband] | progress ID | answer ID
 *   hangup ID CAUSE    DISCONNECT, or RELEASE COMPLETE before any answer
 *   restart            RESTART of the whole interface
 *   reset CHAN         RESTART of one channel
 *   service CHAN STATUS SERVICE (0 in service, 1 maintenance, 2 out of service)
 *   quit
 * Events (stdout): "<name> key=value ...", e.g.
 *   ready | up | down | ring id=in1 channel=1 exclusive=1 called=123 calling=456 complete=1 pres=N
 *   proceeding | setup-ack | ringing mask=N | progress mask=N | answer | connect-ack id=..
 *   disconnect id=.. cause=N | hangup id=.. cause=N | released id=..
 *   refused called=.. cause=N | info id=.. digits=.. | restart channel=N
 *   restart-ack channel=N | service channel=N status=N | service-ack channel=N status=N
 *   error what=..
 */
#include <errno.h>
#include <libpri.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_CALLS 256
/* channel number in libpri's channel word (its span and explicit bits above) */
#define PRI_CHANNEL(c) ((c) & 0xff)
#define MAX_FRAME 1024

struct call {
	char id[32];
	q931_call *call;
	int channel;
	/* an incoming call we answered anything to (libpri sends no DISCONNECT before that) */
	int acked;
	/* a call the script placed that has had no answer yet */
	int pending;
};

struct harness {
	struct pri *pri;
	int fd;
	int channels; /* highest B-channel number (24 on T1 minus the D-channel, 31 on E1) */
	int dchannel;
	int busy[32];
	struct call calls[MAX_CALLS];
	int incoming;
	int side;
	/* one whole frame read from the pipe, handed to libpri by rx() */
	unsigned char frame[MAX_FRAME];
	int frame_len;
	unsigned char in[MAX_FRAME * 4];
	size_t in_len;
};

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void libpri_message(struct pri *pri, char *s)
{
	(void)pri;
	fprintf(stderr, "libpri: %s", s);
}

static int rx(struct pri *pri, void *buf, int buflen)
{
	struct harness *h = pri_get_userdata(pri);
	int n = h->frame_len;
	if (n <= 0)
		return 0;
	if (n + 2 > buflen)
		n = buflen - 2;
	memcpy(buf, h->frame, n);
	/* libpri strips two octets of FCS from every frame it reads */
	memset((unsigned char *)buf + n, 0, 2);
	h->frame_len = 0;
	return n + 2;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int tx(struct pri *pri, void *buf, int buflen)
{
	struct harness *h = pri_get_userdata(pri);
	int n = buflen - 2; /* libpri appends two octets for the FCS */
	unsigned char out[MAX_FRAME + 2];
	if (n <= 0 || n > MAX_FRAME)
		return buflen;
	out[0] = (unsigned char)(n >> 8);
	out[1] = (unsigned char)n;
	memcpy(out + 2, buf, n);
	if (write_all(h->fd, out, (size_t)n + 2) < 0)
		return -1;
	return buflen;
}

static struct call *by_id(struct harness *h, const char *id)
{
	for (int i = 0; i < MAX_CALLS; i++)
		if (h->calls[i].call && !strcmp(h->calls[i].id, id))
			return &h->calls[i];
	return NULL;
}

static struct call *by_call(struct harness *h, q931_call *c)
{
	if (!c)
		return NULL;
	for (int i = 0; i < MAX_CALLS; i++)
		if (h->calls[i].call == c)
			return &h->calls[i];
	return NULL;
}

static void drop_call(struct harness *h, struct call *c);

static struct call *add_call(struct harness *h, const char *id, q931_call *c, int channel)
{
	/* libpri may hand out the memory of a call it freed: forget any stale name for it */
	struct call *stale = by_call(h, c);
	if (stale)
		drop_call(h, stale);
	for (int i = 0; i < MAX_CALLS; i++) {
		if (!h->calls[i].call) {
			snprintf(h->calls[i].id, sizeof(h->calls[i].id), "%s", id);
			h->calls[i].call = c;
			h->calls[i].channel = channel;
			h->calls[i].acked = 0;
			h->calls[i].pending = 0;
			if (channel > 0 && channel < 32)
				h->busy[channel] = 1;
			return &h->calls[i];
		}
	}
	return NULL;
}

static void drop_call(struct harness *h, struct call *c)
{
	if (c->channel > 0 && c->channel < 32)
		h->busy[c->channel] = 0;
	c->call = NULL;
	c->id[0] = 0;
}

static int free_channel(struct harness *h)
{
	for (int ch = 1; ch <= h->channels; ch++)
		if (ch != h->dchannel && !h->busy[ch])
			return ch;
	return 0;
}

static struct call *pending_on(struct harness *h, int ch)
{
	for (int i = 0; i < MAX_CALLS; i++)
		if (h->calls[i].call && h->calls[i].pending && h->calls[i].channel == ch)
			return &h->calls[i];
	return NULL;
}

static const char *call_name(struct harness *h, q931_call *c)
{
	struct call *k = by_call(h, c);
	return k ? k->id : "?";
}

static void on_ring(struct harness *h, pri_event *e)
{
	int ch = PRI_CHANNEL(e->ring.channel);
	int exclusive = !e->ring.flexible;
	int cause = 0;
	struct call *glare;
	char id[32];

	if (e->ring.channel <= 0 || ch <= 0 || ch == 0xff)
		ch = 0;
	if (ch > 0 && (ch > h->channels || ch == h->dchannel))
		cause = PRI_CAUSE_CHANNEL_UNACCEPTABLE;
	else if (ch > 0 && h->busy[ch] && h->side == PRI_CPE && (glare = pending_on(h, ch))) {
		/* Q.931 clause 5.7: on a channel both ends chose at once the network's call
		 * wins; ours waits for the network to give it another channel or refuse it */
		glare->channel = 0;
		h->busy[ch] = 0;
	} else if (ch > 0 && h->busy[ch]) {
		/* Q.931 clause 5.2.3.1: a busy exclusive channel refuses the call,
		 * a busy preferred one lets the receiver pick another */
		if (exclusive)
			cause = PRI_CAUSE_REQUESTED_CHAN_UNAVAIL;
		else if (!(ch = free_channel(h)))
			cause = PRI_CAUSE_NORMAL_CIRCUIT_CONGESTION;
	} else if (ch == 0 && !(ch = free_channel(h)))
		cause = PRI_CAUSE_NORMAL_CIRCUIT_CONGESTION;
	if (cause) {
		say("refused called=%s cause=%d", e->ring.callednum, cause);
		/* libpri sends nothing for a call the application never acknowledged */
		pri_proceeding(h->pri, e->ring.call, 0, 0);
		pri_hangup(h->pri, e->ring.call, cause);
		return;
	}
	snprintf(id, sizeof(id), "in%d", ++h->incoming);
	add_call(h, id, e->ring.call, ch);
	say("ring id=%s channel=%d exclusive=%d called=%s calling=%s complete=%d pres=%d", id, ch, exclusive,
	    e->ring.callednum, e->ring.callingnum, e->ring.complete, e->ring.callingpres);
}

static void on_event(struct harness *h, pri_event *e)
{
	struct call *c;
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		say("up");
		break;
	case PRI_EVENT_DCHAN_DOWN:
		say("down");
		break;
	case PRI_EVENT_RESTART: {
		int ch = e->restart.channel;
		say("restart channel=%d", ch > 0 ? PRI_CHANNEL(ch) : -1);
		for (int i = 0; i < MAX_CALLS; i++)
			if (h->calls[i].call && (ch <= 0 || h->calls[i].channel == PRI_CHANNEL(ch)))
				drop_call(h, &h->calls[i]);
		break;
	}
	case PRI_EVENT_RESTART_ACK:
		say("restart-ack channel=%d", e->restartack.channel > 0 ? PRI_CHANNEL(e->restartack.channel) : -1);
		break;
	case PRI_EVENT_RING:
		on_ring(h, e);
		break;
	case PRI_EVENT_PROCEEDING:
		c = by_call(h, e->proceeding.call);
		if (c)
			c->pending = 0;
		if (c && e->proceeding.channel > 0 && PRI_CHANNEL(e->proceeding.channel) != c->channel) {
			if (c->channel > 0)
				h->busy[c->channel] = 0;
			c->channel = PRI_CHANNEL(e->proceeding.channel);
			h->busy[c->channel] = 1;
		}
		say("proceeding id=%s channel=%d", call_name(h, e->proceeding.call), c ? c->channel : -1);
		break;
	case PRI_EVENT_SETUP_ACK:
		if ((c = by_call(h, e->setup_ack.call)))
			c->pending = 0;
		say("setup-ack id=%s", call_name(h, e->setup_ack.call));
		break;
	case PRI_EVENT_RINGING:
		if ((c = by_call(h, e->ringing.call)))
			c->pending = 0;
		say("ringing id=%s mask=%d", call_name(h, e->ringing.call), e->ringing.progressmask);
		break;
	case PRI_EVENT_PROGRESS:
		say("progress id=%s mask=%d", call_name(h, e->proceeding.call), e->proceeding.progressmask);
		break;
	case PRI_EVENT_ANSWER:
		if ((c = by_call(h, e->answer.call)))
			c->pending = 0;
		say("answer id=%s", call_name(h, e->answer.call));
		break;
	case PRI_EVENT_CONNECT_ACK:
		say("connect-ack id=%s", call_name(h, e->connect_ack.call));
		break;
	case PRI_EVENT_INFO_RECEIVED:
		say("info id=%s digits=%s", call_name(h, e->ring.call), e->ring.callednum);
		break;
	case PRI_EVENT_KEYPAD_DIGIT:
		say("keypad id=%s digits=%s", call_name(h, e->digit.call), e->digit.digits);
		break;
	case PRI_EVENT_HANGUP_REQ:
		/* DISCONNECT received: clear with the cause given, as a PBX would */
		say("disconnect id=%s cause=%d", call_name(h, e->hangup.call), e->hangup.cause);
		pri_hangup(h->pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP:
		say("hangup id=%s cause=%d", call_name(h, e->hangup.call), e->hangup.cause);
		c = by_call(h, e->hangup.call);
		/* the call is cleared; pri_hangup() frees libpri's record of it */
		pri_hangup(h->pri, e->hangup.call, e->hangup.cause);
		if (c)
			drop_call(h, c);
		break;
	case PRI_EVENT_HANGUP_ACK:
		say("released id=%s", call_name(h, e->hangup.call));
		c = by_call(h, e->hangup.call);
		if (c)
			drop_call(h, c);
		break;
	case PRI_EVENT_SERVICE:
		say("service channel=%d status=%d", PRI_CHANNEL(e->service.channel), e->service.changestatus);
		break;
	case PRI_EVENT_SERVICE_ACK:
		say("service-ack channel=%d status=%d", PRI_CHANNEL(e->service_ack.channel),
		    e->service_ack.changestatus);
		break;
	case PRI_EVENT_CONFIG_ERR:
		say("error what=config-%s", e->err.err);
		break;
	default:
		say("event name=%s", pri_event2str(e->e));
		break;
	}
}

static int channel_arg(struct harness *h, const char *s)
{
	if (!s || !strcmp(s, "any"))
		return 0;
	int ch = atoi(s);
	return (ch > 0 && ch <= h->channels && ch != h->dchannel) ? ch : -1;
}

static void command(struct harness *h, char *line)
{
	char *argv[8] = { 0 };
	int argc = 0;
	for (char *t = strtok(line, " \t\r\n"); t && argc < 8; t = strtok(NULL, " \t\r\n"))
		argv[argc++] = t;
	if (!argc)
		return;
	const char *cmd = argv[0];
	struct call *c = argc > 1 ? by_id(h, argv[1]) : NULL;
	int needs_call = strcmp(cmd, "call") && strcmp(cmd, "restart") && strcmp(cmd, "reset") &&
			 strcmp(cmd, "service") && strcmp(cmd, "quit");
	if (needs_call && !c) {
		say("error what=no-such-call command=%s id=%s", cmd, argc > 1 ? argv[1] : "");
		return;
	}
	int ch = c ? c->channel : 0;
	if (c && strcmp(cmd, "hangup") && strcmp(cmd, "digits"))
		c->acked = 1;
	if (!strcmp(cmd, "call") && argc >= 4) {
		int overlap = 0, exclusive = 0, restricted = 0;
		for (int i = 5; i < argc; i++) {
			overlap |= !strcmp(argv[i], "overlap");
			exclusive |= !strcmp(argv[i], "exclusive");
			restricted |= !strcmp(argv[i], "restricted");
		}
		int want = channel_arg(h, argv[2]);
		if (want < 0) {
			say("error what=bad-channel id=%s", argv[1]);
			return;
		}
		q931_call *call = pri_new_call(h->pri);
		struct pri_sr *sr = pri_sr_new();
		if (!call || !sr) {
			say("error what=no-call id=%s", argv[1]);
			return;
		}
		pri_sr_set_channel(sr, want, exclusive, 0);
		pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, h->channels > 24 ? PRI_LAYER_1_ALAW : PRI_LAYER_1_ULAW);
		pri_sr_set_called(sr, argv[3], PRI_UNKNOWN, !overlap);
		pri_sr_set_caller(sr, argc > 4 ? argv[4] : "", NULL, PRI_UNKNOWN,
				  /* Q.931 clause 4.5.10 octet 3a: presentation restricted keeps the number in the IE */
				  restricted ? PRES_PROHIB_USER_NUMBER_NOT_SCREENED : PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
		struct call *placed = add_call(h, argv[1], call, want);
		if (placed)
			placed->pending = 1;
		if (pri_setup(h->pri, call, sr)) {
			say("error what=setup-failed id=%s", argv[1]);
			drop_call(h, by_call(h, call));
		}
		pri_sr_free(sr);
	} else if (!strcmp(cmd, "more")) {
		pri_need_more_info(h->pri, c->call, ch, 0);
	} else if (!strcmp(cmd, "digits") && argc >= 3) {
		for (const char *d = argv[2]; *d; d++)
			pri_information(h->pri, c->call, *d);
	} else if (!strcmp(cmd, "proceed")) {
		pri_proceeding(h->pri, c->call, ch, 0);
	} else if (!strcmp(cmd, "alert")) {
		/* "alert <id> inband": progress indicator 8, in-band information available (Q.931 clause 4.5.23) */
		pri_acknowledge(h->pri, c->call, ch, argc > 2 && !strcmp(argv[2], "inband"));
	} else if (!strcmp(cmd, "progress")) {
		pri_progress(h->pri, c->call, ch, 1);
	} else if (!strcmp(cmd, "answer")) {
		pri_answer(h->pri, c->call, ch, 0);
	} else if (!strcmp(cmd, "hangup") && argc >= 3) {
		/* As a PBX does (chan_dahdi), a call is acknowledged before it is refused: libpri
		 * sends nothing for a DISCONNECT cause on a call it has not answered at all. */
		if (!c->acked && !strncmp(c->id, "in", 2))
			pri_proceeding(h->pri, c->call, ch, 0);
		c->acked = 1;
		/* the script is done with the B-channel; libpri may report nothing more */
		if (c->channel > 0 && c->channel < 32)
			h->busy[c->channel] = 0;
		c->channel = 0;
		pri_hangup(h->pri, c->call, atoi(argv[2]));
	} else if (!strcmp(cmd, "restart")) {
		pri_restart(h->pri);
	} else if (!strcmp(cmd, "reset") && argc >= 2) {
		pri_reset(h->pri, atoi(argv[1]));
	} else if (!strcmp(cmd, "service") && argc >= 3) {
		pri_maintenance_service(h->pri, 0, atoi(argv[1]), atoi(argv[2]));
	} else if (!strcmp(cmd, "quit")) {
		exit(0);
	} else {
		say("error what=bad-command command=%s", cmd);
	}
}

static int switch_type(const char *name)
{
	static const struct { const char *name; int type; } types[] = {
		{ "national", PRI_SWITCH_NI2 },	  { "ni1", PRI_SWITCH_NI1 },
		{ "dms100", PRI_SWITCH_DMS100 },  { "5ess", PRI_SWITCH_LUCENT5E },
		{ "4ess", PRI_SWITCH_ATT4ESS },	  { "euroisdn", PRI_SWITCH_EUROISDN_E1 },
		{ "euroisdn_t1", PRI_SWITCH_EUROISDN_T1 }, { "qsig", PRI_SWITCH_QSIG },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(name, types[i].name))
			return types[i].type;
	return -1;
}

static void usage(const char *why)
{
	fprintf(stderr, "pri-harness: %s\nusage: pri-harness --side user|network --switch "
			"national|ni1|dms100|5ess|4ess|euroisdn|euroisdn_t1|qsig [--span t1|e1] [--fd N] "
			"[--overlap] [--service] [--timer NAME=VALUE]... [--debug]\n", why);
	exit(2);
}

/* Feeds every whole frame in the input buffer to libpri. */
static void drain(struct harness *h)
{
	size_t off = 0;
	while (h->in_len - off >= 2) {
		size_t n = ((size_t)h->in[off] << 8) | h->in[off + 1];
		if (h->in_len - off - 2 < n)
			break;
		if (n > 0 && n <= MAX_FRAME) {
			memcpy(h->frame, h->in + off + 2, n);
			h->frame_len = (int)n;
			pri_event *e = pri_check_event(h->pri);
			if (e)
				on_event(h, e);
		}
		off += 2 + n;
	}
	memmove(h->in, h->in + off, h->in_len - off);
	h->in_len -= off;
}

int main(int argc, char **argv)
{
	static struct harness h;
	int side = 0, sw = -1, overlap = 0, service = 0, debug = 0;
	const char *timers[32];
	int ntimers = 0;
	h.fd = 3;
	h.channels = 24;
	h.dchannel = 24;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--side") && v) {
			side = !strcmp(v, "user") ? PRI_CPE : !strcmp(v, "network") ? PRI_NETWORK : -1;
			i++;
		} else if (!strcmp(a, "--switch") && v) {
			sw = switch_type(v);
			i++;
		} else if (!strcmp(a, "--span") && v) {
			if (!strcmp(v, "e1")) {
				h.channels = 31;
				h.dchannel = 16;
			} else if (strcmp(v, "t1"))
				usage("--span is t1 or e1");
			i++;
		} else if (!strcmp(a, "--fd") && v) {
			h.fd = atoi(v);
			i++;
		} else if (!strcmp(a, "--timer") && v && ntimers < 32) {
			timers[ntimers++] = v;
			i++;
		} else if (!strcmp(a, "--overlap")) {
			overlap = 1;
		} else if (!strcmp(a, "--service")) {
			service = 1;
		} else if (!strcmp(a, "--debug")) {
			debug = 1;
		} else {
			usage("unknown argument");
		}
	}
	if (side <= 0)
		usage("--side must be user or network");
	if (sw < 0)
		usage("--switch names an unknown switch type");

	pri_set_message(libpri_message);
	pri_set_error(libpri_message);
	h.side = side;
	h.pri = pri_new_cb(h.fd, side, sw, rx, tx, &h);
	if (!h.pri) {
		fprintf(stderr, "pri-harness: pri_new_cb failed\n");
		return 1;
	}
	if (debug)
		pri_set_debug(h.pri, PRI_DEBUG_Q921_STATE | PRI_DEBUG_Q931_STATE | PRI_DEBUG_Q931_DUMP |
					     PRI_DEBUG_Q921_DUMP);
	pri_set_overlapdial(h.pri, overlap);
	if (service)
		pri_set_service_message_support(h.pri, 1);
	for (int i = 0; i < ntimers; i++) {
		char name[16];
		const char *eq = strchr(timers[i], '=');
		if (!eq || eq - timers[i] >= (long)sizeof(name))
			usage("--timer is NAME=VALUE");
		memcpy(name, timers[i], eq - timers[i]);
		name[eq - timers[i]] = 0;
		int idx = pri_timer2idx(name);
		if (idx < 0 || pri_set_timer(h.pri, idx, atoi(eq + 1)))
			usage("--timer names an unknown libpri timer");
	}
	say("ready");

	char line[1024];
	size_t line_len = 0;
	for (;;) {
		struct timeval *next = pri_schedule_next(h.pri);
		int timeout = -1;
		if (next) {
			struct timeval now;
			gettimeofday(&now, NULL);
			long ms = (next->tv_sec - now.tv_sec) * 1000 + (next->tv_usec - now.tv_usec) / 1000;
			timeout = ms < 0 ? 0 : (int)ms;
		}
		struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = h.fd, .events = POLLIN } };
		int n = poll(fds, 2, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("pri-harness: poll");
			return 1;
		}
		if (n == 0) {
			pri_event *e = pri_schedule_run(h.pri);
			if (e)
				on_event(&h, e);
			continue;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(h.fd, h.in + h.in_len, sizeof(h.in) - h.in_len);
			if (r <= 0)
				return 0; /* the far end closed the pipe */
			h.in_len += (size_t)r;
			drain(&h);
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(0, line + line_len, sizeof(line) - 1 - line_len);
			if (r <= 0)
				return 0;
			line_len += (size_t)r;
			char *nl;
			while ((nl = memchr(line, '\n', line_len))) {
				*nl = 0;
				command(&h, line);
				size_t used = (size_t)(nl - line) + 1;
				memmove(line, nl + 1, line_len - used);
				line_len -= used;
			}
			if (line_len == sizeof(line) - 1)
				line_len = 0; /* a line too long to be a command */
		}
	}
}
