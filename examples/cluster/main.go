// Command cluster runs two gosio servers in one process, on two ports, that
// form a Socket.IO cluster over Redis: a chat user connected to one server
// talks with users connected to the other.
//
//	examples/run.sh cluster      # http://localhost:3001 and :3002, this machine only
//	examples/run.sh cluster -addrs :3001,:3002 -redis 127.0.0.1:6379   # every interface
//	examples/run.sh cluster -adapter streams   # Redis Streams, with connection state recovery
//
// Each server has its own socketio.Server, http.Server and Redis client; the
// only thing they share is Redis, through the Redis adapter (Pub/Sub, or
// Streams with -adapter streams), exactly as if they ran on two machines.
// With Streams, connection state recovery is on: a page whose connection
// drops gets the messages it missed when it reconnects, to either server. The page connects with the websocket transport
// only, so a load balancer in front of them would need no sticky sessions.
//
// Nothing in the handlers keeps state in the process: messages go through
// io.To(room) / s.To(room), which the adapter forwards to the other server,
// and the list of people in a room comes from io.In(room).FetchSockets,
// which asks every server of the cluster for its sockets and their Data.
//
// Events (client → server): "join" (name, room; acknowledged with the
// room's users), "chat" (text), "users" (acknowledged with the room's
// users). Events (server → client): "chat" (message), "joined" and "left"
// (user).
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/examples/internal/clientjs"
	"github.com/gosio/gosio/socketio"
	"github.com/gosio/gosio/socketio/redisadapter"
	"github.com/gosio/gosio/socketio/redisstreams"
)

//go:embed static
var static embed.FS

var page = template.Must(template.ParseFS(static, "static/index.html"))

// rooms are the rooms a user can pick; the first is the default.
var rooms = []string{"general", "random"}

// user is the socket's Data (see Socket.SetData). FetchSockets returns it
// as is for this server's sockets and decoded from JSON for the other
// server's, hence the tags and userOf.
type user struct {
	Name   string `json:"name"`
	Room   string `json:"room"`
	Server string `json:"server"` // ":3001": where the user is connected
}

// message is a chat message as the clients receive it.
type message struct {
	Name   string    `json:"name"`
	Text   string    `json:"text"`
	Server string    `json:"server"` // the server the sender is connected to
	Time   time.Time `json:"time"`
}

// node is one server of the cluster.
type node struct {
	name string // ":3001"
	rdb  *redis.Client
	io   *socketio.Server
	http *http.Server
	ln   net.Listener
}

func main() {
	addrs := flag.String("addrs", "localhost:3001,localhost:3002", "the two servers' listen addresses, comma-separated; the default accepts connections from this machine only, :3001,:3002 from every network interface (port 0 picks a free port)")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	key := flag.String("key", "socket.io", "prefix of the Redis channels (servers with the same prefix form one cluster)")
	clientDir := flag.String("client-dir", "", "directory holding socket.io.min.js (default: examples/node_modules/socket.io-client/dist)")
	adapter := flag.String("adapter", "pubsub", `the cluster adapter: "pubsub" (Redis Pub/Sub) or "streams" (Redis Streams, with connection state recovery)`)
	flag.Parse()
	if *adapter != "pubsub" && *adapter != "streams" {
		log.Fatalf("-adapter: want pubsub or streams, got %q", *adapter)
	}
	log.SetPrefix("cluster: ")

	list := strings.Split(*addrs, ",")
	if len(list) != 2 {
		log.Fatalf("-addrs: want two addresses, got %q", *addrs)
	}
	dir, err := clientjs.Dir(*clientDir)
	if err != nil {
		log.Fatal(err)
	}

	// Fail early, with a clear message, when Redis is not there.
	ping := redis.NewClient(&redis.Options{Addr: *redisAddr})
	pctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	err = ping.Ping(pctx).Err()
	cancel()
	ping.Close()
	if err != nil {
		log.Fatalf("redis %s: %v", *redisAddr, err)
	}

	var nodes []*node
	for _, addr := range list {
		n, err := newNode(strings.TrimSpace(addr), *redisAddr, *key, *adapter, dir)
		if err != nil {
			for _, n := range nodes {
				n.close()
			}
			log.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		go func() {
			if err := n.http.Serve(n.ln); !errors.Is(err, http.ErrServerClosed) {
				log.Fatal(err)
			}
		}()
	}
	fmt.Printf("LISTENING %s %s\n", port(nodes[0].ln), port(nodes[1].ln)) // read by the e2e tests
	log.Printf("open http://localhost:%s and http://localhost:%s (listening on %s and %s)",
		port(nodes[0].ln), port(nodes[1].ln), nodes[0].ln.Addr(), nodes[1].ln.Addr())

	// Graceful shutdown on Ctrl-C or SIGTERM. It takes half a second at
	// most, so more signals meanwhile are ignored rather than cutting it short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Print("shutting down")
	// A short deadline: the pages reconnect by themselves once the servers
	// are back, and a process manager waits for the ports to be free.
	shutdown, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() { n.shutdown(shutdown) })
	}
	wg.Wait()
}

func port(ln net.Listener) string { return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) }

