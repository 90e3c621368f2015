// Command siotest is the Socket.IO test server used by the interop suites in
// interop/test/socketio-*.test.mjs. It is not meant for production use.
//
// It prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections, and shuts down on SIGINT/SIGTERM.
//
// Namespaces: "/" and "/admin" (static), "/private" (a middleware refuses the
// connection with message "unauthorized" and data {"code": 401} unless the
// token is "secret": auth.token for socket.io-client 3+/4, the namespace
// query for 2.x, which the server exposes as auth too), "/asks" (its
// connection handler first asks the client "name?" with EmitWithAck, 4 s
// timeout, and after "hello" emits "greeted" {ok, name} or {ok: false,
// error}), and the dynamic namespaces matching ^/dyn-\d+$. Any other name
// is unknown.
//
// Every socket, whatever its namespace, gets the same contract. At connect
// time the server emits
//
//	"hello" {id, nsp, recovered, transport, protocol}
//
// and then answers these events (ack = the client's acknowledgement
// callback; "→" shows what the server does):
//
//	"echo" ...args ack              → ack(...args)
//	"echo-event" ...args            → emit "echo-event" ...args
//	"binary" data [ack]             → ack(data), then emit "binary-back" data
//	                                  (Buffers anywhere in data travel as binary)
//	"whoami" ack                    → ack({id, nsp, auth, query, recovered, transport, protocol})
//	"relay" ...args [ack]           → s.Broadcast().Emit("relay", ...args) and ack(...args),
//	                                  the arguments as socketio.RawArg (a func(*RawEvent) listener)
//	"relay-field" {event, data}     → s.Broadcast().Emit(event, data), data a RawArg struct field
//	"auth-raw" ack                  → ack(the handshake's AuthRaw as a string)
//	"ask" {timeoutMs, args} [ack]   → ack("asked"); then EmitWithAck("question", ...args)
//	                                  with that timeout, and emit "answer"
//	                                  {ok: true, args} or {ok: false, error, timeout, elapsedMs}
//	"ask-sync" {timeoutMs, args} ack → EmitWithAck("question", ...args) inside the
//	                                  handler (it blocks until the client answers),
//	                                  then ack({ok: true, args} or {ok: false, error})
//	"hold" key ack                  → blocks the handler until "unhold" key arrives on
//	                                  any socket (ack(true)) or 5 s pass (ack(false))
//	"unhold" key ack                → releases the "hold" of that key; ack("ok")
//	"slow" {ms, seq} ack            → sleeps ms, appends seq to the socket's log, ack(seq)
//	"order" ack                     → ack(the socket's log of "slow" seqs)
//	"join" room ack / "leave" room ack → join/leave, ack(sorted rooms)
//	"slow-leave" ms ack             → the socket's "disconnecting" listener will take ms; ack("ok")
//	"to-room" {room, except?, event, data} ack   → nsp.To(room)[.Except(except)].Emit(event, data); ack("ok")
//	"socket-to-room" {room, event, data} ack     → s.To(room).Emit(event, data) (sender excluded)
//	"broadcast" {event, data} ack                → s.Broadcast().Emit(event, data)
//	"broadcast-except" {except, event, data} ack → s.Broadcast().Except(except).Emit(event, data)
//	"fence" id ack                  → nsp.Emit("fence", id) to every socket of the namespace; ack("ok")
//	"wait-reason" {nsp, id, timeoutMs} ack → ack(reason) once the socket id of namespace
//	                                  nsp has disconnected (its "disconnect" reason), or
//	                                  ack(null) after timeoutMs
//	"server-disconnect"             → s.Disconnect(false)
//	"server-close"                  → s.Disconnect(true)
//	"kill-transport" engineSid ack  → ack(found), then closes that Engine.IO session
//	                                  (as Node's socket.conn.close())
//	"volatile-burst" {n, volatile} ack → ack("ok"), then emits "burst" 0..n-1 (volatile or
//	                                  not) as fast as possible, then "burst-done" n (never volatile)
//	"seq" {from, count} ack         → emits "seq" from..from+count-1 to this socket; ack("ok")
//	"seq-on-disconnect" {from, count} ack → when this socket disconnects, emits "seq"
//	                                  from..from+count-1 to its id room (io.To(id)) from the
//	                                  "disconnecting" listener, i.e. while it is offline
//	"dyn-broadcast" {event, data} ack → the dynamic parent emits event data to all its children
//	"stats" ack                     → ack({engineSessions, namespaces: {name: socketCount}})
//	"typed" obj u64 i64 f64 bytes t ack → decodes into Go types (a struct with
//	                                  {s string, n int32, list []uint16, m map[string]float64,
//	                                  inner {b bool}}, uint64, int64, float64, []byte,
//	                                  time.Time) and acks them back: ack(obj, u64, i64, f64,
//	                                  bytes, t)
//	"raw-echo" ...args ack          → ack(...args), the arguments forwarded undecoded
//	"raw-relay" ...args             → s.Broadcast().Emit("relayed", ...args), undecoded
//	"app-of" name ack               → io.Of(name), as app code that emits to a namespace
//	                                  no client has joined yet; ack({name, child}) where child
//	                                  tells whether it is a dynamic namespace's child
//
// "/relay-any" has none of that contract: every event, of any name, is
// relayed to the namespace's other sockets and acked with its arguments,
// through an OnAnyRaw catch-all (no "hello").
//
// The dynamic namespaces matching ^/tenant-[\w-]+$ admit only clients whose
// token is "secret" (auth.token, or the namespace query for 2.x), refusing
// others with "unauthorized" {"code": 401}, as /private does; "/tenant-early"
// is made with io.Of before that dynamic namespace is declared.
//
// stuck.go adds events for stuck listeners and the lifecycle of sockets
// that end ("wait-context", "stuck", "wait-lifecycle", "stuck-stats", ...).
//
// Flags: -addr, -ping-interval, -ping-timeout, -recovery, -connect-timeout,
// -parser (json or msgpack: socket.io-msgpack-parser's format), -v (log to
// stderr).
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/interop/internal/testserver"
	"github.com/gosio/gosio/parser/msgpackparser"
	"github.com/gosio/gosio/socketio"
)

