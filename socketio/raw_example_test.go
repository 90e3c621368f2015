package socketio_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/socketio"
)

// A RawArg keeps an argument as the client sent it. Sent on, it goes out as
// a Node server relaying it would send it: keys in the client's order,
// numbers as JavaScript writes them, binary attachments as binary. Decoded,
// a big integer stays exact.
func ExampleRawArg() {
	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		s.On("move", func(m socketio.RawArg) {
			_ = s.Broadcast().Emit("move", m) // the relay
		})
	})

	// What that relay receives and sends for one client packet:
	pkt, _ := parser.JSON.NewDecoder().Add(false, []byte(`2["move",{"y":2.0,"x":1,"id":12345678901234567890}]`))
	elems, _ := pkt.Data.(parser.RawValue).Elems()
	m := socketio.NewRawArg(elems[1])
	fmt.Println(string(m.Raw()))

	var v struct {
		ID json.Number `json:"id"`
	}
	_ = m.Unmarshal(&v)
	fmt.Println(v.ID)

	frames, _ := parser.JSON.Encode(nil, &parser.Packet{Type: parser.Event, Data: []any{"move", m}})
	fmt.Println(string(frames[0].Data))
	// Output:
	// {"y":2.0,"x":1,"id":12345678901234567890}
	// 12345678901234567890
	// 2["move",{"y":2,"x":1,"id":12345678901234567000}]
}

// A gateway forwards every event, of any name and arity, to the other
// sockets, and passes their first answer back to the sender when it asked
// for one, without decoding anything.
func ExampleSocket_OnAnyRaw() {
	io := socketio.NewServer(nil)
	io.On("connection", func(s *socketio.Socket) {
		s.OnAnyRaw(func(ev *socketio.RawEvent) {
			args := ev.Forward()
			if ev.Ack == nil {
				_ = s.Broadcast().Emit(ev.Name, args...)
				return
			}
			go func() {
				answers, err := s.Broadcast().Timeout(5*time.Second).EmitWithAck(s.Context(), ev.Name, args...)
				if err != nil || len(answers) == 0 {
					_ = ev.Ack()
					return
				}
				_ = ev.Ack(answers[0].Forward()...)
			}()
		})
	})
}
