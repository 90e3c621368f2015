package msgpackparser_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/gosio/gosio/parser"
	"github.com/gosio/gosio/parser/msgpackparser"
	"github.com/gosio/gosio/socketio"
)

// A server for clients created with
// io(url, { parser: require("socket.io-msgpack-parser") }).
func Example() {
	io := socketio.NewServer(&socketio.Options{Parser: msgpackparser.New(nil)})
	io.OnConnection(func(s *socketio.Socket) {
		type chat struct {
			User string `json:"user"`
			Text string `json:"text"`
		}
		// Typed listeners decode msgpack arguments by their json tags.
		s.On("chat", func(m chat) { _ = s.Broadcast().Emit("chat", m) })
		// A value received into an `any` goes back in the form it came in.
		s.On("echo", func(v any, ack socketio.Ack) { _ = ack(v) })
	})
	http.Handle("/socket.io/", io)
	if false { // not run as a test
		log.Fatal(http.ListenAndServe(":3000", nil))
	}
}

func ExampleCodec_Encode() {
	frames, err := msgpackparser.New(nil).Encode(nil, &parser.Packet{
		Type: parser.Event, Namespace: "/", Data: []any{"hi", 1, 1.5, []byte{7}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("binary=%v % x\n", frames[0].Binary, frames[0].Data)
	// Output:
	// binary=true 83 a4 74 79 70 65 02 a4 64 61 74 61 94 a2 68 69 01 cb 3f f8 00 00 00 00 00 00 c4 01 07 a3 6e 73 70 a1 2f
}
