package clusterwire

import (
	"encoding/json"
	"testing"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/parser"
)

// A plain broadcast's packet keeps its ack id both ways, as Node's
// adapters publish and deliver it; a broadcast with acknowledgements
// (Packet) does not send one.
func TestBroadcastPacketID(t *testing.T) {
	pkt := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"ask", "x"}, ID: 7, HasID: true}
	m, err := BroadcastPacket(pkt, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := msgpack.MarshalJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"type":2,"data":["ask","x"],"id":7}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if back := ReadPacket(v, "/"); back == nil || !back.HasID || back.ID != 7 {
		t.Fatalf("read back %+v", back)
	}
	m, _ = Packet(pkt, false)
	for _, kv := range m {
		if kv.Key == "id" {
			t.Fatal("Packet sent the ack id")
		}
	}
	for _, bad := range []string{`-1`, `1.5`, `"3"`, `null`} {
		var v any
		_ = json.Unmarshal([]byte(`{"type":2,"data":["e"],"id":`+bad+`}`), &v)
		if p := ReadPacket(v, "/"); p == nil || p.HasID {
			t.Fatalf("id %s: %+v", bad, p)
		}
	}
}

// FuzzReadPacket feeds arbitrary packet objects (as JSON) to ReadPacket: it
// may refuse them, never panic; what it reads is an EVENT of the
// namespace, and an ack id it reads is written back by BroadcastPacket.
func FuzzReadPacket(f *testing.F) {
	f.Add(`{"type":2,"data":["a",1],"id":3}`)
	f.Add(`{"type":2,"data":["a"],"nsp":"/","id":-4}`)
	f.Add(`{"type":5,"data":["a",{"_placeholder":true,"num":0}],"id":1e300}`)
	f.Add(`{"type":2,"data":[],"id":1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		p := ReadPacket(v, "/")
		if p == nil {
			return
		}
		if p.Type != parser.Event || p.Namespace != "/" {
			t.Fatalf("read %+v", p)
		}
		m, err := BroadcastPacket(p, false)
		if err != nil {
			return // arguments msgpack cannot hold
		}
		var id any
		for _, kv := range m {
			if kv.Key == "id" {
				id = kv.Value
			}
		}
		if p.HasID != (id != nil) || (p.HasID && id != p.ID) {
			t.Fatalf("id %v written for %+v", id, p)
		}
	})
}