// reasons records the disconnect reason of every socket, by namespace and id,
// and lets a query wait for one.
type reasons struct {
	mu      sync.Mutex
	got     map[string]string
	waiters map[string][]chan string
}

func (r *reasons) set(key, reason string) {
	r.mu.Lock()
	r.got[key] = reason
	ws := r.waiters[key]
	delete(r.waiters, key)
	r.mu.Unlock()
	for _, w := range ws {
		w <- reason
	}
}

func (r *reasons) wait(ctx context.Context, key string) (string, bool) {
	r.mu.Lock()
	if v, ok := r.got[key]; ok {
		r.mu.Unlock()
		return v, true
	}
	ch := make(chan string, 1)
	r.waiters[key] = append(r.waiters[key], ch)
	r.mu.Unlock()
	select {
	case v := <-ch:
		return v, true
	case <-ctx.Done():
		return "", false
	}
}

type app struct {
	io      *socketio.Server
	dyn     *socketio.ParentNamespace
	reasons *reasons
	verbose bool

	nmu  sync.Mutex
	nsps map[string]*socketio.Namespace

	holds holds
}

// holds are the gates "hold" handlers wait at, by key.
type holds struct {
	mu    sync.Mutex
	gates map[string]chan struct{}
}

func (h *holds) gate(key string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gates == nil {
		h.gates = map[string]chan struct{}{}
	}
	g, ok := h.gates[key]
	if !ok {
		g = make(chan struct{})
		h.gates[key] = g
	}
	return g
}

func (h *holds) open(key string) {
	g := h.gate(key)
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-g:
	default:
		close(g)
	}
}

