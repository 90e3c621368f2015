package engineio_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gosio/gosio/engineio"
)

// echo sends every message back to the client that sent it.
type echo struct{}

func (echo) OnOpen(s *engineio.Session) {}

func (echo) OnMessage(s *engineio.Session, binary bool, data []byte) {
	m := engineio.TextMessage(data)
	if binary {
		m = engineio.BinaryMessage(data)
	}
	_ = s.Send(m)
}

func (echo) OnClose(s *engineio.Session, reason engineio.CloseReason, err error) {}

// An echo server mounted on a ServeMux, and one polling round trip with it.
func ExampleNewServer() {
	srv := engineio.NewServer(echo{}, nil)
	defer srv.Close()

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	base := ts.URL + "/engine.io/?EIO=4&transport=polling"
	resp, err := http.Get(base)
	if err != nil {
		panic(err)
	}
	open, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sid := strings.Split(strings.Split(string(open), `"sid":"`)[1], `"`)[0]

	resp, err = http.Post(base+"&sid="+sid, "text/plain", strings.NewReader("4hello"))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	resp, err = http.Get(base + "&sid=" + sid)
	if err != nil {
		panic(err)
	}
	echoed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s\n", echoed)
	// Output: 4hello
}
