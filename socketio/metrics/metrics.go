// Package metrics exports a gosio server's counters to Prometheus.
//
//	io := socketio.NewServer(nil)
//	http.Handle("/metrics", metrics.Handler(io))
//
// or, with a registry of your own, reg.MustRegister(metrics.NewCollector(io)).
//
// Everything is read from the server's counters when Prometheus scrapes
// ([socketio.Server.Stats], [engineio.Server.Stats]): the hot paths pay an
// atomic add per message, nothing more, and programs that do not import
// this package compile none of the Prometheus client.
//
// Metrics (all prefixed gosio_):
//
//	engine_handshakes_total, engine_upgrades_total       sessions opened, moved to WebSocket
//	engine_sessions{transport,protocol}                  open sessions (gauge)
//	engine_queued_{messages,bytes}{transport,protocol}   outbound queue depth (gauges)
//	engine_closes_total{reason}                          sessions ended, by Engine.IO reason
//	engine_messages_{received,sent}_total                message packets in and out
//	engine_bytes_{received,sent}_total                   their payload bytes
//	sockets{namespace}                                   sockets connected (gauge)
//	socket_connects_total, socket_disconnects_total      namespace connections and ends
//	broadcasts_total, broadcast_recipients_total         broadcasts and the sockets they reached
//	limit_hits_total{limit,action}                       what each limit and policy refused,
//	                                                     dropped or disconnected
//	ack_round_trip_seconds                               acknowledged emits to clients, send to
//	                                                     answer (histogram)
//	ack_reply_seconds                                    clients' acknowledged events, listener
//	                                                     start to the app's answer (histogram)
//	adapter_requests_total{kind,outcome}                 cluster adapter requests (fetchSockets,
//	                                                     allRooms, serverSideEmit, serverCount,
//	                                                     ...) by outcome: ok, error, timeout
//	adapter_request_seconds{kind}                        their latency (histogram)
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

// Collector is a [prometheus.Collector] of one server's metrics.
type Collector struct {
	io  *socketio.Server
	eng *engineio.Stats
	sio *socketio.Stats

	mu     sync.Mutex
	closes map[engineio.CloseReason]uint64
	stop   func()
}

var (
	descHandshakes  = desc("engine_handshakes_total", "Engine.IO sessions opened.")
	descUpgrades    = desc("engine_upgrades_total", "Engine.IO sessions upgraded from long-polling to WebSocket.")
	descSessions    = desc("engine_sessions", "Engine.IO sessions open, by transport and protocol revision.", "transport", "protocol")
	descQueued      = desc("engine_queued_messages", "Messages waiting to be written to clients, by transport and protocol revision.", "transport", "protocol")
	descQueuedBytes = desc("engine_queued_bytes", "Payload bytes waiting to be written to clients, by transport and protocol revision.", "transport", "protocol")
	descBroadcasts  = desc("broadcasts_total", "Broadcasts made on this server (a cluster adapter's local part included).")
	descFanout      = desc("broadcast_recipients_total", "Sockets the broadcasts reached; divided by broadcasts_total, the mean fan-out.")
	descCloses      = desc("engine_closes_total", "Engine.IO sessions ended, by reason.", "reason")
	descMsgsIn      = desc("engine_messages_received_total", "Message packets received from clients.")
	descMsgsOut     = desc("engine_messages_sent_total", "Message packets queued or written for clients.")
	descBytesIn     = desc("engine_bytes_received_total", "Payload bytes of the message packets received.")
	descBytesOut    = desc("engine_bytes_sent_total", "Payload bytes of the message packets sent.")
	descSockets     = desc("sockets", "Sockets connected to this server, by namespace.", "namespace")
	descConnects    = desc("socket_connects_total", "Namespace connections.")
	descDisconnects = desc("socket_disconnects_total", "Namespace disconnections.")
	descLimits      = desc("limit_hits_total", "Requests refused, messages dropped and clients disconnected by each limit and policy.", "limit", "action")
	descAckRTT      = desc("ack_round_trip_seconds", "Acknowledged emits to clients, from the send to the client's answer.")
	descAckReply    = desc("ack_reply_seconds", "Clients' acknowledged events, from the start of their listeners to the application's answer.")
	descAdapterReqs = desc("adapter_requests_total", "Requests of the cluster adapters to the other servers, by kind and outcome (ok, error, timeout).", "kind", "outcome")
	descAdapterLat  = desc("adapter_request_seconds", "Latency of the cluster adapters' requests, by kind.", "kind")
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("gosio_"+name, help, labels, nil)
}

// NewCollector turns on io's counters and returns their collector. Close
// it to stop watching the sessions' ends.
func NewCollector(io *socketio.Server) *Collector {
	c := &Collector{io: io, eng: io.Engine().Stats(), sio: io.Stats(), closes: make(map[engineio.CloseReason]uint64)}
	c.stop = io.Engine().Observe(closeCounter{c})
	return c
}

