// Command gosio is the gosio benchmark server: the event contract of
// bench/README (echo, bcast, join, room) on the default namespace.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/gosio/gosio/bench/internal/srvutil"
	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/socketio"
)

type roomMsg struct {
	Room string          `json:"room"`
	Data json.RawMessage `json:"data"`
}

type roomMsgAny struct {
	Room string `json:"room"`
	Data any    `json:"data"`
}

func main() {
	f := srvutil.Register()
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	args := flag.String("args", "raw", "listener argument type: raw (json.RawMessage pass-through) or any (the typical listener: any for echo, a struct for room)")
	idle := flag.Duration("idle-read-release", 0, "engine IdleReadRelease (0: the default; negative: never park idle connections)")
	flag.Parse()

	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); _ = pf.Close() }()
	}

	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{IdleReadRelease: *idle}})
	switch *args {
	case "raw":
		io.On("connection", func(s *socketio.Socket) {
			s.On("echo", func(v json.RawMessage, ack socketio.Ack) { ack(v) })
			s.On("bcast", func(v json.RawMessage) { _ = io.Emit("bcast", v) })
			s.On("join", func(room string, ack socketio.Ack) { s.Join(room); ack() })
			s.On("room", func(m roomMsg) { _ = io.To(m.Room).Emit("room", m.Data) })
		})
	case "any":
		io.On("connection", func(s *socketio.Socket) {
			s.On("echo", func(v any, ack socketio.Ack) { ack(v) })
			s.On("bcast", func(v any) { _ = io.Emit("bcast", v) })
			s.On("join", func(room string, ack socketio.Ack) { s.Join(room); ack() })
			s.On("room", func(m roomMsgAny) { _ = io.To(m.Room).Emit("room", m.Data) })
		})
	default:
		fmt.Fprintln(os.Stderr, "-args must be raw or any")
		os.Exit(2)
	}
	srvutil.Serve(f, io, nil)
}