type target struct {
	Room   string `json:"room"`
	Except string `json:"except"`
	Event  string `json:"event"`
	Data   any    `json:"data"`
}

func (a *app) logf(format string, args ...any) {
	if a.verbose {
		log.Printf(format, args...)
	}
}

func (a *app) track(n *socketio.Namespace) {
	a.nmu.Lock()
	a.nsps[n.Name()] = n
	a.nmu.Unlock()
}

func queryMap(s *socketio.Socket) map[string]string {
	out := map[string]string{}
	for k, v := range s.Handshake().Query {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

func protocolOf(s *socketio.Socket) int {
	// socket.io-client 2.x speaks Engine.IO protocol 3 (EIO=3 in the query).
	if s.Handshake().Query.Get("EIO") == "3" {
		return 4
	}
	return 5
}

func (a *app) setup(s *socketio.Socket) {
	nsp := s.Namespace()
	key := nsp.Name() + " " + s.ID()
	a.logf("connect %s recovered=%v transport=%s", key, s.Recovered(), s.Transport())
	a.setupStuck(s)

	var seqOnDisconnect struct {
		sync.Mutex
		from, count int
		slowMs      int
	}
	s.On("disconnecting", func(reason string) {
		seqOnDisconnect.Lock()
		from, count, slow := seqOnDisconnect.from, seqOnDisconnect.count, seqOnDisconnect.slowMs
		seqOnDisconnect.Unlock()
		time.Sleep(time.Duration(slow) * time.Millisecond) // "slow-leave": a slow listener
		for i := from; i < from+count; i++ {
			_ = nsp.To(s.ID()).Emit("seq", i)
		}
	})
	s.On("disconnect", func(reason string) {
		a.logf("disconnect %s: %s", key, reason)
		a.reasons.set(key, reason)
	})

	// "echo": every argument and the ack, arguments passed back as sent.
	s.On("echo", func(ev *socketio.RawEvent) {
		if ev.Ack != nil {
			_ = ev.Ack(ev.Forward()...)
		}
	})
	s.On("echo-event", func(args ...any) {
		_ = s.Emit("echo-event", args...)
	})
	s.On("binary", func(data any, ack socketio.Ack) {
		_ = ack(data)
		_ = s.Emit("binary-back", data)
	})
	// "raw-echo" and "raw-relay": a packet middleware hands the undecoded
	// arguments to the listener, which sends them on as they are.
	var rawArgs []any
	s.Use(func(ev *socketio.Event) error {
		if ev.Name == "raw-echo" || ev.Name == "raw-relay" {
			rawArgs = make([]any, len(ev.Args))
			for i, a := range ev.Args {
				rawArgs[i] = a
			}
		}
		return nil
	})
	s.On("raw-echo", func(ack socketio.Ack) {
		args := rawArgs
		rawArgs = nil
		_ = ack(args...)
	})
	s.On("raw-relay", func() {
		args := rawArgs
		rawArgs = nil
		_ = s.Broadcast().Emit("relayed", args...)
	})
	s.On("typed", func(obj typedObj, u64 uint64, i64 int64, f64 float64, bin []byte, t time.Time, ack socketio.Ack) {
		_ = ack(obj, u64, i64, f64, bin, t)
	})
	// "relay": every argument as sent, passed on unchanged to the other
	// sockets of the namespace and back in the ack, as a Node relay does.
	s.On("relay", func(ev *socketio.RawEvent) {
		_ = s.Broadcast().Emit(ev.Name, ev.Forward()...)
		if ev.Ack != nil {
			_ = ev.Ack(ev.Forward()...)
		}
	})
	s.On("relay-field", func(m struct {
		Event string          `json:"event"`
		Data  socketio.RawArg `json:"data"`
	}) {
		_ = s.Broadcast().Emit(m.Event, m.Data)
	})
	s.On("auth-raw", func(ack socketio.Ack) {
		_ = ack(string(s.Handshake().AuthRaw))
	})
	s.On("whoami", func(ack socketio.Ack) {
		_ = ack(map[string]any{
			"id":        s.ID(),
			"nsp":       nsp.Name(),
			"auth":      s.Handshake().Auth,
			"query":     queryMap(s),
			"recovered": s.Recovered(),
			"transport": s.Transport(),
			"protocol":  protocolOf(s),
		})
	})
	s.On("ask", func(req struct {
		TimeoutMs int   `json:"timeoutMs"`
		Args      []any `json:"args"`
	}, ack socketio.Ack) {
		_ = ack("asked")
		timeout := time.Duration(req.TimeoutMs) * time.Millisecond
		if timeout <= 0 {
			timeout = 5 * time.Second
		}
		go func() {
			start := time.Now()
			resp, err := s.Timeout(timeout).EmitWithAck(context.Background(), "question", req.Args...)
			elapsed := time.Since(start).Milliseconds()
			if err != nil {
				_ = s.Emit("answer", map[string]any{
					"ok": false, "error": err.Error(),
					"timeout":   errors.Is(err, socketio.ErrAckTimeout),
					"elapsedMs": elapsed,
				})
				return
			}
			vals, err := resp.Values()
			if err != nil {
				_ = s.Emit("answer", map[string]any{"ok": false, "error": err.Error(), "timeout": false, "elapsedMs": elapsed})
				return
			}
			if vals == nil {
				vals = []any{}
			}
			_ = s.Emit("answer", map[string]any{"ok": true, "args": vals, "elapsedMs": elapsed})
		}()
	})
	// Handlers that block: gosio runs a handler on the connection's reader
	// when it can, so these check that blocking there neither deadlocks nor
	// reorders a socket's events.
	s.On("ask-sync", func(req struct {
		TimeoutMs int   `json:"timeoutMs"`
		Args      []any `json:"args"`
	}, ack socketio.Ack) {
		resp, err := s.Timeout(time.Duration(req.TimeoutMs)*time.Millisecond).EmitWithAck(context.Background(), "question", req.Args...)
		if err != nil {
			_ = ack(map[string]any{"ok": false, "error": err.Error()})
			return
		}
		vals, err := resp.Values()
		if err != nil {
			_ = ack(map[string]any{"ok": false, "error": err.Error()})
			return
		}
		_ = ack(map[string]any{"ok": true, "args": vals})
	})
	s.On("hold", func(key string, ack socketio.Ack) {
		select {
		case <-a.holds.gate(key):
			_ = ack(true)
		case <-time.After(5 * time.Second):
			_ = ack(false)
		}
	})
	s.On("unhold", func(key string, ack socketio.Ack) {
		a.holds.open(key)
		_ = ack("ok")
	})
	var slowLog []int // only this socket's handlers touch it, one at a time
	s.On("slow", func(req struct {
		Ms  int `json:"ms"`
		Seq int `json:"seq"`
	}, ack socketio.Ack) {
		time.Sleep(time.Duration(req.Ms) * time.Millisecond)
		slowLog = append(slowLog, req.Seq)
		_ = ack(req.Seq)
	})
	s.On("order", func(ack socketio.Ack) {
		_ = ack(append([]int{}, slowLog...))
	})
	s.On("slow-leave", func(ms int, ack socketio.Ack) {
		seqOnDisconnect.Lock()
		seqOnDisconnect.slowMs = ms
		seqOnDisconnect.Unlock()
		_ = ack("ok")
	})
	s.On("join", func(room string, ack socketio.Ack) {
		s.Join(room)
		_ = ack(sortedRooms(s))
	})
	s.On("leave", func(room string, ack socketio.Ack) {
		s.Leave(room)
		_ = ack(sortedRooms(s))
	})
	s.On("to-room", func(t target, ack socketio.Ack) {
		op := nsp.To(t.Room)
		if t.Except != "" {
			op = op.Except(t.Except)
		}
		_ = ack(errString(op.Emit(t.Event, t.Data)))
	})
	s.On("socket-to-room", func(t target, ack socketio.Ack) {
		_ = ack(errString(s.To(t.Room).Emit(t.Event, t.Data)))
	})
	s.On("broadcast", func(t target, ack socketio.Ack) {
		_ = ack(errString(s.Broadcast().Emit(t.Event, t.Data)))
	})
	s.On("broadcast-except", func(t target, ack socketio.Ack) {
		_ = ack(errString(s.Broadcast().Except(t.Except).Emit(t.Event, t.Data)))
	})
	s.On("fence", func(id any, ack socketio.Ack) {
		_ = ack(errString(nsp.Emit("fence", id)))
	})
	s.On("wait-reason", func(req struct {
		Nsp       string `json:"nsp"`
		ID        string `json:"id"`
		TimeoutMs int    `json:"timeoutMs"`
	}, ack socketio.Ack) {
		if req.Nsp == "" {
			req.Nsp = "/"
		}
		d := time.Duration(req.TimeoutMs) * time.Millisecond
		if d <= 0 {
			d = 5 * time.Second
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			if r, ok := a.reasons.wait(ctx, req.Nsp+" "+req.ID); ok {
				_ = ack(r)
			} else {
				_ = ack(nil)
			}
		}()
	})
	s.On("server-disconnect", func() { s.Disconnect(false) })
	s.On("server-close", func() { s.Disconnect(true) })
	s.On("kill-transport", func(sid string, ack socketio.Ack) {
		sess := a.io.Engine().Session(sid)
		_ = ack(sess != nil)
		if sess != nil {
			_ = sess.Close()
		}
	})
	s.On("volatile-burst", func(req struct {
		N        int  `json:"n"`
		Volatile bool `json:"volatile"`
	}, ack socketio.Ack) {
		_ = ack("ok")
		em := s.Timeout(0)
		if req.Volatile {
			em = s.Volatile()
		}
		for i := 0; i < req.N; i++ {
			_ = em.Emit("burst", i)
		}
		_ = s.Emit("burst-done", req.N)
	})
	s.On("seq", func(req struct {
		From  int `json:"from"`
		Count int `json:"count"`
	}, ack socketio.Ack) {
		for i := req.From; i < req.From+req.Count; i++ {
			_ = s.Emit("seq", i)
		}
		_ = ack("ok")
	})
	s.On("seq-on-disconnect", func(req struct {
		From  int `json:"from"`
		Count int `json:"count"`
	}, ack socketio.Ack) {
		seqOnDisconnect.Lock()
		seqOnDisconnect.from, seqOnDisconnect.count = req.From, req.Count
		seqOnDisconnect.Unlock()
		_ = ack("ok")
	})
	s.On("dyn-broadcast", func(t target, ack socketio.Ack) {
		_ = ack(errString(a.dyn.Emit(t.Event, t.Data)))
	})
	s.On("app-of", func(name string, ack socketio.Ack) {
		n := a.io.Of(name)
		_ = ack(map[string]any{"name": n.Name(), "child": n.Parent() != nil})
	})
	s.On("stats", func(ack socketio.Ack) {
		counts := map[string]int{}
		a.nmu.Lock()
		for name, n := range a.nsps {
			counts[name] = len(n.Sockets())
		}
		a.nmu.Unlock()
		_ = ack(map[string]any{"engineSessions": a.io.Engine().SessionCount(), "namespaces": counts})
	})

	_ = s.Emit("hello", map[string]any{
		"id":        s.ID(),
		"nsp":       nsp.Name(),
		"recovered": s.Recovered(),
		"transport": s.Transport(),
		"protocol":  protocolOf(s),
	})
}

// typedObj is the struct the "typed" event decodes into.
type typedObj struct {
	S     string             `json:"s"`
	N     int32              `json:"n"`
	List  []uint16           `json:"list"`
	M     map[string]float64 `json:"m"`
	Inner struct {
		B bool `json:"b"`
	} `json:"inner"`
}

func sortedRooms(s *socketio.Socket) []string {
	r := s.Rooms()
	sort.Strings(r)
	return r
}

func errString(err error) any {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	pingInterval := flag.Duration("ping-interval", 0, "Engine.IO ping interval (0: default)")
	pingTimeout := flag.Duration("ping-timeout", 0, "Engine.IO ping timeout (0: default)")
	recovery := flag.Bool("recovery", false, "enable connection state recovery")
	connectTimeout := flag.Duration("connect-timeout", 0, "Socket.IO connect timeout (0: default)")
	verbose := flag.Bool("v", false, "log to stderr")
	parserName := flag.String("parser", "json", "packet format: json or msgpack")
	// Short by default, so that the tests' pauses park connections and the
	// real clients exercise parked and resumed readers throughout.
	idleRelease := flag.Duration("idle-read-release", 5*time.Millisecond, "engine IdleReadRelease")
	flag.Parse()

	opts := &socketio.Options{
		Engine: engineio.Options{
			AllowEIO3:       true,
			PingInterval:    *pingInterval,
			PingTimeout:     *pingTimeout,
			IdleReadRelease: *idleRelease,
		},
		ConnectTimeout: *connectTimeout,
	}
	switch *parserName {
	case "json":
	case "msgpack":
		opts.Parser = msgpackparser.New(nil)
	default:
		log.Fatalf("siotest: unknown -parser %q", *parserName)
	}
	if *recovery {
		opts.ConnectionStateRecovery = &socketio.RecoveryOptions{}
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	io := socketio.NewServer(opts)
	a := &app{
		io:      io,
		reasons: &reasons{got: map[string]string{}, waiters: map[string][]chan string{}},
		verbose: *verbose,
		nsps:    map[string]*socketio.Namespace{},
	}
	io.OnNewNamespace(a.track)
	for _, name := range []string{"/", "/admin", "/private"} {
		n := io.Of(name)
		a.track(n)
		n.OnConnection(a.setup)
	}
	io.Of("/private").Use(requireToken)
	asks := io.Of("/asks")
	a.track(asks)
	asks.OnConnection(func(s *socketio.Socket) {
		resp, err := s.Timeout(4*time.Second).EmitWithAck(context.Background(), "name?")
		greeted := map[string]any{"ok": err == nil}
		if err != nil {
			greeted["error"] = err.Error()
		} else {
			var name string
			_ = resp.Decode(&name)
			greeted["name"] = name
		}
		a.setup(s)
		_ = s.Emit("greeted", greeted)
	})
	// "/relay-any": a catch-all relay, as Node's socket.onAny relaying to
	// the namespace's other sockets and acking with the same arguments.
	relayAny := io.Of("/relay-any")
	a.track(relayAny)
	relayAny.OnConnection(func(s *socketio.Socket) {
		s.OnAnyRaw(func(ev *socketio.RawEvent) {
			_ = s.Broadcast().Emit(ev.Name, ev.Forward()...)
			if ev.Ack != nil {
				_ = ev.Ack(ev.Forward()...)
			}
		})
	})
	a.dyn = io.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	a.dyn.OnConnection(a.setup)
	// Made by app code before the dynamic namespace that guards its name.
	io.Of("/tenant-early")
	tenants := io.OfRegexp(regexp.MustCompile(`^/tenant-[\w-]+$`))
	tenants.Use(requireToken)
	tenants.OnConnection(a.setup)

	testserver.Run("siotest", *addr, io, 2*time.Second, func(context.Context) { _ = io.Close() })
}

// requireToken admits a client whose token is "secret": auth.token for
// socket.io-client 3+/4, the namespace query for 2.x, which the server
// exposes as auth too.
func requireToken(s *socketio.Socket) error {
	tok, _ := s.Handshake().Auth["token"].(string)
	if tok == "" {
		tok = s.Handshake().Query.Get("token")
	}
	if tok != "secret" {
		return &socketio.ConnectError{Message: "unauthorized", Data: map[string]any{"code": 401}}
	}
	return nil
}