// Close stops counting the sessions' ends.
func (c *Collector) Close() { c.stop() }

// Handler returns an [http.Handler] serving io's metrics, with the Go
// runtime's and the process's, in the Prometheus exposition formats.
func Handler(io *socketio.Server) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(io), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Describe implements [prometheus.Collector].
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHandshakes, descUpgrades, descSessions, descQueued, descQueuedBytes,
		descBroadcasts, descFanout, descCloses, descMsgsIn, descMsgsOut,
		descBytesIn, descBytesOut, descSockets, descConnects, descDisconnects, descLimits,
		descAckRTT, descAckReply, descAdapterReqs, descAdapterLat} {
		ch <- d
	}
}

// Collect implements [prometheus.Collector].
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v *atomic.Uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v.Load()), labels...)
	}
	e, s := c.eng, c.sio
	counter(descHandshakes, &e.Handshakes)
	counter(descUpgrades, &e.Upgrades)
	counter(descMsgsIn, &e.MessagesIn)
	counter(descMsgsOut, &e.MessagesOut)
	counter(descBytesIn, &e.BytesIn)
	counter(descBytesOut, &e.BytesOut)
	counter(descConnects, &s.Connects)
	counter(descDisconnects, &s.Disconnects)
	counter(descBroadcasts, &s.Broadcasts)
	counter(descFanout, &s.BroadcastRecipients)
	for _, l := range []struct {
		v             *atomic.Uint64
		limit, action string
	}{
		{&e.HandshakesRefused, "connections_per_ip_or_handshake_rate", "refused"},
		{&e.QueueFull, "max_queued", "refused"},
		{&e.SlowClientDisconnects, "max_queued", "disconnected"},
		{&e.VolatileDropped, "volatile", "dropped"},
		{&e.PayloadTooLarge, "max_payload", "disconnected"},
		{&s.RateWarned, "event_rate", "warned"},
		{&s.RateDisconnected, "event_rate", "disconnected"},
		{&s.NamespacesRefused, "max_namespaces", "refused"},
		{&s.RoomsRefused, "max_rooms", "refused"},
		{&s.AcksRefused, "max_pending_acks", "refused"},
	} {
		counter(descLimits, l.v, l.limit, l.action)
	}
	// Events dropped by the rate limit are counted with the other drops.
	ch <- prometheus.MustNewConstMetric(descLimits, prometheus.CounterValue,
		float64(c.io.Drops().RateLimited), "event_rate", "dropped")
	for _, sc := range c.io.Engine().SessionCounts() {
		proto := strconv.Itoa(sc.Protocol)
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(sc.Count), sc.Transport, proto)
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(sc.QueuedMessages), sc.Transport, proto)
		ch <- prometheus.MustNewConstMetric(descQueuedBytes, prometheus.GaugeValue, float64(sc.QueuedBytes), sc.Transport, proto)
	}
	for _, n := range c.io.Namespaces() {
		ch <- prometheus.MustNewConstMetric(descSockets, prometheus.GaugeValue, float64(len(n.Sockets())), n.Name())
	}
	ch <- histogram(descAckRTT, s.AckRoundTrip.Snapshot())
	ch <- histogram(descAckReply, s.AckReply.Snapshot())
	for _, r := range s.AdapterRequests() {
		for _, o := range []struct {
			n       uint64
			outcome string
		}{{r.OK, "ok"}, {r.Errors, "error"}, {r.Timeouts, "timeout"}} {
			ch <- prometheus.MustNewConstMetric(descAdapterReqs, prometheus.CounterValue, float64(o.n), r.Kind, o.outcome)
		}
		ch <- histogram(descAdapterLat, r.Latency, r.Kind)
	}
	c.mu.Lock()
	for r, v := range c.closes {
		ch <- prometheus.MustNewConstMetric(descCloses, prometheus.CounterValue, float64(v), string(r))
	}
	c.mu.Unlock()
}

// closeCounter counts the sessions' ends by reason.
type closeCounter struct{ c *Collector }

// SessionOpened implements [engineio.Observer]; Stats counts it.
func (o closeCounter) SessionOpened(*engineio.Session) {}

// SessionUpgraded implements [engineio.Observer]; Stats counts it.
func (o closeCounter) SessionUpgraded(*engineio.Session) {}

// SessionClosed implements [engineio.Observer].
func (o closeCounter) SessionClosed(_ *engineio.Session, r engineio.CloseReason) {
	o.c.mu.Lock()
	o.c.closes[r]++
	o.c.mu.Unlock()
}

// histogram turns a server's histogram into Prometheus's, in seconds.
func histogram(d *prometheus.Desc, h socketio.HistogramSnapshot, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Counts))
	for i, bound := range socketio.HistogramBounds {
		buckets[bound.Seconds()] = h.Counts[i]
	}
	return prometheus.MustNewConstHistogram(d, h.Count, h.Sum.Seconds(), buckets, labels...)
}