// newNode starts listening on addr and sets up a Socket.IO server whose
// adapter talks to the other servers through Redis.
func newNode(addr, redisAddr, key, adapter, clientDir string) (*node, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	n := &node{name: ":" + port(ln), ln: ln}
	n.rdb = redis.NewClient(&redis.Options{Addr: redisAddr})
	opts := &socketio.Options{Adapter: redisadapter.New(n.rdb, &redisadapter.Options{Key: key})}
	if adapter == "streams" {
		// The key names the stream and prefixes the channels; the sessions
		// and missed messages live in Redis, so a page recovers on either
		// server.
		opts.Adapter = redisstreams.New(n.rdb, &redisstreams.Options{StreamName: key, ChannelPrefix: key})
		opts.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute}
	}
	n.io = socketio.NewServer(opts)
	n.io.On("connection", n.onConnection)

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", n.io)
	clientjs.Register(mux, clientDir)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, map[string]any{"Server": n.name, "Rooms": rooms}); err != nil {
			log.Printf("%s: page: %v", n.name, err)
		}
	})
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	// The pages name their icon, but other clients still ask for
	// /favicon.ico: answer with the icon rather than a 404.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "favicon.svg")
	})
	// Header limits set explicitly, because the zero values leave a server
	// open to header floods: without ReadHeaderTimeout a client that trickles
	// header bytes holds its connection (and goroutine) forever, and
	// MaxHeaderBytes would be 1 MB; 16 KB is Node's limit. IdleTimeout ends
	// idle keep-alive connections. No WriteTimeout: a long-polling GET waits
	// up to pingInterval (25 s) for data. See docs/ROBUSTNESS.md, "What the
	// application must set".
	n.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       60 * time.Second,
	}
	return n, nil
}

func (n *node) onConnection(s *socketio.Socket) {
	s.On("join", func(name, room string, ack socketio.Ack) {
		name = strings.TrimSpace(name)
		if name == "" || !slices.Contains(rooms, room) {
			ack(nil)
			return
		}
		if old, ok := s.Data().(user); ok { // a second join: leave the old room
			s.Leave(old.Room)
			s.To(old.Room).Emit("left", old)
		}
		u := user{Name: name, Room: room, Server: n.name}
		s.SetData(u)
		s.Join(room)
		s.To(room).Emit("joined", u) // everyone in the room, on both servers, but s
		n.sendUsers(s, room, ack)
	})
	s.On("users", func(ack socketio.Ack) {
		if u, ok := s.Data().(user); ok {
			n.sendUsers(s, u.Room, ack)
		} else {
			ack(nil)
		}
	})
	s.On("chat", func(text string) {
		u, ok := s.Data().(user)
		if text = strings.TrimSpace(text); !ok || text == "" {
			return
		}
		// Everyone in the room, sender included, on whichever server.
		n.io.To(u.Room).Emit("chat", message{Name: u.Name, Text: text, Server: n.name, Time: time.Now()})
	})
	// The socket has left its rooms by now, so the others' lists, fetched
	// when they get "left", no longer include it.
	s.On("disconnect", func(reason socketio.DisconnectReason) {
		if u, ok := s.Data().(user); ok {
			n.io.To(u.Room).Emit("left", u)
		}
	})
}

// sendUsers answers ack with the users in room, on every server, sorted by
// name. FetchSockets waits for the other server's answer (a Redis round
// trip), so it runs on a goroutine of its own: the socket's other events go
// on meanwhile.
//
// The clients pull the list (on joining, and on every "joined"/"left")
// rather than the server pushing it: each fetch then starts after the
// change the client was told about, so the latest answer is never stale,
// whichever server's notice arrives first.
func (n *node) sendUsers(s *socketio.Socket, room string, ack socketio.Ack) {
	go func() {
		ctx, cancel := context.WithTimeout(s.Context(), 5*time.Second)
		defer cancel()
		sockets, err := n.io.In(room).FetchSockets(ctx)
		if err != nil {
			log.Printf("%s: fetch sockets of %q: %v", n.name, room, err)
			ack(nil)
			return
		}
		users := []user{}
		for _, rs := range sockets {
			if u, ok := userOf(rs.Data); ok && u.Room == room {
				users = append(users, u)
			}
		}
		slices.SortFunc(users, func(a, b user) int { return strings.Compare(a.Name, b.Name) })
		ack(users)
	}()
}

// userOf reads a socket's Data: a user for this server's sockets, the
// JSON-decoded map for the other server's.
func userOf(data any) (user, bool) {
	if u, ok := data.(user); ok {
		return u, true
	}
	b, err := json.Marshal(data)
	if err != nil {
		return user{}, false
	}
	var u user
	if json.Unmarshal(b, &u) != nil || u.Name == "" {
		return user{}, false
	}
	return u, true
}

// shutdown disconnects the node's sockets, stops its HTTP server and closes
// its Redis client.
func (n *node) shutdown(ctx context.Context) {
	n.io.Shutdown(ctx) // ends the sockets first (the adapter goes with them)...
	if n.http.Shutdown(ctx) != nil {
		n.http.Close() // ...so the HTTP server finds its connections idle, or closes them
	}
	n.rdb.Close()
}

// close releases a node that never served.
func (n *node) close() {
	n.io.Close()
	n.ln.Close()
	n.rdb.Close()
}
