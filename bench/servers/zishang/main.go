// Command zishang is the benchmark server built on
// github.com/zishang520/socket.io (v3), same event contract as the others.
package main

import (
	"flag"

	"github.com/gosio/gosio/bench/internal/srvutil"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

func main() {
	f := srvutil.Register()
	flag.Parse()

	io := socket.NewServer(nil, nil)
	_ = io.On("connection", func(clients ...any) {
		s := clients[0].(*socket.Socket)
		_ = s.On("echo", func(args ...any) {
			if len(args) < 2 {
				return
			}
			if ack, ok := args[len(args)-1].(socket.Ack); ok {
				ack(args[:1], nil)
			}
		})
		_ = s.On("bcast", func(args ...any) {
			if len(args) > 0 {
				io.Emit("bcast", args[0])
			}
		})
		_ = s.On("join", func(args ...any) {
			if len(args) < 1 {
				return
			}
			if room, ok := args[0].(string); ok {
				s.Join(socket.Room(room))
			}
			if ack, ok := args[len(args)-1].(socket.Ack); ok {
				ack(nil, nil)
			}
		})
		_ = s.On("room", func(args ...any) {
			if len(args) < 1 {
				return
			}
			m, ok := args[0].(map[string]any)
			if !ok {
				return
			}
			room, _ := m["room"].(string)
			io.To(socket.Room(room)).Emit("room", m["data"])
		})
	})
	srvutil.Serve(f, io.ServeHandler(nil), nil)
}
